"""The agent's HTTP side, for the kiosk page on the same machine: device operations, printing
by bytes or by URL on the Bedside server, Server-Sent Events, and the simulators' control page.

Only the kiosk page's origin may call it from a browser (CORS, and a 403 for any other
Origin, since CORS alone does not stop a "simple" cross-site POST from reaching a device);
the control page only from the agent's own origin; and only Host 127.0.0.1 / localhost
(against DNS rebinding).
"""

from __future__ import annotations

import base64
import json
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import uvicorn
from fastapi import FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ValidationError
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from bedside.core.logging import configure as configure_logging
from bedside.kiosk_agent.commands import CommandRunner
from bedside.kiosk_agent.config import LISTEN_HOST, AgentSettings, origin_of
from bedside.kiosk_agent.control_page import CONTROL_HTML
from bedside.kiosk_agent.drivers import (
    MAX_COPIES,
    BadInput,
    Card,
    CupsLaserPrinter,
    DeviceEvent,
    DeviceFault,
    Devices,
    EscposFilePrinter,
    EventBus,
    Frame,
    IdCard,
    ZplTcpPrinter,
)
from bedside.kiosk_agent.read_signing import ReadSigner
from bedside.kiosk_agent.schemas import (
    KEPT_FRAMES,
    MAX_DOCUMENT,
    MAX_JSON,
    MAX_LABEL,
    MAX_RECEIPT,
    SSE_HEARTBEAT_SECONDS,
    ApiError,
    CashEnableIn,
    CashSessionOut,
    DocumentUrlIn,
    Empty,
    EscposIn,
    FaultIn,
    FrameOut,
    MatchIn,
    NoteIn,
    PayIn,
    PdfIn,
    PersonIn,
    PinPadIn,
    ScanOut,
    ScanTextIn,
    StampIn,
    UrlIn,
    ZplIn,
    _b64,
    _error,
)
from bedside.kiosk_agent.simulators import OutputFolder, SimulatedModule, simulated_devices
from bedside.kiosk_agent.telemetry import TelemetryReporter, build_report
from bedside.kiosk_agent.updater import Updater

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Operation:
    body: type[BaseModel]
    run: Callable[[Devices, Any], Any]


class FrameStore:
    """The last few captured frames, so /camera/match can refer to one by id instead of the
    page sending the picture back."""

    def __init__(self) -> None:
        self._frames: deque[Frame] = deque(maxlen=KEPT_FRAMES)

    def keep(self, frame: Frame) -> FrameOut:
        self._frames.append(frame)
        return FrameOut(
            frame_id=frame.frame_id,
            width=frame.width,
            height=frame.height,
            at=frame.at,
            jpeg_base64=base64.b64encode(frame.jpeg).decode(),
        )

    def get(self, frame_id: str) -> Frame:
        for frame in self._frames:
            if frame.frame_id == frame_id:
                return frame
        raise BadInput("unknown_frame", "No recent frame has this id; capture again.")


