"""Every HTML form field and query parameter the app reads, found from its routes, gets each
hostile value in turn (the other fields plausible, so the value gets as deep as it can), sent
by the identity the route serves, with a valid CSRF token. None may cause a 5xx, come back as
live markup or as an evaluated template, and a request answered with a 4xx must leave the
tables as they were. JSON bodies are schemathesis's (test_schemathesis.py)."""

from __future__ import annotations

import dataclasses
import time
from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bedside.admissions import stay as stay_service
from bedside.core import auth
from bedside.hospital.models import Bed
from bedside.kiosks import face
from bedside.payments.models import PaymentOrder, Refund
from bedside.staff.models import StaffUser
from bedside.surveys.models import FollowUp, FollowUpAppointment, FollowUpPlan, FollowUpPlanItem
from tests import factories
from tests.conftest import DATABASE
from tests.integration.discharge.conftest import signature
from tests.integration.test_care_surveys import RATINGS
from tests.reliability import clients, state
from tests.reliability import world as w
from tests.reliability.routes import Access, Endpoint, endpoints, fields_of

URL_ROOM = 60_000
SCRIPT = '<script>alert("bs-xss")</script>'
TEMPLATE, EVALUATED = "bs{{7*7}}bs", "bs49bs"
HOSTILE: tuple[str | list[str], ...] = (
    "",
    "x" * 100_000,
    "a\x00b",
    "\u202eevil\u202c 😀👨‍👩‍👧 \ufeff",
    SCRIPT,
    TEMPLATE,
    "%s%n{0}{x.__class__}",  # printf and str.format placeholders, for text used as a format
    "1' OR '1'='1'; DROP TABLE patients; --",
    "-1",
    "99999999999999999999999999",
    "NaN",
    "0.5",
    "1e308",
    "2026-02-30",
    ["1", "2"],  # a list where one value is expected
)
# Routes that read every field as it comes (the questionnaires, the admission forms): the
# fields their pages post. A new one must be listed here to be swept.
WHOLE_FORM = {
    "POST /phone/stays/{notice_id}/bed": ("earliest_date", "room_preference"),
    "POST /phone/stays/{notice_id}/details": (
        *stay_service.DetailsIn.model_fields,
        "insurance_type",
        "insurance_no",
    ),
    "POST /phone/stays/{notice_id}/assessment": (
        "height_cm",
        "weight_kg",
        "morse_fall.history_of_falling",
        "padua_vte.active_cancer",
    ),
    "POST /phone/surveys/{invitation_id}": (*RATINGS, "comments"),
    "POST /phone/followups/{follow_up_id}": ("feeling", "symptoms", "medication", "notes"),
    **{
        key: (
            "action",
            "note",
            "drug_code_0",
            "quantity_0",
            "dose_0",
            "frequency_0",
            "days_0",
            "instructions_0",
        )
        for key in (
            "POST /console/medication/stays/{notice_id}/order",
            "POST /console/medication/orders/{order_id}",
        )
    },
    "POST /console/medication/receive": ("bag_code", "ward_id", "inpatient_no"),
    "POST /console/medication/pharmacy/{order_id}": ("action", "note", "item_id", "drug_code"),
    "POST /console/medication/runs": ("ward_id",),
    "POST /console/care-vendor/{what}": (
        *("name", "phone", "certificate_no", "vendor_ref", "inpatient_no", "caregiver_id", "share_count"),
        *("daily_rate", "starts_at", "ends_at", "id", "answer", "amount"),
    ),
    **{
        f"POST {prefix}/stays/{{notice_id}}/details": (
            *stay_service.DetailsIn.model_fields,
            "earliest_date",
            "room_preference",
            "insurance_type",
            "insurance_no",
            "card_resident_id",
        )
        for prefix in ("/kiosk", "/console/desk")
    },
    **{
        path: ("height_cm", "weight_kg", "none_apply", "morse_fall.history_of_falling", "padua_vte.bmi")
        for path in (
            "POST /kiosk/stays/{notice_id}/assessment",
            "POST /console/desk/stays/{notice_id}/assessment",
            "POST /console/stays/{notice_id}/assessment",
        )
    },
}
NOT_SWEPT = {"POST /phone/logout", "POST /kiosk/logout", "POST /console/logout"}  # they end the session
GROUPS = {
    "phone": (Access.PHONE, Access.PHONE_RECORD, Access.ME_API, Access.ME_API_RECORD),
    "kiosk": (Access.KIOSK, Access.KIOSK_PATIENT, Access.KIOSK_RECORD, Access.KIOSK_API),
    "staff": (Access.CONSOLE, Access.STAFF_API, Access.DOCS),
}


