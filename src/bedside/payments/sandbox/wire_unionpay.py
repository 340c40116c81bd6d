"""A UnionPay acquirer's POS module as the sandbox plays it: the kiosk's PIN pad takes the card
and PIN; Bedside learns the result by querying the acquirer (card payments at a kiosk send no
asynchronous notification to the merchant), in the field names of UnionPay's gateway."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from bedside.core.db import utcnow
from bedside.payments.sandbox.models import SandboxKeys, SandboxRefund, SandboxTrade

MER_ID = "898110248990001"
TRADE_TYPES = ("POS",)
CODE_TRADE_TYPES: tuple[str, ...] = ()
_RESP = {
    "SUCCESS": "00",
    "REFUND": "00",
    "NOTPAY": "05",
    "USERPAYING": "05",
    "CLOSED": "34",
    "PAYERROR": "55",
}


def make_keys(channel: str) -> SandboxKeys:
    return SandboxKeys(channel=channel, private_pem="", public_pem="", serial=MER_ID, secret="")


def auth_code_ok(code: str) -> bool:
    return False


def new_trade_no() -> str:
    # queryId: 21 digits, date-prefixed, as the gateway numbers them
    return f"{utcnow():%m%d%H%M%S}{secrets.randbelow(10**11):011d}"


def new_refund_no() -> str:
    return new_trade_no()


def create_answer(trade: SandboxTrade, token: str) -> Mapping[str, Any]:
    return {
        "respCode": "00",
        "merId": MER_ID,
        "orderId": trade.out_trade_no,
        "txnAmt": str(trade.amount_fen),
        "sandbox_pay": f"/sandbox/card/{trade.out_trade_no}",
    }


def query_answer(trade: SandboxTrade | None, out_trade_no: str) -> Mapping[str, Any]:
    if trade is None:
        return {"respCode": "34", "orderId": out_trade_no}  # 34: no such transaction
    return {
        "respCode": "00",
        "orderId": trade.out_trade_no,
        "origRespCode": _RESP.get(trade.state, "05"),
        "queryId": trade.transaction_id,
        "txnAmt": str(trade.amount_fen),
        "traceTime": trade.success_time.isoformat() if trade.success_time else None,
        "accNo": trade.payer,
    }


def refund_answer(row: SandboxRefund) -> Mapping[str, Any]:
    return {"respCode": "00", "queryId": row.refund_id, "orderId": row.out_refund_no}


def notification(session: Session, trade: SandboxTrade) -> None:
    return None
