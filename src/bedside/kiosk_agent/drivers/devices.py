"""The set of devices of one kiosk and its transaction counters for telemetry."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from bedside.kiosk_agent.drivers.events import DeviceEvent, EventBus
from bedside.kiosk_agent.drivers.model import KINDS, ModuleStatus
from bedside.kiosk_agent.drivers.ports import (
    Camera,
    CardReader,
    CashAcceptor,
    FaceMatcher,
    IdReader,
    LaserPrinter,
    Module,
    PinPad,
    ReceiptPrinter,
    Scanner,
    Stamper,
    WristbandPrinter,
)

log = logging.getLogger(__name__)


# --- The set of devices of one kiosk ---------------------------------------------------------

TRANSACTIONS = (
    "receipts_printed",
    "documents_printed",
    "wristbands_printed",
    "notes_accepted",
    "card_payments",
    # The fleet's "repeated payment failures at one kiosk" rule counts this one.
    "payment_failures",
)
_COUNTED = {
    ("receipt_printer", "printed"): "receipts_printed",
    ("laser_printer", "printed"): "documents_printed",
    ("wristband_printer", "printed"): "wristbands_printed",
    ("cash_acceptor", "note_accepted"): "notes_accepted",
    ("pin_pad", "payment_approved"): "card_payments",
    ("pin_pad", "payment_declined"): "payment_failures",
}


class Transactions:
    """Counters since the agent started, and the last hardware fault, for telemetry."""

    def __init__(self, bus: EventBus) -> None:
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(TRANSACTIONS, 0)
        self.last_error: str | None = None
        self._last_event = time.monotonic()
        bus.listen(self._on_event)

    def idle_for(self, seconds: float) -> bool:
        """No device did anything for `seconds`: nobody is using the kiosk, so it may update."""
        return time.monotonic() - self._last_event >= seconds

    def _on_event(self, event: DeviceEvent) -> None:
        with self._lock:
            self._last_event = time.monotonic()
            key = _COUNTED.get((event.kind, event.type))
            if key is not None:
                self._counts[key] += 1
            elif event.type == "fault_raised":
                at = event.at.isoformat(timespec="seconds")
                text = f"{at} {event.kind} {event.data.get('code')}: {event.data.get('message') or ''}"
                self.last_error = text[:300]

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)


@dataclass
class Devices:
    bus: EventBus
    id_reader: IdReader
    card_reader: CardReader
    scanner: Scanner
    pin_pad: PinPad
    receipt_printer: ReceiptPrinter
    laser_printer: LaserPrinter
    wristband_printer: WristbandPrinter
    stamper: Stamper
    cash_acceptor: CashAcceptor
    camera: Camera
    face_matcher: FaceMatcher
    transactions: Transactions = field(init=False)

    def __post_init__(self) -> None:
        self.transactions = Transactions(self.bus)

    def modules(self) -> dict[str, Module]:
        return {kind: getattr(self, kind) for kind in KINDS}

    def statuses(self) -> list[ModuleStatus]:
        out = []
        for kind, module in self.modules().items():
            try:
                out.append(module.status())
            except Exception as exc:
                # One broken driver must not hide the others' status from the fleet view.
                log.exception("status of %s failed", kind)
                out.append(ModuleStatus(kind=kind, state="fault", detail=f"status failed: {exc}"[:200]))
        return out
