"""Alipay's open platform as the sandbox speaks it: precreate (QR) and barcode (payment code)
answers, trade_status_sync notifications form-encoded and RSA2-signed with Alipay's key."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from bedside.core.db import utcnow
from bedside.payments.crypto import alipay as ali
from bedside.payments.sandbox.models import SandboxKeys, SandboxRefund, SandboxTrade

APP_ID = "2021000117600001"
PID = "2088102177600001"
TRADE_TYPES = ("PRECREATE", "BARCODE", "WAP")
CODE_TRADE_TYPES = ("BARCODE",)
# Alipay payment codes: 16-24 digits starting 25-30.
_AUTH_CODE = re.compile(r"^(2[5-9]|30)\d{14,22}$")
_STATUS = {
    "NOTPAY": "WAIT_BUYER_PAY",
    "USERPAYING": "WAIT_BUYER_PAY",
    "SUCCESS": "TRADE_SUCCESS",
    "REFUND": "TRADE_CLOSED",  # a fully refunded Alipay trade reads as closed
    "CLOSED": "TRADE_CLOSED",
    "PAYERROR": "TRADE_CLOSED",
}


def make_keys(channel: str) -> SandboxKeys:
    # "alipay": Alipay's own key pair (signs notifications); "alipay_app": the merchant's.
    pair = ali.generate_keypair()
    return SandboxKeys(
        channel=channel, private_pem=pair.private_pem, public_pem=pair.public_pem, serial=APP_ID, secret=""
    )


def auth_code_ok(code: str) -> bool:
    return bool(_AUTH_CODE.match(code))


def new_trade_no() -> str:
    return f"{utcnow():%Y%m%d}2200{secrets.randbelow(10**16):016d}"


def new_refund_no() -> str:
    return new_trade_no()


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _time(value: Any) -> str | None:
    if value is None:
        return None
    from bedside.settings import get_settings

    return str(value.astimezone(get_settings().tz).strftime("%Y-%m-%d %H:%M:%S"))


def create_answer(trade: SandboxTrade, token: str) -> Mapping[str, Any]:
    pay = {"sandbox_pay": f"/sandbox/pay/{trade.out_trade_no}"}
    if trade.trade_type == "PRECREATE":
        return {
            "code": "10000",
            "msg": "Success",
            "out_trade_no": trade.out_trade_no,
            "qr_code": f"https://qr.alipay.com/bax0{token}",
            **pay,
        }
    if trade.trade_type == "WAP":  # the payer is at the cashier page: the order simply exists
        return {"code": "10000", "msg": "Success", "out_trade_no": trade.out_trade_no, **pay}
    # alipay.trade.pay answers 10000 when paid, 10003 while the payer types a password
    answer = dict(query_answer(trade, trade.out_trade_no))
    answer["code"] = "10000" if trade.state == "SUCCESS" else "10003"
    return {**answer, **pay}


def query_answer(trade: SandboxTrade | None, out_trade_no: str) -> Mapping[str, Any]:
    if trade is None:
        return {"code": "40004", "sub_code": "ACQ.TRADE_NOT_EXIST", "out_trade_no": out_trade_no}
    return {
        "code": "10000",
        "out_trade_no": trade.out_trade_no,
        "trade_no": trade.transaction_id,
        "trade_status": _STATUS.get(trade.state, "WAIT_BUYER_PAY"),
        "total_amount": _yuan(trade.amount_fen),
        "send_pay_date": _time(trade.success_time),
        "buyer_logon_id": trade.payer or "138****8000",
    }


def refund_answer(row: SandboxRefund) -> Mapping[str, Any]:
    return {
        "code": "10000",
        "fund_change": "Y",
        "trade_no": row.refund_id,
        "refund_fee": _yuan(row.amount_fen),
        "out_request_no": row.out_refund_no,
    }


def notification(session: Session, trade: SandboxTrade) -> tuple[Mapping[str, str], bytes]:
    from bedside.payments.sandbox.server import keys

    row = keys(session, "alipay")
    params = {
        "notify_time": _time(utcnow()) or "",
        "notify_type": "trade_status_sync",
        "notify_id": secrets.token_hex(16),
        "app_id": APP_ID,
        "charset": "utf-8",
        "version": "1.0",
        "trade_no": trade.transaction_id or "",
        "out_trade_no": trade.out_trade_no,
        "buyer_logon_id": trade.payer or "138****8000",
        "seller_id": PID,
        "trade_status": _STATUS.get(trade.state, "WAIT_BUYER_PAY"),
        "total_amount": _yuan(trade.amount_fen),
        "receipt_amount": _yuan(trade.amount_fen),
        "buyer_pay_amount": _yuan(trade.amount_fen),
        "subject": trade.description,
        "gmt_create": _time(trade.created_at) or "",
        "gmt_payment": _time(trade.success_time) or "",
    }
    signed = ali.sign_notification(params, row.private_pem)
    return {"content-type": "application/x-www-form-urlencoded; charset=utf-8"}, urlencode(signed).encode()
