"""What every simulated module shares: the demo cards and PIN, the output folder printers write
to, fault injection and consumables."""

from __future__ import annotations

import os
import re
import threading
from datetime import date
from pathlib import Path
from typing import Any, Literal

from bedside.core.resident_id import check_digit
from bedside.kiosk_agent.drivers import (
    BadInput,
    DeviceFault,
    DriverBase,
    IdCard,
    ModuleStatus,
    now,
)

# Below this a consumable is reported as a warning, so staff refill before it runs out.
LOW_PERCENT = 10

INJECTABLE: dict[str, tuple[str, ...]] = {
    "id_reader": ("read_error", "offline"),
    "card_reader": ("read_error", "offline"),
    "scanner": ("read_error", "offline"),
    "pin_pad": ("read_error", "offline"),
    "receipt_printer": ("paper_out", "jam", "offline"),
    "laser_printer": ("paper_out", "jam", "offline"),
    "wristband_printer": ("paper_out", "jam", "offline"),
    "stamper": ("jam", "offline"),
    "cash_acceptor": ("jam", "offline"),
    "camera": ("read_error", "offline"),
}


def _resident_id(first17: str) -> str:
    return first17 + check_digit(first17)


# The demo hospital's two patients (bedside.demo.generator), so a demo card signs them in.
DEMO_ID_CARDS = (
    IdCard(
        resident_id=_resident_id("43010419850315001"),
        name="张伟",
        gender="M",
        birth_date=date(1985, 3, 15),
        address="湖南省长沙市芙蓉区五一大道 100 号",
    ),
    IdCard(
        resident_id=_resident_id("43010419560820002"),
        name="李秀英",
        gender="F",
        birth_date=date(1956, 8, 20),
        address="湖南省长沙市芙蓉区八一路 20 号",
    ),
)
DEMO_PIN = "123456"
DEMO_CARD_NUMBER = "6222021001122334455"
DENOMINATIONS_FEN = (1000, 2000, 5000, 10000)

_NAME = re.compile(r"^\d{8}-\d{6}-(\d+)-[a-z]+\.(bin|pdf|zpl|stamp\.json)$")
SESSION_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def percent(left: float, capacity: float) -> int:
    """Whole percent left; anything left shows as at least 1 so it never reads as empty."""
    if left <= 0 or capacity <= 0:
        return 0
    return max(1, int(left * 100 // capacity))


class OutputFolder:
    """Where the simulated printers put their output. Names start with the local time and a
    sequence number that continues across restarts, so they sort in printing order."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._seq = self._highest_seq()

    def _highest_seq(self) -> int:
        if not self.path.is_dir():
            return 0
        found = (_NAME.match(p.name) for p in self.path.iterdir())
        return max((int(m.group(1)) for m in found if m), default=0)

    def write(self, label: str, ext: str, data: bytes) -> str:
        with self._lock:
            self._seq += 1
            name = f"{now():%Y%m%d-%H%M%S}-{self._seq:05d}-{label}.{ext}"
            self._put(name, data)
        return name

    def write_named(self, name: str, data: bytes) -> None:
        with self._lock:
            self._put(name, data)

    def _put(self, name: str, data: bytes) -> None:
        # Written aside and renamed, so the control page never lists a half-written file.
        self.path.mkdir(parents=True, exist_ok=True)
        part = self.path / f".{name}.part"
        part.write_bytes(data)
        os.replace(part, self.path / name)

    def find(self, name: str) -> Path | None:
        if not _NAME.match(name):
            return None
        path = self.path / name
        return path if path.is_file() else None

    def files(self, limit: int = 100) -> list[dict[str, Any]]:
        if not self.path.is_dir():
            return []
        paths = sorted((p for p in self.path.iterdir() if _NAME.match(p.name)), key=lambda p: p.name)
        return [{"name": p.name, "bytes": p.stat().st_size} for p in reversed(paths[-limit:])]


class SimulatedModule(DriverBase):
    injectable: tuple[str, ...] = ("offline",)

    def inject(self, code: str) -> None:
        if code not in self.injectable:
            raise BadInput(
                "invalid_fault", f"{self.kind} simulates {', '.join(self.injectable)}, not {code}."
            )
        with self._lock:
            self._fail(code)

    def clear(self) -> None:
        with self._lock:
            self._recovered()

    def refill(self) -> None:
        raise BadInput("nothing_to_refill", f"{self.kind} has no consumables.")

    def _depleted(self) -> str | None:
        """The fault an empty consumable causes, if one is empty."""
        return None

    def _consumables(self) -> dict[str, int]:
        return {}

    def _check(self) -> None:
        if self._fault is not None:
            raise DeviceFault(self.kind, self._fault, self._fault_message)
        code = self._depleted()
        if code is not None:
            raise self._fail(code)

    def status(self) -> ModuleStatus:
        with self._lock:
            consumables = self._consumables()
            code = self._fault or self._depleted()
            if code is not None:
                state: Literal["offline", "fault"] = "offline" if code == "offline" else "fault"
                return ModuleStatus(kind=self.kind, state=state, detail=code, consumables=consumables)
            warning = self._warning(consumables)
            if warning:
                return ModuleStatus(kind=self.kind, state="warning", detail=warning, consumables=consumables)
            return ModuleStatus(kind=self.kind, state="ok", consumables=consumables)

    def _warning(self, consumables: dict[str, int]) -> str | None:
        """A consumable about to run out (percent left)."""
        low = sorted(name for name, left in consumables.items() if left <= LOW_PERCENT)
        return f"{low[0]}_low" if low else None

    def control_state(self) -> dict[str, Any]:
        with self._lock:
            return {"fault": self._fault, "injectable": list(self.injectable), **self._control_extra()}

    def _control_extra(self) -> dict[str, Any]:
        return {}
