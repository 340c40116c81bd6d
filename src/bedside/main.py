"""create_app(): routers, templates, middleware and the mapping of errors to responses."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bedside import __version__, wiring  # noqa: F401 - registers tables and handlers
from bedside.core import context, db
from bedside.core.errors import DomainError, InvalidInput, NotFound
from bedside.core.events import OutboxLoop
from bedside.core.i18n import N_
from bedside.core.logging import configure as configure_logging
from bedside.core.metrics import LATENCY, REQUESTS
from bedside.settings import Settings, get_settings
from bedside.web import security
from bedside.web.deps import LoginRequired
from bedside.web.rendering import WEB_DIR, locale_of, render

log = logging.getLogger("bedside.http")


class RequestContextMiddleware:
    """Request id, client address, access log, metrics and the anon cookie, without buffering."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        rid = headers.get(b"x-request-id", b"").decode("latin-1")[:64] or uuid.uuid4().hex
        client = scope.get("client")
        tokens = (
            context.request_id.set(rid),
            context.client_ip.set(client[0] if client else None),
            context.user_agent.set(headers.get(b"user-agent", b"").decode("latin-1")[:300]),
        )
        state: dict[str, Any] = scope.setdefault("state", {})
        status = 500
        start = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                extra = [(b"x-request-id", rid.encode())]
                cookie = security.anon_cookie_header(state)
                if cookie:
                    extra.append((b"set-cookie", cookie))
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - start
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "")
            REQUESTS.labels(method, template, str(status)).inc()
            LATENCY.labels(method, template).observe(elapsed)
            if not template.startswith(("/static", "/healthz", "/metrics")):
                log.info("%s %s %s %.1fms", method, scope.get("path"), status, elapsed * 1000)
            for var, token in zip(
                (context.request_id, context.client_ip, context.user_agent), tokens, strict=True
            ):
                var.reset(token)


def _wants_json(request: Request) -> bool:
    if request.url.path.startswith(("/api/", "/healthz", "/metrics")):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _surface(request: Request) -> str:
    first = request.url.path.strip("/").split("/", 1)[0]
    return first if first in ("phone", "kiosk", "console") else "shared"


