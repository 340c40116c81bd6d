"""The kiosk agent over HTTP: device operations, printing by bytes and by URL, faults, the
event stream, CORS, the control page, telemetry and settings."""

from __future__ import annotations

import base64
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from fpdf import FPDF
from pydantic import SecretStr, ValidationError

from bedside.kiosk_agent import app as agent_app
from bedside.kiosk_agent.app import build_devices, create_agent_app
from bedside.kiosk_agent.config import AgentSettings
from bedside.kiosk_agent.drivers import KINDS, CupsLaserPrinter, Devices, EscposFilePrinter, ZplTcpPrinter
from bedside.kiosk_agent.simulators import DEMO_ID_CARDS, INJECTABLE, SimCashAcceptor
from bedside.kiosk_agent.telemetry import TelemetryReporter
from bedside.kiosks import card_reads
from bedside.kiosks.models import Kiosk
from bedside.kiosks.telemetry import TelemetryIn

SERVER = "http://127.0.0.1:8000"  # the Bedside server, which also serves the kiosk page
AGENT = "http://127.0.0.1:8765"
KEY = "bk_0a1b2c3d_test-kiosk-key"
ESCPOS = b"\x1b@\x1ba\x01Bedside\n\xe7\xbc\xb4\xe8\xb4\xb9\xe6\x94\xb6\xe6\x8d\xae\n\x1dV\x00"
ZPL = "^XA\n^CI28\n^FO40,40^A0R,40,40^FD李秀英^FS\n^PQ1\n^XZ\n"


def make_pdf(pages: int = 1) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for n in range(pages):
        pdf.add_page()
        pdf.cell(text=f"page {n + 1}")
    return bytes(pdf.output())


PDF = make_pdf(2)


