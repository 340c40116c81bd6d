"""Payment JSON API: channel notifications (no session, verified by signature) and the
patient's own payments (session + CSRF + Idempotency-Key)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Header, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import PlainTextResponse, Response

from bedside.accounts import service as accounts_service
from bedside.accounts.wechat import openid_for
from bedside.core.errors import DomainError
from bedside.core.i18n import N_
from bedside.payments import notify_docs, service
from bedside.payments.states import Channel, Purpose
from bedside.web import security
from bedside.web.deps import MAX_ID, AccountUser, DbSession, IdPath
from bedside.web.problems import API_ERRORS, problem_responses

notify_router = APIRouter(
    prefix="/api/v1/payments/notify",
    tags=["payments"],
    responses=problem_responses(400, 401, 413, 422, 429, 503),
)
router = APIRouter(
    prefix="/api/v1/me/payments",
    tags=["payments"],
    dependencies=[Depends(security.guard_request)],
    responses=problem_responses(*API_ERRORS),
)

# A real notification is about a kilobyte; the body is read only this far.
MAX_NOTIFICATION_BYTES = 64 * 1024


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"
    message = N_("The request is too large.")


async def _bounded_body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and (len(declared) > 9 or int(declared) > MAX_NOTIFICATION_BYTES):
        raise PayloadTooLarge()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_NOTIFICATION_BYTES:
            raise PayloadTooLarge()
    return bytes(body)


# The raw body is needed for the signature, so these are async routes; the database work is
# sent to the thread pool so that a burst of notifications never blocks the event loop.


@notify_router.post("/wechat", status_code=204, openapi_extra=notify_docs.WECHAT)
async def wechat_notify(request: Request, session: DbSession) -> Response:
    body = await _bounded_body(request)
    await run_in_threadpool(service.handle_notification, session, "wechat", dict(request.headers), body)
    return Response(status_code=204)


@notify_router.post(
    "/alipay",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string", "const": "success"}}}}},
    openapi_extra=notify_docs.ALIPAY,
)
async def alipay_notify(request: Request, session: DbSession) -> Response:
    body = await _bounded_body(request)
    await run_in_threadpool(service.handle_notification, session, "alipay", dict(request.headers), body)
    # Alipay keeps retrying until the body is exactly "success".
    return PlainTextResponse("success")


class PaymentIn(BaseModel):
    patient_id: int = Field(gt=0, le=MAX_ID)
    notice_id: int = Field(gt=0, le=MAX_ID)
    purpose: Purpose
    amount_fen: int = Field(ge=service.MIN_FEN, le=service.MAX_FEN)
    channel: Channel = Channel.WECHAT
    trade_type: str = Field(default="JSAPI", max_length=20)


class PaymentOut(BaseModel):
    id: int
    out_trade_no: str
    state: str
    amount_fen: int
    channel: str
    purpose: str
    pay_params: dict[str, object]
    created_at: datetime
    paid_at: datetime | None


def _out(order: service.PaymentOrder) -> PaymentOut:
    return PaymentOut(
        id=order.id,
        out_trade_no=order.out_trade_no,
        state=order.state,
        amount_fen=order.amount_fen,
        channel=order.channel,
        purpose=order.purpose,
        pay_params=order.pay_params,
        created_at=order.created_at,
        paid_at=order.paid_at,
    )


@router.post("", status_code=201)
def start(
    body: PaymentIn,
    session: DbSession,
    me: AccountUser,
    idempotency_key: str = Header(default="", alias="Idempotency-Key"),
) -> PaymentOut:
    accounts_service.require_patient(session, me.actor, body.patient_id)
    order = service.start_payment(
        session,
        me.actor,
        patient_id=body.patient_id,
        notice_id=body.notice_id,
        purpose=body.purpose,
        amount_fen=body.amount_fen,
        channel=body.channel,
        trade_type=body.trade_type,
        place="phone",
        idempotency_key=idempotency_key,
        # JSAPI is paid by the account's WeChat identity; unbound, WeChat refuses the order.
        payer=openid_for(session, me.account.id) if body.trade_type == "JSAPI" else None,
    )
    return _out(order)


@router.get("/{order_id}")
def status(order_id: IdPath, session: DbSession, me: AccountUser) -> PaymentOut:
    order = service.get_order(session, order_id)
    accounts_service.require_patient(session, me.actor, order.patient_id)
    return _out(order)