def _targets(app: FastAPI) -> list[tuple[Endpoint, tuple[str, ...], bool]]:
    """(endpoint, its fields, whether they go in the form) for every route that reads any."""
    found = []
    for e in endpoints(app):
        f = fields_of(e.route)
        if e.key in NOT_SWEPT or (f.json and not f.form):
            continue
        names = f.form + WHOLE_FORM.get(e.key, ()) + f.query
        if names:
            found.append((e, names, e.method != "GET"))
    return found


def test_every_whole_form_route_lists_its_fields(app: FastAPI) -> None:
    readers = {e.key for e in endpoints(app) if fields_of(e.route).reads_whole_form}
    assert readers == set(WHOLE_FORM), "add the fields of a route that reads the whole form"


class Callers:
    """The identity each kind of route serves, signed in when first needed: a kiosk session
    ends after a minute idle, longer than the phone routes take to sweep."""

    def __init__(self, app: FastAPI, world: w.World) -> None:
        self.app, self.world = app, world
        self.made: dict[str, clients.Signed] = {}

    def __call__(self, access: Access | None) -> clients.Signed:
        kind = next((k for k, group in GROUPS.items() if access in group), "anyone")
        if kind not in self.made:
            self.made[kind] = self._sign_in(kind)
        return self.made[kind]

    def _sign_in(self, kind: str) -> clients.Signed:
        if kind == "phone":  # the owner, so that record routes reach their handlers
            return clients.phone(self.app, w.VICTIM_PHONE)
        if kind == "kiosk":
            return clients.kiosk_patient(self.app, self.world, self.world.victim)
        if kind == "staff":  # every role, so that every console handler runs
            return clients.staff(self.app, self.world.staff["root"])
        return clients.anonymous(self.app)


def _signed_out(r, access: Access | None) -> bool:  # type: ignore[no-untyped-def]
    where = r.headers.get("location", "")
    if access in GROUPS["kiosk"]:
        return where in ("/kiosk/", "/kiosk/activate")
    return access is not Access.PUBLIC and where.startswith(("/phone/login", "/console/login"))


def _path(world: w.World, e: Endpoint, trade: str) -> str:
    if not e.route.param_convertors:
        return e.path
    return w.record_path(world, e) if _names_records(e) else _fill_other(world, e, trade)


def _names_records(e: Endpoint) -> bool:
    return set(e.route.param_convertors) <= {f.name for f in dataclasses.fields(w.Records)}


# Rows a path may name that are not the victim's: the first one there is when the route's turn
# comes (the sweep itself adds plans and appointments), so that the handler finds it.
FIRST_OF: dict[str, Any] = {
    "bed_id": Bed.id,
    "user_id": StaffUser.id,
    "refund_id": Refund.id,
    "plan_id": FollowUpPlan.id,
    "item_id": FollowUpPlanItem.id,
    "appointment_id": FollowUpAppointment.id,
}


def _fill_other(world: w.World, e: Endpoint, trade: str) -> str:
    values: dict[str, object] = {"code": "satisfaction", "key": "deposit_paid", "locale": "en"}
    values |= {
        "number": "X",
        "ticket": "x",
        "inpatient_no": world.records.inpatient_no,
        "out_trade_no": trade,
    }
    values |= vars(world.records)
    with DATABASE.session() as s:
        for name, column in FIRST_OF.items():
            if name in e.route.param_convertors:
                values[name] = s.scalar(select(func.min(column))) or 1
    return w.fill(e.path, {n: values.get(n, 1) for n in e.route.param_convertors})