class FakeServer:
    """The Bedside server's side, as an httpx MockTransport."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.telemetry: list[dict[str, Any]] = []
        self.reported = threading.Event()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.headers.get("x-kiosk-key") != KEY:
            return httpx.Response(401, json={"code": "kiosk_key_invalid"})
        path = request.url.path
        if path == "/api/v1/kiosk/telemetry" and request.method == "POST":
            self.telemetry.append(json.loads(request.content))
            self.reported.set()
            return httpx.Response(200, json={"status": "ok"})
        documents = {
            "/kiosk/payments/7/receipt.escpos": (ESCPOS, "application/vnd.escpos"),
            "/kiosk/settlements/3/fee_list.pdf": (PDF, "application/pdf"),
            "/kiosk/stays/5/wristband.zpl": (ZPL.encode(), "text/plain; charset=utf-8"),
            "/kiosk/login-page": (b"<!doctype html><p>sign in</p>", "text/html; charset=utf-8"),
        }
        if path in documents:
            body, media = documents[path]
            return httpx.Response(200, content=body, headers={"content-type": media})
        if path == "/kiosk/payments/8/receipt.escpos":
            return httpx.Response(303, headers={"location": "/kiosk/"})
        return httpx.Response(404)


@pytest.fixture
def server() -> FakeServer:
    return FakeServer()


@pytest.fixture
def config(tmp_path: Path) -> AgentSettings:
    return AgentSettings(
        _env_file=None,
        server_url=SERVER,
        kiosk_key=SecretStr(KEY),
        kiosk_code="K-ADM-01",
        output_dir=tmp_path / "out",
    )


@pytest.fixture
def devices(config: AgentSettings) -> Devices:
    return build_devices(config)


@pytest.fixture
def client(config: AgentSettings, devices: Devices, server: FakeServer) -> Iterator[TestClient]:
    http = httpx.Client(transport=httpx.MockTransport(server))
    app = create_agent_app(config, devices=devices, http=http)
    with TestClient(app, base_url=AGENT) as c:
        yield c


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# --- Status and device operations ------------------------------------------------------------


def test_status_lists_every_module(client: TestClient) -> None:
    body = client.get("/status").json()
    assert [m["kind"] for m in body["modules"]] == list(KINDS)
    assert {m["state"] for m in body["modules"]} == {"ok"}
    assert body["consumables"] == {
        "receipt_paper": 100,
        "a4_paper": 100,
        "toner": 100,
        "wristbands": 100,
        "seal_ink": 100,
        "cash_box": 0,  # how full, unlike the others
    }
    assert body["kiosk_code"] == "K-ADM-01"
    assert body["transactions"] == {
        "receipts_printed": 0,
        "documents_printed": 0,
        "wristbands_printed": 0,
        "notes_accepted": 0,
        "card_payments": 0,
        "payment_failures": 0,
    }
    one = client.post("/devices/laser_printer/status").json()
    assert one == {
        "kind": "laser_printer",
        "state": "ok",
        "detail": None,
        "consumables": {"a4_paper": 100, "toner": 100},
    }


def _signed(token: str) -> tuple[str, str, str]:
    """What a signed read vouches for, checked against the secret the server derives."""
    kiosk = Kiosk(key_hash=card_reads.device_secret(KEY))
    read = card_reads.parse(kiosk, token)
    return read.device, read.kind, read.value


def test_readers_scanner_and_pin_pad_over_http(client: TestClient) -> None:
    card = DEMO_ID_CARDS[0].model_dump(mode="json")
    assert client.post("/control/id_reader", json=card).status_code == 200
    read = client.post("/devices/id_reader/read").json()
    # Each read comes signed with the kiosk's device secret (bedside.kiosks.card_reads).
    assert {k: v for k, v in read.items() if k != "read"} == card
    assert _signed(read["read"]) == ("id_reader", "resident_id", card["resident_id"])
    client.post("/control/card_reader", json={"kind": "insurance_card", "number": "A12345678"})
    read = client.post("/devices/card_reader/read", json={}).json()
    assert (read["kind"], read["number"]) == ("insurance_card", "A12345678")
    assert _signed(read["read"]) == ("card_reader", "insurance_card", "A12345678")
    client.post("/control/scanner", json={"text": "134567890123456789"})
    read = client.post("/devices/scanner/scan").json()
    assert read["text"] == "134567890123456789"
    assert _signed(read["read"]) == ("scanner", "scan", "134567890123456789")
    assert client.post("/devices/scanner/scan").json()["code"] == "no_code"
    paid = client.post("/devices/pin_pad/pay", json={"amount_fen": 50000, "reference": "BP2026112300001"})
    assert paid.status_code == 200
    assert paid.json()["card_masked"] == "622202*********4455"
    client.post("/control/pin_pad", json={"entered_pin": "000000"})
    declined = client.post("/devices/pin_pad/pay", json={"amount_fen": 50000, "reference": "BP2026112300002"})
    assert declined.status_code == 409
    assert declined.json() == {"code": "declined", "message": "Wrong PIN.", "kind": "pin_pad"}


def test_printers_and_stamper_over_http(client: TestClient, config: AgentSettings) -> None:
    out = config.output_path
    receipt = client.post("/devices/receipt_printer/print", json={"data_base64": b64(ESCPOS)}).json()
    assert (out / receipt["file"]).read_bytes() == ESCPOS
    document = client.post(
        "/devices/laser_printer/print", json={"data_base64": b64(PDF), "copies": 2, "title": "费用清单"}
    ).json()
    assert (document["pages"], document["copies"]) == (2, 2)
    assert (out / document["file"]).read_bytes() == PDF
    band = client.post("/devices/wristband_printer/print", json={"zpl": ZPL}).json()
    assert (out / band["file"]).read_bytes() == ZPL.encode()
    stamp = client.post("/devices/stamper/stamp", json={"page": 2, "x_mm": 150, "y_mm": 240}).json()
    assert stamp["document"] == document["file"]
    assert stamp["file"] == document["file"].removesuffix(".pdf") + ".stamp.json"
    assert json.loads((out / stamp["file"]).read_text())["stamps"][0]["page"] == 2
    big = PDF + b"%" + b"x" * 1_500_000  # a scanned attachment, well over the 1 MiB JSON of other calls
    assert client.post("/devices/laser_printer/print", json={"data_base64": b64(big)}).status_code == 200
    status = {m["kind"]: m for m in client.get("/status").json()["modules"]}
    assert status["receipt_printer"]["consumables"]["receipt_paper"] < 100
    assert status["laser_printer"]["consumables"] == {"a4_paper": 97, "toner": 99}
    assert status["wristband_printer"]["consumables"]["wristbands"] == 99
    assert status["stamper"]["consumables"]["seal_ink"] == 99
    listed = client.get("/control/state").json()["files"]
    assert {receipt["file"], document["file"], band["file"], stamp["file"]} < {f["name"] for f in listed}
    download = client.get(f"/control/output/{document['file']}")
    assert download.content == PDF and download.headers["content-type"] == "application/pdf"
    assert client.get("/control/output/..%2F..%2Fetc%2Fpasswd").status_code == 404


def test_cash_session_over_http(client: TestClient) -> None:
    enabled = client.post("/devices/cash_acceptor/enable", json={"session_id": "BC7", "limit_fen": 15000})
    assert enabled.json()["enabled"] is True
    results = [
        client.post("/control/cash_acceptor/insert", json={"denomination_fen": fen}).json()["result"]
        for fen in (10000, 10000, 5000)
    ]
    assert [r["result"] for r in results] == ["accepted", "returned", "accepted"]
    assert [r.get("seq") for r in results] == [1, None, 2]
    session = client.post("/devices/cash_acceptor/session").json()["session"]
    assert (session["total_fen"], session["returned"]) == (15000, 1)
    closed = client.post("/devices/cash_acceptor/disable").json()
    assert (closed["enabled"], [n["seq"] for n in closed["notes"]]) == (False, [1, 2])
    bad = client.post("/control/cash_acceptor/insert", json={"denomination_fen": 500})
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_denomination")


def test_camera_capture_and_match_over_http(client: TestClient) -> None:
    card = DEMO_ID_CARDS[1]
    client.post("/control/id_reader", json=card.model_dump(mode="json"))
    frame = client.post("/devices/camera/capture").json()
    assert base64.b64decode(frame["jpeg_base64"]).startswith(b"\xff\xd8")
    match = {"frame_id": frame["frame_id"], "resident_id": card.resident_id, "name": card.name}
    assert client.post("/devices/camera/match", json=match).json()["matched"] is True
    client.post("/control/camera", json={"person": "stranger"})
    other = client.post("/devices/camera/capture").json()
    result = client.post("/devices/camera/match", json={**match, "frame_id": other["frame_id"]}).json()
    assert (result["face_found"], result["matched"]) == (True, False)
    unknown = client.post("/devices/camera/match", json={**match, "frame_id": "nope"})
    assert (unknown.status_code, unknown.json()["code"]) == (422, "unknown_frame")


# --- Printing by bytes or by URL -------------------------------------------------------------


def test_print_by_url_fetches_with_the_kiosk_key(
    client: TestClient, config: AgentSettings, server: FakeServer
) -> None:
    out = config.output_path
    receipt = client.post("/print/receipt", json={"url": "/kiosk/payments/7/receipt.escpos"})
    assert receipt.status_code == 200, receipt.text
    assert (out / receipt.json()["file"]).read_bytes() == ESCPOS
    document = client.post(
        "/print/document", json={"url": f"{SERVER}/kiosk/settlements/3/fee_list.pdf", "copies": 2}
    )
    assert document.json()["copies"] == 2
    assert (out / document.json()["file"]).read_bytes() == PDF
    band = client.post("/print/wristband", json={"url": "/kiosk/stays/5/wristband.zpl"})
    assert (out / band.json()["file"]).read_bytes() == ZPL.encode()
    assert [str(r.url) for r in server.requests] == [
        f"{SERVER}/kiosk/payments/7/receipt.escpos",
        f"{SERVER}/kiosk/settlements/3/fee_list.pdf",
        f"{SERVER}/kiosk/stays/5/wristband.zpl",
    ]
    assert {r.headers["x-kiosk-key"] for r in server.requests} == {KEY}


def test_print_by_url_refuses_other_hosts_and_non_documents(client: TestClient, server: FakeServer) -> None:
    elsewhere = client.post("/print/receipt", json={"url": "https://evil.example/receipt.escpos"})
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (422, "url_not_allowed")
    assert client.post("/print/receipt", json={"url": "//evil.example/x"}).json()["code"] == "url_not_allowed"
    assert server.requests == []  # the key went nowhere
    redirected = client.post("/print/receipt", json={"url": "/kiosk/payments/8/receipt.escpos"})
    assert (redirected.status_code, redirected.json()["code"]) == (502, "fetch_failed")
    page = client.post("/print/document", json={"url": "/kiosk/login-page"})
    assert (page.status_code, page.json()["code"]) == (502, "fetch_failed")
    missing = client.post("/print/wristband", json={"url": "/kiosk/stays/6/wristband.zpl"})
    assert "404" in missing.json()["message"]


def test_print_raw_bytes(client: TestClient, config: AgentSettings) -> None:
    out = config.output_path
    receipt = client.post(
        "/print/receipt", content=ESCPOS, headers={"content-type": "application/octet-stream"}
    )
    assert (out / receipt.json()["file"]).read_bytes() == ESCPOS
    document = client.post(
        "/print/document?copies=3&title=Fee%20list", content=PDF, headers={"content-type": "application/pdf"}
    )
    assert (document.json()["pages"], document.json()["copies"]) == (2, 3)
    band = client.post("/print/wristband", content=ZPL.encode(), headers={"content-type": "text/plain"})
    assert (out / band.json()["file"]).read_bytes() == ZPL.encode()
    not_pdf = client.post("/print/document", content=b"GIF89a", headers={"content-type": "application/pdf"})
    assert (not_pdf.status_code, not_pdf.json()["code"]) == (422, "not_pdf")
    empty = client.post("/print/receipt", content=b"", headers={"content-type": "application/octet-stream"})
    assert (empty.status_code, empty.json()["code"]) == (422, "empty")


# --- Faults and errors -----------------------------------------------------------------------


def _request_for(client: TestClient, kind: str) -> tuple[str, dict[str, Any]]:
    """Sets up what `kind` needs and returns an operation that then succeeds."""
    client.post("/control/id_reader", json=DEMO_ID_CARDS[0].model_dump(mode="json"))
    client.post("/control/card_reader", json={"kind": "visit_card", "number": "8000000001"})
    client.post("/control/scanner", json={"text": "first"})
    client.post("/control/scanner", json={"text": "second"})
    client.post("/devices/laser_printer/print", json={"data_base64": b64(PDF)})
    requests: dict[str, tuple[str, dict[str, Any]]] = {
        "id_reader": ("/devices/id_reader/read", {}),
        "card_reader": ("/devices/card_reader/read", {}),
        "scanner": ("/devices/scanner/scan", {}),
        "pin_pad": ("/devices/pin_pad/pay", {"amount_fen": 100, "reference": "BP1"}),
        "receipt_printer": ("/devices/receipt_printer/print", {"data_base64": b64(ESCPOS)}),
        "laser_printer": ("/devices/laser_printer/print", {"data_base64": b64(PDF)}),
        "wristband_printer": ("/devices/wristband_printer/print", {"zpl": ZPL}),
        "stamper": ("/devices/stamper/stamp", {"page": 1, "x_mm": 100, "y_mm": 100}),
        "cash_acceptor": ("/devices/cash_acceptor/enable", {"session_id": "BC1", "limit_fen": 10000}),
        "camera": ("/devices/camera/capture", {}),
    }
    return requests[kind]


FAULTS = [(kind, code) for kind, codes in INJECTABLE.items() for code in codes]


@pytest.mark.parametrize(("kind", "code"), FAULTS, ids=[f"{k}-{c}" for k, c in FAULTS])
def test_injected_faults_answer_409_until_cleared(client: TestClient, kind: str, code: str) -> None:
    path, body = _request_for(client, kind)
    injected = client.post(f"/control/{kind}/fault", json={"code": code})
    assert injected.status_code == 200
    assert injected.json()["status"]["detail"] == code
    module = next(m for m in client.get("/status").json()["modules"] if m["kind"] == kind)
    assert (module["state"], module["detail"]) == ("offline" if code == "offline" else "fault", code)
    refused = client.post(path, json=body)
    assert refused.status_code == 409
    assert (refused.json()["code"], refused.json()["kind"]) == (code, kind)
    assert client.post(f"/control/{kind}/clear").json()["status"]["state"] == "ok"
    assert client.post(path, json=body).status_code == 200
    assert kind in (client.get("/status").json()["last_error"] or "")


def test_refill_after_running_out(client: TestClient, devices: Devices) -> None:
    devices.wristband_printer.wristbands = 1  # type: ignore[attr-defined]
    assert client.post("/print/wristband", content=ZPL.encode()).status_code == 200
    out = client.post("/print/wristband", content=ZPL.encode())
    assert (out.status_code, out.json()["code"]) == (409, "paper_out")
    assert client.post("/control/wristband_printer/refill").json()["status"]["consumables"] == {
        "wristbands": 100
    }
    assert client.post("/print/wristband", content=ZPL.encode()).status_code == 200
    assert client.post("/control/scanner/refill").json()["code"] == "nothing_to_refill"


def test_errors_are_json_with_a_code(client: TestClient) -> None:
    assert client.post("/devices/fax/send").json()["code"] == "unknown_device"
    assert client.post("/devices/scanner/print").status_code == 404
    assert client.post("/devices/scanner/print").json()["code"] == "unknown_operation"
    assert client.get("/nothing-here").json()["code"] == "not_found"
    negative = client.post("/devices/pin_pad/pay", json={"amount_fen": -5, "reference": "BP1"})
    assert (negative.status_code, negative.json()["code"]) == (422, "invalid_input")
    assert negative.json()["errors"][0]["loc"] == ["amount_fen"]
    extra = client.post("/devices/scanner/scan", json={"wait": 5})
    assert (extra.status_code, extra.json()["code"]) == (422, "invalid_input")
    garbled = client.post(
        "/devices/stamper/stamp", content=b"{page", headers={"content-type": "application/json"}
    )
    assert (garbled.status_code, garbled.json()["code"]) == (422, "invalid_json")
    not_b64 = client.post("/devices/receipt_printer/print", json={"data_base64": "***"})
    assert not_b64.json()["code"] == "invalid_base64"
    wrong_fault = client.post("/control/camera/fault", json={"code": "paper_out"})
    assert (wrong_fault.status_code, wrong_fault.json()["code"]) == (422, "invalid_fault")
    assert client.post("/control/camera/explode").json()["code"] == "unknown_action"


def test_real_backends_are_not_steered_from_the_control_page(tmp_path: Path) -> None:
    config = AgentSettings(
        _env_file=None,
        output_dir=tmp_path,
        laser_printer_backend="real",
        laser_printer_queue="WARD3",
        wristband_printer_backend="real",
        wristband_printer_address="10.0.3.20",
        receipt_printer_backend="real",
        receipt_printer_device=tmp_path / "lp0",
    )
    devices = build_devices(config)
    assert isinstance(devices.laser_printer, CupsLaserPrinter) and devices.laser_printer.queue == "WARD3"
    assert isinstance(devices.wristband_printer, ZplTcpPrinter)
    assert (devices.wristband_printer.host, devices.wristband_printer.port) == ("10.0.3.20", 9100)
    assert isinstance(devices.receipt_printer, EscposFilePrinter)
    with TestClient(create_agent_app(config, devices=devices), base_url=AGENT) as c:
        refused = c.post("/control/laser_printer/fault", json={"code": "jam"})
        assert (refused.status_code, refused.json()["code"]) == (409, "not_simulated")


# --- Browser access --------------------------------------------------------------------------


def test_cors_allows_the_kiosk_page_only(client: TestClient) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    ok = client.options("/devices/scanner/scan", headers={"Origin": SERVER, **preflight})
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == SERVER
    pna = client.options(
        "/events",
        headers={
            "Origin": SERVER,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Private-Network": "true",
        },
    )
    assert pna.headers["access-control-allow-private-network"] == "true"
    evil = client.options("/devices/scanner/scan", headers={"Origin": "http://evil.example", **preflight})
    assert evil.status_code == 400
    assert "access-control-allow-origin" not in evil.headers
    assert client.get("/status", headers={"Origin": SERVER}).headers["access-control-allow-origin"] == SERVER
    client.post("/control/scanner", json={"text": "payment-code"})
    # A "simple" cross-site request needs no preflight; it must still not reach the device.
    simple = client.post(
        "/devices/scanner/scan",
        content=b"{}",
        headers={"Origin": "http://evil.example", "content-type": "text/plain"},
    )
    assert (simple.status_code, simple.json()["code"]) == (403, "origin_forbidden")
    assert client.post("/devices/scanner/scan").json()["text"] == "payment-code"


def test_control_page_is_for_the_agent_s_own_origin(client: TestClient) -> None:
    page = client.get("/control")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page.text)  # no external assets
    assert client.get("/control/state", headers={"Origin": SERVER}).status_code == 403
    fault = client.post("/control/scanner/fault", json={"code": "offline"}, headers={"Origin": SERVER})
    assert fault.status_code == 403
    assert (
        client.post("/control/scanner/fault", json={"code": "offline"}, headers={"Origin": AGENT}).status_code
        == 200
    )
    assert client.get("/status", headers={"Host": "evil.example"}).status_code == 400  # DNS rebinding


# --- Server-Sent Events ----------------------------------------------------------------------


@pytest.fixture
def live_agent(config: AgentSettings, devices: Devices) -> Iterator[str]:
    """The agent on a real socket: an event stream has to be read as it arrives."""
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            create_agent_app(config, devices=devices), log_level="warning", timeout_graceful_shutdown=1
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(5)
    sock.close()


def _next_event(lines: Iterator[str]) -> dict[str, str]:
    """The next event's fields (comments and retry lines skipped); every read has a timeout."""
    fields: dict[str, str] = {}
    for _ in range(50):
        line = next(lines)
        if line == "" and "event" in fields:
            return fields
        if line and not line.startswith(":"):
            name, _, value = line.partition(": ")
            fields[name] = value
    raise AssertionError("no event")


