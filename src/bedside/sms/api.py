"""The vendors' delivery receipt callbacks: Aliyun's SmsReport HTTP push and Tencent's status
callback POST a JSON array here. Neither vendor signs the push, so the URL carries a secret
(BEDSIDE_SMS_RECEIPT_TOKEN) that only the vendor's console knows."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from bedside.accounts.sms import get_gateway
from bedside.core.errors import InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.notifications import receipts
from bedside.settings import get_settings
from bedside.sms.vendor import MAX_RECEIPT_BYTES
from bedside.web.deps import DbSession

router = APIRouter(prefix="/api/v1/sms", tags=["sms"], include_in_schema=False)


async def _bounded_body(request: Request) -> bytes:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_RECEIPT_BYTES:
            raise InvalidInput(N_("The request is too large."), code="payload_too_large")
    return bytes(body)


@router.post("/receipts/{provider}/{token}")
async def delivery_receipts(provider: str, token: str, request: Request, session: DbSession) -> JSONResponse:
    expected = get_settings().sms_receipt_token
    gateway = get_gateway()
    # One answer for a wrong token, a wrong provider and no receipts configured: nothing to probe.
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        raise NotFound()
    if provider != gateway.provider:
        raise NotFound()
    body = await _bounded_body(request)
    try:
        batch = gateway.parse_receipts(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(code="invalid_receipts") from exc
    await run_in_threadpool(receipts.record, session, "sms", batch.receipts)
    return JSONResponse(batch.answer)
