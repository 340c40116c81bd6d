"""The agent's HTTP vocabulary: body limits, the request and answer models of its API, and the
error it answers with. The routes are in app.py."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from bedside.kiosk_agent.drivers import MAX_COPIES, BadInput
from bedside.kiosk_agent.simulators import Person

MAX_JSON = 1 << 20
MAX_RECEIPT = 1 << 20
MAX_LABEL = 2 << 20
MAX_DOCUMENT = 32 << 20
# Comment lines on an idle stream, so a dead connection is noticed by both ends.
SSE_HEARTBEAT_SECONDS = 15.0
KEPT_FRAMES = 8


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        self.status = status
        self.code = code
        self.message = message
        super().__init__(message)


def _error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, **extra}, status_code=status)


# --- Request and response bodies -------------------------------------------------------------


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Empty(_In):
    pass


class PayIn(_In):
    amount_fen: int = Field(gt=0, le=100_000_000)
    # The server's payment order number, so the terminal's slip and the order can be matched.
    reference: str = Field(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")


class EscposIn(_In):
    data_base64: str


class PdfIn(_In):
    data_base64: str
    copies: int = Field(default=1, ge=1, le=MAX_COPIES)
    title: str = Field(default="Bedside", max_length=80)


class ZplIn(_In):
    zpl: str = Field(max_length=MAX_LABEL)


class StampIn(_In):
    page: int = Field(ge=1, le=999)
    x_mm: float
    y_mm: float


class CashEnableIn(_In):
    session_id: str
    limit_fen: int = Field(gt=0, le=100_000_000)


class MatchIn(_In):
    frame_id: str = Field(max_length=32)
    resident_id: str = Field(pattern=r"^\d{17}[\dX]$")
    name: str = Field(min_length=1, max_length=50)


class UrlIn(_In):
    url: str = Field(min_length=1, max_length=2000)


class DocumentUrlIn(UrlIn):
    copies: int = Field(default=1, ge=1, le=MAX_COPIES)
    title: str = Field(default="Bedside", max_length=80)


class ScanOut(BaseModel):
    text: str


class CashSessionOut(BaseModel):
    session: Any


class FrameOut(BaseModel):
    frame_id: str
    width: int
    height: int
    at: datetime
    jpeg_base64: str


class FaultIn(_In):
    code: str


class ScanTextIn(_In):
    text: str


class PinPadIn(_In):
    demo_pin: str | None = None
    entered_pin: str | None = None
    card_number: str | None = None


class NoteIn(_In):
    denomination_fen: int


class PersonIn(_In):
    person: Person
    resident_id: str | None = Field(default=None, pattern=r"^\d{17}[\dX]$")
    quality: int | None = Field(default=None, ge=0, le=100)


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise BadInput("invalid_base64", "data_base64 is not valid base64.") from None


# --- Device operations -----------------------------------------------------------------------