def test_events_stream_delivers_device_events(live_agent: str, devices: Devices) -> None:
    acceptor = devices.cash_acceptor
    assert isinstance(acceptor, SimCashAcceptor)
    acceptor.enable("BC42", 100_000)
    timeout = httpx.Timeout(5.0)
    with httpx.Client(timeout=timeout) as http:
        with http.stream("GET", f"{live_agent}/events", headers={"Origin": SERVER}) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            assert stream.headers["access-control-allow-origin"] == SERVER
            lines = stream.iter_lines()
            assert next(lines) == "retry: 2000"
            inserted = http.post(
                f"{live_agent}/control/cash_acceptor/insert", json={"denomination_fen": 5000}
            )
            assert inserted.status_code == 200
            first = _next_event(lines)
            assert first["event"] == "note_accepted"
            data = json.loads(first["data"])
            assert (data["kind"], data["type"], data["id"]) == ("cash_acceptor", "note_accepted", first["id"])
            assert data["data"] == {
                "session_id": "BC42",
                "seq": 1,
                "denomination_fen": 5000,
                "total_fen": 5000,
            }
        # Missed while disconnected, replayed on reconnect.
        http.post(f"{live_agent}/control/cash_acceptor/insert", json={"denomination_fen": 1000})
        with http.stream("GET", f"{live_agent}/events", headers={"Last-Event-ID": first["id"]}) as again:
            replayed = _next_event(again.iter_lines())
            assert replayed["event"] == "note_accepted"
            assert json.loads(replayed["data"])["data"]["seq"] == 2


