"""The real fiscal e-invoice client against the platform peer over HTTP: a settlement gets its
bill through the outbox handler with the platform's numbers, printed on a signed PDF; a
reversal gets a red-letter bill; a bad sign is refused; a timeout is resolved by asking by
serial (exactly one bill); a platform error code is recorded and retried."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from bedside.charges import service as charges
from bedside.connections import check_einvoice
from bedside.core.clock import local_today
from bedside.core.db import utcnow
from bedside.core.errors import Conflict
from bedside.core.events import OutboxEvent, dispatch_pending
from bedside.discharge import documents
from bedside.discharge import service as discharge
from bedside.discharge.models import Settlement
from bedside.documents import certificates, signing
from bedside.einvoice import service as einvoice
from bedside.einvoice.content import settlement_serial
from bedside.einvoice.models import EInvoiceBill
from bedside.einvoice.port import EInvoiceError, Failure
from bedside.settings import get_settings
from tests.conftest import DATABASE
from tests.einvoice_peer import PlatformHandle
from tests.integration.discharge.conftest import HIS, Inpatient, admitted, line, signature


@pytest.fixture
def platform(einvoice_platform: PlatformHandle) -> Iterator[PlatformHandle]:
    einvoice_platform.reset()
    yield einvoice_platform
    einvoice.set_client(None)
    einvoice_platform.reset()


def _drain() -> None:
    while dispatch_pending(DATABASE.session_factory):
        pass


def _due_again() -> None:
    """What the backoff would do a few seconds later."""
    with DATABASE.session() as s:
        s.execute(update(OutboxEvent).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        s.commit()


def _settle(ip: Inpatient, key: str = "einvoice-settle-01") -> int:
    with DATABASE.session() as s:
        charges.post(s, HIS, ip.notice_id, [line("1", "A", 300000, "bed"), line("2", "C", 12345, "lab")])
        discharge.order(s, ip.doctor, ip.notice_id, local_today())
        discharge.clear_ward(s, ip.nurse, ip.notice_id, no_pending_orders=True, charges_posted=True)
        discharge.review(s, ip.officer, ip.notice_id, "approve")
        return discharge.settle(s, ip.adm.me, ip.notice_id, signature(), key).id


def _bill(settlement_id: int) -> EInvoiceBill:
    with DATABASE.session() as s:
        row = s.scalar(select(EInvoiceBill).where(EInvoiceBill.serial == settlement_serial(settlement_id)))
        assert row is not None
        s.expunge(row)
        return row


def _short_timeout() -> None:
    client = einvoice.client_from_settings(get_settings())
    einvoice.set_client(
        type(client)(dataclasses.replace(client.config, timeout_seconds=0.5, connect_timeout_seconds=0.5))
    )


def test_settlement_gets_the_platforms_bill_on_a_signed_pdf(session, platform):  # type: ignore[no-untyped-def]
    ip = admitted(session)
    settlement_id = _settle(ip)
    assert platform.bills() == []  # not inside the patient's settlement transaction
    _drain()
    row = _bill(settlement_id)
    [booked] = platform.bills(settlement_serial(settlement_id))
    assert row.state == "issued"
    assert (row.batch_code, row.number, row.check_code) == (
        booked["billBatchCode"],
        booked["billNo"],
        booked["random"],
    )
    assert booked["billType"] == "0301" and booked["totalAmt"] == "3123.45"
    content = booked["content"]
    assert (content["regionCode"], content["agencyCode"], content["placeCode"]) == (
        "430100",
        "430100001",
        "KIOSK01",
    )
    assert {d["chargeName"]: d["amt"] for d in content["chargeDetail"]} == {
        "床位费": "3000.00",
        "化验费": "123.45",
    }
    assert row.qr_content and "billcheck" in row.qr_content

    with DATABASE.session() as s:
        st = s.get(Settlement, settlement_id)
        doc = documents.documents(s, st)["e_invoice"]
        pdf = doc.pdf
        assert doc.number == f"{row.batch_code}{row.number}" and doc.check_code == row.check_code
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for value in (row.batch_code, row.number, row.check_code):
        assert value in text
    check = signing.check_signature(pdf, certificates.hospital_trust(get_settings()))
    assert check.valid, check.outcome
    assert platform.calls("invEBillHospitalized") == 1  # the PDF read the bill, asked for none


def test_reversal_gets_a_red_letter_bill(session, platform):  # type: ignore[no-untyped-def]
    ip = admitted(session)
    settlement_id = _settle(ip)
    _drain()
    with DATABASE.session() as s:
        discharge.reverse(s, ip.cashier, ip.notice_id, "lab billed twice")
    _drain()
    row = _bill(settlement_id)
    [booked] = platform.bills(settlement_serial(settlement_id))
    assert row.state == "reversed" and booked["state"] == "2"
    assert (row.red_batch_code, row.red_number, row.red_check_code) == (
        booked["red"]["BillBatchCode"],
        booked["red"]["BillNo"],
        booked["red"]["Random"],
    )
    assert row.red_number != row.number and row.reversal_reason == "lab billed twice"
    with DATABASE.session() as s:
        status = einvoice.client_from_settings(get_settings()).status(row.batch_code or "", row.number or "")
    assert status is not None and status.reversed and status.red is not None
    assert status.red.number == row.red_number


def test_a_bad_sign_is_refused(platform):  # type: ignore[no-untyped-def]
    client = einvoice.client_from_settings(get_settings())
    wrong = type(client)(dataclasses.replace(client.config, app_key="not-the-key"))
    with pytest.raises(EInvoiceError) as refused:
        wrong.find_by_serial("ZY000000000001")
    assert refused.value.failure is Failure.ACCOUNT and refused.value.code == "E1001"
    assert "签名" in refused.value.platform_message
    assert check_einvoice(get_settings()).status == "ok"


def test_a_timeout_is_resolved_by_serial_and_makes_exactly_one_bill(session, platform):  # type: ignore[no-untyped-def]
    ip = admitted(session)
    settlement_id = _settle(ip)
    _short_timeout()
    platform.fault("timeout", delay=1.5)  # the platform makes the bill; its answer comes too late
    _drain()
    row = _bill(settlement_id)
    assert row.state == "pending" and row.attempts == 1 and "timeout" in (row.last_error or "")
    assert len(platform.bills(settlement_serial(settlement_id))) == 1
    _due_again()
    _drain()
    row = _bill(settlement_id)
    [booked] = platform.bills(settlement_serial(settlement_id))
    assert row.state == "issued" and row.number == booked["billNo"]
    assert platform.calls("invEBillHospitalized") == 1  # asked by serial, not issued again
    assert platform.calls("getEBillByBusNo") == 1


def test_an_error_code_is_recorded_and_the_handler_retries(session, platform):  # type: ignore[no-untyped-def]
    ip = admitted(session)
    settlement_id = _settle(ip)
    platform.fault("error", code="E2002", delay=0, times=2)
    _drain()
    row = _bill(settlement_id)
    assert (
        row.state == "pending" and row.last_error and "stock" in row.last_error and "E2002" in row.last_error
    )
    with DATABASE.session() as s:
        event = s.scalar(select(OutboxEvent).where(OutboxEvent.name == "discharge.settled"))
        assert event is not None and event.dispatched_at is None and "E2002" in (event.last_error or "")
    with DATABASE.session() as s, pytest.raises(Conflict) as pending:  # asked before it exists
        documents.document(s, s.get(Settlement, settlement_id), "e_invoice")
    assert pending.value.code == "einvoice_pending" and pending.value.status == 409
    _due_again()
    _drain()
    assert _bill(settlement_id).state == "issued"
    assert len(platform.bills(settlement_serial(settlement_id))) == 1


def test_a_settlement_reversed_before_its_bill_was_issued_never_gets_one(session, platform):  # type: ignore[no-untyped-def]
    ip = admitted(session)
    platform.fault("http_503", times=2)
    settlement_id = _settle(ip)
    _drain()  # the issue fails at the platform's gateway
    with DATABASE.session() as s:
        discharge.reverse(s, ip.cashier, ip.notice_id, "wrong patient")
    _due_again()
    _drain()
    assert _bill(settlement_id).state == "void"
    assert platform.bills(settlement_serial(settlement_id)) == []


def test_check_connections_reports_the_platform(platform, monkeypatch):  # type: ignore[no-untyped-def]
    assert check_einvoice(get_settings()).status == "ok"
    assert platform.bills() == []  # a check issues nothing
    monkeypatch.setattr(get_settings(), "einvoice_app_key", "wrong-key")
    failed = check_einvoice(get_settings())
    assert failed.status == "failed" and "account" in failed.detail and "E1001" in failed.detail
    monkeypatch.setattr(get_settings(), "einvoice_url", "")
    assert check_einvoice(get_settings()).status == "off"


def test_deposit_receipts_when_the_hospital_issues_them(session, platform, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(get_settings(), "einvoice_issue_for", "settlement,deposit")
    admitted(session, deposits=((("wechat", "JSAPI"), 500000), (("alipay", "PRECREATE"), 20000)))
    _drain()
    booked = sorted(platform.bills(), key=lambda b: b["busNo"])
    assert [(b["billType"], b["totalAmt"]) for b in booked] == [("0302", "5000.00"), ("0302", "200.00")]
    with DATABASE.session() as s:
        rows = list(s.scalars(select(EInvoiceBill).order_by(EInvoiceBill.id)))
        assert [(r.kind, r.state, r.number) for r in rows] == [
            ("deposit", "issued", b["billNo"]) for b in booked
        ]


def test_no_deposit_receipts_unless_configured(session, platform):  # type: ignore[no-untyped-def]
    admitted(session)
    _drain()
    assert platform.bills() == []