def _send(signed: clients.Signed, e: Endpoint, path: str, data: dict[str, object], as_form: bool):  # type: ignore[no-untyped-def]
    if as_form:
        return signed.client.post(path, data={**data, "csrf_token": signed.token}, follow_redirects=False)
    # A URL holds at most 64 KiB (the client's limit; servers allow far less).
    query = {k: v[:URL_ROOM] if isinstance(v, str) else v for k, v in data.items()}
    return signed.client.request(
        e.method, path, params=query, headers={"X-CSRF-Token": signed.token}, follow_redirects=False
    )


def _problems(r, value: str | list[str]) -> list[str]:  # type: ignore[no-untyped-def]
    out = []
    if r.status_code >= 500:
        out.append(f"{r.status_code} {r.text[:300]}")
    if "html" in r.headers.get("content-type", ""):
        if value == SCRIPT and SCRIPT in r.text:
            out.append("the script came back as markup")
        if value == TEMPLATE and EVALUATED in r.text:
            out.append("the value was evaluated as a template")
    return out


def _baselines(world: w.World) -> tuple[dict[str, dict[str, object]], str]:
    """Forms filled in as their pages would be, so that one hostile field gets past the others'
    checks. Sign-ins are left to fail: a success would change whom the sweep is signed in as."""
    r, tomorrow = world.records, factories.tomorrow().isoformat()
    copy = {"notice_id": r.notice_id, "purpose": "personal", "parts": "discharge_summary", "copies": "1"}
    copy |= {"delivery": "pickup", "request_key": "hostile-copy-1"}
    with DATABASE.session() as s:
        trade = s.scalars(select(PaymentOrder.out_trade_no).where(PaymentOrder.id == r.copy_order_id)).one()
        bed = s.scalars(select(Bed.id).where(Bed.ward_id == world.ward_b.id)).first()
    rid = factories.make_resident_id(date(1990, 1, 2))
    return {
        "POST /phone/login/code": {"phone": "13700000001"},
        "POST /phone/login": {"phone": "13700000001", "code": "123456"},
        "POST /phone/patients": {"relation": "parent", "name": "王芳", "resident_id": rid},
        "POST /phone/records": {**copy, "patient_id": r.patient_id},
        "POST /phone/stays/{notice_id}/settle": {"signature": signature(), "request_key": "hostile-settle"},
        "POST /phone/settings/notifications": {"sms": "1", "quiet_hours": "1", "locale": "zh_CN"},
        "POST /kiosk/activate": {"key": "bk_nothing_here"},
        "POST /kiosk/login": {"kind": "resident_id", "value": "110105199001020000", "source": "keypad"},
        "POST /kiosk/deposit/{notice_id}": {
            "amount": "500",
            "method": "wechat_qr",
            "request_key": "hostile-k1",
        },
        "POST /kiosk/records": copy,
        "POST /kiosk/records/{request_id}/pay": {"method": "wechat_qr", "request_key": "hostile-k2"},
        "POST /kiosk/stays/{notice_id}/settle": {"signature": signature(), "request_key": "hostile-k3"},
        "POST /kiosk/face/enrol/agree": {"agree": face.CONSENT_VERSION},
        "POST /console/login": {"username": "nobody", "password": "not-the-password"},
        "POST /console/notices": {
            "patient_id": r.patient_id,
            "department_id": world.ward_b.department_id,
            "diagnosis": "骨折",
            "expected_date": tomorrow,
        },
        "POST /console/notices/{notice_id}/cancel": {"reason": "重复开立"},
        "POST /console/patients": {"name": "孙悟空", "resident_id": factories.make_resident_id()},
        "POST /console/kiosks": {"code": "K-H1", "name": "n", "location": "l", "model": "m", "serial": "s"},
        "POST /console/staff": {
            "username": "new.nurse",
            "full_name": "新护士",
            "password": "long-enough-123",
        },
        "POST /console/refunds/{refund_id}/decide": {"decision": "reject", "note": "核对"},
        "POST /console/deposits/{account_id}/refund": {"amount": "1", "reason": "多缴"},
        "POST /console/beds/assign": {"notice_id": r.notice_id, "bed_id": bed},
        "POST /console/beds/{bed_id}/state": {"action": "close"},
        "POST /console/stays/{notice_id}/discharge": {"action": "order", "planned_date": tomorrow},
        # Previews render what was typed (Markdown, message templates): the place for markup.
        "POST /console/education": {"title": "标题", "stage": "in_stay", "locale": "zh_CN", "body": "正文"},
        "POST /console/education/{article_id}": {"title": "标题", "stage": "discharge", "action": "preview"},
        "POST /console/followup/stays/{notice_id}/appointments": {
            "day": tomorrow,
            "time": "09:30",
            "place": "门诊",
        },
        "POST /console/followup/plans": {"department_id": world.ward_b.department_id, "name": "骨科随访"},
        "POST /console/followup/plans/{plan_id}/items": {
            "day_offset": "14",
            "questionnaire_code": "follow_up_day7",
            "remind_after_days": "2",
        },
        "POST /console/notifications/templates/{key}": {
            "action": "preview",
            "enabled": "1",
            "channels": "sms",
            "title_zh": "押金到账",
            "body_zh": "{patient} 的押金已到账",
        },
        "POST /console/records/{request_id}/act": {"action": "approve"},
        "GET /sandbox/pay/{out_trade_no}": {"back": "/phone/"},
        "GET /sandbox/card/{out_trade_no}": {"back": "/kiosk/"},
        "POST /sandbox/pay/{out_trade_no}": {"mode": "normal"},
        "POST /sandbox/card/{out_trade_no}": {"card_no": "6222020000000000", "pin": "000000"},
    }, trade


