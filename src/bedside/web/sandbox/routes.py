"""The simulated payer: the WeChat or Alipay app that confirms an order, and the card
terminal's PIN pad. Only the bundled sandbox channels are behind it; no real money moves."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from starlette.responses import Response

from bedside.core.errors import Conflict, NotFound
from bedside.core.i18n import N_
from bedside.payments.sandbox import server
from bedside.payments.sandbox.models import SandboxTrade
from bedside.web import security
from bedside.web.deps import DbSession
from bedside.web.rendering import render
from bedside.web.shared_routes import safe_next

router = APIRouter(prefix="/sandbox", include_in_schema=False, dependencies=[Depends(security.guard_request)])


def _trade(session: DbSession, out_trade_no: str) -> SandboxTrade:
    trade = session.scalar(select(SandboxTrade).where(SandboxTrade.out_trade_no == out_trade_no[:32]))
    if trade is None:
        raise NotFound(N_("Payment not found."), code="payment_not_found")
    return trade


@router.get("/pay/{out_trade_no}")
def pay_page(request: Request, session: DbSession, out_trade_no: str, back: str = "/phone/") -> Response:
    return render(
        request,
        "sandbox/pay.html",
        {
            "trade": _trade(session, out_trade_no),
            "back": safe_next(back, "/phone/"),
            "modes": server.CHAOS_MODES,
        },
    )


@router.post("/pay/{out_trade_no}")
def confirm(
    session: DbSession,
    out_trade_no: str,
    back: Annotated[str, Form()] = "/phone/",
    mode: Annotated[str, Form()] = "normal",
) -> Response:
    trade = _trade(session, out_trade_no)
    try:
        # The demo user may ask the channel to misbehave as real ones sometimes do.
        server.pay(session, trade.out_trade_no, mode=mode if mode in server.CHAOS_MODES else "normal")
    except server.SandboxError as exc:
        session.rollback()
        raise Conflict(N_("This order can no longer be paid."), code="sandbox_" + exc.code.lower()) from exc
    session.commit()
    return RedirectResponse(safe_next(back, "/phone/"), status_code=303)


@router.get("/card/{out_trade_no}")
def card_page(request: Request, session: DbSession, out_trade_no: str, back: str = "/kiosk/") -> Response:
    return render(
        request,
        "sandbox/card.html",
        {
            "trade": _trade(session, out_trade_no),
            "back": safe_next(back, "/kiosk/"),
            "demo_card": server.DEMO_CARD,
            "demo_pin": server.DEMO_PIN,
        },
    )


@router.post("/card/{out_trade_no}")
def card_pin(
    request: Request,
    session: DbSession,
    out_trade_no: str,
    card_no: Annotated[str, Form(max_length=30)] = "",
    pin: Annotated[str, Form(max_length=12)] = "",
    back: Annotated[str, Form()] = "/kiosk/",
) -> Response:
    trade = _trade(session, out_trade_no)
    try:
        server.enter_pin(session, trade.out_trade_no, card_no, pin)
    except server.SandboxError as exc:
        session.commit()  # a wrong PIN counts even though the payment did not go through
        return render(
            request,
            "sandbox/card.html",
            {
                "trade": _trade(session, out_trade_no),
                "back": safe_next(back, "/kiosk/"),
                "demo_card": server.DEMO_CARD,
                "demo_pin": server.DEMO_PIN,
                "error_code": exc.code,
            },
            status_code=409,
        )
    session.commit()
    return RedirectResponse(safe_next(back, "/kiosk/"), status_code=303)
