"""The ledger: append-only, balance derived from the journal, reversals as new entries."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bedside.core.audit import SYSTEM
from bedside.core.errors import Conflict, InvalidInput
from bedside.core.events import OutboxEvent
from bedside.deposits import service as deposits
from tests.conftest import DATABASE


def test_balance_is_the_journal_sum_and_reversal_is_a_new_entry(stay):
    with DATABASE.session() as s:
        acct = deposits.account_for_notice(s, stay.patient.id, stay.notice.id)
        deposits.post(s, acct.id, "deposit", 300000, SYSTEM)
        charge = deposits.post(s, acct.id, "charge", 12345, SYSTEM)
        s.commit()
        assert deposits.check(s, acct.id) == (287655, 287655)
        deposits.reverse(s, charge.id, SYSTEM, "posted twice by the HIS")
        s.commit()
        assert deposits.check(s, acct.id) == (300000, 300000)
        kinds = [e.kind for e in deposits.history(s, acct.id)]
        assert kinds == ["reversal", "charge", "deposit"]
        with pytest.raises(Conflict):
            deposits.reverse(s, charge.id, SYSTEM, "again")


@pytest.mark.parametrize("amount", [0, -5, 1.5, True])
def test_only_positive_integer_fen(stay, amount):
    with DATABASE.session() as s:
        acct = deposits.account_for_notice(s, stay.patient.id, stay.notice.id)
        with pytest.raises(InvalidInput):
            deposits.post(s, acct.id, "deposit", amount, SYSTEM)


def test_low_balance_is_announced_once_on_the_crossing(stay):
    with DATABASE.session() as s:
        acct = deposits.account_for_notice(s, stay.patient.id, stay.notice.id)
        deposits.post(s, acct.id, "deposit", 150000, SYSTEM, low_balance_threshold_fen=100000)
        deposits.post(s, acct.id, "charge", 60000, SYSTEM, low_balance_threshold_fen=100000)  # 900 < 1000
        deposits.post(s, acct.id, "charge", 10000, SYSTEM, low_balance_threshold_fen=100000)  # still under
        s.commit()
        names = list(s.scalars(select(OutboxEvent.name).where(OutboxEvent.name == "deposits.low_balance")))
        assert names == ["deposits.low_balance"]
