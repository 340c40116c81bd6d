"""WeChat Pay API v3 as the sandbox speaks it: answers in v3 shapes, notifications signed with
the platform key and encrypted with the merchant's APIv3 key."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from bedside.core.db import utcnow
from bedside.payments.crypto import wechat as wx
from bedside.payments.sandbox.models import SandboxKeys, SandboxRefund, SandboxTrade

MCHID = "1900000109"
APPID = "wxd678efh567hg6787"
TRADE_TYPES = ("NATIVE", "JSAPI", "H5", "MICROPAY")
CODE_TRADE_TYPES = ("MICROPAY",)
# WeChat payment codes: 18 digits starting 10-15.
_AUTH_CODE = re.compile(r"^1[0-5]\d{16}$")


def make_keys(channel: str) -> SandboxKeys:
    pair = wx.generate_rsa_keypair()
    return SandboxKeys(
        channel=channel,
        private_pem=pair.private_pem.decode(),
        public_pem=pair.public_pem.decode(),
        serial=pair.serial,
        secret=secrets.token_hex(16),  # the APIv3 key: 32 ASCII characters, as merchants set it
    )


def apiv3_key(row: SandboxKeys) -> bytes:
    return row.secret.encode()


def auth_code_ok(code: str) -> bool:
    return bool(_AUTH_CODE.match(code))


def new_trade_no() -> str:
    return f"4200{utcnow():%Y%m%d}{secrets.randbelow(10**16):016d}"


def new_refund_no() -> str:
    return f"5030{secrets.randbelow(10**20):020d}"


def _rfc3339(value: Any) -> str | None:
    if value is None:
        return None
    from bedside.settings import get_settings

    return str(value.astimezone(get_settings().tz).isoformat(timespec="seconds"))


def create_answer(trade: SandboxTrade, token: str) -> Mapping[str, Any]:
    pay = {"sandbox_pay": f"/sandbox/pay/{trade.out_trade_no}"}
    if trade.trade_type == "NATIVE":
        return {"code_url": f"weixin://wxpay/bizpayurl?pr={token}", **pay}
    if trade.trade_type == "H5":
        return {"h5_url": f"https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx{token}", **pay}
    if trade.trade_type == "MICROPAY":
        return {**query_answer(trade, trade.out_trade_no), **pay}
    return {"prepay_id": f"wx{token}", **pay}


def query_answer(trade: SandboxTrade | None, out_trade_no: str) -> Mapping[str, Any]:
    if trade is None:
        return {"trade_state": "NOTFOUND", "out_trade_no": out_trade_no}
    return {
        "appid": APPID,
        "mchid": MCHID,
        "out_trade_no": trade.out_trade_no,
        "trade_type": trade.trade_type,
        "trade_state": trade.state,
        "transaction_id": trade.transaction_id,
        "amount": {"total": trade.amount_fen, "currency": "CNY"},
        "success_time": _rfc3339(trade.success_time),
    }


def refund_answer(row: SandboxRefund) -> Mapping[str, Any]:
    return {"status": row.state, "refund_id": row.refund_id, "out_refund_no": row.out_refund_no}


def notification(session: Session, trade: SandboxTrade) -> tuple[Mapping[str, str], bytes]:
    from bedside.payments.sandbox.server import keys

    row = keys(session, "wechat")
    pair = wx.RsaKeyPair(
        private_pem=row.private_pem.encode(), public_pem=row.public_pem.encode(), serial=row.serial
    )
    resource = {
        "appid": APPID,
        "mchid": MCHID,
        "out_trade_no": trade.out_trade_no,
        "transaction_id": trade.transaction_id,
        "trade_type": trade.trade_type,
        "trade_state": trade.state,
        "trade_state_desc": "支付成功",
        "bank_type": "OTHERS",
        "attach": "",
        "success_time": _rfc3339(trade.success_time),
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "amount": {
            "total": trade.amount_fen,
            "payer_total": trade.amount_fen,
            "currency": "CNY",
            "payer_currency": "CNY",
        },
    }
    return wx.build_notification("TRANSACTION.SUCCESS", resource, pair, apiv3_key(row), utcnow())
