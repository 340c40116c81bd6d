"""What the kiosk agent expects of each module kind: one interface per kind."""

from __future__ import annotations

from typing import Protocol

from bedside.kiosk_agent.drivers.model import (
    Card,
    CardPayment,
    CashSession,
    FaceMatch,
    Frame,
    IdCard,
    ModuleStatus,
    PrintJob,
    StampRecord,
)

# --- Interfaces, one per module kind ---------------------------------------------------------


class Module(Protocol):
    kind: str

    def status(self) -> ModuleStatus: ...


class IdReader(Module, Protocol):
    def read(self) -> IdCard: ...


class CardReader(Module, Protocol):
    def read(self) -> Card: ...


class Scanner(Module, Protocol):
    def scan(self) -> str: ...


class PinPad(Module, Protocol):
    def pay(self, amount_fen: int, reference: str) -> CardPayment:
        """Takes the card and the PIN for this amount; raises DeviceFault("declined")."""
        ...


class ReceiptPrinter(Module, Protocol):
    def print_escpos(self, data: bytes) -> PrintJob: ...


class LaserPrinter(Module, Protocol):
    def print_pdf(self, data: bytes, *, copies: int = 1, title: str = "Bedside") -> PrintJob: ...

    def last_job(self) -> PrintJob | None: ...


class WristbandPrinter(Module, Protocol):
    def print_zpl(self, data: bytes) -> PrintJob: ...


class Stamper(Module, Protocol):
    def stamp(self, page: int, x_mm: float, y_mm: float) -> StampRecord:
        """Stamps the document the laser printer printed last; millimetres from the page's
        top-left corner."""
        ...


class CashAcceptor(Module, Protocol):
    """Notes arrive on their own: each is announced as a note_accepted event (session id,
    sequence number, denomination) or note_returned (over the limit, not enabled, faulted)."""

    def enable(self, session_id: str, limit_fen: int) -> CashSession: ...

    def disable(self) -> CashSession: ...

    def session(self) -> CashSession | None: ...


class Camera(Module, Protocol):
    def capture(self) -> Frame: ...


class FaceMatcher(Protocol):
    def match(self, frame: Frame, resident_id: str, name: str) -> FaceMatch: ...
