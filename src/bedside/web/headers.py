"""Security headers on every response: a Content-Security-Policy that allows only Bedside's own
vendored scripts and styles, no framing, no MIME sniffing, a tight referrer and permissions
policy, and HSTS behind HTTPS.

Settings are read per request, as the templates read them, so the kiosk agent origin allowed
here is always the one the kiosk page was rendered to talk to (its data-agent)."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bedside.settings import get_settings

# No 'unsafe-inline' and no 'unsafe-eval': every script and style is a file under /static, and
# values reach scripts through data- attributes or <script type="application/json"> blocks.
_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# The kiosk's camera, card readers and PIN pad belong to the local device agent, never to the
# browser, so no page needs a powerful feature.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)
# Chrome shows a PDF through a viewer page that the document's own policy governs (an <embed>
# under object-src, inline styles): a page policy on a PDF leaves it blank (crbug.com/271452).
# A PDF runs no page script, so it keeps only the framing refusal.
PDF_POLICY = "frame-ancestors 'none'"
# A year, without includeSubDomains: other hosts under the hospital's domain may not serve HTTPS.
HSTS = "max-age=31536000"


def agent_origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(agent: str | None = None, sign_in: str | None = None) -> str:
    policy = _POLICY
    if sign_in:
        # form-action also governs where a submitted form's redirects lead: inside WeChat, the
        # phone's sign-in form ends at the official account's authorize page (snsapi_base).
        policy = policy.replace("form-action 'self'", f"form-action 'self' {sign_in}")
    return f"{policy}; connect-src 'self'" + (f" {agent}" if agent else "")


@lru_cache(maxsize=16)
def _headers(
    agent: str | None, hsts: bool, pdf: bool, sign_in: str | None = None
) -> tuple[tuple[bytes, bytes], ...]:
    policy = PDF_POLICY if pdf else content_security_policy(agent, sign_in)
    headers = [
        (b"content-security-policy", policy.encode("latin-1")),
        (b"x-frame-options", b"DENY"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"permissions-policy", PERMISSIONS_POLICY.encode("latin-1")),
    ]
    if hsts:
        headers.append((b"strict-transport-security", HSTS.encode("latin-1")))
    return tuple(headers)


def headers_for(path: str, content_type: str = "") -> tuple[tuple[bytes, bytes], ...]:
    settings = get_settings()
    # Only kiosk pages talk to the device agent; a phone or console page has no reason to.
    agent = agent_origin(settings.kiosk_agent_url) if path.startswith("/kiosk") else None
    phone = path.startswith("/phone") and bool(settings.wechat_app_id)
    sign_in = agent_origin(settings.wechat_oauth_url) if phone else None
    return _headers(agent, settings.cookie_secure, content_type.startswith("application/pdf"), sign_in)


class SecurityHeadersMiddleware:
    """Adds the headers as the response starts, without buffering the body. A header the
    response set itself wins: the API docs pages bring their own, looser policy."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower(): value for name, value in headers}
                content_type = present.get(b"content-type", b"").decode("latin-1")
                headers.extend(h for h in headers_for(path, content_type) if h[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_wrapper)
