"""Statement files -> one frame per file (matching.THEIRS_SCHEMA), refused whole when malformed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import polars as pl

from bedside.core.errors import InvalidInput
from bedside.core.i18n import N_


class StatementRefused(InvalidInput):
    code = "statement_refused"
    message = N_("The statement file was refused: %(reason)s")

    def __init__(self, reason: str) -> None:
        super().__init__(params={"reason": reason})
        self.reason = reason


@dataclass(frozen=True)
class Statement:
    channel: str
    rows: pl.DataFrame  # matching.THEIRS_SCHEMA
    sha256: str


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