# --- Telemetry -------------------------------------------------------------------------------


def test_telemetry_body_matches_what_the_server_takes(
    config: AgentSettings, devices: Devices, server: FakeServer
) -> None:
    devices.receipt_printer.print_escpos(ESCPOS)
    devices.pin_pad.pay(100, "BP1")
    devices.receipt_printer.inject("jam")  # type: ignore[attr-defined]
    reporter = TelemetryReporter(config, devices, client=httpx.Client(transport=httpx.MockTransport(server)))
    assert reporter.report_once() is True
    [request] = server.requests
    assert (request.method, str(request.url)) == ("POST", f"{SERVER}/api/v1/kiosk/telemetry")
    assert request.headers["x-kiosk-key"] == KEY
    [body] = server.telemetry
    TelemetryIn.model_validate(body)
    assert set(body) == {"software_version", "modules", "consumables", "last_error", "transactions"}
    assert body["software_version"].startswith("bedside-kiosk-agent")
    modules = {m["kind"]: m for m in body["modules"]}
    assert list(modules) == list(KINDS)
    assert modules["receipt_printer"] == {
        "kind": "receipt_printer",
        "state": "fault",
        "detail": "jam",
        "consumables": {"receipt_paper": 99},
    }
    assert body["consumables"]["receipt_paper"] == 99 and body["consumables"]["seal_ink"] == 100
    assert body["transactions"]["receipts_printed"] == 1 and body["transactions"]["card_payments"] == 1
    assert "receipt_printer jam" in body["last_error"]


