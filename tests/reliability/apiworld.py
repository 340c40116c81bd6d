"""The data and credentials a schemathesis run needs for its writes to reach their success
path: an admitted stay (inpatient number, paid deposits), patients with and without notices,
a signed-in staff member and phone account, a kiosk key and a HIS integration key."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from bedside.accounts.models import AccountPatient
from bedside.accounts.sms import LogSmsGateway, set_gateway
from bedside.admissions import service as admissions_service
from bedside.admissions.models import AdmissionNotice
from bedside.admissions.schemas import NoticeIn
from bedside.core.audit import SYSTEM
from bedside.fleet.models import FleetAlert
from bedside.integrations import service as integrations
from bedside.kiosks import service as kiosks_service
from bedside.payments.models import PaymentOrder
from bedside.payments.sandbox import server as sandbox
from bedside.payments.sandbox.models import SandboxTrade
from bedside.staff import service as staff_service
from tests import factories
from tests.conftest import DATABASE
from tests.helpers import phone_login, staff_login
from tests.integration.discharge.conftest import admitted, pay
from tests.reliability import apiworld_new

# Status codes answered per operation label, for the success-path summary.
CALLS: dict[str, list[int]] = {}

PHONE = "13600000011"  # the phone account of the admitted patient (make_admission)
EXTRA_PATIENTS = 6  # per pool: each may be issued one notice, or have one cancelled


@dataclass
class SignedIn:
    cookies: dict[str, str]
    csrf: str


@dataclass
class ApiWorld:
    staff: SignedIn
    phone: SignedIn
    kiosk_key: str
    his_key: str
    department_ids: list[int]
    department_codes: list[str]
    my_patient_ids: list[int]  # the phone account's
    my_notice_ids: list[int]
    my_order_ids: list[int]
    admitted_notice_id: int
    inpatient_no: str
    resident_ids: list[str]  # every patient's
    fresh_patient_ids: list[int]  # no notice yet: the console may issue one
    fresh_resident_ids: list[str]  # no notice yet: the HIS may send one
    cancellable_notice_ids: list[int]
    all_notice_ids: list[int]
    paid_trades: dict[str, str] = field(default_factory=dict)  # channel -> out_trade_no
    fleet_alert_ids: list[int] = field(default_factory=list)  # open alerts of the kiosk K-ST
    new: apiworld_new.NewWorld = field(default_factory=apiworld_new.NewWorld)

    def auth(self, path: str) -> dict[str, Any]:
        """Headers and cookies for the surface `path` belongs to."""
        if path.startswith(("/api/v1/admission-notices", "/api/v1/fleet")):
            return {"headers": {"X-CSRF-Token": self.staff.csrf}, "cookies": self.staff.cookies}
        if path.startswith("/api/v1/me"):
            return {"headers": {"X-CSRF-Token": self.phone.csrf}, "cookies": self.phone.cookies}
        if path.startswith("/api/v1/kiosk"):
            return {"headers": {"X-Kiosk-Key": self.kiosk_key}}
        if path.startswith("/api/ddi/"):
            return {"headers": {"Authorization": f"TargetToken {self.kiosk_key}"}}
        if path.startswith("/api/v1/care"):
            return {"headers": {"Authorization": f"Bearer {self.new.care_key}"}}
        if path.startswith("/api/v1/his"):
            return {"headers": {"Authorization": f"Bearer {self.his_key}"}}
        if path == "/metrics":
            return {"cookies": self.staff.cookies}
        return {}

    def signed_notification(self, channel: str) -> tuple[dict[str, str], bytes]:
        """A notification for a paid order, signed now (WeChat refuses a stale timestamp)."""
        with DATABASE.session() as s:
            trade = s.scalar(
                select(SandboxTrade).where(SandboxTrade.out_trade_no == self.paid_trades[channel])
            )
            assert trade is not None
            made = sandbox.notification_for(s, trade)
            s.commit()
        assert made is not None
        headers, body = made
        return dict(headers), body


def _signed_in(app: FastAPI, login: Any, *args: Any) -> SignedIn:
    with TestClient(app, base_url="http://testserver") as client:
        token = login(client, *args)
        return SignedIn(cookies=dict(client.cookies.items()), csrf=token)


_NAMES = "甲乙丙丁戊己庚辛壬癸"


def _patients(session: Any, n: int, first_year: int) -> list[Any]:
    return [
        factories.patient(session, name=f"测试{_NAMES[i]}", birth=factories.date(first_year + i, 3, 9))
        for i in range(n)
    ]


def build(app: FastAPI) -> ApiWorld:
    with DATABASE.session() as session:
        inpatient = admitted(session)
        adm = inpatient.adm
        world = adm.world
        pay(adm, "alipay", "PRECREATE", 20000, "schemathesis-alipay-1")
        factories.staff(
            session,
            "root",
            "admin",
            "doctor",
            "nurse",
            "admission_center",
            "ops_engineer",
            department_id=world.department.id,
        )
        doctor = staff_service.actor_for(factories.staff(session, "dr.pool", "doctor"))
        fresh = _patients(session, EXTRA_PATIENTS, 1950)
        for_his = _patients(session, EXTRA_PATIENTS, 1960)
        to_cancel = _patients(session, EXTRA_PATIENTS, 1970)
        cancellable = [
            admissions_service.issue(
                session,
                doctor,
                NoticeIn(
                    patient_id=p.id,
                    department_id=world.department.id,
                    diagnosis="肺炎",
                    expected_date=factories.tomorrow(),
                ),
            ).id
            for p in to_cancel
        ]
        kiosk, kiosk_key = kiosks_service.register(
            session, SYSTEM, code="K-ST", name="n", location="l", model="m", serial="s", modules=[]
        )
        alerts = [
            FleetAlert(
                kiosk_id=kiosk.id,
                rule="module_fault",
                subject=f"m{i}",
                severity="critical",
                state="open",
                open_key=f"{kiosk.id}:module_fault:m{i}",
                detail={},
            )
            for i in range(EXTRA_PATIENTS)
        ]
        session.add_all(alerts)
        session.flush()
        _, his_key = integrations.register(
            session,
            SYSTEM,
            "HIS-schemathesis",
            ["admission_notices", "charges", "reports", "patients", "orders"],
        )
        kiosk_id = kiosk.id
        session.expire_all()  # the stay was admitted, and paid, in sessions of their own
        notice = session.get(AdmissionNotice, adm.notice.id)
        assert notice is not None and notice.inpatient_no, "the stay was not admitted"
        mine = list(
            session.scalars(
                select(AccountPatient.patient_id).where(AccountPatient.account_id == adm.account.id)
            )
        )
        orders = list(session.scalars(select(PaymentOrder).where(PaymentOrder.patient_id.in_(mine))))
        everyone = [adm.patient, *fresh, *for_his, *to_cancel]
        built = ApiWorld(
            staff=SignedIn({}, ""),
            phone=SignedIn({}, ""),
            kiosk_key=kiosk_key,
            his_key=his_key,
            department_ids=[world.department.id, world.other_department.id],
            department_codes=[world.department.code, world.other_department.code],
            my_patient_ids=mine,
            my_notice_ids=[adm.notice.id],
            my_order_ids=[o.id for o in orders],
            admitted_notice_id=adm.notice.id,
            inpatient_no=notice.inpatient_no,
            resident_ids=[p.resident_id for p in everyone],
            fresh_patient_ids=[p.id for p in fresh],
            fresh_resident_ids=[p.resident_id for p in for_his],
            cancellable_notice_ids=cancellable,
            all_notice_ids=[adm.notice.id, *cancellable],
            paid_trades={o.channel: o.out_trade_no for o in orders if o.state == "paid"},
            fleet_alert_ids=[a.id for a in alerts],
        )
    built.new = apiworld_new.build(app, kiosk_id, built.admitted_notice_id, built.inpatient_no)
    gateway = LogSmsGateway(demo=False)
    set_gateway(gateway)
    try:
        built.staff = _signed_in(app, staff_login, "root")
        built.phone = _signed_in(app, phone_login, gateway, PHONE)
    finally:
        set_gateway(None)
    return built


def record(label: str, status: int) -> None:
    CALLS.setdefault(label, []).append(status)


def summary() -> list[str]:
    lines = []
    for label, statuses in sorted(CALLS.items()):
        ok = sum(200 <= s < 300 for s in statuses)
        seen = ", ".join(f"{code}x{statuses.count(code)}" for code in sorted(set(statuses)))
        lines.append(f"{ok:4d}/{len(statuses):<4d} 2xx  {label}  ({seen})")
    return lines