@pytest.fixture
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each new staff member and each sign-in attempt costs an argon2 hash at production cost
    # (a third of a second): left so, hashing would take half the sweep's time. The sweep is
    # about what the handlers do with the values; argon2 with small parameters runs the same code.
    hasher = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    monkeypatch.setattr(auth, "_hasher", hasher)
    monkeypatch.setattr(auth, "_DUMMY_HASH", hasher.hash("timing-equaliser"))


@pytest.mark.usefixtures("cheap_hashing")
def test_hostile_values_in_every_field(app: FastAPI, session: Session) -> None:
    world = w.build(session)
    with DATABASE.session() as s:  # unanswered, so the answers get the questionnaire's checks
        s.execute(update(FollowUp).values(answered_at=None, answers=None, flagged=False))
        s.commit()
    who = Callers(app, world)
    targets = _targets(app)
    baselines, trade = _baselines(world)  # the sandbox pages pay the copy request's order
    wrong: list[str] = []
    statuses: dict[int, int] = {}
    sent, started = 0, time.perf_counter()
    counts = state.row_counts()
    for e, names, as_form in targets:
        signed, path = who(e.access), _path(world, e, trade)
        plausible = {n: w.PLAUSIBLE[n] for n in names if n in w.PLAUSIBLE}
        baseline = baselines.get(e.key, plausible)
        for name in names:
            for value in HOSTILE:
                if value == baseline.get(name, ""):
                    continue
                r = _send(signed, e, path, {**baseline, name: value}, as_form)
                sent += 1
                found = _problems(r, value)
                if _signed_out(r, e.access) or "csrf_failed" in r.text:
                    found.append("signed out or refused by CSRF: the value never reached the handler")
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                after = state.row_counts()
                if 400 <= r.status_code < 500 and after != counts:
                    found.append(f"a {r.status_code} answer changed {state.changed(counts, after)}")
                counts = after
                if found:
                    shown = value if len(value) < 60 else f"{value[:20]!r}... ({len(value)} chars)"
                    wrong.append(f"{e.key} {name}={shown!r}: {'; '.join(found)}")
    assert not wrong, "\n".join(wrong)
    took = time.perf_counter() - started
    print(f"\n{sent} hostile requests to {len(targets)} routes in {took:.0f}s: {sorted(statuses.items())}")
    assert len(targets) > 60 and sent > 2000, (len(targets), sent)
