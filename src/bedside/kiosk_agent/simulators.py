"""A simulator for every module kind, steered from the agent's control page and API.

Readers hand out the demo card placed on them, the scanner the next queued text; printers
write what they are sent to the output folder (ESC/POS .bin, PDF .pdf, ZPL .zpl, named by
time and sequence number) and use up paper, toner, wristbands and seal ink; the stamper
records its impressions next to the last PDF; the cash acceptor stacks notes "inserted" on
the control page; the PIN pad approves the demo PIN. Any fault a module can have can be
injected and cleared, so the kiosk pages' error paths can be shown and tested.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import secrets
import threading
from collections import deque
from datetime import date
from pathlib import Path
from typing import Any, Literal

from PIL import Image, ImageDraw

from bedside.core.resident_id import check_digit
from bedside.kiosk_agent.drivers import (
    BadInput,
    Card,
    CardPayment,
    CashNote,
    CashSession,
    DeviceFault,
    Devices,
    DriverBase,
    EventBus,
    FaceMatch,
    Frame,
    IdCard,
    LaserPrinter,
    ModuleStatus,
    PrintJob,
    ReceiptPrinter,
    Stamp,
    StampRecord,
    WristbandPrinter,
    check_pdf,
    check_zpl,
    now,
    pdf_pages,
    zpl_labels,
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
_SESSION_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


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
            low = sorted(name for name, left in consumables.items() if left <= LOW_PERCENT)
            if low:
                return ModuleStatus(
                    kind=self.kind, state="warning", detail=f"{low[0]}_low", consumables=consumables
                )
            return ModuleStatus(kind=self.kind, state="ok", consumables=consumables)

    def control_state(self) -> dict[str, Any]:
        with self._lock:
            return {"fault": self._fault, "injectable": list(self.injectable), **self._control_extra()}

    def _control_extra(self) -> dict[str, Any]:
        return {}


class SimIdReader(SimulatedModule):
    kind = "id_reader"
    injectable = INJECTABLE[kind]

    def __init__(self, bus: EventBus) -> None:
        super().__init__(bus)
        self._card: IdCard | None = None

    def place(self, card: IdCard) -> None:
        with self._lock:
            self._card = card
            self._emit("card_inserted")

    def remove(self) -> None:
        with self._lock:
            self._card = None
            self._emit("card_removed")

    def current(self) -> IdCard | None:
        return self._card

    def read(self) -> IdCard:
        with self._lock:
            self._check()
            if self._card is None:
                raise self._fail("no_card")
            self._emit("card_read")
            return self._card

    def _control_extra(self) -> dict[str, Any]:
        return {
            "card": self._card.model_dump(mode="json") if self._card else None,
            "presets": [c.model_dump(mode="json") for c in DEMO_ID_CARDS],
        }


class SimCardReader(SimulatedModule):
    kind = "card_reader"
    injectable = INJECTABLE[kind]

    def __init__(self, bus: EventBus) -> None:
        super().__init__(bus)
        self._card: Card | None = None

    def place(self, card: Card) -> None:
        with self._lock:
            self._card = card
            self._emit("card_inserted", card_kind=card.kind)

    def remove(self) -> None:
        with self._lock:
            self._card = None
            self._emit("card_removed")

    def read(self) -> Card:
        with self._lock:
            self._check()
            if self._card is None:
                raise self._fail("no_card")
            self._emit("card_read", card_kind=self._card.kind)
            return self._card

    def _control_extra(self) -> dict[str, Any]:
        return {"card": self._card.model_dump(mode="json") if self._card else None}


class SimScanner(SimulatedModule):
    kind = "scanner"
    injectable = INJECTABLE[kind]
    MAX_QUEUED = 20

    def __init__(self, bus: EventBus) -> None:
        super().__init__(bus)
        self._queue: deque[str] = deque(maxlen=self.MAX_QUEUED)

    def present(self, text: str) -> None:
        """A code held up to the scanner; the page is told, and takes it with scan()."""
        if not text or len(text) > 4096 or any(ch in text for ch in "\x00\r\n"):
            raise BadInput("invalid_code", "A code is one line of 1-4096 characters.")
        with self._lock:
            self._queue.append(text)
            self._emit("code_scanned", pending=len(self._queue))

    def scan(self) -> str:
        with self._lock:
            self._check()
            if not self._queue:
                raise self._fail("no_code")
            return self._queue.popleft()

    def _control_extra(self) -> dict[str, Any]:
        return {"queued": list(self._queue)}


def mask_card(number: str) -> str:
    """First six and last four digits, as printed on card slips."""
    return number[:6] + "*" * max(0, len(number) - 10) + number[-4:]


class SimPinPad(SimulatedModule):
    kind = "pin_pad"
    injectable = INJECTABLE[kind]

    def __init__(self, bus: EventBus, demo_pin: str = DEMO_PIN) -> None:
        super().__init__(bus)
        self.demo_pin = demo_pin
        # What the simulated cardholder will type next; the host never sees a real PIN.
        self.entered_pin = demo_pin
        self.card_number = DEMO_CARD_NUMBER
        self._trace = 0

    def configure(
        self, *, demo_pin: str | None = None, entered_pin: str | None = None, card_number: str | None = None
    ) -> None:
        for value in (demo_pin, entered_pin):
            if value is not None and not re.fullmatch(r"\d{4,12}", value):
                raise BadInput("invalid_pin", "A PIN is 4-12 digits.")
        if card_number is not None and not re.fullmatch(r"\d{13,19}", card_number):
            raise BadInput("invalid_card_number", "A card number is 13-19 digits.")
        with self._lock:
            self.demo_pin = demo_pin or self.demo_pin
            self.entered_pin = entered_pin or self.entered_pin
            self.card_number = card_number or self.card_number

    def pay(self, amount_fen: int, reference: str) -> CardPayment:
        if amount_fen <= 0:
            raise BadInput("invalid_amount", "The amount must be positive.")
        with self._lock:
            self._check()
            self._trace += 1
            trace_no = f"{self._trace:06d}"
            masked = mask_card(self.card_number)
            if not secrets.compare_digest(self.entered_pin, self.demo_pin):
                self._emit("payment_declined", reference=reference, amount_fen=amount_fen, card_masked=masked)
                raise self._fail("declined", "Wrong PIN.")
            digest = hashlib.sha256(f"{reference}:{trace_no}".encode()).hexdigest()
            payment = CardPayment(
                reference=reference,
                amount_fen=amount_fen,
                card_masked=masked,
                approval_code=f"{int(digest, 16) % 1_000_000:06d}",
                trace_no=trace_no,
                at=now(),
            )
            self._emit(
                "payment_approved",
                reference=reference,
                amount_fen=amount_fen,
                card_masked=masked,
                trace_no=trace_no,
            )
            return payment

    def _control_extra(self) -> dict[str, Any]:
        return {
            "demo_pin": self.demo_pin,
            "entered_pin": self.entered_pin,
            "card_masked": mask_card(self.card_number),
        }


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


class SimCashAcceptor(SimulatedModule):
    kind = "cash_acceptor"
    injectable = INJECTABLE[kind]

    def __init__(self, bus: EventBus) -> None:
        super().__init__(bus)
        self._session: CashSession | None = None

    def enable(self, session_id: str, limit_fen: int) -> CashSession:
        if not _SESSION_ID.match(session_id):
            raise BadInput("invalid_session", "A session id is 1-64 letters, digits, '_', '.', ':' or '-'.")
        if limit_fen < min(DENOMINATIONS_FEN):
            raise BadInput("invalid_limit", "The limit must allow at least one note.")
        with self._lock:
            self._check()
            current = self._session
            if current is not None and current.enabled:
                if current.session_id == session_id and current.limit_fen == limit_fen:
                    return current.model_copy(deep=True)  # the page asked again (reload)
                raise self._fail("busy")
            self._session = CashSession(session_id=session_id, limit_fen=limit_fen, enabled=True)
            self._emit("cash_enabled", session_id=session_id, limit_fen=limit_fen)
            return self._session.model_copy(deep=True)

    def disable(self) -> CashSession:
        with self._lock:
            current = self._session
            if current is None or not current.enabled:
                raise self._fail("not_enabled")
            current.enabled = False
            self._emit(
                "cash_disabled",
                session_id=current.session_id,
                total_fen=current.total_fen,
                notes=len(current.notes),
            )
            return current.model_copy(deep=True)

    def session(self) -> CashSession | None:
        with self._lock:
            return self._session.model_copy(deep=True) if self._session else None

    def insert(self, denomination_fen: int) -> dict[str, Any]:
        """A note fed into the slot: stacked (and numbered) or handed back."""
        if denomination_fen not in DENOMINATIONS_FEN:
            raise BadInput("invalid_denomination", "The acceptor takes 10, 20, 50 and 100 yuan notes.")
        with self._lock:
            current = self._session if self._session and self._session.enabled else None
            reason = None
            if self._fault is not None:
                reason = self._fault
            elif current is None:
                reason = "not_enabled"
            elif current.total_fen + denomination_fen > current.limit_fen:
                reason = "over_limit"
            if reason is not None or current is None:
                if current is not None:
                    current.returned += 1
                data: dict[str, Any] = {
                    "session_id": current.session_id if current else None,
                    "denomination_fen": denomination_fen,
                    "reason": reason,
                }
                self._emit("note_returned", **data)
                return {"result": "returned", **data}
            note = CashNote(seq=len(current.notes) + 1, denomination_fen=denomination_fen, at=now())
            current.notes.append(note)
            current.total_fen += denomination_fen
            data = {
                "session_id": current.session_id,
                "seq": note.seq,
                "denomination_fen": denomination_fen,
                "total_fen": current.total_fen,
            }
            self._emit("note_accepted", **data)
            return {"result": "accepted", **data}

    def _control_extra(self) -> dict[str, Any]:
        return {
            "session": self._session.model_dump(mode="json") if self._session else None,
            "denominations_fen": list(DENOMINATIONS_FEN),
        }


Person = Literal["id_card", "patient", "stranger", "nobody"]
_SUBJECT_PREFIX = b"bedside-sim:"


class SimCamera(SimulatedModule):
    """Frames are drawn, not filmed. Who stands in front of the lens (the holder of the ID card
    on the reader, a chosen patient by resident ID, a stranger, nobody) and how sharp the
    picture is are written into the JPEG's comment ("<subject>;q=<0-100>"), which is all the
    simulated face matchers (the agent's and the server's) look at."""

    kind = "camera"
    injectable = INJECTABLE[kind]
    WIDTH, HEIGHT = 640, 480

    def __init__(self, bus: EventBus, id_reader: SimIdReader) -> None:
        super().__init__(bus)
        self.id_reader = id_reader
        self.person: Person = "id_card"
        self.resident_id: str | None = None
        self.quality = 100

    def set_person(self, person: Person, resident_id: str | None = None, quality: int | None = None) -> None:
        if person == "patient" and (resident_id is None or not re.fullmatch(r"\d{17}[\dX]", resident_id)):
            raise BadInput("invalid_resident_id", "Choosing a patient needs their 18-character resident ID.")
        if quality is not None and not 0 <= quality <= 100:
            raise BadInput("invalid_quality", "Quality is 0-100.")
        with self._lock:
            self.person = person
            self.resident_id = resident_id if person == "patient" else None
            if quality is not None:
                self.quality = quality

    def capture(self) -> Frame:
        with self._lock:
            self._check()
            card = self.id_reader.current()
            if self.person == "nobody":
                subject = "nobody"
            elif self.person == "patient" and self.resident_id:
                subject = self.resident_id
            elif self.person == "id_card" and card is not None:
                subject = card.resident_id
            else:
                subject = "stranger"
            frame = Frame(jpeg=self._draw(subject), width=self.WIDTH, height=self.HEIGHT, at=now())
            self._emit("frame_captured", frame_id=frame.frame_id)
            return frame

    def _draw(self, subject: str) -> bytes:
        image = Image.new("RGB", (self.WIDTH, self.HEIGHT), (38, 44, 56))
        draw = ImageDraw.Draw(image)
        if subject != "nobody":
            tone = (224, 188, 160) if subject != "stranger" else (196, 160, 132)
            draw.ellipse((250, 110, 390, 290), fill=tone)
            draw.rounded_rectangle((190, 300, 450, 480), radius=60, fill=(70, 110, 160))
        draw.text((12, 12), f"SIMULATED CAMERA {now():%H:%M:%S}", fill=(200, 200, 200))
        out = io.BytesIO()
        tag = _SUBJECT_PREFIX + f"{subject};q={self.quality}".encode()
        image.save(out, "JPEG", quality=70, comment=tag)
        return out.getvalue()

    def _control_extra(self) -> dict[str, Any]:
        return {
            "person": self.person,
            "resident_id": self.resident_id,
            "quality": self.quality,
            "presets": [{"name": c.name, "resident_id": c.resident_id} for c in DEMO_ID_CARDS],
        }


def frame_subject(jpeg: bytes) -> str | None:
    try:
        with Image.open(io.BytesIO(jpeg)) as image:
            comment = image.info.get("comment", b"")
    except OSError:
        return None
    if not isinstance(comment, bytes) or not comment.startswith(_SUBJECT_PREFIX):
        return None
    return comment[len(_SUBJECT_PREFIX) :].decode(errors="replace").partition(";q=")[0]


class SimFaceMatcher:
    MATCH_SCORE = 0.96
    OTHER_SCORE = 0.21

    def match(self, frame: Frame, resident_id: str, name: str) -> FaceMatch:
        subject = frame_subject(frame.jpeg)
        if subject is None or subject == "nobody":
            return FaceMatch(face_found=False, matched=False, score=0.0)
        matched = secrets.compare_digest(subject.encode(), resident_id.encode())
        return FaceMatch(
            face_found=True, matched=matched, score=self.MATCH_SCORE if matched else self.OTHER_SCORE
        )


def simulated_devices(
    output_dir: Path,
    *,
    bus: EventBus | None = None,
    demo_pin: str = DEMO_PIN,
    receipt_printer: ReceiptPrinter | None = None,
    laser_printer: LaserPrinter | None = None,
    wristband_printer: WristbandPrinter | None = None,
) -> Devices:
    """Every module simulated except the printers passed in (real backends, built on the
    same bus). The stamper stays simulated and stamps whatever the laser printer printed last."""
    bus = bus or EventBus()
    folder = OutputFolder(output_dir)
    id_reader = SimIdReader(bus)
    laser = laser_printer or SimLaserPrinter(bus, folder)
    return Devices(
        bus=bus,
        id_reader=id_reader,
        card_reader=SimCardReader(bus),
        scanner=SimScanner(bus),
        pin_pad=SimPinPad(bus, demo_pin),
        receipt_printer=receipt_printer or SimReceiptPrinter(bus, folder),
        laser_printer=laser,
        wristband_printer=wristband_printer or SimWristbandPrinter(bus, folder),
        stamper=SimStamper(bus, folder, laser),
        cash_acceptor=SimCashAcceptor(bus),
        camera=SimCamera(bus, id_reader),
        face_matcher=SimFaceMatcher(),
    )
