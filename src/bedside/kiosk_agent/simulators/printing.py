"""The simulated receipt, laser and wristband printers and the stamper: they write what they
are sent to the output folder and use up paper, toner, wristbands and seal ink."""

from __future__ import annotations

import json
import re
from typing import Any

from bedside.kiosk_agent.drivers import (
    BadInput,
    EventBus,
    LaserPrinter,
    PrintJob,
    Stamp,
    StampRecord,
    check_pdf,
    check_zpl,
    now,
    pdf_pages,
    zpl_labels,
)
from bedside.kiosk_agent.simulators.base import INJECTABLE, OutputFolder, SimulatedModule, percent

# Default line spacing is 1/6 inch; a cut feeds about two centimetres more.
LINE_MM = 4.23
CUT_MM = 20.0
_FEED_LINES = re.compile(rb"\x1bd(.)", flags=re.S)


def receipt_length_mm(data: bytes) -> float:
    """Paper an ESC/POS job uses, estimated from its line feeds (LF and ESC d n)."""
    lines = data.count(b"\n") + sum(n[0] for n in _FEED_LINES.findall(data))
    return lines * LINE_MM + CUT_MM


class SimReceiptPrinter(SimulatedModule):
    kind = "receipt_printer"
    injectable = INJECTABLE[kind]

    def __init__(self, bus: EventBus, folder: OutputFolder, roll_mm: float = 80_000) -> None:
        super().__init__(bus)
        self.folder = folder
        self.roll_mm = roll_mm
        self.paper_mm = roll_mm
        self._seq = 0

    def print_escpos(self, data: bytes) -> PrintJob:
        if not data:
            raise BadInput("empty", "Nothing to print.")
        with self._lock:
            self._check()
            need = receipt_length_mm(data)
            if need > self.paper_mm:
                self.paper_mm = 0  # the roll ran out part-way through this receipt
                raise self._fail("paper_out")
            name = self.folder.write("receipt", "bin", data)
            self.paper_mm -= need
            self._seq += 1
            job = PrintJob(job_id=self._seq, kind=self.kind, bytes=len(data), file=name, at=now())
            self._emit("printed", job_id=job.job_id, file=name)
            return job

    def refill(self) -> None:
        with self._lock:
            self.paper_mm = self.roll_mm
            if self._fault == "paper_out":
                self._recovered()

    def _depleted(self) -> str | None:
        return "paper_out" if self.paper_mm <= 0 else None

    def _consumables(self) -> dict[str, int]:
        return {"receipt_paper": percent(self.paper_mm, self.roll_mm)}

    def _control_extra(self) -> dict[str, Any]:
        return {"paper_mm": round(self.paper_mm)}


class SimLaserPrinter(SimulatedModule):
    kind = "laser_printer"
    injectable = INJECTABLE[kind]

    def __init__(
        self, bus: EventBus, folder: OutputFolder, tray_sheets: int = 250, toner_pages: int = 3000
    ) -> None:
        super().__init__(bus)
        self.folder = folder
        self.tray_sheets = tray_sheets
        self.sheets = tray_sheets
        self.toner_capacity = toner_pages
        self.toner_pages = toner_pages
        self._seq = 0
        self._last: PrintJob | None = None

    def print_pdf(self, data: bytes, *, copies: int = 1, title: str = "Bedside") -> PrintJob:
        check_pdf(data, copies, title)
        pages = pdf_pages(data)
        sheets = (pages or 1) * copies
        with self._lock:
            self._check()
            if sheets > self.sheets:
                self.sheets = 0
                raise self._fail("paper_out")
            if sheets > self.toner_pages:
                self.toner_pages = 0
                raise self._fail("toner_out")
            name = self.folder.write("document", "pdf", data)
            self.sheets -= sheets
            self.toner_pages -= sheets
            self._seq += 1
            job = PrintJob(
                job_id=self._seq,
                kind=self.kind,
                bytes=len(data),
                pages=pages,
                copies=copies,
                file=name,
                at=now(),
            )
            self._last = job
            self._emit("printed", job_id=job.job_id, file=name, pages=pages, copies=copies)
            return job

    def last_job(self) -> PrintJob | None:
        return self._last

    def refill(self) -> None:
        with self._lock:
            self.sheets = self.tray_sheets
            self.toner_pages = self.toner_capacity
            if self._fault in ("paper_out", "toner_out"):
                self._recovered()

    def _depleted(self) -> str | None:
        if self.sheets <= 0:
            return "paper_out"
        return "toner_out" if self.toner_pages <= 0 else None

    def _consumables(self) -> dict[str, int]:
        return {
            "a4_paper": percent(self.sheets, self.tray_sheets),
            "toner": percent(self.toner_pages, self.toner_capacity),
        }

    def _control_extra(self) -> dict[str, Any]:
        return {"sheets": self.sheets, "toner_pages": self.toner_pages}


