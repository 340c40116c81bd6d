"""Behaviour every driver shares (fault bookkeeping, events) and the checks of what is sent
to a printer."""

from __future__ import annotations

import re
import threading
from typing import Any

from bedside.kiosk_agent.drivers.events import EventBus
from bedside.kiosk_agent.drivers.model import BadInput, DeviceFault, ModuleState

# --- Shared driver behaviour -----------------------------------------------------------------


class DriverBase:
    kind = ""

    def __init__(self, bus: EventBus) -> None:
        self.bus = bus
        self._lock = threading.RLock()
        self._fault: str | None = None
        self._fault_message: str | None = None

    @property
    def fault(self) -> str | None:
        return self._fault

    def _emit(self, type_: str, **data: Any) -> None:
        self.bus.publish(self.kind, type_, **data)

    def _fail(self, code: str, message: str | None = None) -> DeviceFault:
        """The fault to raise. A hardware fault is remembered for status() and announced once,
        not on every attempt that runs into it."""
        fault = DeviceFault(self.kind, code, message)
        if fault.hardware and self._fault != code:
            self._fault, self._fault_message = code, fault.message
            self._emit("fault_raised", code=code, message=fault.message)
        return fault

    def _recovered(self) -> None:
        if self._fault is not None:
            code, self._fault, self._fault_message = self._fault, None, None
            self._emit("fault_cleared", code=code)

    def _state_for_fault(self) -> ModuleState:
        return "offline" if self._fault == "offline" else "fault"


MAX_COPIES = 10
_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
_TITLE = re.compile(r"^[^\x00-\x1f\x7f]{1,80}$")


def pdf_pages(data: bytes) -> int | None:
    """Page count from the page objects, or None when they are hidden in compressed object
    streams (good enough for checking a stamp's page and counting sheets)."""
    count = len(_PAGE.findall(data))
    return count or None


def check_pdf(data: bytes, copies: int = 1, title: str = "Bedside") -> None:
    if not data.startswith(b"%PDF-"):
        raise BadInput("not_pdf", "The document is not a PDF.")
    if not 1 <= copies <= MAX_COPIES:
        raise BadInput("invalid_copies", f"Copies must be 1 to {MAX_COPIES}.")
    if not _TITLE.match(title):
        raise BadInput("invalid_title", "The title must be 1-80 printable characters.")


def check_zpl(data: bytes) -> None:
    if b"^XA" not in data or b"^XZ" not in data:
        raise BadInput("not_zpl", "The label is not ZPL (^XA ... ^XZ).")


def zpl_labels(data: bytes) -> int:
    """Wristbands a ZPL job uses: each format (^XA ... ^XZ) prints ^PQ copies, 1 by default."""
    total = 0
    for fmt in re.findall(rb"\^XA(.*?)\^XZ", data, flags=re.S):
        quantity = re.search(rb"\^PQ(\d+)", fmt)
        total += int(quantity.group(1)) if quantity else 1
    return total
