"""One hospital for the reliability suite: a victim patient with a record of every kind a route
names (stay, payments, settlement, report, survey, follow-up, record copy, article), an
attacker family, a proxy of the victim, staff of every role and of two wards, a kiosk.
(tests.reliability.clients signs them in.)"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.accounts.models import AccountPatient
from bedside.admissions.models import AdmissionNotice
from bedside.charges import service as charges
from bedside.core.audit import SYSTEM, Actor
from bedside.core.clock import local_today
from bedside.core.db import utcnow
from bedside.core.pii import mask_name
from bedside.deposits import service as deposits
from bedside.discharge import service as discharge
from bedside.discharge.models import Discharge, SettlementIntent
from bedside.education import service as education
from bedside.education.service import Stage
from bedside.hospital.models import Bed, Room, Ward
from bedside.kiosks import service as kiosks_service
from bedside.kiosks.models import Kiosk
from bedside.patients.models import Patient
from bedside.payments import cash
from bedside.payments import service as payments
from bedside.records import service as records_service
from bedside.reports import service as reports_service
from bedside.settings import get_settings
from bedside.staff.models import StaffUser
from bedside.staff.roles import Role
from bedside.surveys import followup
from bedside.surveys.models import FollowUp, SurveyInvitation
from tests import factories
from tests.conftest import DATABASE
from tests.helpers import JSAPI_PAYER
from tests.integration.admissions.conftest import DETAILS, MORSE_PATIENT
from tests.integration.discharge.conftest import HIS, admitted, line, signature
from tests.integration.test_care_surveys import RATINGS, dispatch
from tests.reliability.routes import ORDER_OF, Endpoint

ATTACKER_PHONE = "13811110001"
PROXY_PHONE = "13900000099"
VICTIM_PHONE = "13600000011"  # the admitted patient's own account (make_admission)
DEPOSIT_FEN = 512345  # ¥5,123.45: amounts no other page of the suite shows
CHARGE_FEN = 98765  # ¥987.65
WORRYING = {"feeling": "worse", "symptoms": "none", "medication": "yes", "notes": "夜里胸闷"}
KIOSK_MODULES = ["id_reader", "card_reader", "receipt_printer", "laser_printer", "stamper"]
KIOSK_MODULES += ["pin_pad", "wristband_printer", "cash_acceptor", "camera", "scanner"]


@dataclass
class Records:
    """The victim's records, named as the routes' path parameters name them."""

    patient_id: int
    notice_id: int
    order_id: int  # the deposit, paid
    cash_order_id: int
    card_order_id: int
    settlement_id: int
    settle_order_id: int  # the order paying the settlement's supplementary amount
    report_id: int
    article_id: int
    invitation_id: int
    follow_up_id: int
    request_id: int  # a record copy request
    copy_order_id: int
    account_id: int  # the stay's deposit account
    inpatient_no: str
    kind: str = "e_invoice"


@dataclass
class World:
    victim: Patient
    attacker: Patient
    records: Records
    kiosk: Kiosk
    kiosk_key: str
    ward_a: Ward  # the victim's ward (cardiology)
    ward_b: Ward  # another department's ward (orthopaedics)
    # One per role, by role; rn.w02 and dr.orth of ward B's department; root with every role.
    staff: dict[str, StaffUser] = field(default_factory=dict)

    def secrets_of_victim(self) -> list[str]:
        """What must never appear in a page answered to someone else."""
        rid = self.victim.resident_id or ""
        return [
            self.victim.name,
            mask_name(self.victim.name),
            self.records.inpatient_no,
            rid,
            rid[:6] + "********" + rid[-4:],
            "冠心病",  # the stay's diagnosis
            "5,123.45",
            "987.65",
        ]


def _second_ward(session: Session, campus_id: int, department_id: int) -> Ward:
    ward = Ward(campus_id=campus_id, department_id=department_id, code="W02", name="骨科一病区", floor=6)
    session.add(ward)
    session.flush()
    room = Room(ward_id=ward.id, code="601", gender="M")
    session.add(room)
    session.flush()
    session.add(Bed(room_id=room.id, ward_id=ward.id, code="601-1"))
    session.commit()
    return ward


def _staff(session: Session, ward_a: Ward, ward_b: Ward) -> dict[str, StaffUser]:
    made = {}
    for role in Role:
        on_ward = role in (Role.DOCTOR, Role.NURSE)
        department = ward_a.department_id if on_ward else None
        made[role.value] = factories.staff(session, f"r.{role.value}", role.value, department_id=department)
    made["rn.w02"] = factories.staff(session, "rn.w02", "nurse", department_id=ward_b.department_id)
    made["dr.orth"] = factories.staff(session, "dr.orth", "doctor", department_id=ward_b.department_id)
    made["root"] = factories.staff(session, "root", *(r.value for r in Role))
    made["nurse"].ward_id, made["rn.w02"].ward_id = ward_a.id, ward_b.id
    session.commit()
    return made


def _report(session: Session, victim: Patient) -> int:
    pdf = base64.b64encode(b"%PDF-1.4\n% reliability\n").decode()
    report, _ = reports_service.receive(
        session,
        HIS,
        reports_service.ReportIn(
            his_ref="REL-REPORT-1",
            resident_id=victim.resident_id,
            kind="exam",
            title="胸部CT",
            department="放射科",
            reported_at=utcnow().replace(tzinfo=get_settings().tz),
            result_text="双肺纹理清晰",
            pdf_base64=pdf,
        ),
    )
    return report.id


def build(session: Session) -> World:
    ip = admitted(session, deposits=((("wechat", "JSAPI"), DEPOSIT_FEN),))
    victim, notice_id = ip.adm.patient, ip.notice_id
    ward_a = ip.adm.world.ward
    ward_b = _second_ward(session, ward_a.campus_id, ip.adm.world.other_department.id)
    staff = _staff(session, ward_a, ward_b)
    attacker = factories.patient(session, name="甲病人", phone=ATTACKER_PHONE)
    factories.account_for(session, ATTACKER_PHONE, attacker)
    proxy = factories.account_for(session, PROXY_PHONE)
    session.add(AccountPatient(account_id=proxy.id, patient_id=victim.id, relation="child", consent="staff"))
    session.commit()
    kiosk, key = kiosks_service.register(
        session,
        SYSTEM,
        code="K-REL",
        name="自助机",
        location="大厅",
        model="m",
        serial="s",
        modules=KIOSK_MODULES,
    )
    device = kiosks_service.actor_for(kiosk)
    with DATABASE.session() as s:
        deposit_order = s.scalars(
            select(payments.PaymentOrder).where(payments.PaymentOrder.patient_id == victim.id)
        ).one()
        cash_order = cash.start_cash(
            s,
            device,
            patient_id=victim.id,
            notice_id=notice_id,
            purpose="topup",
            place=kiosk.code,
            idempotency_key="rel-cash-0001",
        )
        cash.finish_cash(s, device, cash_order.id)
        card_order = payments.start_payment(
            s,
            device,
            patient_id=victim.id,
            notice_id=notice_id,
            purpose="topup",
            amount_fen=10000,
            channel="unionpay",
            trade_type="POS",
            place=kiosk.code,
            idempotency_key="rel-card-0001",
        )
        charges.post(s, HIS, notice_id, [line("REL1", "A", CHARGE_FEN, "bed")])
        discharge.order(s, ip.doctor, notice_id, local_today())
        discharge.clear_ward(s, ip.nurse, notice_id, no_pending_orders=True, charges_posted=True)
        if discharge.get(s, notice_id).state == "ward_cleared":
            discharge.review(s, ip.officer, notice_id, "approve")
        settlement = discharge.settle(s, ip.adm.me, notice_id, signature(), "rel-settle-0001")
        # The settle-payment pages follow an order tied to the stay's settlement act: record
        # the paid cash order as that act's payment, already settled.
        s.add(
            SettlementIntent(
                notice_id=notice_id,
                request_key="rel-settle-intent-0001",
                payment_order_id=cash_order.id,
                amount_fen=cash_order.amount_fen,
                signature_png=b"png",
                actor_kind="account",
                actor_id=None,
                actor_label="rel",
                state="settled",
                settlement_id=settlement.id,
            )
        )
        s.commit()
        discharge.leave(s, ip.nurse, notice_id)
        # A week ago, so the day-7 follow-up is due and can be answered.
        row = s.scalars(select(Discharge).where(Discharge.notice_id == notice_id)).one()
        row.discharged_at = utcnow() - timedelta(days=7)
        s.commit()
    dispatch()
    article_id = _article(ip.adm.world.department.id)
    with DATABASE.session() as s:
        education.push_stage(
            s,
            patient_id=victim.id,
            notice_id=notice_id,
            department_id=ip.adm.world.department.id,
            stage=Stage.DISCHARGE,
        )
        s.commit()
        followup.create_due(s, local_today())
        follow_up = s.scalars(select(FollowUp).where(FollowUp.patient_id == victim.id)).first()
        assert follow_up is not None, "the default plan has a day-7 follow-up"
        followup.answer(s, ip.adm.me, follow_up.id, WORRYING)  # flagged for the ward's nurses
        invitation = s.scalars(select(SurveyInvitation).where(SurveyInvitation.patient_id == victim.id)).one()
        copy = records_service.submit(
            s,
            ip.adm.me,
            victim.id,
            records_service.CopyIn(
                notice_id=notice_id,
                purpose="personal",
                parts=("discharge_summary",),
                copies=1,
                delivery="pickup",
                request_key="rel-copy-0001",
            ),
        )
        copy_order = records_service.start_payment(
            s,
            ip.adm.me,
            copy.id,
            channel="wechat",
            trade_type="JSAPI",
            payer=JSAPI_PAYER,
            place="phone",
            idempotency_key="rel-copy-pay-1",
        )
        account = deposits.account_for_notice(s, victim.id, notice_id)
        records = Records(
            patient_id=victim.id,
            notice_id=notice_id,
            order_id=deposit_order.id,
            cash_order_id=cash_order.id,
            card_order_id=card_order.id,
            settlement_id=settlement.id,
            settle_order_id=cash_order.id,
            report_id=_report(s, victim),
            article_id=article_id,
            invitation_id=invitation.id,
            follow_up_id=follow_up.id,
            request_id=copy.id,
            copy_order_id=copy_order.id,
            account_id=account.id,
            inpatient_no=str(s.get(AdmissionNotice, notice_id).inpatient_no),  # type: ignore[union-attr]
        )
        s.commit()
    # Ends the test's own read transaction: PostgreSQL cuts one left idle through a long sweep.
    session.commit()
    return World(victim, attacker, records, kiosk, key, ward_a, ward_b, staff)


def _article(department_id: int) -> int:
    editor = Actor(kind="staff", id=None, label="editor", roles=frozenset({"admin"}))
    with DATABASE.session() as s:
        row = education.create(
            s,
            editor,
            education.ArticleIn("出院后伤口护理", department_id, "discharge", "zh_CN", "# 伤口\n\n正文"),
        )
        education.set_published(s, editor, row.id, True)
        return row.id


# A form that would pass each record route's own checks, so that only ownership refuses it;
# and the fields the hostile sweep leaves alone while it tries one.
PLAUSIBLE = {
    **DETAILS,
    **RATINGS,
    **{f"morse_fall.{k}": v for k, v in MORSE_PATIENT.items()},
    "feeling": "better",
    "symptoms": "none",
    "medication": "yes",
    "insurance_type": "employee",
    "earliest_date": local_today().isoformat(),
    "room_preference": "any",
    "height_cm": "170",
    "weight_kg": "65",
    "amount": "500",
    "amount_fen": "50000",
    "auth_code": "134567890123456789",
    "method": "wechat",
    "seq": "1",
    "denomination_fen": "10000",
    "request_key": "attack-key-0001",
}


def record_path(world: World, e: Endpoint) -> str:
    """The route's path naming the victim's records."""
    ids = vars(world.records) | {"order_id": getattr(world.records, ORDER_OF.get(e.path, "order_id"))}
    return fill(e.path, {n: ids[n] for n in e.route.param_convertors})


def fill(path: str, values: dict[str, object]) -> str:
    for name, value in values.items():
        path = path.replace("{" + name + "}", str(value))
    return path
