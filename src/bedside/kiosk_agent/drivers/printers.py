"""The real backends that exist so far: the laser printer through CUPS (`lp`), the wristband
printer over raw TCP (ZPL, port 9100) and the receipt printer as an ESC/POS device file
(python-escpos `File`)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
from pathlib import Path

from escpos.exceptions import DeviceNotFoundError
from escpos.printer import File

from bedside.kiosk_agent.drivers.base import DriverBase, check_pdf, check_zpl, pdf_pages, zpl_labels
from bedside.kiosk_agent.drivers.events import EventBus
from bedside.kiosk_agent.drivers.model import BadInput, DeviceFault, ModuleState, ModuleStatus, PrintJob, now

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
