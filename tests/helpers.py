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


def card_read(kiosk_key: str, kind: str, value: str, device: str | None = None) -> dict[str, str]:
    """The sign-in form's fields for a card the kiosk agent read and signed (what
    kiosk-agent.js posts): the only way a resident ID or card number signs in without a code."""
    from bedside.kiosks import card_reads

    device = device or ("id_reader" if kind == "resident_id" else "card_reader")
    signed_kind = card_reads.SCAN if device == "scanner" else kind
    read = card_reads.sign(card_reads.device_secret(kiosk_key), device, signed_kind, value)
    return {"kind": kind, "value": value, "source": device, "read": read}


def kiosk_login(client: TestClient, kiosk_key: str, resident_id: str) -> None:
    """Signs in at the kiosk (its key as the device cookie) with the ID card on the reader."""
    client.cookies.set("bs_kiosk", kiosk_key)
    token = csrf(client, "/kiosk/login")
    r = client.post(
        "/kiosk/login",
        data={**card_read(kiosk_key, "resident_id", resident_id), "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


# The openid a test's JSAPI payment is paid by (WeChat refuses a JSAPI order without one).
JSAPI_PAYER = "oBedsideTestPayer0000000000"
