"""Rate limits through the real app: per client address and in total, answered 429 with a
Retry-After; a stranger's failures slow down the stranger, never the nurse."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from bedside.core.audit import SYSTEM
from bedside.integrations import service as integrations
from bedside.kiosks import service as kiosks_service
from bedside.settings import get_settings
from tests import factories
from tests.conftest import DATABASE
from tests.helpers import csrf

STRANGER, NURSE = "203.0.113.7", "10.20.30.40"


@contextmanager
def from_address(app, address: str) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, base_url="http://testserver", client=(address, 50000)) as c:
        yield c


@pytest.fixture
def limits(monkeypatch):  # type: ignore[no-untyped-def]
    """Sets limits for one test; the limiter reads them from the settings at each request."""

    def set_limits(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setattr(get_settings(), f"rate_limit_{name}", value)

    return set_limits


def _refused(r, code: str) -> None:  # type: ignore[no-untyped-def]
    assert r.status_code == 429, r.text
    assert f'data-code="{code}"' in r.text or r.json()["code"] == code
    assert 0 < int(r.headers["retry-after"]) <= 24 * 3600


def _ask_code(c: TestClient, phone: str, token: str):  # type: ignore[no-untyped-def]
    return c.post("/phone/login/code", data={"phone": phone, "csrf_token": token})


def test_sms_codes_to_many_numbers_from_one_address_stop_at_the_default_limit(app, sms):
    with from_address(app, STRANGER) as c:
        token = csrf(c, "/phone/login")
        answers = [_ask_code(c, f"1380013{n:04d}", token) for n in range(15)]
    assert [r.status_code for r in answers[:10]] == [200] * 10
    assert len(sms.sent) == 10
    for r in answers[10:]:
        _refused(r, "otp_address_limit")
    assert "分钟后再试" in answers[10].text
    with from_address(app, NURSE) as c:
        assert _ask_code(c, "13900139000", csrf(c, "/phone/login")).status_code == 200


def test_all_sms_codes_together_are_capped(app, sms, limits):
    limits(otp_send_total="3/hour")
    answers = []
    for n in range(4):
        with from_address(app, f"198.51.100.{n}") as c:
            answers.append(_ask_code(c, f"1390013{n:04d}", csrf(c, "/phone/login")))
    assert [r.status_code for r in answers[:3]] == [200] * 3
    _refused(answers[3], "otp_total_limit")


def test_wrong_codes_are_limited_per_address(app, sms, limits):
    limits(otp_guess_per_address="4/10 minutes")
    with from_address(app, STRANGER) as c:
        token = csrf(c, "/phone/login")
        codes = [
            c.post(
                "/phone/login", data={"phone": f"1370013{n:04d}", "code": "000000", "csrf_token": token}
            ).status_code
            for n in range(5)
        ]
    assert codes == [422] * 4 + [429]
    with from_address(app, NURSE) as c:
        token = csrf(c, "/phone/login")
        r = c.post("/phone/login", data={"phone": "13700130000", "code": "000000", "csrf_token": token})
        assert r.status_code == 422


def _staff_login(c: TestClient, token: str, username: str, password: str):  # type: ignore[no-untyped-def]
    return c.post(
        "/console/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


def test_a_strangers_wrong_passwords_slow_down_the_stranger_not_the_nurse(app, session):
    factories.staff(session, "nurse.wang", "nurse")
    with from_address(app, STRANGER) as c:
        token = csrf(c)
        codes = [_staff_login(c, token, "nurse.wang", "guess-guess").status_code for _ in range(5)]
        assert codes == [401] * 5
        r = _staff_login(c, token, "nurse.wang", factories.PASSWORD)
        _refused(r, "login_rate_limited")
    with from_address(app, NURSE) as c:
        assert _staff_login(c, csrf(c), "nurse.wang", factories.PASSWORD).status_code == 303


def test_password_spraying_across_accounts_is_throttled_per_address(app, session, limits):
    limits(staff_login_per_address="6/15 minutes")
    for n in range(3):
        factories.staff(session, f"dr.{n}", "doctor")
    names = [f"dr.{n}" for n in range(3)] + ["nobody.1", "nobody.2", "nobody.3"]
    with from_address(app, STRANGER) as c:
        token = csrf(c)
        codes = [_staff_login(c, token, name, "Spring2026!").status_code for name in names]
        assert codes == [401] * 6
        _refused(_staff_login(c, token, "dr.0", factories.PASSWORD), "login_rate_limited")
    with from_address(app, NURSE) as c:
        assert _staff_login(c, csrf(c), "dr.0", factories.PASSWORD).status_code == 303


def test_the_account_locks_only_on_failures_from_many_addresses(app, session, monkeypatch):
    monkeypatch.setattr(get_settings(), "login_max_failures", 8)
    factories.staff(session, "dr.li", "doctor")
    for address in ("198.51.100.1", "198.51.100.2"):
        with from_address(app, address) as c:
            token = csrf(c)
            codes = [_staff_login(c, token, "dr.li", "bad-password").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 423]
    with from_address(app, NURSE) as c:
        assert _staff_login(c, csrf(c), "dr.li", factories.PASSWORD).status_code == 423


def _kiosk(session, code: str) -> str:  # type: ignore[no-untyped-def]
    return kiosks_service.register(
        session, SYSTEM, code=code, name=code, location="大厅", model="ZK-43", serial=code, modules=[]
    )[1]


@pytest.mark.parametrize(
    ("per_kiosk", "per_address", "kiosks", "refused_at"),
    [("3/5 minutes", "50/5 minutes", 1, 3), ("10/5 minutes", "4/5 minutes", 2, 4)],
    ids=["per kiosk", "per address, over two kiosks"],
)
def test_kiosk_sign_in_guesses(app, session, limits, per_kiosk, per_address, kiosks, refused_at):
    limits(kiosk_login_per_kiosk=per_kiosk, kiosk_login_per_address=per_address)
    factories.hospital(session)
    keys = [_kiosk(session, f"K-{n}") for n in range(kiosks)]
    codes = []
    with from_address(app, STRANGER) as c:
        for n in range(refused_at + 1):
            c.cookies.set("bs_kiosk", keys[n % kiosks])
            token = csrf(c, "/kiosk/login")
            r = c.post("/kiosk/login", data={"kind": "visit_card", "value": f"V{n:09d}", "csrf_token": token})
            codes.append(r.status_code)
    assert codes == [401] * refused_at + [429]
    assert int(r.headers["retry-after"]) > 0


def test_his_key_guesses_are_refused_per_address_but_a_valid_key_still_works(app, session, limits):
    limits(his_key_per_address="3/10 minutes")
    with DATABASE.session() as s:
        key = integrations.register(s, SYSTEM, "HIS", ["admission_notices"])[1]
    url = "/api/v1/his/admission-notices"
    with from_address(app, STRANGER) as c:
        codes = [
            c.post(url, json={}, headers={"Authorization": f"Bearer bi_{n:08x}_nope"}).status_code
            for n in range(3)
        ]
        assert codes == [401] * 3
        r = c.post(url, json={}, headers={"Authorization": "Bearer bi_00000009_nope"})
        _refused(r, "integration_key_rate_limited")
        assert r.json()["retry_after"] == int(r.headers["retry-after"])
        assert c.post(url, json={}, headers={"Authorization": f"Bearer {key}"}).status_code == 422
    with from_address(app, NURSE) as c:
        assert c.post(url, json={}, headers={"Authorization": "Bearer bi_x_nope"}).status_code == 401
