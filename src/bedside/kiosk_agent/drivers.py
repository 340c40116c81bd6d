"""What the kiosk agent expects of each module kind, the status and fault model every driver
shares, the event bus devices announce things on, and the real backends that exist so far:
the laser printer through CUPS (`lp`), the wristband printer over raw TCP (ZPL, port 9100)
and the receipt printer as an ESC/POS device file (python-escpos `File`)."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import secrets
import shutil
import socket
import subprocess
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal, Protocol, get_args

from escpos.exceptions import DeviceNotFoundError
from escpos.printer import File
from pydantic import BaseModel, Field

log = logging.getLogger(__name__)

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


# --- Events ----------------------------------------------------------------------------------


class DeviceEvent(BaseModel):
    id: str
    at: datetime
    kind: str
    type: str
    data: dict[str, Any] = Field(default_factory=dict)


class Subscription:
    """One /events stream: events are handed to its event loop from whichever thread a device
    published them on."""

    def __init__(self, loop: asyncio.AbstractEventLoop, backlog: list[DeviceEvent], maxsize: int) -> None:
        self.loop = loop
        self.backlog = backlog
        self.queue: asyncio.Queue[DeviceEvent] = asyncio.Queue(maxsize)
        # Set when the reader fell behind and events were dropped; the stream then ends and the
        # browser reconnects with Last-Event-ID, which replays from the bus's backlog.
        self.lost = False

    def _offer(self, event: DeviceEvent) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.lost = True

    async def next(self, timeout: float) -> DeviceEvent | None:
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return None


class EventBus:
    def __init__(self, keep: int = 500, queue_size: int = 1000) -> None:
        # Event ids carry the agent's boot id: after an agent restart a browser's Last-Event-ID
        # belongs to another run, and comparing its number with this run's would skip events.
        self.boot = secrets.token_hex(4)
        self._seq = 0
        self._lock = threading.Lock()
        self._recent: deque[DeviceEvent] = deque(maxlen=keep)
        self._subscribers: set[Subscription] = set()
        self._listeners: list[Callable[[DeviceEvent], None]] = []
        self._queue_size = queue_size

    def publish(self, kind: str, type_: str, **data: Any) -> DeviceEvent:
        with self._lock:
            self._seq += 1
            event = DeviceEvent(id=f"{self.boot}-{self._seq}", at=now(), kind=kind, type=type_, data=data)
            self._recent.append(event)
            for sub in list(self._subscribers):
                try:
                    sub.loop.call_soon_threadsafe(sub._offer, event)
                except RuntimeError:
                    self._subscribers.discard(sub)  # its loop has closed
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:
                log.exception("event listener failed on %s/%s", kind, type_)
        return event

    def listen(self, listener: Callable[[DeviceEvent], None]) -> None:
        with self._lock:
            self._listeners.append(listener)

    def subscribe(self, last_event_id: str | None = None) -> Subscription:
        """Must run on the event loop that will read the subscription."""
        loop = asyncio.get_running_loop()
        with self._lock:
            backlog = self._after(last_event_id)
            sub = Subscription(loop, backlog, self._queue_size)
            self._subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            self._subscribers.discard(sub)

    def recent(self, limit: int = 50) -> list[DeviceEvent]:
        with self._lock:
            return list(self._recent)[-limit:]

    def _after(self, last_event_id: str | None) -> list[DeviceEvent]:
        if not last_event_id:
            return []
        boot, _, seq = last_event_id.partition("-")
        if boot != self.boot or not seq.isdigit():
            return []
        last = int(seq)
        return [e for e in self._recent if int(e.id.rsplit("-", 1)[1]) > last]


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


# --- Real backends ---------------------------------------------------------------------------


class CupsLaserPrinter(DriverBase):
    """Sends PDFs to a CUPS queue with `lp` (the PDF on standard input, no temporary file) and
    reads the queue's state with `lpstat`."""

    kind = "laser_printer"

    def __init__(
        self, bus: EventBus, queue: str, *, lp: str = "lp", lpstat: str = "lpstat", timeout: float = 30
    ) -> None:
        super().__init__(bus)
        self.queue = queue
        self.lp = lp
        self.lpstat = lpstat
        self.timeout = timeout
        self._seq = 0
        self._last: PrintJob | None = None

    def _executable(self, name: str) -> str:
        path = shutil.which(name)
        if path is None:
            raise self._fail("offline", f"{name} not found: is CUPS installed?")
        return path

    def lp_arguments(self, copies: int, title: str) -> list[str]:
        return [self._executable(self.lp), "-d", self.queue, "-n", str(copies), "-t", title]

    def print_pdf(self, data: bytes, *, copies: int = 1, title: str = "Bedside") -> PrintJob:
        check_pdf(data, copies, title)
        with self._lock:
            args = self.lp_arguments(copies, title)
            try:
                done = subprocess.run(  # noqa: S603 - fixed argument list without a shell; the queue is from settings
                    args, input=data, capture_output=True, timeout=self.timeout, check=False
                )
            except subprocess.TimeoutExpired:
                raise self._fail("offline", "lp did not finish in time") from None
            except OSError as exc:
                raise self._fail("offline", f"lp could not run: {exc}") from exc
            if done.returncode != 0:
                message = done.stderr.decode(errors="replace").strip()[:200] or f"lp exit {done.returncode}"
                unreachable = "does not exist" in message or "not accepting" in message
                raise self._fail("offline" if unreachable else "io_error", message)
            found = re.search(rb"request id is (\S+)", done.stdout)
            self._recovered()
            self._seq += 1
            job = PrintJob(
                job_id=self._seq,
                kind=self.kind,
                bytes=len(data),
                pages=pdf_pages(data),
                copies=copies,
                printer_job=found.group(1).decode(errors="replace") if found else None,
                at=now(),
            )
            self._last = job
        self._emit("printed", job_id=job.job_id, pages=job.pages, copies=copies)
        return job

    def last_job(self) -> PrintJob | None:
        return self._last

    def status(self) -> ModuleStatus:
        try:
            args = [self._executable(self.lpstat), "-l", "-p", self.queue]
            done = subprocess.run(  # noqa: S603 - fixed argument list without a shell; the queue is from settings
                args, capture_output=True, timeout=5, check=False
            )
        except DeviceFault as fault:
            return ModuleStatus(kind=self.kind, state="offline", detail=fault.message[:200])
        except (OSError, subprocess.TimeoutExpired) as exc:
            self._fail("offline", f"lpstat: {exc}")
            return ModuleStatus(kind=self.kind, state="offline", detail="lpstat did not answer")
        text = done.stdout.decode(errors="replace")
        if done.returncode != 0:
            self._fail("offline", done.stderr.decode(errors="replace").strip()[:200] or "unknown queue")
            return ModuleStatus(kind=self.kind, state="offline", detail=self._fault_message)
        code, state, detail = cups_condition(text)
        if code is not None:
            self._fail(code, detail)
        elif self._fault is not None:
            self._recovered()
        return ModuleStatus(kind=self.kind, state=state, detail=detail)


