"""The medical-insurance platform's personal-account debit, as the sandbox plays it: a
synchronous deduction at settlement (no QR, no notification), refunded by a reversal.

Field names follow the national platform's settlement answers loosely (acct_pay, setl_id);
the full inpatient transaction set (registration, fee upload, pre-settlement, settlement)
belongs to the discharge work."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.core.db import utcnow
from bedside.payments.sandbox.models import SandboxInsuranceAccount, SandboxKeys, SandboxRefund, SandboxTrade

TRADE_TYPES = ("ACCOUNT",)
CODE_TRADE_TYPES = ("ACCOUNT",)
# A new insured person in the sandbox starts with this much in the personal account.
OPENING_BALANCE_FEN = 300000
_INSURANCE_NO = re.compile(r"^[0-9A-Z]{10,32}$")


def make_keys(channel: str) -> SandboxKeys:
    return SandboxKeys(channel=channel, private_pem="", public_pem="", serial="", secret="")


def auth_code_ok(code: str) -> bool:
    return bool(_INSURANCE_NO.match(code))


def new_trade_no() -> str:
    return f"YB{utcnow():%Y%m%d}{secrets.randbelow(10**12):012d}"


def new_refund_no() -> str:
    return new_trade_no()


def account(session: Session, insurance_no: str, *, lock: bool = False) -> SandboxInsuranceAccount:
    stmt = select(SandboxInsuranceAccount).where(SandboxInsuranceAccount.insurance_no == insurance_no)
    row = session.scalar(stmt.with_for_update() if lock else stmt)
    if row is None:
        row = SandboxInsuranceAccount(insurance_no=insurance_no, balance_fen=OPENING_BALANCE_FEN)
        session.add(row)
        session.flush()
    return row


def debit(session: Session, trade: SandboxTrade) -> bool:
    """Takes the amount from the personal account; False when the balance is short."""
    row = account(session, trade.payer, lock=True)
    if row.balance_fen < trade.amount_fen:
        return False
    row.balance_fen -= trade.amount_fen
    return True


def credit(session: Session, trade: SandboxTrade, amount_fen: int) -> None:
    account(session, trade.payer, lock=True).balance_fen += amount_fen


def create_answer(trade: SandboxTrade, token: str) -> Mapping[str, Any]:
    return {**query_answer(trade, trade.out_trade_no)}


def query_answer(trade: SandboxTrade | None, out_trade_no: str) -> Mapping[str, Any]:
    if trade is None:
        return {"infcode": -1, "err_msg": "no such settlement", "out_trade_no": out_trade_no}
    return {
        "infcode": 0,
        "out_trade_no": trade.out_trade_no,
        "setl_id": trade.transaction_id,
        "state": trade.state,
        "acct_pay": trade.amount_fen,
        "setl_time": trade.success_time.isoformat() if trade.success_time else None,
    }


def refund_answer(row: SandboxRefund) -> Mapping[str, Any]:
    return {"infcode": 0, "setl_id": row.refund_id, "acct_pay": -row.amount_fen}


def notification(session: Session, trade: SandboxTrade) -> None:
    return None
