"""What a care vendor sends on the care API."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

MAX_DAILY_FEN = 200_000  # ¥2,000 a day is a typing error, not a rate


class CaregiverIn(BaseModel):
    name: str = Field(min_length=1, max_length=50)
    phone: str = Field(pattern=r"^1\d{10}$")
    certificate_no: str | None = Field(default=None, max_length=40)


class CareOrderIn(BaseModel):
    vendor_ref: str = Field(min_length=1, max_length=64, pattern=r"^[\x21-\x7e]+$")
    inpatient_no: str = Field(min_length=1, max_length=20)
    caregiver_id: int = Field(ge=1, le=2**31 - 1)
    mode: Literal["one_to_one", "shared"] = "one_to_one"
    share_count: int = Field(default=1, ge=1, le=6)
    daily_rate_fen: int = Field(ge=100, le=MAX_DAILY_FEN, strict=True)
    starts_at: AwareDatetime
    ends_at: AwareDatetime | None = None


class RateIn(BaseModel):
    effective_from: date
    daily_rate_fen: int = Field(ge=100, le=MAX_DAILY_FEN, strict=True)


class EndIn(BaseModel):
    ends_at: AwareDatetime


class AnswerIn(BaseModel):
    answer: str = Field(min_length=2, max_length=300)
    amount_fen: int | None = Field(default=None, ge=0, le=MAX_DAILY_FEN, strict=True)