def cups_condition(lpstat_output: str) -> tuple[str | None, ModuleState, str | None]:
    """(fault code, state, detail) from `lpstat -l -p <queue>`: a disabled queue or an error
    alert (IPP printer-state-reasons) is a fault, a "-warning" alert is a warning."""
    if re.search(r"^printer \S+ disabled", lpstat_output, flags=re.M):
        return "offline", "offline", "queue disabled"
    alerts_line = re.search(r"Alerts:\s*(.*)", lpstat_output)
    alerts = alerts_line.group(1).split() if alerts_line else []
    for reason, code in (("media-empty", "paper_out"), ("media-jam", "jam"), ("offline", "offline")):
        if any(a.startswith(reason) for a in alerts):
            return code, "offline" if code == "offline" else "fault", reason
    errors = [a for a in alerts if a.endswith("-error")]
    if errors:
        return "io_error", "fault", errors[0]
    warnings = [a for a in alerts if a.endswith("-warning")]
    if warnings:
        return None, "warning", warnings[0]
    return None, "ok", None


class ZplTcpPrinter(DriverBase):
    """A Zebra-compatible wristband printer on its raw port (9100). Before each job it asks
    for the host status (~HS), so a printer without wristbands refuses the job instead of
    holding it until someone refills it long after the patient has left."""

    kind = "wristband_printer"

    def __init__(
        self, bus: EventBus, host: str, port: int = 9100, *, timeout: float = 5, status_timeout: float = 1.5
    ) -> None:
        super().__init__(bus)
        self.host = host
        self.port = port
        self.timeout = timeout
        self.status_timeout = status_timeout
        self._seq = 0

    def _connect(self) -> socket.socket:
        return socket.create_connection((self.host, self.port), timeout=self.timeout)

    def host_status(self) -> str | None:
        """The fault the printer reports, None when fine or silent; OSError when unreachable."""
        with self._connect() as conn:
            conn.sendall(b"~HS")
            conn.settimeout(self.status_timeout)
            reply = b""
            try:
                while reply.count(b"\x03") < 3:
                    chunk = conn.recv(1024)
                    if not chunk:
                        break
                    reply += chunk
            except TimeoutError:
                pass  # a printer that does not answer ~HS is still allowed to print
        return zebra_fault(reply)

    def print_zpl(self, data: bytes) -> PrintJob:
        check_zpl(data)
        with self._lock:
            try:
                code = self.host_status()
                if code is not None:
                    raise self._fail(code)
                with self._connect() as conn:
                    conn.sendall(data)
            except OSError as exc:
                raise self._fail("offline", f"{self.host}:{self.port}: {exc}") from exc
            self._recovered()
            self._seq += 1
            job = PrintJob(
                job_id=self._seq, kind=self.kind, bytes=len(data), pages=zpl_labels(data), at=now()
            )
        self._emit("printed", job_id=job.job_id, labels=job.pages)
        return job

    def status(self) -> ModuleStatus:
        try:
            code = self.host_status()
        except OSError as exc:
            self._fail("offline", f"{self.host}:{self.port}: {exc}")
            return ModuleStatus(kind=self.kind, state="offline", detail=self._fault_message)
        if code is not None:
            self._fail(code)
            return ModuleStatus(kind=self.kind, state="fault", detail=code)
        self._recovered()
        return ModuleStatus(kind=self.kind, state="ok")