def operations(frames: FrameStore, signer: ReadSigner | None = None) -> dict[str, dict[str, Operation]]:
    signer = signer or ReadSigner(None)

    def pdf(d: Devices, b: PdfIn) -> Any:
        return d.laser_printer.print_pdf(_b64(b.data_base64), copies=b.copies, title=b.title)

    def match(d: Devices, b: MatchIn) -> Any:
        return d.face_matcher.match(frames.get(b.frame_id), b.resident_id, b.name)

    def scan(d: Devices, _: Any) -> Any:
        text = d.scanner.scan()
        return signer.scan(ScanOut(text=text), text)

    ops: dict[str, dict[str, Operation]] = {
        "id_reader": {"read": Operation(Empty, lambda d, _: signer.id_card(d.id_reader.read()))},
        "card_reader": {"read": Operation(Empty, lambda d, _: signer.card(d.card_reader.read()))},
        "scanner": {"scan": Operation(Empty, scan)},
        "pin_pad": {"pay": Operation(PayIn, lambda d, b: d.pin_pad.pay(b.amount_fen, b.reference))},
        "receipt_printer": {
            "print": Operation(EscposIn, lambda d, b: d.receipt_printer.print_escpos(_b64(b.data_base64)))
        },
        "laser_printer": {"print": Operation(PdfIn, pdf)},
        "wristband_printer": {
            "print": Operation(ZplIn, lambda d, b: d.wristband_printer.print_zpl(b.zpl.encode()))
        },
        "stamper": {"stamp": Operation(StampIn, lambda d, b: d.stamper.stamp(b.page, b.x_mm, b.y_mm))},
        "cash_acceptor": {
            "enable": Operation(CashEnableIn, lambda d, b: d.cash_acceptor.enable(b.session_id, b.limit_fen)),
            "disable": Operation(Empty, lambda d, _: d.cash_acceptor.disable()),
            "session": Operation(Empty, lambda d, _: CashSessionOut(session=d.cash_acceptor.session())),
        },
        "camera": {
            "capture": Operation(Empty, lambda d, _: frames.keep(d.camera.capture())),
            "match": Operation(MatchIn, match),
        },
    }
    for kind, by_name in ops.items():
        by_name["status"] = Operation(Empty, _status_of(kind))
    return ops


def _status_of(kind: str) -> Callable[[Devices, Any], Any]:
    def status(devices: Devices, _: Any) -> Any:
        return devices.modules()[kind].status()

    return status


# Simulator controls beyond fault / clear / refill: (kind, action) -> body, what to do.
# The empty action is POST /control/{kind} itself.
CONTROLS: dict[tuple[str, str], tuple[type[BaseModel], Callable[[Any, Any], Any]]] = {
    ("id_reader", ""): (IdCard, lambda m, b: m.place(b)),
    ("id_reader", "remove"): (Empty, lambda m, _: m.remove()),
    ("card_reader", ""): (Card, lambda m, b: m.place(b)),
    ("card_reader", "remove"): (Empty, lambda m, _: m.remove()),
    ("scanner", ""): (ScanTextIn, lambda m, b: m.present(b.text)),
    ("pin_pad", ""): (PinPadIn, lambda m, b: m.configure(**b.model_dump(exclude_none=True))),
    ("cash_acceptor", "insert"): (NoteIn, lambda m, b: m.insert(b.denomination_fen)),
    ("camera", ""): (PersonIn, lambda m, b: m.set_person(b.person, b.resident_id, b.quality)),
}


STANDARD_CONTROLS: dict[str, tuple[type[BaseModel], Callable[[Any, Any], Any]]] = {
    "fault": (FaultIn, lambda m, b: m.inject(b.code)),
    "clear": (Empty, lambda m, _: m.clear()),
    "refill": (Empty, lambda m, _: m.refill()),
}


