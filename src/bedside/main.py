"""create_app(): routers, templates, middleware and the mapping of errors to responses."""

from __future__ import annotations

import gc
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bedside import __version__, wiring  # noqa: F401 - registers tables and handlers
from bedside.core import context, db, ratelimit
from bedside.core.errors import DomainError, InvalidInput, NotFound, ServiceBusy
from bedside.core.events import OutboxLoop
from bedside.core.i18n import N_
from bedside.core.logging import bounded_traceback
from bedside.core.logging import configure as configure_logging
from bedside.core.metrics import LATENCY, REQUESTS
from bedside.settings import Settings, get_settings
from bedside.web import security
from bedside.web.deps import LoginRequired
from bedside.web.headers import SecurityHeadersMiddleware
from bedside.web.overload import RETRY_AFTER_SECONDS, OverloadGuard, ReadConflictRetry
from bedside.web.problems import document_problems
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
                state["response_started"] = True
                extra = [(b"x-request-id", rid.encode())]
                cookie = security.anon_cookie_header(state)
                if cookie:
                    extra.append((b"set-cookie", cookie))
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:  # noqa: BLE001 - the one place an unexpected error is answered
            if status != 500 or state.get("response_started"):
                raise
            await _answer_unexpected(scope, send_wrapper, exc)
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


async def _answer_unexpected(scope: Scope, send: Send, exc: Exception) -> None:
    """A bounded, masked traceback logged from a worker thread, and a problem answer at once.
    Handled here rather than by the framework's last-resort handler, which re-raises to the
    server so that it logs the whole traceback again on the event loop."""
    text = bounded_traceback(exc)
    method, path = scope.get("method", ""), scope.get("path", "")
    await anyio.to_thread.run_sync(log.error, "unhandled error in %s %s\n%s", method, path, text)
    error = DomainError(N_("Something went wrong on our side. Please try again."), code="internal_error")
    error.status = 500
    response = _problem(Request(scope), error)
    await response(scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


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
            exc.problem(locale),
            status_code=exc.status,
            media_type="application/problem+json",
            headers=exc.headers(),
        )
    response = render(
        request,
        "shared/error.html",
        {"error": exc, "message": exc.localized(locale), "surface": _surface(request)},
        status_code=exc.status,
    )
    response.headers.update(exc.headers())
    return response


def _allowed_methods(routes: list[Any], scope: Scope) -> set[str]:
    # Starlette's Allow names only the first route on the path; GET and POST are often two.
    methods: set[str] = set()
    for route in routes:
        inner = getattr(route, "original_router", None)  # FastAPI wraps included routers
        if inner is not None:
            methods |= _allowed_methods(inner.routes, scope)
        elif getattr(route, "methods", None) and route.matches(dict(scope))[0] != Match.NONE:
            methods |= route.methods
    return methods


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
        if any(err.get("type") == "json_invalid" for err in exc.errors()):
            # Its "location" is a byte offset into the body, not a field the sender could fix.
            return _problem(
                request, DomainError(N_("The request body is not valid JSON."), code="invalid_json")
            )
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
            error = DomainError(N_("This method is not allowed here."), code="method_not_allowed")
        else:
            error = DomainError(code=f"http_{exc.status_code}")
        error.status = exc.status_code
        response = _problem(request, error)
        response.headers.update(exc.headers or {})
        if exc.status_code == 405 and (allowed := _allowed_methods(request.app.router.routes, request.scope)):
            response.headers["Allow"] = ", ".join(sorted(allowed))
        return response

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)
    async def _database_busy(request: Request, exc: Exception) -> Response:
        # The write lock or a connection was not had in time, a statement ran too long, or the
        # database is away: the request changed nothing and may be sent again.
        orig = getattr(exc, "orig", None)
        log.warning("database busy or unavailable: %s", type(orig or exc).__name__)
        response = _problem(request, ServiceBusy())
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_json)
    database = db.configure(settings.database_url, **settings.engine_options)
    ratelimit.configure(settings.rate_limit_storage)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        loops: list[Any] = []
        if settings.dispatch_in_process:
            from bedside.timers import TimersLoop

            loops = [OutboxLoop(database.session_factory), TimersLoop(database.session_factory)]
        # One worker thread per database connection, a few kept free for health checks.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        for loop in loops:
            loop.start()
        # Everything imported and built so far lives as long as the process: out of the
        # collector's sight, a full collection scans only what requests made since. Without
        # this, each one walks the whole app (~100 ms, every page stalled), and a HIS batch of
        # 2,000 lines allocates enough to bring one every few batches. Once per process: what
        # a frozen object holds in a cycle is never freed (the test suite starts many apps).
        if not gc.get_freeze_count():
            gc.freeze()
        try:
            yield
        finally:
            for loop in loops:
                loop.stop()

    # The API docs are served by web/api_docs.py, closed outside demo mode.
    app = FastAPI(
        title="Bedside",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.add_middleware(ReadConflictRetry)
    app.add_middleware(
        OverloadGuard,
        running=settings.worker_threads - 4,
        queued=settings.max_queued_requests,
        wait_seconds=settings.queue_wait_seconds,
    )
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")

    from bedside.web.routers import all_routers

    for router in all_routers():
        app.include_router(router)
    if settings.simulators_on:
        # Lets anyone mark an order paid: demo and tests only (Settings refuses it elsewhere).
        from bedside.web.sandbox.routes import router as sandbox_router

        app.include_router(sandbox_router)
    document_problems(app)
    return app