def zebra_fault(reply: bytes) -> str | None:
    """Reads a ~HS answer: three STX...ETX strings; in the first, field 2 is "paper out" and
    field 3 "paused"; in the second, field 3 is "head up"."""
    frames = re.findall(rb"\x02([^\x03]*)\x03", reply)
    if len(frames) < 2:
        return None
    first, second = frames[0].split(b","), frames[1].split(b",")
    if len(first) > 1 and first[1] == b"1":
        return "paper_out"
    if len(second) > 2 and second[2] == b"1":
        return "head_open"
    if len(first) > 2 and first[2] == b"1":
        return "paused"
    return None


class EscposFilePrinter(DriverBase):
    """A thermal receipt printer behind a device file (/dev/usb/lp0). The file is write-only,
    so paper status cannot be read back: status says whether the device is there."""

    kind = "receipt_printer"

    def __init__(self, bus: EventBus, device: Path) -> None:
        super().__init__(bus)
        self.device = device
        self._seq = 0

    def print_escpos(self, data: bytes) -> PrintJob:
        if not data:
            raise BadInput("empty", "Nothing to print.")
        with self._lock:
            printer = File(devfile=str(self.device), auto_flush=True)
            try:
                printer.open()
            except DeviceNotFoundError as exc:
                raise self._fail("offline", f"{self.device}: {exc}") from exc
            try:
                printer._raw(data)  # python-escpos has no public call for already-rendered bytes
            except OSError as exc:
                raise self._fail("io_error", f"{self.device}: {exc}") from exc
            finally:
                printer.close()
            self._recovered()
            self._seq += 1
            job = PrintJob(job_id=self._seq, kind=self.kind, bytes=len(data), at=now())
        self._emit("printed", job_id=job.job_id, bytes=job.bytes)
        return job

    def status(self) -> ModuleStatus:
        if os.access(self.device, os.W_OK):
            if self._fault is not None:
                return ModuleStatus(kind=self.kind, state=self._state_for_fault(), detail=self._fault)
            return ModuleStatus(kind=self.kind, state="ok")
        return ModuleStatus(kind=self.kind, state="offline", detail=f"{self.device} not writable")


# --- The set of devices of one kiosk ---------------------------------------------------------

TRANSACTIONS = (
    "receipts_printed",
    "documents_printed",
    "wristbands_printed",
    "notes_accepted",
    "card_payments",
)
_COUNTED = {
    ("receipt_printer", "printed"): "receipts_printed",
    ("laser_printer", "printed"): "documents_printed",
    ("wristband_printer", "printed"): "wristbands_printed",
    ("cash_acceptor", "note_accepted"): "notes_accepted",
    ("pin_pad", "payment_approved"): "card_payments",
}


class Transactions:
    """Counters since the agent started, and the last hardware fault, for telemetry."""

    def __init__(self, bus: EventBus) -> None:
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(TRANSACTIONS, 0)
        self.last_error: str | None = None
        bus.listen(self._on_event)

    def _on_event(self, event: DeviceEvent) -> None:
        with self._lock:
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
