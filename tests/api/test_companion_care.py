"""Companion care through the real app: a vendor (its own key) posts care for 3 days and
bills it; the patient disputes a day on the phone, the vendor answers and re-bills, the
patient confirms and pays through the sandbox into the vendor's own ledger (the deposit
balance does not move) and gets the receipt. Vendor A cannot see or bill vendor B's stays;
bad input is a clear 4xx and changes nothing."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from bedside.companion import vendors
from bedside.companion.models import CareBill, CareDay, Caregiver, CareLedgerEntry, CareOrder
from bedside.core.audit import SYSTEM
from bedside.core.clock import local_today
from bedside.core.events import dispatch_pending
from bedside.deposits import service as deposits
from bedside.notifications.models import InboxMessage
from bedside.payments import worker
from bedside.payments.models import PaymentOrder
from bedside.payments.sandbox import server as sandbox
from bedside.settings import get_settings
from tests import factories
from tests.api.test_medication_flow import _stay
from tests.conftest import DATABASE
from tests.helpers import phone_login


def _days_ago(n: int) -> str:
    return datetime.combine(local_today() - timedelta(days=n), time(), get_settings().tz).isoformat()


@pytest.fixture
def care(session):  # type: ignore[no-untyped-def]
    world = factories.hospital(session)
    patient, notice = _stay(session, world, world.beds[0], name="关羽")
    other_patient, other_notice = _stay(session, world, world.beds[1], name="张飞")
    with DATABASE.session() as s:
        a = vendors.register(s, SYSTEM, "安心陪护", "1900000001")[1]
        b = vendors.register(s, SYSTEM, "康乐陪护", "1900000002")[1]
    return {"patient": patient, "notice": notice, "other": other_notice, "a": a, "b": b}


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _order(client, key, inpatient_no, ref="R1", **extra):  # type: ignore[no-untyped-def]
    giver = client.post(
        "/api/v1/care/caregivers", json={"name": "李阿姨", "phone": "13912345678"}, headers=_auth(key)
    )
    assert giver.status_code == 201, giver.text
    body = {
        "vendor_ref": ref,
        "inpatient_no": inpatient_no,
        "caregiver_id": giver.json()["id"],
        "daily_rate_fen": 20000,
        "starts_at": _days_ago(3),
        "ends_at": _days_ago(0),
        **extra,
    }
    r = client.post("/api/v1/care/orders", json=body, headers=_auth(key))
    assert r.status_code == 201, r.text
    return r.json()


def _counts() -> tuple[int, ...]:
    with DATABASE.session() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(m)) or 0
            for m in (Caregiver, CareOrder, CareBill, CareDay, CareLedgerEntry)
        )


def test_care_for_three_days_disputed_answered_confirmed_and_paid(client, sms, session, care):  # type: ignore[no-untyped-def]
    notice, patient = care["notice"], care["patient"]
    order = _order(client, care["a"], notice.inpatient_no)
    bill = client.post(f"/api/v1/care/orders/{order['id']}/bills", headers=_auth(care["a"]))
    assert bill.status_code == 201 and bill.json()["total_fen"] == 60000 and len(bill.json()["days"]) == 3
    assert (
        client.post(f"/api/v1/care/orders/{order['id']}/bills", headers=_auth(care["a"])).status_code == 409
    )

    factories.account_for(session, patient.phone, patient)
    token = phone_login(client, sms, patient.phone)
    page = client.get(f"/phone/stays/{notice.id}/care")
    assert page.status_code == 200 and "¥600.00" in page.text
    day_id = bill.json()["days"][1]["id"]
    r = client.post(
        f"/phone/stays/{notice.id}/care/dispute", data={"day_id": day_id, "reason": "", "csrf_token": token}
    )
    assert r.status_code == 422 and 'data-code="dispute_reason_required"' in r.text
    r = client.post(
        f"/phone/stays/{notice.id}/care/dispute",
        data={"day_id": day_id, "reason": "这天下午才来", "csrf_token": token},
    )
    assert r.status_code == 200
    bill_id = bill.json()["id"]
    r = client.post(f"/phone/stays/{notice.id}/care/confirm", data={"bill_id": bill_id, "csrf_token": token})
    assert r.status_code == 409, r.text[-1500:]  # a day is in dispute

    # The vendor may lower the amount, never raise it; its answer re-bills the day.
    answer = f"/api/v1/care/days/{day_id}/answer"
    assert (
        client.post(answer, json={"answer": "补", "amount_fen": 30000}, headers=_auth(care["a"])).status_code
        == 422
    )
    r = client.post(
        answer, json={"answer": "当天只陪护半天，按半天收费", "amount_fen": 10000}, headers=_auth(care["a"])
    )
    assert r.status_code == 200 and r.json()["total_fen"] == 50000 and r.json()["state"] == "pending"
    page = client.get(f"/phone/stays/{notice.id}/care")
    assert "¥500.00" in page.text and "按半天收费" in page.text
    assert (
        client.post(
            f"/phone/stays/{notice.id}/care/confirm", data={"bill_id": bill_id, "csrf_token": token}
        ).status_code
        == 200
    )

    balance_before = deposits.account_for_notice(session, patient.id, notice.id).balance_fen
    session.commit()
    r = client.post(
        f"/phone/stays/{notice.id}/care/pay",
        data={"bill_id": bill_id, "csrf_token": token, "request_key": "care-pay-0001", "method": "wechat"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    order_id = int(r.headers["location"].rsplit("/", 1)[1])
    with DATABASE.session() as s:
        payment = s.get(PaymentOrder, order_id)
        assert (payment.purpose, payment.amount_fen) == ("companion_care", 50000)  # type: ignore[union-attr]
        sandbox.pay(s, payment.out_trade_no)  # type: ignore[union-attr]
        s.commit()
    sandbox.deliver_due(DATABASE.session_factory, worker.deliver_in_process(DATABASE.session_factory))
    while dispatch_pending(DATABASE.session_factory):
        pass
    page = client.get(f"/phone/stays/{notice.id}/care")
    assert 'data-testid="care-receipt"' in page.text and f"CR{bill_id:010d}" in page.text
    with DATABASE.session() as s:
        ledger = list(s.scalars(select(CareLedgerEntry)))
        assert [(e.amount_fen, e.merchant_no) for e in ledger] == [(50000, "1900000001")]
        assert deposits.account_for_notice(s, patient.id, notice.id).balance_fen == balance_before
        s.commit()
    while dispatch_pending(DATABASE.session_factory):
        pass
    with DATABASE.session() as s:
        keys = set(s.scalars(select(InboxMessage.template).where(InboxMessage.patient_id == patient.id)))
    assert {"care_bill_ready", "care_receipt"} <= keys
    # Paying again answers with the first payment; the bill is paid once.
    again = client.post(
        f"/phone/stays/{notice.id}/care/pay",
        data={"bill_id": bill_id, "csrf_token": token, "request_key": "care-pay-0001", "method": "wechat"},
    )
    assert again.status_code == 409 and _counts()[4] == 1, again.text[-800:]


def test_vendor_a_cannot_see_or_bill_vendor_b(client, care):  # type: ignore[no-untyped-def]
    order = _order(client, care["a"], care["notice"].inpatient_no)
    a_bill = client.post(f"/api/v1/care/orders/{order['id']}/bills", headers=_auth(care["a"])).json()
    b = _auth(care["b"])
    before = _counts()
    assert client.get(f"/api/v1/care/orders/{order['id']}", headers=b).status_code == 404
    assert client.post(f"/api/v1/care/orders/{order['id']}/bills", headers=b).status_code == 404
    assert (
        client.post(
            f"/api/v1/care/orders/{order['id']}/rates",
            json={"effective_from": str(local_today()), "daily_rate_fen": 100},
            headers=b,
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/care/orders/{order['id']}/end", json={"ends_at": _days_ago(1)}, headers=b
        ).status_code
        == 404
    )
    assert client.get(f"/api/v1/care/bills/{a_bill['id']}", headers=b).status_code == 404
    day = a_bill["days"][0]["id"]
    assert (
        client.post(f"/api/v1/care/days/{day}/answer", json={"answer": "好的"}, headers=b).status_code == 404
    )
    assert client.get("/api/v1/care/orders", headers=b).json() == []
    assert client.get("/api/v1/care/bills", headers=b).json() == []
    assert client.get("/api/v1/care/caregivers", headers=b).json() == []
    # B cannot post care with A's caregiver either.
    body = {
        "vendor_ref": "B1",
        "inpatient_no": care["other"].inpatient_no,
        "caregiver_id": order["caregiver_id"],
        "daily_rate_fen": 20000,
        "starts_at": _days_ago(2),
    }
    r = client.post("/api/v1/care/orders", json=body, headers=b)
    assert r.status_code == 404 and r.json()["code"] == "caregiver_not_found"
    assert _counts() == before


@pytest.mark.parametrize(
    "change, status, code",
    [
        ({"daily_rate_fen": 0}, 422, None),
        ({"daily_rate_fen": 20000.5}, 422, None),
        ({"daily_rate_fen": "200"}, 422, None),
        ({"starts_at": "2026-12-01T08:00:00"}, 422, None),  # no time zone
        ({"ends_at": "2020-01-01T00:00:00+08:00"}, 422, "invalid_care_period"),
        ({"mode": "shared", "share_count": 1}, 422, "invalid_share"),
        ({"share_count": 9}, 422, None),
        ({"inpatient_no": "ZYNOPE"}, 404, "stay_not_found"),
        ({"caregiver_id": 999999}, 404, "caregiver_not_found"),
        ({"vendor_ref": "has space"}, 422, None),
    ],
    ids=[
        "zero-rate",
        "float-rate",
        "string-rate",
        "naive-time",
        "ends-before",
        "shared-of-one",
        "share-9",
        "unknown-stay",
        "unknown-caregiver",
        "bad-ref",
    ],
)
def test_bad_input_is_refused_and_changes_nothing(client, care, change, status, code):  # type: ignore[no-untyped-def]
    giver = client.post(
        "/api/v1/care/caregivers", json={"name": "王阿姨", "phone": "13900001111"}, headers=_auth(care["a"])
    ).json()
    body = {
        "vendor_ref": "X1",
        "inpatient_no": care["notice"].inpatient_no,
        "caregiver_id": giver["id"],
        "daily_rate_fen": 20000,
        "starts_at": _days_ago(3),
        **change,
    }
    before = _counts()
    r = client.post("/api/v1/care/orders", json=body, headers=_auth(care["a"]))
    assert r.status_code == status, r.text
    if code:
        assert r.json()["code"] == code
    assert _counts() == before


def test_keys_and_caregiver_input(client, care):  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/care/orders").status_code == 401
    assert client.get("/api/v1/care/orders", headers=_auth("cv_nope_x")).status_code == 401
    assert client.get("/api/v1/care/orders", headers=_auth(care["a"] + "x")).status_code == 401
    r = client.post("/api/v1/care/caregivers", json={"name": "", "phone": "123"}, headers=_auth(care["a"]))
    assert r.status_code == 422 and _counts()[0] == 0


def test_an_unpaid_bill_is_shown_and_blocks_the_ward_only_if_configured(client, care, session, monkeypatch):  # type: ignore[no-untyped-def]
    from bedside.core.audit import Actor
    from bedside.core.errors import Conflict
    from bedside.discharge import service as discharge_service

    notice = care["notice"]
    order = _order(client, care["a"], notice.inpatient_no)
    client.post(f"/api/v1/care/orders/{order['id']}/bills", headers=_auth(care["a"]))
    doctor = Actor(kind="staff", id=None, label="doc", roles=frozenset({"doctor"}))
    nurse = Actor(kind="staff", id=None, label="nurse", roles=frozenset({"nurse"}))
    discharge_service.order(session, doctor, notice.id, local_today())
    monkeypatch.setattr(get_settings(), "care_bill_blocks_settlement", True)
    with pytest.raises(Conflict) as refused:
        discharge_service.clear_ward(session, nurse, notice.id, no_pending_orders=True, charges_posted=True)
    assert refused.value.params["missing"] == ["care_bill_unpaid"]
    session.rollback()
    monkeypatch.setattr(get_settings(), "care_bill_blocks_settlement", False)
    assert (
        discharge_service.clear_ward(
            session, nurse, notice.id, no_pending_orders=True, charges_posted=True
        ).state
        != "ordered"
    )


def test_the_it_team_registers_a_vendor_from_the_command_line(session) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from bedside.cli import app
    from tests import factories as f

    f.staff(session, "vendor.cli", "care_vendor")
    runner = CliRunner()
    ok = runner.invoke(
        app, ["create-care-vendor", "安心陪护", "--merchant-no", "1900000077", "--staff", "vendor.cli"]
    )
    assert ok.exit_code == 0, ok.output
    assert "key (shown once): cv_" in ok.output
    missing = runner.invoke(
        app, ["create-care-vendor", "X", "--merchant-no", "1900000078", "--staff", "nobody"]
    )
    assert missing.exit_code == 1 and "no staff user nobody" in missing.output
