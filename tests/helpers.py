"""Signing in through the real pages, as a browser would."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bedside.accounts.sms import RemembersCodes
from tests.factories import PASSWORD, csrf_of


def csrf(client: TestClient, path: str = "/console/login") -> str:
    return csrf_of(client.get(path, follow_redirects=True).text)


def staff_login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    token = csrf(client)
    r = client.post(
        "/console/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/console/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return csrf(client, "/console/")


def phone_login(client: TestClient, sms: RemembersCodes, phone: str) -> str:
    """`sms` is the log gateway, or an SMS peer's handle reading the code from its inbox."""
    token = csrf(client, "/phone/login")
    r = client.post("/phone/login/code", data={"phone": phone, "csrf_token": token})
    assert r.status_code == 200, r.text
    code = sms.last_code(phone)
    assert code
    r = client.post(
        "/phone/login", data={"phone": phone, "code": code, "csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    return csrf(client, "/phone/")


# The openid a test's JSAPI payment is paid by (WeChat refuses a JSAPI order without one).
JSAPI_PAYER = "oBedsideTestPayer0000000000"
