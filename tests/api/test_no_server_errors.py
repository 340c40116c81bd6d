"""No input causes a server error: every route, signed in with every kind of identity, gets
random and hostile path parameters, query strings, form fields and JSON bodies."""

from __future__ import annotations

import os
import re
from urllib.parse import quote

import pytest
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bedside.core.audit import SYSTEM
from bedside.kiosks import service as kiosks_service
from tests import factories
from tests.helpers import phone_login, staff_login
from tests.reliability.routes import endpoints

HOSTILE = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "99999999999999999999",
        "1e9",
        "NaN",
        "null",
        "true",
        "[]",
        "{}",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "../../etc/passwd",
        "%00",
        "\u0000",
        "测试",
        "x" * 5000,
        "2026-02-30",
        "11010519491231002X",
        "13800138000",
        "/\\evil",
        "//evil.example",
    ]
)
VALUES = st.one_of(HOSTILE, st.text(max_size=40), st.integers(-(2**70), 2**70).map(str))
STATUSES: dict[int, int] = {}
PARAM = re.compile(r"{(\w+)}")


def _routes(app):
    for e in endpoints(app):
        # Sign-outs would end the sessions the rest of the routes are meant to be tried with.
        if not e.path.endswith("/logout"):
            yield e.method, e.route


def _field_names(route: APIRoute) -> list[str]:
    names = [p.alias for p in route.dependant.body_params]
    names += [p.alias for p in route.dependant.query_params]
    return names or ["value"]


@pytest.fixture
def everyone(client, session, sms):
    world = factories.hospital(session)
    factories.staff(session, "root", "admin", "doctor", "nurse", department_id=world.department.id)
    patient = factories.patient(session, phone="13700000009")
    factories.account_for(session, "13700000009", patient)
    _, key = kiosks_service.register(
        session, SYSTEM, code="K-FZ", name="n", location="l", model="m", serial="s", modules=[]
    )
    staff_token = staff_login(client, "root")
    phone_token = phone_login(client, sms, "13700000009")
    client.cookies.set("bs_kiosk", key)
    return staff_token, phone_token


@settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "12")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)  # no shrinking: report the raw case fast
@given(data=st.data())
def test_every_route_survives_hostile_input(app, client, everyone, data):
    _, token = everyone
    for method, route in _routes(app):
        path = PARAM.sub(lambda m: quote(data.draw(VALUES, label=m.group(1)), safe="") or "1", route.path)
        fields = {name: data.draw(VALUES, label=name) for name in _field_names(route)}
        headers = {"X-CSRF-Token": token}
        if method == "GET":
            r = client.get(path, params=fields, headers=headers, follow_redirects=False)
        elif route.path.startswith("/api/"):
            r = client.request(method, path, json=fields, headers=headers, follow_redirects=False)
        else:
            r = client.request(method, path, data={**fields, "csrf_token": token}, follow_redirects=False)
        assert r.status_code < 500, (method, path, fields, r.text[:500])
        STATUSES[r.status_code] = STATUSES.get(r.status_code, 0) + 1


def test_the_fuzzing_reached_the_handlers():
    # Most answers must come from the handlers (2xx, 4xx), not from a login redirect.
    assert sum(n for code, n in STATUSES.items() if code != 303) > sum(STATUSES.values()) / 2, STATUSES