class SimWristbandPrinter(SimulatedModule):
    kind = "wristband_printer"
    injectable = INJECTABLE[kind]

    def __init__(self, bus: EventBus, folder: OutputFolder, wristbands: int = 200) -> None:
        super().__init__(bus)
        self.folder = folder
        self.capacity = wristbands
        self.wristbands = wristbands
        self._seq = 0

    def print_zpl(self, data: bytes) -> PrintJob:
        check_zpl(data)
        labels = zpl_labels(data)
        with self._lock:
            self._check()
            if labels > self.wristbands:
                self.wristbands = 0
                raise self._fail("paper_out")
            name = self.folder.write("wristband", "zpl", data)
            self.wristbands -= labels
            self._seq += 1
            job = PrintJob(
                job_id=self._seq, kind=self.kind, bytes=len(data), pages=labels, file=name, at=now()
            )
            self._emit("printed", job_id=job.job_id, file=name, labels=labels)
            return job

    def refill(self) -> None:
        with self._lock:
            self.wristbands = self.capacity
            if self._fault == "paper_out":
                self._recovered()

    def _depleted(self) -> str | None:
        return "paper_out" if self.wristbands <= 0 else None

    def _consumables(self) -> dict[str, int]:
        return {"wristbands": percent(self.wristbands, self.capacity)}

    def _control_extra(self) -> dict[str, Any]:
        return {"wristbands_left": self.wristbands}


# A4 portrait, the only paper the laser printer holds.
PAGE_WIDTH_MM = 210.0
PAGE_HEIGHT_MM = 297.0


class SimStamper(SimulatedModule):
    kind = "stamper"
    injectable = INJECTABLE[kind]

    def __init__(
        self, bus: EventBus, folder: OutputFolder, printer: LaserPrinter, impressions: int = 2000
    ) -> None:
        super().__init__(bus)
        self.folder = folder
        self.printer = printer
        self.capacity = impressions
        self.impressions = impressions

    def stamp(self, page: int, x_mm: float, y_mm: float) -> StampRecord:
        if page < 1 or not (0 <= x_mm <= PAGE_WIDTH_MM and 0 <= y_mm <= PAGE_HEIGHT_MM):
            raise BadInput("invalid_position", "The stamp must land on an A4 page (page 1+, 210 x 297 mm).")
        with self._lock:
            self._check()
            job = self.printer.last_job()
            if job is None:
                raise self._fail("nothing_to_stamp")
            if job.pages is not None and page > job.pages:
                raise BadInput("invalid_page", f"The document has {job.pages} page(s).")
            document = job.file or f"{job.kind} job {job.job_id}"
            stem = (
                job.file.removesuffix(".pdf") if job.file else f"{now():%Y%m%d-%H%M%S}-{job.job_id:05d}-job"
            )
            record_name = f"{stem}.stamp.json"
            stamp = Stamp(page=page, x_mm=x_mm, y_mm=y_mm, at=now())
            existing = self.folder.find(record_name)
            stamps: list[Any] = json.loads(existing.read_text("utf-8"))["stamps"] if existing else []
            stamps.append(stamp.model_dump(mode="json"))
            record = {"document": document, "stamps": stamps}
            self.folder.write_named(record_name, json.dumps(record, ensure_ascii=False, indent=2).encode())
            self.impressions -= 1
            self._emit("stamped", document=document, page=page)
            return StampRecord(document=document, stamp=stamp, file=record_name)

    def refill(self) -> None:
        with self._lock:
            self.impressions = self.capacity
            if self._fault == "ink_out":
                self._recovered()

    def _depleted(self) -> str | None:
        return "ink_out" if self.impressions <= 0 else None

    def _consumables(self) -> dict[str, int]:
        return {"seal_ink": percent(self.impressions, self.capacity)}

    def _control_extra(self) -> dict[str, Any]:
        return {"impressions_left": self.impressions}
