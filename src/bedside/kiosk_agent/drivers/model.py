"""The module kinds, the fault and status model every driver shares, and what the devices
return."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Literal, get_args

from pydantic import BaseModel, Field

ModuleKind = Literal[
    "id_reader",
    "card_reader",
    "scanner",
    "pin_pad",
    "receipt_printer",
    "laser_printer",
    "wristband_printer",
    "stamper",
    "cash_acceptor",
    "camera",
]
KINDS: tuple[str, ...] = get_args(ModuleKind)
ModuleState = Literal["ok", "warning", "fault", "offline"]

# Faults of the hardware itself: they put the module into "fault" (or "offline") until they
# are cleared, and are announced as fault_raised / fault_cleared events.
HARDWARE_FAULTS = (
    "paper_out",
    "jam",
    "read_error",
    "offline",
    "toner_out",
    "ink_out",
    "head_open",
    "paused",
    "io_error",
)
# Outcomes of one operation; the module itself is fine.
OUTCOME_CODES = ("declined", "no_card", "no_code", "not_enabled", "busy", "nothing_to_stamp")
FAULT_CODES = HARDWARE_FAULTS + OUTCOME_CODES

_MESSAGES = {
    "paper_out": "The printer is out of paper.",
    "jam": "The device is jammed.",
    "read_error": "The device could not read.",
    "offline": "The device does not answer.",
    "toner_out": "The printer is out of toner.",
    "ink_out": "The stamp is out of ink.",
    "head_open": "The printer's head is open.",
    "paused": "The printer is paused.",
    "io_error": "The device reported an error.",
    "declined": "The payment was declined.",
    "no_card": "There is no card in the reader.",
    "no_code": "No code has been scanned.",
    "not_enabled": "The cash acceptor is not taking notes.",
    "busy": "Another cash session is open.",
    "nothing_to_stamp": "No document has been printed to stamp.",
}


class DeviceFault(Exception):
    """A device could not do what was asked. `code` is stable (one of FAULT_CODES): the kiosk
    page and the server's fleet view switch on it; `message` is for people and logs."""

    def __init__(self, kind: str, code: str, message: str | None = None) -> None:
        self.kind = kind
        self.code = code
        self.message = message or _MESSAGES.get(code, code)
        super().__init__(f"{kind}: {code}: {self.message}")

    @property
    def hardware(self) -> bool:
        return self.code in HARDWARE_FAULTS


class BadInput(ValueError):
    """The request itself is wrong (not a PDF, an unknown denomination...): answered with 422."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)


class ModuleStatus(BaseModel):
    kind: str
    state: ModuleState
    detail: str | None = None
    # Percent remaining, 0-100, under the names the server's console labels (receipt_paper,
    # a4_paper, toner, wristbands, seal_ink).
    consumables: dict[str, int] = Field(default_factory=dict)


def now() -> datetime:
    """Local wall-clock time, aware: file names and records are read by people at the kiosk."""
    return datetime.now(UTC).astimezone()


# --- What the devices return ---------------------------------------------------------------


class IdCard(BaseModel):
    resident_id: str = Field(pattern=r"^\d{17}[\dX]$")
    name: str = Field(min_length=1, max_length=50)
    gender: Literal["M", "F"]
    birth_date: date
    address: str = Field(min_length=1, max_length=200)


class Card(BaseModel):
    """An insurance, health or visit card; `kind` is the credential kind the server's kiosk
    sign-in takes, so the page can pass it on unchanged."""

    kind: Literal["insurance_card", "health_card", "visit_card"]
    number: str = Field(pattern=r"^[0-9A-Za-z-]{4,40}$")


class CardPayment(BaseModel):
    reference: str
    amount_fen: int
    card_masked: str
    approval_code: str
    trace_no: str
    at: datetime


class PrintJob(BaseModel):
    job_id: int
    kind: str
    bytes: int
    pages: int | None = None
    copies: int = 1
    file: str | None = None  # the simulator's output file, in the agent's output folder
    printer_job: str | None = None  # the spooler's id (CUPS request id)
    at: datetime


class Stamp(BaseModel):
    page: int
    x_mm: float
    y_mm: float
    at: datetime


class StampRecord(BaseModel):
    document: str  # the print job the stamp went on (its file name when simulated)
    stamp: Stamp
    file: str | None = None


class CashNote(BaseModel):
    seq: int
    denomination_fen: int
    at: datetime


class CashSession(BaseModel):
    session_id: str
    limit_fen: int
    enabled: bool
    total_fen: int = 0
    notes: list[CashNote] = Field(default_factory=list)
    returned: int = 0


@dataclass(frozen=True)
class Frame:
    jpeg: bytes
    width: int
    height: int
    at: datetime
    frame_id: str = field(default_factory=lambda: secrets.token_hex(8))


class FaceMatch(BaseModel):
    face_found: bool
    matched: bool
    score: float