def test_telemetry_survives_an_unreachable_server(config: AgentSettings, devices: Devices) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    reporter = TelemetryReporter(config, devices, client=httpx.Client(transport=httpx.MockTransport(refuse)))
    assert reporter.report_once() is False
    failing = TelemetryReporter(
        config, devices, client=httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(500)))
    )
    assert failing.report_once() is False
    closed_port = AgentSettings(
        _env_file=None,
        server_url="http://127.0.0.1:9",
        kiosk_key=SecretStr(KEY),
        output_dir=config.output_path,
    )
    real = TelemetryReporter(closed_port, devices, client=httpx.Client(timeout=1))
    assert real.report_once() is False


def test_telemetry_thread_reports_at_once_and_stops(
    config: AgentSettings, devices: Devices, server: FakeServer
) -> None:
    reporter = TelemetryReporter(config, devices, client=httpx.Client(transport=httpx.MockTransport(server)))
    reporter.start()
    try:
        assert server.reported.wait(5)
    finally:
        reporter.stop()
    assert len(server.telemetry) >= 1


def test_run_serves_on_localhost_with_telemetry(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    served: dict[str, Any] = {}
    started: list[bool] = []

    def fake_uvicorn_run(app: Any, **kwargs: Any) -> None:
        served.update(kwargs, app=app)

    monkeypatch.setattr(agent_app.uvicorn, "run", fake_uvicorn_run)
    monkeypatch.setattr(agent_app, "configure_logging", lambda level, json: served.update(log_level=level))
    monkeypatch.setattr(TelemetryReporter, "start", lambda self: started.append(True))
    agent_app.run(AgentSettings(_env_file=None, output_dir=tmp_path, port=8799))
    assert (served["host"], served["port"], served["log_level"]) == ("127.0.0.1", 8799, "INFO")
    assert started == [True]


# --- Settings --------------------------------------------------------------------------------


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEDSIDE_AGENT_SERVER_URL", "https://bedside.hospital.example/")
    monkeypatch.setenv("BEDSIDE_AGENT_KIOSK_KEY", KEY)
    monkeypatch.setenv("BEDSIDE_AGENT_KIOSK_CODE", "K-DIS-02")
    monkeypatch.setenv("BEDSIDE_AGENT_TELEMETRY_INTERVAL_SECONDS", "10")
    settings = AgentSettings(_env_file=None)
    assert settings.server_url == "https://bedside.hospital.example"
    assert settings.origin == "https://bedside.hospital.example"
    assert settings.kiosk_key is not None and settings.kiosk_key.get_secret_value() == KEY
    assert KEY not in repr(settings)
    assert settings.port == 8765 and settings.telemetry_interval_seconds == 10
    assert settings.output_path == Path("var/kiosk-agent/K-DIS-02")
    assert settings.receipt_printer_backend == settings.laser_printer_backend == "simulator"


def test_settings_refuse_incomplete_real_backends() -> None:
    with pytest.raises(ValidationError):
        AgentSettings(_env_file=None, laser_printer_backend="real")
    with pytest.raises(ValidationError):
        AgentSettings(_env_file=None, laser_printer_backend="real", laser_printer_queue="a b")
    with pytest.raises(ValidationError):
        AgentSettings(_env_file=None, wristband_printer_backend="real", wristband_printer_address="h:port")
    with pytest.raises(ValidationError):
        AgentSettings(_env_file=None, allowed_origin="http://127.0.0.1:8000/kiosk")
    band = AgentSettings(
        _env_file=None,
        wristband_printer_backend="real",
        wristband_printer_address="zebra-3.ward:6101",
    )
    assert band.wristband_printer_endpoint() == ("zebra-3.ward", 6101)
    assert AgentSettings(_env_file=None).output_path == Path("var/kiosk-agent/default")
