"""Input refused at the boundary with a clear 4xx and nothing changed: signed notification
fields of the wrong size or shape, amounts that are not plain amounts, methods a path does
not have; and the OpenAPI documents the problem answers as they are sent."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from bedside.core.audit import SYSTEM
from bedside.deposits import service as deposits
from bedside.integrations import service as integrations
from bedside.kiosks import service as kiosks_service
from bedside.payments import service as payments
from bedside.payments.models import PaymentOrder
from bedside.payments.sandbox import server as sandbox
from bedside.payments.sandbox.models import SandboxTrade
from bedside.web.problems import API_ERRORS, PROBLEM_MEDIA_TYPE, Problem
from tests.conftest import DATABASE
from tests.helpers import card_read, csrf, phone_login
from tests.integration.money.conftest import make_stay

WECHAT = "/api/v1/payments/notify/wechat"
ALIPAY = "/api/v1/payments/notify/alipay"
WECHAT_CODE = "134567890123456789"


def _signed(session, channel: str, trade_type: str):  # type: ignore[no-untyped-def]
    stay = make_stay(session)
    with DATABASE.session() as s:
        order = payments.start_payment(
            s,
            stay.actor,
            patient_id=stay.patient.id,
            notice_id=stay.notice.id,
            purpose="deposit",
            amount_fen=300000,
            channel=channel,
            trade_type=trade_type,
            place="phone",
            idempotency_key="boundary-0001",
        )
        sandbox.pay(s, order.out_trade_no, mode="missing")  # paid, notification not yet sent
        trade = s.scalar(select(SandboxTrade).where(SandboxTrade.out_trade_no == order.out_trade_no))
        headers, body = sandbox.notification_for(s, trade)
        s.commit()
    return order, dict(headers), body


def _state(order: PaymentOrder) -> tuple[str, tuple[int, int]]:
    with DATABASE.session() as s:
        return s.get(PaymentOrder, order.id).state, deposits.check(s, order.account_id)


@pytest.mark.parametrize(
    "header, value",
    [
        ("Wechatpay-Timestamp", "9" * 400),  # an int no float holds: was a 500
        ("Wechatpay-Timestamp", "9" * 5000),
        ("Wechatpay-Timestamp", "-1700000000"),
        ("Wechatpay-Timestamp", "1.7e9"),
        ("Wechatpay-Timestamp", b"17\xb2"),  # latin-1 "17²": str.isdigit() says yes, int() no
        ("Wechatpay-Nonce", "a\nb"),
        ("Wechatpay-Nonce", "n" * 65),
        ("Wechatpay-Signature", "A" * 5000),
        ("Wechatpay-Signature", "not base64!"),
        ("Wechatpay-Serial", "S" * 5000),
    ],
)
def test_wechat_headers_of_the_wrong_shape_are_refused_and_change_nothing(client, session, header, value):
    order, headers, body = _signed(session, "wechat", "NATIVE")
    r = client.post(WECHAT, content=body, headers={**headers, header: value})
    assert r.status_code == 401 and r.json()["code"] == "notification_rejected"
    assert r.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert _state(order) == ("paying", (0, 0))
    # The same notification with its own headers is accepted: only the one header was wrong.
    assert client.post(WECHAT, content=body, headers=headers).status_code == 204
    assert _state(order) == ("paid", (300000, 300000))


@pytest.mark.parametrize("url", [WECHAT, ALIPAY])
def test_an_oversized_notification_body_is_refused_unread(client, url):
    r = client.post(
        url, content=b"{" + b" " * (64 * 1024) + b"}", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"


def test_alipay_fields_of_the_wrong_size_or_shape_are_refused(client, session):
    order, headers, body = _signed(session, "alipay", "PRECREATE")
    padded = body + b"&" + urlencode({f"x{i}": "1" for i in range(100)}).encode()
    long_value = body + b"&" + urlencode({"body": "长" * 5000}).encode()
    bad_sign = b"&".join(p if not p.startswith(b"sign=") else b"sign=%%%" for p in body.split(b"&"))
    for tampered in (padded, long_value, bad_sign):
        r = client.post(ALIPAY, content=tampered, headers=headers)
        assert r.status_code == 401 and r.json()["code"] == "notification_rejected"
    assert _state(order) == ("paying", (0, 0))
    r = client.post(ALIPAY, content=body, headers=headers)
    assert r.status_code == 200 and r.text == "success"
    assert _state(order)[0] == "paid"


def _orders() -> int:
    with DATABASE.session() as s:
        return int(s.scalar(select(func.count()).select_from(PaymentOrder)) or 0)


@pytest.fixture
def kiosk_patient(client, session):  # type: ignore[no-untyped-def]
    stay = make_stay(session)
    _, key = kiosks_service.register(
        session, SYSTEM, code="K-BV", name="n", location="l", model="m", serial="s", modules=["scanner"]
    )
    client.cookies.set("bs_kiosk", key)
    token = csrf(client, "/kiosk/login")
    r = client.post(
        "/kiosk/login",
        data={**card_read(key, "resident_id", stay.patient.resident_id), "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    return stay, csrf(client, f"/kiosk/deposit/{stay.notice.id}")


@pytest.mark.parametrize("amount", ["abc", "1.005", "1e9", "NaN", "", "-50000", "99", "50000001", "9" * 400])
def test_kiosk_pay_by_code_refuses_an_amount_that_is_not_one(client, kiosk_patient, amount):
    stay, token = kiosk_patient
    url = f"/kiosk/deposit/{stay.notice.id}/code"
    form = {"auth_code": WECHAT_CODE, "request_key": "boundary-key-1", "csrf_token": token}
    r = client.post(url, data={**form, "amount_fen": amount})
    assert r.status_code == 422, r.text[:300]
    assert 'data-code="invalid_amount"' in r.text or 'data-code="amount_out_of_range"' in r.text
    assert _orders() == 0
    r = client.post(url, data={**form, "amount_fen": "50000"}, follow_redirects=False)
    assert r.status_code == 303 and _orders() == 1


@pytest.mark.parametrize("custom", ["1e3", "NaN", "Infinity", "12.345", "-5", "0", "500000.01"])
def test_phone_deposit_refuses_an_amount_that_is_not_one(client, session, sms, custom):
    stay = make_stay(session)
    token = phone_login(client, sms, "13600000001")
    url = f"/phone/deposit/{stay.notice.id}"
    r = client.post(
        url, data={"amount": "", "custom": custom, "request_key": "boundary-key-2", "csrf_token": token}
    )
    assert r.status_code == 422 and 'data-code="' in r.text
    assert _orders() == 0


@pytest.mark.parametrize(
    "method, path, allowed",
    [
        ("DELETE", "/api/v1/me/patients", "GET"),
        ("GET", "/api/v1/me/payments", "POST"),
        ("PUT", "/api/v1/admission-notices", "GET, POST"),
        ("PATCH", "/phone/login", "GET, POST"),
    ],
)
def test_a_method_the_path_does_not_have_is_405_with_allow(client, method, path, allowed):
    r = client.request(method, path, headers={"Accept": "application/json"})
    assert r.status_code == 405 and r.json()["code"] == "method_not_allowed"
    assert r.headers["allow"] == allowed


def test_openapi_documents_the_problem_answers_as_sent(app, client):
    doc = app.openapi()
    problem = doc["components"]["schemas"]["Problem"]
    assert set(problem["properties"]) == set(Problem.model_fields)
    for path, item in doc["paths"].items():
        if not path.startswith("/api/v1/") or path.startswith("/api/v1/payments/notify"):
            continue
        for operation in item.values():
            for status in API_ERRORS:
                content = operation["responses"][str(status)]["content"]
                assert list(content) == [PROBLEM_MEDIA_TYPE], (path, status)
    r = client.post("/api/v1/his/reports", json={"his_ref": 1})
    assert r.status_code == 401 and r.headers["content-type"] == PROBLEM_MEDIA_TYPE
    Problem.model_validate(r.json())
    with DATABASE.session() as s:
        key = integrations.register(s, SYSTEM, "HIS-docs", ["reports"])[1]
    r = client.post("/api/v1/his/reports", json={"his_ref": 1}, headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert {e.field for e in Problem.model_validate(r.json()).errors or []} >= {"his_ref", "resident_id"}


def test_a_nul_in_json_is_refused_before_any_database_sees_it(client, session):
    # PostgreSQL would refuse it and SQLite store it; the answer must not depend on which.
    with DATABASE.session() as s:
        key = integrations.register(s, SYSTEM, "HIS-nul", ["reports"])[1]
    body = {
        "his_ref": "LIS-\x00",
        "resident_id": "110105198005170011",
        "kind": "lab",
        "title": "血常规",
        "department": "检验科",
        "reported_at": "2026-01-01T08:00:00+08:00",
        "result_text": "正常\n复查",
    }
    r = client.post("/api/v1/his/reports", json=body, headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_characters"
    nested = {**body, "his_ref": "LIS-1", "result_text": None, "extra": [{"k\x01": 1}]}
    r = client.post("/api/v1/his/reports", json=nested, headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_characters"


@pytest.mark.parametrize("amount", [50000.5, "50000.5", "5e4", "NaN", "abc"])
def test_api_amounts_are_whole_fen(client, session, sms, amount):
    stay = make_stay(session)
    token = phone_login(client, sms, "13600000001")
    body = {
        "patient_id": stay.patient.id,
        "notice_id": stay.notice.id,
        "purpose": "deposit",
        "trade_type": "H5",
    }
    headers = {"X-CSRF-Token": token, "Idempotency-Key": "boundary-json-1"}
    r = client.post("/api/v1/me/payments", json={**body, "amount_fen": amount}, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "amount_fen"
    assert _orders() == 0
    r = client.post("/api/v1/me/payments", json={**body, "amount_fen": 50000}, headers=headers)
    assert r.status_code == 201 and _orders() == 1
