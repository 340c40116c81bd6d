"""Discharge through the services, with the splits worked out by hand: the employee scheme at a
3A hospital (deductible ¥1,200, fund 85 %, class B 10 % self-paid first, personal account
¥3,000 that does not pay class C)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bedside.charges import service as charges
from bedside.core.clock import local_today
from bedside.core.errors import Conflict, InvalidInput
from bedside.deposits import service as deposits
from bedside.discharge import service as discharge
from bedside.discharge.models import Settlement
from bedside.payments import refunds as payment_refunds
from bedside.payments.models import Refund
from tests.conftest import DATABASE
from tests.integration.discharge.conftest import HIS, admitted, line, pay, signature


def _balance(ip):
    with DATABASE.session() as s:
        account = deposits.account_for_notice(s, ip.adm.patient.id, ip.notice_id)
        cached, derived = deposits.check(s, account.id)
        assert cached == derived
        return cached


def _to_settlement(ip, *, medication=False):
    with DATABASE.session() as s:
        discharge.order(s, ip.doctor, ip.notice_id, local_today(), has_medication=medication)
        if medication:
            with pytest.raises(Conflict) as err:
                discharge.clear_ward(s, ip.nurse, ip.notice_id, no_pending_orders=True, charges_posted=True)
            assert err.value.code == "ward_clearance_blocked"
            s.rollback()
            discharge.hand_over_medication(s, ip.nurse, ip.notice_id)
        discharge.clear_ward(s, ip.nurse, ip.notice_id, no_pending_orders=True, charges_posted=True)
        if (
            ip.adm.notice.insurance_type != "self_pay"
            and discharge.get(s, ip.notice_id).state == "ward_cleared"
        ):
            discharge.review(s, ip.officer, ip.notice_id, "approve")
        assert discharge.get(s, ip.notice_id).state == "ready_to_settle"


def _psn(ip):
    with DATABASE.session() as s:
        return discharge.notices.get(s, ip.notice_id).insurance_no


def test_mixed_classes_refund_across_two_channels_then_reversal_and_resettlement(session, platform):
    ip = admitted(session, deposits=((("wechat", "JSAPI"), 500000), (("alipay", "PRECREATE"), 300000)))
    with DATABASE.session() as s:
        charges.post(
            s,
            HIS,
            ip.notice_id,
            [
                line("1", "A", 600000, "bed"),
                line("2", "A", 400000, "western_drug", unit_price_fen=200000, quantity="2"),
                line("3", "B", 200000, "material"),
                line("4", "C", 50000, "lab"),
            ],
        )
    assert _balance(ip) == 800000 - 1250000
    _to_settlement(ip, medication=True)
    with DATABASE.session() as s:
        pre = discharge.pre_settle(s, ip.notice_id)
    # total 1,250,000; B self 10 % = 20,000; in policy 1,000,000 + 200,000 - 20,000 = 1,180,000;
    # deductible 120,000 -> base 1,060,000; fund 85 % = 901,000; patient 349,000 of which the
    # account pays all but class C: 299,000; cash 50,000. Paid 800,000 -> refund 750,000.
    assert (pre.total_fen, pre.fund_fen, pre.personal_account_fen, pre.cash_fen) == (
        1250000,
        901000,
        299000,
        50000,
    )
    assert (pre.paid_fen, pre.refund_fen, pre.supplementary_fen) == (800000, 750000, 0)
    with DATABASE.session() as s:
        with pytest.raises(InvalidInput):
            discharge.settle(s, ip.adm.me, ip.notice_id, "data:image/png;base64,AAAA", "settle-key-0001")
        first = discharge.settle(s, ip.adm.me, ip.notice_id, signature(), "settle-key-0001")
        again = discharge.settle(s, ip.adm.me, ip.notice_id, signature(), "settle-key-0001")
        assert again.id == first.id
        refunds = s.scalars(select(Refund).order_by(Refund.id)).all()
        assert [(r.amount_fen, r.route) for r in refunds] == [(300000, "original"), (450000, "original")]
        assert payment_refunds.process_refunds(s) == {"succeeded": 2}
    assert _balance(ip) == 0
    with DATABASE.session() as s:
        # The platform's books: the account paid 299,000 of its 300,000; the fund 901,000.
        assert platform.person(_psn(ip)) == (1000, 901000)
        with pytest.raises(Conflict):  # charges are closed once settled
            charges.post(s, HIS, ip.notice_id, [line("5", "A", 100)])

    # The cashier reverses; a charge is corrected; the stay settles again.
    with DATABASE.session() as s:
        discharge.reverse(s, ip.cashier, ip.notice_id, "class C lab billed twice")
        assert platform.person(_psn(ip)) == (300000, 0)
        assert [c["infno"] for c in platform.calls("2305")] == ["2305"]
    assert _balance(ip) == -1200000
    with DATABASE.session() as s:
        charges.post(
            s,
            HIS,
            ip.notice_id,
            [line("4R", "C", -50000, "lab", reverses_his_line_id="4", quantity="-1", unit_price_fen=50000)],
        )
        pre = discharge.pre_settle(s, ip.notice_id)
        # total 1,200,000; fund 901,000 as before; patient 299,000, all from the account; the
        # ledger is -1,150,000 + 1,200,000 = 50,000 to refund (the WeChat payment has 50,000 left).
        assert (pre.total_fen, pre.fund_fen, pre.personal_account_fen, pre.cash_fen) == (
            1200000,
            901000,
            299000,
            0,
        )
        assert pre.refund_fen == 50000
        second = discharge.settle(s, ip.adm.me, ip.notice_id, signature(), "settle-key-0002")
        assert second.id != first.id
        assert payment_refunds.process_refunds(s) == {"succeeded": 1}
        states = s.scalars(select(Settlement.state).order_by(Settlement.id)).all()
        assert states == ["reversed", "settled"]
    assert _balance(ip) == 0


def test_self_pay_with_supplementary_payment(session):
    ip = admitted(session, insurance="self_pay")
    with DATABASE.session() as s:
        charges.post(
            s, HIS, ip.notice_id, [line("1", "A", 400000, "surgery"), line("2", "C", 200000, "exam")]
        )
    _to_settlement(ip)  # self-pay: no insurance review
    with DATABASE.session() as s:
        pre = discharge.pre_settle(s, ip.notice_id)
        assert (pre.total_fen, pre.fund_fen, pre.cash_fen, pre.supplementary_fen) == (
            600000,
            0,
            600000,
            100000,
        )
        with pytest.raises(Conflict) as err:
            discharge.settle(s, ip.adm.me, ip.notice_id, signature(), "settle-self-01")
        assert err.value.code == "supplementary_due"
    pay(ip.adm, "wechat", "JSAPI", 100000, "supplement-01", purpose="supplementary_payment")
    with DATABASE.session() as s:
        row = discharge.settle(s, ip.adm.me, ip.notice_id, signature(), "settle-self-01")
        assert (row.refund_fen, row.cash_fen) == (0, 600000)
    assert _balance(ip) == 0
    with DATABASE.session() as s:
        discharge.leave(s, ip.nurse, ip.notice_id)
        assert discharge.get(s, ip.notice_id).state == "discharged"


def test_deductible_not_reached_and_cap_reached(session, platform):
    ip = admitted(session)
    # The year's cap is nearly used up, on the platform's books.
    platform.set_person(
        _psn(ip), scheme_code="employee", personal_account_fen=300000, year_fund_paid_fen=50_000_000 - 10000
    )
    with DATABASE.session() as s:
        charges.post(s, HIS, ip.notice_id, [line("1", "A", 100000, "nursing")])
    _to_settlement(ip)
    with DATABASE.session() as s:
        pre = discharge.pre_settle(s, ip.notice_id)
    # 100,000 is under the 120,000 deductible: no fund; the account pays it all.
    assert (pre.fund_fen, pre.personal_account_fen, pre.cash_fen) == (0, 100000, 0)
    with DATABASE.session() as s:
        charges.post(s, HIS, ip.notice_id, [line("2", "A", 200000, "nursing")])
        pre = discharge.pre_settle(s, ip.notice_id)
    # total 300,000; base 180,000; 85 % = 153,000 but only 10,000 of the year's cap is left:
    # fund 10,000; over the cap 143,000; the patient's 290,000 is within the account's 300,000.
    # (The platform reports no over-cap figure of its own: 290,000 = 300,000 - 10,000.)
    assert (pre.fund_fen, pre.personal_account_fen, pre.cash_fen) == (10000, 290000, 0)


def test_guards_and_bad_charges_change_nothing(inpatient):
    ip = inpatient
    with DATABASE.session() as s:
        with pytest.raises(InvalidInput) as err:
            charges.post(s, HIS, ip.notice_id, [line("1", "A", 1000, unit_price_fen=300, quantity="3")])
        assert err.value.code == "amount_mismatch"
        with pytest.raises(InvalidInput):
            charges.post(s, HIS, ip.notice_id, [line("1", "A", 100), line("1", "A", 100)])
        with pytest.raises(InvalidInput):
            charges.post(s, HIS, ip.notice_id, [line("9", "A", -100, quantity="-1", unit_price_fen=100)])
        assert charges.summary(s, ip.notice_id).count == 0
        result = charges.post(s, HIS, ip.notice_id, [line("1", "A", 100)])
        again = charges.post(s, HIS, ip.notice_id, [line("1", "A", 100)])
        assert (result.created, again.created, again.duplicates) == (1, 0, 1)
        with pytest.raises(Conflict):
            charges.post(s, HIS, ip.notice_id, [line("1", "A", 200)])
        with pytest.raises(Conflict):  # the nurse has not confirmed the ward's checks
            discharge.order(s, ip.doctor, ip.notice_id, local_today())
            discharge.clear_ward(s, ip.nurse, ip.notice_id, no_pending_orders=False, charges_posted=True)
        assert discharge.get(s, ip.notice_id).state == "ordered"
        with pytest.raises(Conflict):
            discharge.settle(s, ip.adm.me, ip.notice_id, signature(), "settle-early-1")
        discharge.revoke(s, ip.doctor, ip.notice_id, "not yet")
        assert discharge.get(s, ip.notice_id).state == "revoked"
        discharge.order(s, ip.doctor, ip.notice_id, local_today())
        assert discharge.get(s, ip.notice_id).state == "ordered"


def test_auto_approve_skips_the_officer_only_when_nothing_is_flagged(session, monkeypatch):
    from bedside.settings import get_settings

    monkeypatch.setattr(get_settings(), "insurance_auto_approve", True)
    ip = admitted(session)
    with DATABASE.session() as s:
        charges.post(s, HIS, ip.notice_id, [line("1", "A", 100000, "bed")])
        discharge.order(s, ip.doctor, ip.notice_id, local_today())
        discharge.clear_ward(s, ip.nurse, ip.notice_id, no_pending_orders=True, charges_posted=True)
        assert discharge.get(s, ip.notice_id).state == "ready_to_settle"
        discharge.revoke(s, ip.doctor, ip.notice_id, "recheck")
        # A single line of ¥20,000 is flagged: a person reviews it.
        charges.post(s, HIS, ip.notice_id, [line("2", "A", 2000000, "surgery")])
        discharge.order(s, ip.doctor, ip.notice_id, local_today())
        discharge.clear_ward(s, ip.nurse, ip.notice_id, no_pending_orders=True, charges_posted=True)
        assert discharge.get(s, ip.notice_id).state == "ward_cleared"
        assert discharge.auto_review_ok(s, ip.notice_id) == ["large_line"]
