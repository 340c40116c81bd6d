"""An unexpected error is a small masked log entry and a problem answer; the simulators are
served only in demo and test mode, and a production start that would expose them is refused."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bedside.core.logging import TRACEBACK_CHARS
from bedside.main import create_app
from bedside.settings import Settings
from bedside.web.deps import PHONE_COOKIE, STAFF_COOKIE

SECRET = "test-secret-key-that-is-long-enough-0123456789"
STAFF_TOKEN = "stafftokenvalue0123456789abcdef"
PHONE_TOKEN = "phonetokenvalue0123456789abcdef"
BEARER = "eyJhbGciOiJIUzI1NiJ9.bearerpayload.signature"


def _settings(**overrides: object) -> Settings:
    values: dict[str, object] = {"secret_key": SECRET, "demo": False, "testing": False}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def _boom_app() -> TestClient:
    app = create_app(_settings(testing=True))

    @app.get("/api/v1/boom")
    def boom() -> None:
        patient_phone = "13812345678"  # noqa: F841 - a local a verbose traceback would print
        raise RuntimeError("kaboom for 110105194912310021")

    return TestClient(app, raise_server_exceptions=False)


def test_an_unexpected_error_logs_no_secret_nor_personal_data(capfd):
    client = _boom_app()
    client.cookies.set(STAFF_COOKIE, STAFF_TOKEN)
    client.cookies.set(PHONE_COOKIE, PHONE_TOKEN)
    r = client.get(
        "/api/v1/boom",
        headers={"Authorization": f"Bearer {BEARER}", "X-HIS-Key": "bi_abcdefgh_0123456789"},
    )
    assert r.status_code == 500
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "internal_error"
    out, err = capfd.readouterr()
    log = out + err
    assert "unhandled error in GET /api/v1/boom" in log
    assert "RuntimeError" in log
    for secret in (STAFF_TOKEN, PHONE_TOKEN, BEARER, "bi_abcdefgh_0123456789", "13812345678"):
        assert secret not in log
    assert "110105194912310021" not in log and "110105********0021" in log
    entry = log[log.index("unhandled error") :]
    assert len(entry) < TRACEBACK_CHARS + 2000


def test_the_error_page_for_a_browser_is_html():
    client = _boom_app()
    r = client.get("/api/v1/boom", headers={"accept": "text/html"})
    assert r.status_code == 500


def _paths(app) -> list[str]:  # type: ignore[no-untyped-def]
    def flat(routes):  # type: ignore[no-untyped-def]
        for route in routes:
            inner = getattr(route, "original_router", None)  # FastAPI wraps included routers
            yield from flat(inner.routes) if inner is not None else [getattr(route, "path", "")]

    return list(flat(app.routes))


def test_production_app_has_no_sandbox_route():
    app = create_app(_settings())
    assert not [p for p in _paths(app) if p.startswith("/sandbox")]
    client = TestClient(app)
    assert client.post("/sandbox/pay/BS0000000001", data={"mode": "normal"}).status_code in (403, 404)
    assert client.get("/sandbox/pay/BS0000000001").status_code == 404


@pytest.mark.parametrize(("demo", "testing"), [(True, False), (False, True)])
def test_demo_and_test_apps_serve_the_sandbox(demo, testing):
    app = create_app(_settings(demo=demo, testing=testing))
    assert any(p.startswith("/sandbox") for p in _paths(app))


def test_production_refuses_simulators_switched_on():
    with pytest.raises(ValueError, match="SIMULATORS"):
        _settings(simulators=True)
    assert _settings(demo=True, simulators=True).simulators_on
    assert not _settings(demo=True, simulators=False).simulators_on
