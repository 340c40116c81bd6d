"""The kiosk agent's simulators and real backends, without HTTP."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fpdf import FPDF

from bedside.kiosk_agent import drivers
from bedside.kiosk_agent.drivers import (
    BadInput,
    Card,
    CupsLaserPrinter,
    DeviceEvent,
    DeviceFault,
    Devices,
    EscposFilePrinter,
    EventBus,
    IdCard,
    ZplTcpPrinter,
    cups_condition,
    pdf_pages,
    printers,
    zebra_fault,
    zpl_labels,
)
from bedside.kiosk_agent.simulators import (
    DEMO_ID_CARDS,
    INJECTABLE,
    OutputFolder,
    SimCashAcceptor,
    SimIdReader,
    SimLaserPrinter,
    SimReceiptPrinter,
    SimulatedModule,
    SimWristbandPrinter,
    mask_card,
    percent,
    receipt_length_mm,
    simulated_devices,
)

ESCPOS = b"\x1b@\x1ba\x01Bedside\n\xe7\xbc\xb4\xe8\xb4\xb9\xe6\x94\xb6\xe6\x8d\xae\n\x1bd\x03\x1dV\x00"
ZPL = "^XA\n^CI28\n^PW300\n^FO40,40^A0R,40,40^FD张伟 ZY2026000123^FS\n^PQ2\n^XZ\n"
NAME = re.compile(r"^\d{8}-\d{6}-\d{5}-(receipt|document|wristband)\.(bin|pdf|zpl)$")


def make_pdf(pages: int = 2) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for n in range(pages):
        pdf.add_page()
        pdf.cell(text=f"page {n + 1}")
    return bytes(pdf.output())


class Recorder:
    def __init__(self, bus: EventBus) -> None:
        self.events: list[DeviceEvent] = []
        bus.listen(self.events.append)

    def types(self, kind: str | None = None) -> list[str]:
        return [e.type for e in self.events if kind is None or e.kind == kind]


@pytest.fixture
def devices(tmp_path: Path) -> Devices:
    return simulated_devices(tmp_path / "out")


@pytest.fixture
def events(devices: Devices) -> Recorder:
    return Recorder(devices.bus)


# --- Readers, scanner, PIN pad ---------------------------------------------------------------


def test_id_reader_hands_out_the_card_placed_on_it(devices: Devices, events: Recorder) -> None:
    reader = devices.id_reader
    assert isinstance(reader, SimIdReader)
    with pytest.raises(DeviceFault) as no_card:
        reader.read()
    assert (no_card.value.code, no_card.value.hardware) == ("no_card", False)
    card = DEMO_ID_CARDS[0]
    reader.place(card)
    assert reader.read() == card
    assert card.resident_id == "430104198503150017"  # the demo patient's, with its check digit
    reader.remove()
    with pytest.raises(DeviceFault):
        reader.read()
    assert events.types("id_reader") == ["card_inserted", "card_read", "card_removed"]
    assert reader.status().state == "ok"  # an empty reader is not a faulty one


def test_card_reader_and_scanner(devices: Devices, events: Recorder) -> None:
    card = Card(kind="visit_card", number="8000000001")
    devices.card_reader.place(card)  # type: ignore[attr-defined]
    assert devices.card_reader.read() == card
    scanner = devices.scanner
    with pytest.raises(DeviceFault) as empty:
        scanner.scan()
    assert empty.value.code == "no_code"
    scanner.present("134567890123456789")  # type: ignore[attr-defined]
    scanner.present("https://ehc.example/qr/abc")  # type: ignore[attr-defined]
    assert [scanner.scan(), scanner.scan()] == ["134567890123456789", "https://ehc.example/qr/abc"]
    with pytest.raises(BadInput):
        scanner.present("two\nlines")  # type: ignore[attr-defined]
    assert events.types("card_reader") == ["card_inserted", "card_read"]
    assert events.types("scanner") == ["code_scanned", "code_scanned"]


def test_pin_pad_approves_the_demo_pin_and_declines_others(devices: Devices, events: Recorder) -> None:
    pad = devices.pin_pad
    paid = pad.pay(12_345, "BP20261123000001")
    assert paid.amount_fen == 12_345
    assert paid.card_masked == "622202*********4455" == mask_card("6222021001122334455")
    assert re.fullmatch(r"\d{6}", paid.approval_code) and paid.trace_no == "000001"
    pad.configure(entered_pin="999999")  # type: ignore[attr-defined]
    with pytest.raises(DeviceFault) as declined:
        pad.pay(100, "BP20261123000002")
    assert (declined.value.code, declined.value.hardware) == ("declined", False)
    assert pad.status().state == "ok"
    pad.configure(demo_pin="999999")  # type: ignore[attr-defined]
    assert pad.pay(100, "BP20261123000003").trace_no == "000003"
    assert events.types("pin_pad") == ["payment_approved", "payment_declined", "payment_approved"]
    assert devices.transactions.snapshot()["card_payments"] == 2
    with pytest.raises(BadInput):
        pad.pay(0, "BP1")


# --- Printers and stamper --------------------------------------------------------------------


def test_receipt_printer_writes_the_escpos_bytes_and_uses_paper(devices: Devices, tmp_path: Path) -> None:
    printer = devices.receipt_printer
    before = printer.status().consumables["receipt_paper"]
    assert before == 100
    job = printer.print_escpos(ESCPOS)
    assert job.file and NAME.match(job.file)
    assert (tmp_path / "out" / job.file).read_bytes() == ESCPOS
    assert isinstance(printer, SimReceiptPrinter)
    assert printer.paper_mm == pytest.approx(80_000 - receipt_length_mm(ESCPOS))
    # two LFs and ESC d 3: five lines and the cut
    assert receipt_length_mm(ESCPOS) == pytest.approx(5 * 4.23 + 20)
    second = printer.print_escpos(ESCPOS * 200)
    assert second.job_id == 2 and (second.file or "") > job.file
    assert printer.status().consumables["receipt_paper"] < before
    assert devices.transactions.snapshot()["receipts_printed"] == 2


def test_receipt_paper_runs_out_then_is_refilled(tmp_path: Path) -> None:
    bus = EventBus()
    events = Recorder(bus)
    printer = SimReceiptPrinter(bus, OutputFolder(tmp_path), roll_mm=80)
    printer.print_escpos(b"one\n")  # 24.23 mm
    printer.print_escpos(b"two\n")
    printer.print_escpos(b"three\n")
    status = printer.status()
    assert (status.state, status.detail, status.consumables) == (
        "warning",
        "receipt_paper_low",
        {"receipt_paper": 9},
    )
    with pytest.raises(DeviceFault) as out:
        printer.print_escpos(b"four\n")
    assert (out.value.code, out.value.hardware) == ("paper_out", True)
    assert printer.status().model_dump() == {
        "kind": "receipt_printer",
        "state": "fault",
        "detail": "paper_out",
        "consumables": {"receipt_paper": 0},
    }
    assert len(list(tmp_path.glob("*.bin"))) == 3
    printer.refill()
    assert printer.status().state == "ok"
    printer.print_escpos(b"four\n")
    assert events.types() == ["printed"] * 3 + ["fault_raised", "fault_cleared", "printed"]


def test_laser_printer_writes_the_pdf_and_uses_sheets_and_toner(devices: Devices, tmp_path: Path) -> None:
    pdf = make_pdf(2)
    assert pdf_pages(pdf) == 2
    printer = devices.laser_printer
    assert isinstance(printer, SimLaserPrinter)
    job = printer.print_pdf(pdf, copies=3, title="费用清单")
    assert (job.pages, job.copies) == (2, 3)
    assert job.file and job.file.endswith("-document.pdf")
    assert (tmp_path / "out" / job.file).read_bytes() == pdf
    assert (printer.sheets, printer.toner_pages) == (250 - 6, 3000 - 6)
    assert printer.status().consumables == {"a4_paper": 97, "toner": 99}
    assert printer.last_job() == job
    with pytest.raises(BadInput) as not_pdf:
        printer.print_pdf(b"<html>login</html>")
    assert not_pdf.value.code == "not_pdf"
    with pytest.raises(BadInput):
        printer.print_pdf(pdf, copies=11)


def test_laser_printer_tray_runs_dry(tmp_path: Path) -> None:
    printer = SimLaserPrinter(EventBus(), OutputFolder(tmp_path), tray_sheets=3)
    printer.print_pdf(make_pdf(2))
    with pytest.raises(DeviceFault) as out:
        printer.print_pdf(make_pdf(2))
    assert out.value.code == "paper_out"
    assert printer.status().consumables["a4_paper"] == 0
    printer.refill()
    assert printer.print_pdf(make_pdf(2)).job_id == 2


def test_wristband_printer_writes_the_zpl_and_counts_wristbands(devices: Devices, tmp_path: Path) -> None:
    printer = devices.wristband_printer
    assert isinstance(printer, SimWristbandPrinter)
    job = printer.print_zpl(ZPL.encode())
    assert job.file and job.file.endswith("-wristband.zpl")
    assert (tmp_path / "out" / job.file).read_bytes() == ZPL.encode("utf-8")
    assert job.pages == zpl_labels(ZPL.encode()) == 2  # ^PQ2
    assert printer.wristbands == 198
    assert printer.status().consumables == {"wristbands": 99}
    with pytest.raises(BadInput) as bad:
        printer.print_zpl(b"hello")
    assert bad.value.code == "not_zpl"
    assert devices.transactions.snapshot()["wristbands_printed"] == 1


def test_stamper_records_stamps_next_to_the_last_pdf(devices: Devices, tmp_path: Path) -> None:
    stamper = devices.stamper
    with pytest.raises(DeviceFault) as nothing:
        stamper.stamp(1, 150, 250)
    assert nothing.value.code == "nothing_to_stamp"
    devices.laser_printer.print_pdf(make_pdf(1))
    job = devices.laser_printer.print_pdf(make_pdf(2))
    first = stamper.stamp(2, 150.5, 250)
    second = stamper.stamp(1, 20, 30)
    assert job.file is not None
    record_name = job.file.removesuffix(".pdf") + ".stamp.json"
    assert first.file == second.file == record_name
    record = json.loads((tmp_path / "out" / record_name).read_text("utf-8"))
    assert record["document"] == job.file
    assert [(s["page"], s["x_mm"], s["y_mm"]) for s in record["stamps"]] == [
        (2, 150.5, 250.0),
        (1, 20.0, 30.0),
    ]
    assert all(s["at"] for s in record["stamps"])
    with pytest.raises(BadInput) as page:
        stamper.stamp(3, 10, 10)
    assert page.value.code == "invalid_page"
    with pytest.raises(BadInput):
        stamper.stamp(1, 300, 10)
    assert stamper.status().consumables == {"seal_ink": 99}


# --- Cash acceptor ---------------------------------------------------------------------------


def test_cash_acceptor_numbers_notes_and_returns_the_one_over_the_limit(
    devices: Devices, events: Recorder
) -> None:
    acceptor = devices.cash_acceptor
    assert isinstance(acceptor, SimCashAcceptor)
    assert acceptor.insert(1000)["reason"] == "not_enabled"  # the shutter is closed
    session = acceptor.enable("BC20261123000001", limit_fen=17_000)
    assert (session.enabled, session.total_fen) == (True, 0)
    assert acceptor.enable("BC20261123000001", limit_fen=17_000) == session  # a reloaded page
    with pytest.raises(DeviceFault) as busy:
        acceptor.enable("BC20261123000002", limit_fen=17_000)
    assert busy.value.code == "busy"
    results = [acceptor.insert(fen) for fen in (10000, 5000, 5000, 2000)]
    assert [r["result"] for r in results] == ["accepted", "accepted", "returned", "accepted"]
    assert [r.get("seq") for r in results] == [1, 2, None, 3]
    assert results[2]["reason"] == "over_limit"
    with pytest.raises(BadInput):
        acceptor.insert(500)
    summary = acceptor.disable()
    assert (summary.enabled, summary.total_fen, summary.returned) == (False, 17_000, 1)
    assert [(n.seq, n.denomination_fen) for n in summary.notes] == [(1, 10000), (2, 5000), (3, 2000)]
    with pytest.raises(DeviceFault) as closed:
        acceptor.disable()
    assert closed.value.code == "not_enabled"
    accepted = [e.data for e in events.events if e.type == "note_accepted"]
    assert accepted == [
        {"session_id": "BC20261123000001", "seq": 1, "denomination_fen": 10000, "total_fen": 10000},
        {"session_id": "BC20261123000001", "seq": 2, "denomination_fen": 5000, "total_fen": 15000},
        {"session_id": "BC20261123000001", "seq": 3, "denomination_fen": 2000, "total_fen": 17000},
    ]
    returned = [e.data["reason"] for e in events.events if e.type == "note_returned"]
    assert returned == ["not_enabled", "over_limit"]
    assert devices.transactions.snapshot()["notes_accepted"] == 3


def test_a_jammed_acceptor_returns_notes(devices: Devices) -> None:
    acceptor = devices.cash_acceptor
    assert isinstance(acceptor, SimCashAcceptor)
    acceptor.enable("BC1", 100_000)
    acceptor.inject("jam")
    assert acceptor.insert(1000) == {
        "result": "returned",
        "session_id": "BC1",
        "denomination_fen": 1000,
        "reason": "jam",
    }
    acceptor.clear()
    assert acceptor.insert(1000)["seq"] == 1


# --- Camera and face matching ----------------------------------------------------------------


def test_camera_frames_match_the_id_card_holder_only(devices: Devices) -> None:
    camera, matcher = devices.camera, devices.face_matcher
    card = DEMO_ID_CARDS[1]
    devices.id_reader.place(card)  # type: ignore[attr-defined]
    frame = camera.capture()
    assert frame.jpeg.startswith(b"\xff\xd8") and (frame.width, frame.height) == (640, 480)
    assert matcher.match(frame, card.resident_id, card.name).matched is True
    assert matcher.match(frame, DEMO_ID_CARDS[0].resident_id, "张伟").matched is False
    camera.set_person("stranger")  # type: ignore[attr-defined]
    stranger = matcher.match(camera.capture(), card.resident_id, card.name)
    assert (stranger.face_found, stranger.matched) == (True, False) and stranger.score < 0.5
    camera.set_person("nobody")  # type: ignore[attr-defined]
    assert matcher.match(camera.capture(), card.resident_id, card.name).face_found is False


# --- Faults ----------------------------------------------------------------------------------


def _operation(devices: Devices, kind: str) -> Callable[[], Any]:
    """Something that works on `kind` when it is healthy."""
    devices.id_reader.place(DEMO_ID_CARDS[0])  # type: ignore[attr-defined]
    devices.card_reader.place(Card(kind="health_card", number="H1234567"))  # type: ignore[attr-defined]
    devices.scanner.present("code")  # type: ignore[attr-defined]
    pdf = make_pdf(1)
    return {
        "id_reader": devices.id_reader.read,
        "card_reader": devices.card_reader.read,
        "scanner": devices.scanner.scan,
        "pin_pad": lambda: devices.pin_pad.pay(100, "BP1"),
        "receipt_printer": lambda: devices.receipt_printer.print_escpos(ESCPOS),
        "laser_printer": lambda: devices.laser_printer.print_pdf(pdf),
        "wristband_printer": lambda: devices.wristband_printer.print_zpl(ZPL.encode()),
        "stamper": lambda: (devices.laser_printer.print_pdf(pdf), devices.stamper.stamp(1, 100, 100)),
        "cash_acceptor": lambda: devices.cash_acceptor.enable("BC1", 10_000),
        "camera": devices.camera.capture,
    }[kind]


FAULTS = [(kind, code) for kind, codes in INJECTABLE.items() for code in codes]


@pytest.mark.parametrize(("kind", "code"), FAULTS, ids=[f"{k}-{c}" for k, c in FAULTS])
def test_every_fault_is_injected_and_cleared(
    devices: Devices, events: Recorder, kind: str, code: str
) -> None:
    module = devices.modules()[kind]
    assert isinstance(module, SimulatedModule)
    operate = _operation(devices, kind)
    module.inject(code)
    status = module.status()
    assert (status.state, status.detail) == ("offline" if code == "offline" else "fault", code)
    with pytest.raises(DeviceFault) as fault:
        operate()
    assert (fault.value.kind, fault.value.code) == (kind, code)
    module.clear()
    assert module.status().state == "ok"
    operate()
    assert [(e.type, e.data["code"]) for e in events.events if e.kind == kind and "code" in e.data] == [
        ("fault_raised", code),
        ("fault_cleared", code),
    ]
    assert devices.transactions.last_error and f"{kind} {code}" in devices.transactions.last_error


def test_only_the_module_s_own_faults_can_be_injected(devices: Devices) -> None:
    with pytest.raises(BadInput) as bad:
        devices.camera.inject("paper_out")  # type: ignore[attr-defined]
    assert bad.value.code == "invalid_fault"
    assert set(INJECTABLE) == set(drivers.KINDS)


# --- Output folder and event bus -------------------------------------------------------------


def test_output_names_keep_counting_after_a_restart(tmp_path: Path) -> None:
    first = OutputFolder(tmp_path)
    a = first.write("receipt", "bin", b"a")
    b = first.write("document", "pdf", b"b")
    again = OutputFolder(tmp_path)
    c = again.write("wristband", "zpl", b"c")
    assert [n.split("-")[2] for n in (a, b, c)] == ["00001", "00002", "00003"]
    assert [f["name"] for f in again.files()] == [c, b, a]
    assert again.find("../etc/passwd") is None and again.find(a) == tmp_path / a
    assert not list(tmp_path.glob(".*.part"))


def test_percent_never_shows_an_almost_empty_roll_as_empty() -> None:
    assert (percent(79_800, 80_000), percent(1, 80_000), percent(0, 80_000), percent(5, 5)) == (99, 1, 0, 100)


def test_event_bus_replays_what_a_reconnecting_stream_missed() -> None:
    bus = EventBus()
    first = bus.publish("scanner", "code_scanned", pending=1)
    bus.publish("scanner", "code_scanned", pending=2)
    bus.publish("cash_acceptor", "note_accepted", seq=1)

    async def scenario() -> tuple[list[str], list[str], DeviceEvent | None]:
        replay = bus.subscribe(first.id)
        fresh = bus.subscribe(None)
        other_boot = bus.subscribe("0000-1")
        assert other_boot.backlog == []
        await asyncio.to_thread(bus.publish, "camera", "frame_captured")
        live = await fresh.next(timeout=2)
        for sub in (replay, fresh, other_boot):
            bus.unsubscribe(sub)
        return [e.type for e in replay.backlog], [e.type for e in fresh.backlog], live

    # A thread of its own: the browser tests' Playwright may already run a loop in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        replayed, fresh_backlog, live = pool.submit(asyncio.run, scenario()).result()
    assert replayed == ["code_scanned", "note_accepted"]
    assert fresh_backlog == []
    assert live is not None and live.type == "frame_captured"


# --- Real backends ---------------------------------------------------------------------------


def test_cups_backend_builds_the_lp_command(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[list[str], dict[str, Any]]] = []

    def fake_run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        calls.append((args, kwargs))
        return subprocess.CompletedProcess(args, 0, b"request id is WARD3-DISCHARGE-42 (1 file(s))\n", b"")

    monkeypatch.setattr(printers.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(printers.subprocess, "run", fake_run)
    bus = EventBus()
    events = Recorder(bus)
    printer = CupsLaserPrinter(bus, "WARD3-DISCHARGE")
    pdf = make_pdf(2)
    job = printer.print_pdf(pdf, copies=2, title="出院结算单 -n 99")
    [(args, kwargs)] = calls
    assert args == ["/usr/bin/lp", "-d", "WARD3-DISCHARGE", "-n", "2", "-t", "出院结算单 -n 99"]
    assert kwargs["input"] == pdf and kwargs["timeout"] > 0 and "shell" not in kwargs
    assert (job.printer_job, job.pages, job.copies, job.file) == ("WARD3-DISCHARGE-42", 2, 2, None)
    assert printer.last_job() == job
    assert events.types() == ["printed"]


def test_cups_backend_reports_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(
        [
            subprocess.CompletedProcess([], 1, b"", b"lp: The printer or class does not exist.\n"),
            subprocess.CompletedProcess([], 0, b"request id is Q-1 (1 file(s))\n", b""),
        ]
    )
    monkeypatch.setattr(printers.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(printers.subprocess, "run", lambda args, **kw: next(answers))
    bus = EventBus()
    events = Recorder(bus)
    printer = CupsLaserPrinter(bus, "Q")
    with pytest.raises(DeviceFault) as missing:
        printer.print_pdf(make_pdf(1))
    assert missing.value.code == "offline" and "does not exist" in missing.value.message
    printer.print_pdf(make_pdf(1))
    assert events.types() == ["fault_raised", "fault_cleared", "printed"]
    monkeypatch.setattr(printers.shutil, "which", lambda name: None)
    with pytest.raises(DeviceFault) as no_cups:
        printer.print_pdf(make_pdf(1))
    assert no_cups.value.code == "offline"


def test_cups_status_reads_lpstat(monkeypatch: pytest.MonkeyPatch) -> None:
    out = (
        "printer Q is idle.  enabled since Mon 23 Nov 2026 10:00:00\n"
        "\tAlerts: media-empty-error none\n"
        "\tLocation: ward 3\n"
    )
    seen: list[list[str]] = []

    def fake_run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        seen.append(args)
        return subprocess.CompletedProcess(args, 0, out.encode(), b"")

    monkeypatch.setattr(printers.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(printers.subprocess, "run", fake_run)
    status = CupsLaserPrinter(EventBus(), "Q").status()
    assert seen == [["/usr/bin/lpstat", "-l", "-p", "Q"]]
    assert (status.state, status.detail) == ("fault", "media-empty")
    assert cups_condition("printer Q is idle.\n\tAlerts: toner-low-warning\n") == (
        None,
        "warning",
        "toner-low-warning",
    )
    assert cups_condition("printer Q disabled since today -\n\treason unknown\n")[:2] == (
        "offline",
        "offline",
    )
    assert cups_condition("printer Q is idle.  enabled since today\n") == (None, "ok", None)


class ZebraServer:
    """A wristband printer on a local port: answers ~HS and keeps every job it receives."""

    def __init__(self, paper_out: bool = False) -> None:
        self.paper_out = paper_out
        self.jobs: list[bytes] = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.sock.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(2)
                data = b""
                while chunk := conn.recv(65536):
                    data += chunk
                    if data == b"~HS":
                        flag = b"1" if self.paper_out else b"0"
                        conn.sendall(
                            b"\x02030," + flag + b",0,1245,000,0,0,0,000,0,0,0\x03\r\n"
                            b"\x02000,0,0,0,0,2,4,0,00000000,1,000\x03\r\n"
                            b"\x021234,0\x03\r\n"
                        )
                        data = b""
                        break
                if data:
                    self.jobs.append(data)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture
def zebra() -> Iterator[ZebraServer]:
    server = ZebraServer()
    yield server
    server.close()


def test_wristband_backend_sends_the_zpl_over_tcp(zebra: ZebraServer) -> None:
    printer = ZplTcpPrinter(EventBus(), "127.0.0.1", zebra.port, timeout=2)
    assert printer.status().state == "ok"
    job = printer.print_zpl(ZPL.encode())
    assert (job.pages, job.file) == (2, None)
    deadline = threading.Event()
    for _ in range(50):
        if zebra.jobs:
            break
        deadline.wait(0.02)
    assert zebra.jobs == [ZPL.encode("utf-8")]


def test_wristband_backend_refuses_when_the_printer_is_out_of_bands(zebra: ZebraServer) -> None:
    zebra.paper_out = True
    bus = EventBus()
    events = Recorder(bus)
    printer = ZplTcpPrinter(bus, "127.0.0.1", zebra.port, timeout=2)
    with pytest.raises(DeviceFault) as out:
        printer.print_zpl(ZPL.encode())
    assert out.value.code == "paper_out"
    assert printer.status().model_dump()["state"] == "fault"
    zebra.paper_out = False
    assert printer.status().state == "ok"
    assert events.types() == ["fault_raised", "fault_cleared"]
    assert zebra.jobs == []


def test_wristband_backend_offline() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # closed again before the printer tries it
    printer = ZplTcpPrinter(EventBus(), "127.0.0.1", port, timeout=1)
    with pytest.raises(DeviceFault) as offline:
        printer.print_zpl(ZPL.encode())
    assert offline.value.code == "offline"
    assert printer.status().state == "offline"


def test_zebra_host_status_flags() -> None:
    ok = b"\x02030,0,0,1245,000,0,0,0,000,0,0,0\x03\r\n\x02000,0,0,0,0,2,4,0,00000000,1,000\x03\r\n"
    assert zebra_fault(ok) is None
    assert zebra_fault(ok.replace(b"\x02000,0,0,", b"\x02000,0,1,")) == "head_open"
    assert zebra_fault(ok.replace(b"030,0,0,", b"030,0,1,")) == "paused"
    assert zebra_fault(b"") is None


def test_escpos_backend_writes_to_the_device_file(tmp_path: Path) -> None:
    device = tmp_path / "lp0"
    device.touch()
    printer = EscposFilePrinter(EventBus(), device)
    assert printer.status().state == "ok"
    printer.print_escpos(ESCPOS)
    assert device.read_bytes() == ESCPOS
    gone = EscposFilePrinter(EventBus(), tmp_path / "missing" / "lp0")
    assert gone.status().state == "offline"
    with pytest.raises(DeviceFault) as offline:
        gone.print_escpos(ESCPOS)
    assert offline.value.code == "offline"


def test_models_refuse_malformed_cards() -> None:
    with pytest.raises(ValueError):
        IdCard(resident_id="12345", name="x", gender="M", birth_date=date(1990, 1, 1), address="x")
    with pytest.raises(ValueError):
        Card.model_validate({"kind": "bank_card", "number": "1234"})