def _json(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return value


def _parse(model: type[BaseModel], raw: bytes) -> Any:
    try:
        payload = json.loads(raw) if raw.strip() else {}
    except ValueError:
        raise ApiError(422, "invalid_json", "The body is not JSON.") from None
    if not isinstance(payload, dict):
        raise ApiError(422, "invalid_json", "The body must be a JSON object.")
    return model.model_validate(payload)


# --- Guards ----------------------------------------------------------------------------------


class LocalGuard:
    """Refuses browser requests from any origin but the kiosk page's (and, for the control
    page, the agent's own)."""

    def __init__(self, app: ASGIApp, allowed_origin: str, own_origins: tuple[str, ...]) -> None:
        self.app = app
        self.allowed_origin = allowed_origin
        self.own_origins = own_origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self.app(scope, receive, send)  # a CORS preflight: the CORS middleware answers
            return
        if origin is not None:
            path: str = scope["path"]
            control = path == "/control" or path.startswith("/control/")
            allowed = origin in self.own_origins or (not control and origin == self.allowed_origin)
            if not allowed:
                response = _error(403, "origin_forbidden", f"Requests from {origin} are not accepted.")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


# --- The application -------------------------------------------------------------------------


def build_devices(config: AgentSettings, bus: EventBus | None = None) -> Devices:
    bus = bus or EventBus()
    receipt = (
        EscposFilePrinter(bus, config.receipt_printer_device)
        if config.receipt_printer_backend == "real"
        else None
    )
    laser = (
        CupsLaserPrinter(bus, config.laser_printer_queue or "")
        if config.laser_printer_backend == "real"
        else None
    )
    wristband = None
    if config.wristband_printer_backend == "real":
        host, port = config.wristband_printer_endpoint()
        wristband = ZplTcpPrinter(bus, host, port)
    return simulated_devices(
        config.output_path,
        bus=bus,
        demo_pin=config.simulator_pin,
        receipt_printer=receipt,
        laser_printer=laser,
        wristband_printer=wristband,
    )


class Fetcher:
    """Gets a document from the Bedside server with the kiosk's key. Only the server's own
    origin is fetched, so the key never goes anywhere else, and redirects are not followed
    (a redirect there means the login page, not a document)."""

    def __init__(self, config: AgentSettings, client: httpx.Client) -> None:
        self.config = config
        self.client = client

    def fetch(self, url: str, limit: int) -> bytes:
        server = self.config.server_url
        target = urljoin(server + "/", url)
        if origin_of(target) != origin_of(server):
            raise BadInput("url_not_allowed", f"Only documents on {origin_of(server)} are fetched.")
        path = urlsplit(target).path  # logged without the query, which may carry a ticket
        headers = {"Accept": "*/*"}
        if self.config.kiosk_key is not None:
            headers["X-Kiosk-Key"] = self.config.kiosk_key.get_secret_value()
        try:
            with self.client.stream("GET", target, headers=headers, follow_redirects=False) as response:
                if response.status_code != 200:
                    raise ApiError(
                        502, "fetch_failed", f"The server answered {response.status_code} for {path}."
                    )
                if response.headers.get("content-type", "").startswith("text/html"):
                    raise ApiError(
                        502, "fetch_failed", f"The server sent a web page, not a document, for {path}."
                    )
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limit:
                    raise ApiError(413, "too_large", f"{path} is larger than {limit} bytes.")
                data = bytearray()
                for chunk in response.iter_bytes():
                    data += chunk
                    if len(data) > limit:
                        raise ApiError(413, "too_large", f"{path} is larger than {limit} bytes.")
        except httpx.HTTPError as exc:
            log.warning("fetching %s failed: %s", path, exc)
            raise ApiError(502, "fetch_failed", f"The server could not be reached for {path}.") from exc
        return bytes(data)


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ApiError(413, "too_large", f"At most {limit} bytes.")
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            raise ApiError(413, "too_large", f"At most {limit} bytes.")
    return bytes(data)


def _is_json(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip().lower() == "application/json"


def create_agent_app(
    config: AgentSettings, *, devices: Devices | None = None, http: httpx.Client | None = None
) -> FastAPI:
    devices = devices or build_devices(config)
    client = http or httpx.Client(timeout=config.fetch_timeout_seconds)
    fetcher = Fetcher(config, client)
    frames = FrameStore()
    key = config.kiosk_key.get_secret_value() if config.kiosk_key is not None else None
    ops = operations(frames, ReadSigner(key))
    folder = OutputFolder(config.output_path)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if http is None:
            client.close()

    app = FastAPI(title="Bedside kiosk agent", docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.devices = devices
    app.state.config = config
    app.add_middleware(
        CORSMiddleware,
        allow_origins=[config.origin],
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type", "Last-Event-ID"],
        max_age=600,
        # Chromium's Private Network Access preflight, sent when a page served from the
        # hospital network calls 127.0.0.1; answered only for the allowed origin.
        allow_private_network=True,
    )
    app.add_middleware(LocalGuard, allowed_origin=config.origin, own_origins=config.own_origins)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=[LISTEN_HOST, "localhost"])

    @app.exception_handler(DeviceFault)
    async def device_fault(request: Request, exc: DeviceFault) -> JSONResponse:
        return _error(409, exc.code, exc.message, kind=exc.kind)

    @app.exception_handler(BadInput)
    async def bad_input(request: Request, exc: BadInput) -> JSONResponse:
        return _error(422, exc.code, exc.message)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message)

    @app.exception_handler(ValidationError)
    async def invalid_body(request: Request, exc: ValidationError) -> JSONResponse:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        return _error(422, "invalid_input", "The request is not valid.", errors=errors)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in exc.errors()]
        return _error(422, "invalid_input", "The request is not valid.", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(
            exc.status_code, "not_found" if exc.status_code == 404 else "http_error", str(exc.detail)
        )

    @app.get("/status")
    def status() -> dict[str, Any]:
        return {"kiosk_code": config.kiosk_code, **build_report(config, devices)}

    @app.get("/events")
    async def events(
        request: Request, last_event_id: str | None = Query(default=None, max_length=40)
    ) -> Response:
        sub = devices.bus.subscribe(request.headers.get("last-event-id") or last_event_id)

        async def stream() -> AsyncIterator[str]:
            try:
                yield "retry: 2000\n\n"
                for past in sub.backlog:
                    yield _sse(past)
                while not sub.lost:
                    event = await sub.next(SSE_HEARTBEAT_SECONDS)
                    yield ": keep-alive\n\n" if event is None else _sse(event)
            finally:
                devices.bus.unsubscribe(sub)

        return StreamingResponse(
            stream(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @app.post("/devices/{kind}/{operation}")
    async def device_operation(kind: str, operation: str, request: Request) -> JSONResponse:
        by_name = ops.get(kind)
        if by_name is None:
            raise ApiError(404, "unknown_device", f"No device kind {kind!r}.")
        op = by_name.get(operation)
        if op is None:
            raise ApiError(404, "unknown_operation", f"{kind} has no operation {operation!r}.")
        body = _parse(op.body, await _read_body(request, MAX_DOCUMENT))
        result = await run_in_threadpool(op.run, devices, body)
        return JSONResponse(_json(result))

    async def _document(request: Request, model: type[UrlIn], limit: int) -> tuple[bytes, UrlIn | None]:
        if _is_json(request):
            body = _parse(model, await _read_body(request, MAX_JSON))
            return await run_in_threadpool(fetcher.fetch, body.url, limit), body
        data = await _read_body(request, limit)
        if not data:
            raise BadInput("empty", 'Send the document as the body, or JSON {"url": ...}.')
        return data, None

    @app.post("/print/receipt")
    async def print_receipt(request: Request) -> JSONResponse:
        data, _ = await _document(request, UrlIn, MAX_RECEIPT)
        job = await run_in_threadpool(devices.receipt_printer.print_escpos, data)
        return JSONResponse(job.model_dump(mode="json"))

    @app.post("/print/document")
    async def print_document(
        request: Request,
        copies: int = Query(default=1, ge=1, le=MAX_COPIES),
        title: str = Query(default="Bedside", max_length=80),
    ) -> JSONResponse:
        data, body = await _document(request, DocumentUrlIn, MAX_DOCUMENT)
        if isinstance(body, DocumentUrlIn):
            copies, title = body.copies, body.title

        def run() -> Any:
            return devices.laser_printer.print_pdf(data, copies=copies, title=title)

        job = await run_in_threadpool(run)
        return JSONResponse(job.model_dump(mode="json"))

    @app.post("/print/wristband")
    async def print_wristband(request: Request) -> JSONResponse:
        data, _ = await _document(request, UrlIn, MAX_LABEL)
        job = await run_in_threadpool(devices.wristband_printer.print_zpl, data)
        return JSONResponse(job.model_dump(mode="json"))

    # --- The simulators' control page ---

    def _simulated(kind: str) -> SimulatedModule:
        module = devices.modules().get(kind)
        if module is None:
            raise ApiError(404, "unknown_device", f"No device kind {kind!r}.")
        if not isinstance(module, SimulatedModule):
            raise ApiError(409, "not_simulated", f"{kind} is a real device; it cannot be steered from here.")
        return module

    @app.get("/control", response_class=HTMLResponse)
    def control_page() -> HTMLResponse:
        return HTMLResponse(CONTROL_HTML, headers={"Cache-Control": "no-store"})

    @app.get("/control/state")
    def control_state() -> dict[str, Any]:
        modules: dict[str, Any] = {}
        for kind, module in devices.modules().items():
            entry: dict[str, Any] = {"status": module.status().model_dump(mode="json")}
            if isinstance(module, SimulatedModule):
                entry.update(simulated=True, **module.control_state())
            else:
                entry.update(simulated=False)
            modules[kind] = entry
        return {
            "software_version": config.software_version,
            "kiosk_code": config.kiosk_code,
            "server_url": config.server_url,
            "allowed_origin": config.origin,
            "output_dir": str(folder.path.resolve()),
            "files": folder.files(),
            "transactions": devices.transactions.snapshot(),
            "modules": modules,
            "events": [e.model_dump(mode="json") for e in devices.bus.recent(30)],
        }

    @app.get("/control/output/{name}")
    def control_output(name: str) -> FileResponse:
        path = folder.find(name)
        if path is None:
            raise ApiError(404, "not_found", "No such output file.")
        media = {".pdf": "application/pdf", ".json": "application/json", ".zpl": "text/plain; charset=utf-8"}
        return FileResponse(path, media_type=media.get(path.suffix, "application/octet-stream"))

    async def _control(kind: str, action: str, request: Request) -> dict[str, Any]:
        module = _simulated(kind)
        raw = await _read_body(request, MAX_JSON)
        if action in STANDARD_CONTROLS:
            model, run = STANDARD_CONTROLS[action]
        elif (kind, action) in CONTROLS:
            model, run = CONTROLS[(kind, action)]
        else:
            raise ApiError(404, "unknown_action", f"{kind} has no control {action or '(set)'!r}.")
        result = await run_in_threadpool(run, module, _parse(model, raw))
        return {
            "status": module.status().model_dump(mode="json"),
            "state": module.control_state(),
            "result": _json(result),
        }

    @app.post("/control/{kind}")
    async def control_set(kind: str, request: Request) -> dict[str, Any]:
        return await _control(kind, "", request)

    @app.post("/control/{kind}/{action}")
    async def control_action(kind: str, action: str, request: Request) -> dict[str, Any]:
        return await _control(kind, action, request)

    return app


def _sse(event: DeviceEvent) -> str:
    return f"id: {event.id}\nevent: {event.type}\ndata: {event.model_dump_json()}\n\n"


def run(settings: AgentSettings | None = None) -> None:
    """`bedside kiosk-agent`: serves the agent on 127.0.0.1 and reports telemetry meanwhile."""
    settings = settings or AgentSettings()
    configure_logging(settings.log_level, settings.log_json)
    devices = build_devices(settings)
    app = create_agent_app(settings, devices=devices)
    reporter = TelemetryReporter(settings, devices)
    reporter.start()
    updater = _updater(settings, devices)
    commands = CommandRunner(settings, devices, httpx.Client(timeout=settings.fetch_timeout_seconds))
    commands.start()
    log.info(
        "kiosk agent on http://%s:%s (control page /control), output in %s",
        LISTEN_HOST,
        settings.port,
        settings.output_path.resolve(),
    )
    try:
        uvicorn.run(
            app,
            host=LISTEN_HOST,
            port=settings.port,
            log_config=None,  # keep the structured logging configured above
            # An open /events stream never ends on its own; do not wait long for it on shutdown.
            timeout_graceful_shutdown=3,
        )
    finally:
        reporter.stop()
        commands.stop()
        if updater is not None:
            updater.stop()


def _updater(settings: AgentSettings, devices: Devices) -> Updater | None:
    if settings.update_dir is None or settings.update_public_key_file is None:
        return None
    idle = settings.update_idle_seconds
    client = httpx.Client(timeout=settings.fetch_timeout_seconds)
    updater = Updater(settings, client, is_idle=lambda: devices.transactions.idle_for(idle))
    updater.start()
    return updater
