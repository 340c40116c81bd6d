"""Security headers on every surface, and the API docs and metrics closed outside demo mode."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.responses import Response

from bedside.education.content import to_html
from bedside.settings import get_settings
from bedside.web.headers import SecurityHeadersMiddleware
from bedside.web.rendering import WEB_DIR
from tests import factories
from tests.helpers import staff_login

AGENT = "http://127.0.0.1:8765"


def directives(response) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    policy = response.headers["content-security-policy"]
    parts = (d.split() for d in policy.split(";") if d.strip())
    return {p[0]: p[1:] for p in parts}


def assert_secure(response) -> None:  # type: ignore[no-untyped-def]
    csp = directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"] and csp["form-action"] == ["'self'"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "camera=()" in response.headers["permissions-policy"]
    assert "strict-transport-security" not in response.headers


@pytest.fixture
def agent(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(get_settings(), "kiosk_agent_url", AGENT + "/")


@pytest.mark.parametrize(
    "path, status",
    [
        ("/", 200),
        ("/phone/login", 200),
        ("/phone/", 303),
        ("/kiosk/activate", 200),
        ("/console/login", 200),
        ("/static/app.css", 200),
        ("/static/kiosk.js", 200),
        ("/healthz", 200),
        ("/api/v1/kiosk/me", 401),
        ("/api/v1/nothing-here", 404),
        ("/phone/does-not-exist", 404),
        ("/verify/NO-SUCH-DOCUMENT", 200),  # the form asking for the check code: tells nothing
        ("/sandbox/pay/NO-SUCH-TRADE", 404),
    ],
)
def test_every_surface_carries_the_headers(client, agent, path, status):
    r = client.get(path, follow_redirects=False)
    assert r.status_code == status
    assert_secure(r)


def test_error_pages_carry_the_headers(client, monkeypatch):
    assert_secure(client.post("/console/login", data={"username": "x"}))  # no CSRF token: 403
    assert_secure(client.put("/console/login"))  # 405

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    monkeypatch.setattr("bedside.web.shared_routes.render", boom)
    r = TestClient(client.app, raise_server_exceptions=False).get("/")
    assert r.status_code == 500
    assert_secure(r)


def test_a_pdf_keeps_only_the_framing_refusal():
    # Chrome's PDF viewer is governed by the PDF's own policy; a page policy leaves it blank.
    pdf = SecurityHeadersMiddleware(Response(b"%PDF-1.7", media_type="application/pdf"))
    r = TestClient(pdf).get("/phone/receipts/1.pdf")
    assert r.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"


def test_only_kiosk_pages_may_reach_the_device_agent(client, agent):
    assert directives(client.get("/kiosk/activate"))["connect-src"] == ["'self'", AGENT]
    assert directives(client.get("/phone/login"))["connect-src"] == ["'self'"]
    assert directives(client.get("/console/login"))["connect-src"] == ["'self'"]


def test_no_agent_no_connect_source(client, monkeypatch):
    monkeypatch.setattr(get_settings(), "kiosk_agent_url", "")
    assert directives(client.get("/kiosk/activate"))["connect-src"] == ["'self'"]


def test_hsts_only_behind_https(client, monkeypatch):
    assert "strict-transport-security" not in client.get("/phone/login").headers
    monkeypatch.setattr(get_settings(), "cookie_secure", True)
    for path in ("/phone/login", "/static/app.css", "/api/v1/nothing-here"):
        assert client.get(path).headers["strict-transport-security"].startswith("max-age=")


# --- API docs and metrics -------------------------------------------------------------------


def test_production_refuses_anonymous_docs_and_metrics(client):
    assert not get_settings().demo
    for path in ("/docs",):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"/console/login?next={path}"
    r = client.get("/openapi.json", headers={"Accept": "application/json"})
    assert r.status_code == 401 and r.json()["code"] == "not_authenticated"
    r = client.get("/metrics")
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    assert r.headers["content-type"] == "application/problem+json"
    assert "bedside_http_requests_total" not in r.text


def test_staff_read_the_docs(client, session):
    factories.hospital(session)
    factories.staff(session, "nurse.docs", "nurse")
    staff_login(client, "nurse.docs")
    assert "/api/v1/admission-notices" in client.get("/openapi.json").json()["paths"]
    for path in ("/docs",):
        r = client.get(path)
        assert r.status_code == 200 and "/openapi.json" in r.text
        script = directives(r)["script-src"]
        assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
        assert r.headers["x-frame-options"] == "DENY"
    # Swagger UI's one inline start-up script is allowed by its hash, nothing else inline.
    assert any(s.startswith("'sha256-") for s in directives(client.get("/docs"))["script-src"])
    # A nurse is staff, but the metrics are an admin's.
    assert client.get("/metrics").status_code == 403


def test_admin_reads_the_metrics(client, session):
    factories.hospital(session)
    factories.staff(session, "admin.metrics", "admin")
    staff_login(client, "admin.metrics")
    r = client.get("/metrics")
    assert r.status_code == 200 and "bedside_http_requests_total" in r.text


def test_metrics_token(client, monkeypatch):
    headers = {"Authorization": "Bearer s3cret-scraper-token"}
    assert client.get("/metrics", headers=headers).status_code == 401  # no token configured
    monkeypatch.setattr(get_settings(), "metrics_token", "s3cret-scraper-token")
    assert client.get("/metrics", headers=headers).status_code == 200
    wrongs = ("Bearer s3cret", "Basic s3cret-scraper-token", "Bearer s3cret-scraper-token-x", "Bearer 密码")
    for wrong in wrongs:
        assert client.get("/metrics", headers={"Authorization": wrong.encode()}).status_code == 401
    # The token opens the metrics only, not the docs.
    assert client.get("/docs", headers=headers, follow_redirects=False).status_code == 303


def test_public_docs_setting_and_demo_mode(client, monkeypatch):
    monkeypatch.setattr(get_settings(), "public_api_docs", True)
    assert client.get("/docs").status_code == 200
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/metrics").status_code == 401
    monkeypatch.setattr(get_settings(), "public_api_docs", False)
    monkeypatch.setattr(get_settings(), "demo", True)
    for path in ("/docs", "/openapi.json", "/metrics"):
        assert client.get(path).status_code == 200, path


# --- No inline script or style in the markup -------------------------------------------------

TEMPLATES = sorted(WEB_DIR.rglob("templates/**/*.html"))
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)


def test_templates_were_found():
    assert len(TEMPLATES) > 50


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(WEB_DIR)))
def test_no_inline_script_or_style_in_templates(template: Path):
    text = JINJA_COMMENT.sub("", template.read_text(encoding="utf-8"))
    for attrs in SCRIPT_TAG.findall(text):
        assert "src=" in attrs or 'type="application/json"' in attrs, f"inline <script{attrs}>"
    assert not HANDLER.search(text), HANDLER.search(text)
    assert "javascript:" not in text.lower()
    assert not re.search(r"\sstyle\s*=", text, re.IGNORECASE), "style attribute"
    assert "<style" not in text.lower()


def test_article_tables_align_by_class():
    html = to_html("| a | b |\n|:-:|--:|\n| 1 | 2 |\n")
    assert "style=" not in html and 'class="align-center"' in html and 'class="align-right"' in html