def _problem(request: Request, exc: DomainError) -> Response:
    locale = locale_of(request)
    if _wants_json(request):
        return JSONResponse(
            exc.problem(locale), status_code=exc.status, media_type="application/problem+json"
        )
    return render(
        request,
        "shared/error.html",
        {"error": exc, "message": exc.localized(locale), "surface": _surface(request)},
        status_code=exc.status,
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired) -> Response:
        if _wants_json(request):
            return _problem(request, exc)
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Redirect": exc.login_url})
        return RedirectResponse(exc.login_url, status_code=303)

    @app.exception_handler(DomainError)
    async def _domain_error(request: Request, exc: DomainError) -> Response:
        return _problem(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        fields = [".".join(str(p) for p in err.get("loc", ()) if p != "body") for err in exc.errors()]
        error = InvalidInput(
            N_("Some of the information entered is not valid: %(fields)s"),
            code="validation_error",
            params={"fields": ", ".join(fields)},
        )
        response = _problem(request, error)
        if isinstance(response, JSONResponse):
            body = error.problem(locale_of(request))
            body["errors"] = [
                {"field": f, "type": err.get("type"), "detail": err.get("msg")}
                for f, err in zip(fields, exc.errors(), strict=True)
            ]
            return JSONResponse(body, status_code=422, media_type="application/problem+json")
        return response

    @app.exception_handler(DataError)
    async def _data_error(request: Request, exc: DataError) -> Response:
        # The database refused a value (a NUL in JSON text, a number out of range): bad input.
        log.warning("database refused a value: %s", type(exc.orig).__name__)
        return _problem(request, InvalidInput(code="invalid_value"))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return _problem(request, NotFound(N_("This page does not exist.")))
        if exc.status_code == 405:
            return _problem(
                request, DomainError(N_("This method is not allowed here."), code="method_not_allowed")
            )
        error = DomainError(code=f"http_{exc.status_code}")
        error.status = exc.status_code
        return _problem(request, error)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error")
        error = DomainError(N_("Something went wrong on our side. Please try again."), code="internal_error")
        error.status = 500
        return _problem(request, error)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_json)
    database = db.configure(settings.database_url)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        loops: list[Any] = []
        if settings.dispatch_in_process:
            from bedside.timers import TimersLoop

            loops = [OutboxLoop(database.session_factory), TimersLoop(database.session_factory)]
        for loop in loops:
            loop.start()
        try:
            yield
        finally:
            for loop in loops:
                loop.stop()

    app = FastAPI(
        title="Bedside", version=__version__, lifespan=lifespan, docs_url="/docs", openapi_url="/openapi.json"
    )
    app.add_middleware(RequestContextMiddleware)
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")

    from bedside.admissions.api import router as admissions_api
    from bedside.integrations.api import router as his_api
    from bedside.kiosks.api import router as kiosks_api
    from bedside.ops import router as ops_router
    from bedside.patients.api import router as me_api
    from bedside.payments.api import notify_router as payments_notify
    from bedside.payments.api import router as payments_api
    from bedside.web.console.admission import router as console_admission_router
    from bedside.web.console.discharge import router as console_discharge_router
    from bedside.web.console.education import router as console_education_router
    from bedside.web.console.followup import router as console_followup_router
    from bedside.web.console.money import router as console_money_router
    from bedside.web.console.notifications import router as console_notifications_router
    from bedside.web.console.records import router as console_records_router
    from bedside.web.console.routes import router as console_router
    from bedside.web.console.surveys import router as console_surveys_router
    from bedside.web.kiosk.admission import router as kiosk_admission_router
    from bedside.web.kiosk.discharge import router as kiosk_discharge_router
    from bedside.web.kiosk.face import router as kiosk_face_router
    from bedside.web.kiosk.money import router as kiosk_money_router
    from bedside.web.kiosk.printing import router as kiosk_printing_router
    from bedside.web.kiosk.records import router as kiosk_records_router
    from bedside.web.kiosk.reports import router as kiosk_reports_router
    from bedside.web.kiosk.routes import router as kiosk_router
    from bedside.web.phone.admission import router as phone_admission_router
    from bedside.web.phone.discharge import router as phone_discharge_router
    from bedside.web.phone.education import router as phone_education_router
    from bedside.web.phone.face import router as phone_face_router
    from bedside.web.phone.money import router as phone_money_router
    from bedside.web.phone.notifications import router as phone_notifications_router
    from bedside.web.phone.records import router as phone_records_router
    from bedside.web.phone.reports import router as phone_reports_router
    from bedside.web.phone.routes import router as phone_router
    from bedside.web.phone.surveys import router as phone_surveys_router
    from bedside.web.sandbox.routes import router as sandbox_router
    from bedside.web.shared_routes import router as shared_router
    from bedside.web.verify import router as verify_router

    for router in (
        ops_router,
        shared_router,
        phone_router,
        phone_money_router,
        phone_admission_router,
        phone_discharge_router,
        phone_reports_router,
        phone_face_router,
        phone_education_router,
        phone_surveys_router,
        phone_notifications_router,
        phone_records_router,
        kiosk_router,
        kiosk_money_router,
        kiosk_admission_router,
        kiosk_discharge_router,
        kiosk_reports_router,
        kiosk_face_router,
        kiosk_printing_router,
        kiosk_records_router,
        console_router,
        console_money_router,
        console_admission_router,
        console_discharge_router,
        console_education_router,
        console_surveys_router,
        console_followup_router,
        console_notifications_router,
        console_records_router,
        sandbox_router,
        admissions_api,
        me_api,
        kiosks_api,
        payments_api,
        payments_notify,
        his_api,
        verify_router,
    ):
        app.include_router(router)
    return app
