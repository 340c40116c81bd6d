"""Payment history names what each entry was, on the phone and at the kiosk: the first deposit
with its wallet and order number, each charge by its item with quantity and unit price, a
record copy fee as such; not only the entry's kind."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bedside.charges import service as charges
from bedside.core.audit import SYSTEM
from bedside.deposits import history
from bedside.deposits import service as deposits_service
from bedside.kiosks import service as kiosks_service
from bedside.payments.models import PaymentOrder
from tests.conftest import DATABASE
from tests.helpers import kiosk_login, phone_login
from tests.integration.discharge.conftest import HIS, Inpatient, admitted, line

PHONE = "13600000011"  # the admitted patient's own account (see make_admission)


@pytest.fixture
def ip(session) -> Inpatient:
    stay = admitted(session)
    with DATABASE.session() as s:
        charges.post(
            s,
            HIS,
            stay.notice_id,
            [line("A1", "B", 1000, quantity="2", unit_price_fen=500, name="阿司匹林肠溶片", spec="100mg")],
        )
    return stay


def _order_no(ip: Inpatient) -> str:
    with DATABASE.session() as s:
        account = deposits_service.account_for_notice(s, ip.adm.patient.id, ip.notice_id)
        return s.scalar(select(PaymentOrder.out_trade_no).where(PaymentOrder.account_id == account.id))


def _rows(html: str) -> dict[str, str]:
    """kind -> the row's text, tags stripped."""
    out = {}
    for kind, body in re.findall(r'<tr data-kind="([a-z_]+)">(.*?)</tr>', html, re.S):
        out[kind] = " ".join(re.sub(r"<[^>]+>", " ", body).split())
    return out


def test_the_phone_history_names_each_entry(client, sms, ip):
    phone_login(client, sms, PHONE)
    rows = _rows(client.get(f"/phone/deposit/{ip.notice_id}").text)
    assert (
        "首次预交金" in rows["deposit"] and "微信支付" in rows["deposit"] and _order_no(ip) in rows["deposit"]
    )
    assert "阿司匹林肠溶片 100mg" in rows["charge"] and "2 × ¥5.00" in rows["charge"]


def test_the_kiosk_history_names_each_entry(client, session, ip):
    _, key = kiosks_service.register(
        session,
        SYSTEM,
        code="K-HIST",
        name="自助机",
        location="大厅",
        model="ZK-43",
        serial="S-HIST",
        modules=["id_reader"],
    )
    kiosk_login(client, key, ip.adm.patient.resident_id)
    page = client.get(f"/kiosk/deposit/{ip.notice_id}").text
    assert 'data-testid="kiosk-history"' in page
    rows = _rows(page)
    assert "首次预交金" in rows["deposit"] and _order_no(ip) in rows["deposit"]
    assert "阿司匹林肠溶片" in rows["charge"] and "2 × ¥5.00" in rows["charge"]


def test_a_record_copy_fee_and_a_reversal_are_named(ip):
    with DATABASE.session() as s:
        account = deposits_service.account_for_notice(s, ip.adm.patient.id, ip.notice_id)
        entries = deposits_service.history(s, account.id)
        named = {r.kind: r for r in history.describe(s, entries)}
        assert named["deposit"].what == "First deposit" and named["deposit"].channel == "wechat"
        assert named["charge"].item and named["charge"].quantity == "2"
        # A fee's payment order says what the fee was for.
        fee = type(entries[0])(
            id=10**6,
            account_id=account.id,
            kind="fee",
            amount_fen=-700,
            actor="x",
            payment_order_id=entries[-1].payment_order_id,
            created_at=entries[0].created_at,
        )
        order = s.get(PaymentOrder, entries[-1].payment_order_id)
        order.purpose = "record_copy"
        assert history.describe(s, [fee])[0].what == "Medical record copy fee"
        s.rollback()
