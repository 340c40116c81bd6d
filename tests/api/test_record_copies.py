"""Record copies through the real app: the phone flow with the sandbox, patient isolation,
validation errors with stable codes, CSRF, console roles, and the kiosk flow."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from bedside.core.audit import SYSTEM
from bedside.core.events import dispatch_pending
from bedside.kiosks import service as kiosks_service
from bedside.payments import worker
from bedside.payments.models import PaymentOrder
from bedside.payments.sandbox import server as sandbox
from bedside.records.models import RecordCopyRequest
from tests import factories
from tests.conftest import DATABASE
from tests.helpers import card_read, csrf, phone_login, staff_login
from tests.integration.discharge.conftest import Inpatient, admitted

PHONE = "13600000011"  # the admitted patient's own account (see make_admission)


@pytest.fixture
def ip(session) -> Inpatient:
    return admitted(session)


def _form(ip: Inpatient, token: str, key: str = "api-copy-0001", **over: object) -> dict[str, object]:
    data: dict[str, object] = {
        "csrf_token": token,
        "request_key": key,
        "patient_id": ip.adm.patient.id,
        "notice_id": ip.notice_id,
        "purpose": "personal",
        "parts": ["discharge_summary", "nursing_records"],
        "copies": "1",
        "delivery": "pickup",
    }
    data.update(over)
    return data


def _count() -> int:
    with DATABASE.session() as s:
        return int(s.scalar(select(func.count()).select_from(RecordCopyRequest)) or 0)


def _submit(client, ip: Inpatient, token: str) -> int:  # type: ignore[no-untyped-def]
    r = client.post("/phone/records", data=_form(ip, token), follow_redirects=False)
    assert r.status_code == 303, r.text
    return int(r.headers["location"].rsplit("/", 1)[1])


def test_phone_request_pay_and_see_it_received(client, sms, ip):
    token = phone_login(client, sms, PHONE)
    assert "/phone/records?p=" in client.get("/phone/").text
    page = client.get(f"/phone/records/new?p={ip.adm.patient.id}")
    assert page.status_code == 200 and 'data-testid="record-copy-form"' in page.text
    request_id = _submit(client, ip, token)
    again = client.post("/phone/records", data=_form(ip, token), follow_redirects=False)
    assert again.headers["location"] == f"/phone/records/{request_id}"  # a double tap: one request
    detail = client.get(f"/phone/records/{request_id}")
    assert 'data-state="awaiting_payment"' in detail.text and "¥7.00" in detail.text  # (2 + 12) pages
    r = client.post(
        f"/phone/records/{request_id}/pay",
        data={"csrf_token": token, "request_key": "api-pay-0001", "method": "wechat"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    order_id = int(r.headers["location"].rsplit("/", 1)[1])
    with DATABASE.session() as s:
        order = s.get(PaymentOrder, order_id)
        assert (order.purpose, order.amount_fen) == ("record_copy", 700)
        sandbox.pay(s, order.out_trade_no)
        s.commit()
    sandbox.deliver_due(DATABASE.session_factory, worker.deliver_in_process(DATABASE.session_factory))
    status = client.get(f"/phone/records/{request_id}/payments/{order_id}/status")
    assert 'data-state="paid"' in status.text
    while dispatch_pending(DATABASE.session_factory):
        pass
    assert 'data-state="received"' in client.get(f"/phone/records/{request_id}").text
    listing = client.get("/phone/records")
    assert f"/phone/records/{request_id}" in listing.text


def test_another_account_sees_nothing(client, sms, ip, session):
    token = phone_login(client, sms, PHONE)
    request_id = _submit(client, ip, token)
    client.cookies.clear()
    stranger = factories.patient(session, name="路人甲", phone="13800000099")
    factories.account_for(session, "13800000099", stranger)
    token = phone_login(client, sms, "13800000099")
    assert client.get(f"/phone/records/{request_id}").status_code == 404
    r = client.post(
        f"/phone/records/{request_id}/pay",
        data={"csrf_token": token, "request_key": "api-pay-0002", "method": "wechat"},
    )
    assert r.status_code == 404
    assert client.post(f"/phone/records/{request_id}/cancel", data={"csrf_token": token}).status_code == 404
    # Asking for a stay of someone else's patient is "not found" too, and writes nothing.
    r = client.post("/phone/records", data=_form(ip, token, "api-copy-0009"))
    assert r.status_code == 404
    assert "/phone/records/" not in client.get("/phone/records").text.replace("/phone/records/new", "")
    assert _count() == 1


@pytest.mark.parametrize(
    "over, code",
    [
        ({"copies": "abc"}, "invalid_copies"),
        ({"copies": "11"}, "invalid_copies"),
        ({"parts": []}, "invalid_parts"),
        ({"parts": ["x-ray"]}, "invalid_parts"),
        ({"purpose": "gossip"}, "invalid_purpose"),
        ({"delivery": "drone"}, "invalid_delivery"),
        ({"delivery": "mail", "recipient_name": "赵云", "recipient_phone": "123"}, "invalid_phone"),
        (
            {
                "delivery": "mail",
                "recipient_name": "赵云",
                "recipient_phone": "13912345678",
                "province": "火星",
                "city": "长沙",
                "address": "麓山南路 1 号",
            },
            "invalid_province",
        ),
        ({"request_key": "short"}, "idempotency_key_required"),
    ],
)
def test_bad_input_is_a_4xx_with_its_code_and_changes_nothing(client, sms, ip, over, code):
    token = phone_login(client, sms, PHONE)
    r = client.post("/phone/records", data=_form(ip, token, **over))
    assert r.status_code == 422, r.text
    assert f'data-code="{code}"' in r.text
    assert _count() == 0


def test_form_without_csrf_is_refused(client, sms, ip):
    token = phone_login(client, sms, PHONE)
    data = _form(ip, token)
    del data["csrf_token"]
    assert client.post("/phone/records", data=data).status_code == 403
    data["csrf_token"] = "0" * 64
    assert client.post("/phone/records", data=data).status_code == 403
    assert _count() == 0


def test_pay_with_unknown_method_or_twice(client, sms, ip):
    token = phone_login(client, sms, PHONE)
    request_id = _submit(client, ip, token)
    r = client.post(
        f"/phone/records/{request_id}/pay",
        data={"csrf_token": token, "request_key": "api-pay-0003", "method": "bitcoin"},
    )
    assert r.status_code == 422 and 'data-code="invalid_method"' in r.text
    r = client.post(f"/phone/records/{request_id}/cancel", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    r = client.post(
        f"/phone/records/{request_id}/pay",
        data={"csrf_token": token, "request_key": "api-pay-0004", "method": "wechat"},
    )
    assert r.status_code == 409 and 'data-code="record_copy_not_payable"' in r.text


def test_console_roles(client, sms, session, ip):
    token = phone_login(client, sms, PHONE)
    request_id = _submit(client, ip, token)
    client.cookies.clear()
    factories.staff(session, "records.a", "records_office")
    factories.staff(session, "nurse.b", "nurse")
    factories.staff(session, "admin.c", "admin")
    staff_login(client, "nurse.b")
    assert client.get("/console/records").status_code == 403
    assert client.get(f"/console/records/{request_id}").status_code == 403
    client.cookies.clear()
    token = staff_login(client, "records.a")
    queue = client.get("/console/records")
    assert queue.status_code == 200 and f'data-request="{request_id}"' in queue.text
    assert "/console/records" in queue.text  # in the navigation
    detail = client.get(f"/console/records/{request_id}")
    assert detail.status_code == 200 and 'data-state="awaiting_payment"' in detail.text
    r = client.post(f"/console/records/{request_id}/act", data={"csrf_token": token, "action": "explode"})
    assert r.status_code == 422 and 'data-code="invalid_action"' in r.text
    r = client.post(f"/console/records/{request_id}/act", data={"csrf_token": token, "action": "approve"})
    assert r.status_code == 409 and 'data-code="record_copy_invalid_transition"' in r.text  # not paid yet
    assert client.post(f"/console/records/{request_id}/act", data={"action": "approve"}).status_code == 403
    assert client.get("/console/records/999999").status_code == 404
    client.cookies.clear()
    staff_login(client, "admin.c")
    assert client.get("/console/records?state=awaiting_payment").status_code == 200


def test_kiosk_request_and_pay_by_qr(client, session, ip):
    _, key = kiosks_service.register(
        session,
        SYSTEM,
        code="K-9",
        name="九号机",
        location="大厅",
        model="ZK-43",
        serial="SN9",
        modules=["id_reader"],
    )
    client.cookies.set("bs_kiosk", key)
    token = csrf(client, "/kiosk/login")
    r = client.post(
        "/kiosk/login",
        data={**card_read(key, "resident_id", ip.adm.patient.resident_id), "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    token = csrf(client, "/kiosk/records/new")
    data = _form(ip, token, "kiosk-copy-0001", delivery="mail")
    del data["patient_id"]
    r = client.post("/kiosk/records", data=data)
    assert r.status_code == 422 and 'data-code="invalid_recipient_name"' in r.text
    data.update(
        recipient_name="赵云",
        recipient_phone="13912345678",
        province="湖南省",
        city="长沙市",
        address="麓山南路 1 号",
    )
    r = client.post("/kiosk/records", data=data, follow_redirects=False)
    assert r.status_code == 303
    request_id = int(r.headers["location"].rsplit("/", 1)[1])
    r = client.post(
        f"/kiosk/records/{request_id}/pay",
        data={"csrf_token": token, "request_key": "kiosk-pay-0001", "method": "alipay_qr"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert 'data-testid="pay-qr"' in page.text and "¥27.00" in page.text  # 14 pages + ¥20 postage
    order_id = int(re.findall(r"/payments/(\d+)", r.headers["location"])[0])
    with DATABASE.session() as s:
        assert s.get(PaymentOrder, order_id).place == "K-9"
    assert client.get(f"/kiosk/records/{request_id + 1}").status_code == 404
