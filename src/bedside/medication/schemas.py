"""A drug as the doctor or the HIS orders it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from bedside.charges.posting import MAX_LINE_FEN

Frequency = Literal["qd", "bid", "tid", "qid", "qn", "prn"]


class DrugIn(BaseModel):
    drug_code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")
    drug_name: str | None = Field(default=None, min_length=1, max_length=100)
    spec: str | None = Field(default=None, max_length=100)
    unit: str | None = Field(default=None, max_length=20)
    quantity: int = Field(ge=1, le=999)
    dose: str = Field(min_length=1, max_length=40)
    frequency: Frequency
    days: int = Field(ge=1, le=90)
    instructions: str | None = Field(default=None, max_length=300)
    unit_price_fen: int | None = Field(default=None, ge=0, le=MAX_LINE_FEN // 1000)
