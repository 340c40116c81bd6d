from pathlib import Path

from bedside import dbtools
from bedside.settings import get_settings
from tests.conftest import TEST_DB_URL


def test_health(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_metrics_count_requests_by_route(client, monkeypatch):
    monkeypatch.setattr(get_settings(), "metrics_token", "scraper-token")
    client.get("/healthz")
    client.get("/console/login")
    text = client.get("/metrics", headers={"Authorization": "Bearer scraper-token"}).text
    assert 'bedside_http_requests_total{method="GET",route="/console/login",status="200"}' in text
    assert "bedside_http_request_duration_seconds_bucket" in text


def test_request_id_is_echoed(client):
    assert client.get("/healthz", headers={"X-Request-ID": "abc123"}).headers["x-request-id"] == "abc123"
    assert len(client.get("/healthz").headers["x-request-id"]) == 32


def test_openapi_is_served(client, monkeypatch):
    monkeypatch.setattr(get_settings(), "public_api_docs", True)
    spec = client.get("/openapi.json").json()
    assert "/api/v1/admission-notices" in spec["paths"]
    assert client.get("/docs").status_code == 200


def test_static_assets_are_vendored():
    static = Path(__file__).resolve().parents[2] / "src/bedside/web/static"
    assert (static / "vendor/htmx-2.0.11.min.js").stat().st_size > 40000
    for html in (static.parent).rglob("*.html"):
        assert "https://" not in html.read_text(encoding="utf-8"), html


def test_migrations_match_the_models():
    dbtools.check(TEST_DB_URL)
