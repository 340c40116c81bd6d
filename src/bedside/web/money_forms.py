"""What phone and kiosk payment forms share: reading a chosen or typed amount, and which
channel and trade type the phone's chosen wallet pays with."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bedside.accounts.wechat import openid_for
from bedside.core.errors import InvalidInput
from bedside.core.i18n import N_
from bedside.core.money import parse_amount
from bedside.payments.service import MAX_FEN, MIN_FEN


def amount_from_form(choice: str, custom: str) -> int:
    """`custom` is yuan as typed ("1234.50"); `choice` is a preset in fen. Custom wins. Either
    must be what one payment may be (payments.service.MIN_FEN..MAX_FEN), else InvalidInput."""
    if custom.strip() or not choice.strip():
        # Nothing chosen reads as nothing typed: the message asks for an amount in yuan.
        return parse_amount(custom, min_fen=MIN_FEN, max_fen=MAX_FEN)
    return parse_amount(choice, unit="fen", min_fen=MIN_FEN, max_fen=MAX_FEN)


@dataclass(frozen=True)
class PhoneMethod:
    channel: str
    trade_type: str
    payer: str | None = None  # the WeChat openid a JSAPI order is paid by


def in_wechat(user_agent: str) -> bool:
    # WeChat's built-in browser names itself; JSAPI works only there, H5 only outside it.
    return "MicroMessenger" in user_agent


def phone_method(session: Session, account_id: int, user_agent: str, choice: str) -> PhoneMethod:
    """How the phone pays with the chosen wallet: WeChat Pay JSAPI inside WeChat (by the
    account's openid), WeChat Pay H5 in another browser, Alipay through its wap cashier."""
    if choice == "alipay":
        return PhoneMethod("alipay", "WAP")
    if choice not in ("", "wechat"):
        raise InvalidInput(N_("This payment channel is not available."), code="channel_unavailable")
    if not in_wechat(user_agent):
        return PhoneMethod("wechat", "H5")
    openid = openid_for(session, account_id)
    if not openid:
        raise InvalidInput(
            N_("Bind WeChat to this account first (Me → WeChat), then pay here in WeChat."),
            code="wechat_not_bound",
        )
    return PhoneMethod("wechat", "JSAPI", openid)
