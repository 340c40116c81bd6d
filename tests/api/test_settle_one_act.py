"""Settlement in one act through the real pages: a stay owing money is signed, paid and settled
from the settlement screen on the phone and at the kiosk (no trip through the deposit pages),
the credit settles it even when the screen is closed, and the staffed discharge window takes
what self-service cannot settle (special disease, arrears, a disputed charge) with its reason,
the clerk settling for the patient and recorded as such."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bedside.admissions.models import AdmissionNotice
from bedside.charges import service as charges
from bedside.core.audit import SYSTEM
from bedside.core.clock import local_today
from bedside.core.events import dispatch_pending
from bedside.discharge import service as discharge
from bedside.discharge import settlement, window
from bedside.discharge.models import Settlement, SettlementIntent, WindowCase
from bedside.kiosks import service as kiosks_service
from bedside.payments import worker
from bedside.payments.models import PaymentOrder
from bedside.payments.sandbox import server as sandbox
from bedside.settings import get_settings
from tests import factories
from tests.conftest import DATABASE
from tests.helpers import csrf, kiosk_login, phone_login, staff_login
from tests.integration.discharge.conftest import HIS, Inpatient, admitted, line, signature

PHONE = "13600000011"


def _ready(ip: Inpatient, fen: int, *, diagnosis: str | None = None) -> None:
    """Charges of `fen` on a self-pay stay (its deposit is ¥5,000), cleared and ready to settle."""
    with DATABASE.session() as s:
        if diagnosis:
            s.get(AdmissionNotice, ip.notice_id).diagnosis = diagnosis
            s.commit()
        charges.post(s, HIS, ip.notice_id, [line("1", "A", fen, "surgery")])
        discharge.order(s, ip.doctor, ip.notice_id, local_today())
        discharge.clear_ward(s, ip.nurse, ip.notice_id, no_pending_orders=True, charges_posted=True)
        assert discharge.get(s, ip.notice_id).state == "ready_to_settle"


@pytest.fixture
def owing(session) -> Inpatient:
    ip = admitted(session, insurance="self_pay")
    _ready(ip, 620000)  # ¥1,200 more than the deposit
    return ip


def _pay(order_id: int) -> None:
    with DATABASE.session() as s:
        sandbox.pay(s, s.get(PaymentOrder, order_id).out_trade_no)
        s.commit()
    sandbox.deliver_due(DATABASE.session_factory, worker.deliver_in_process(DATABASE.session_factory))


def _settlement(notice_id: int) -> Settlement | None:
    with DATABASE.session() as s:
        row = s.scalar(select(Settlement).where(Settlement.notice_id == notice_id))
        if row is not None:
            s.expunge(row)
        return row


def test_phone_signs_pays_and_is_settled_in_the_same_act(client, sms, owing):
    token = phone_login(client, sms, PHONE)
    page = client.get(f"/phone/stays/{owing.notice_id}/settle")
    assert 'data-testid="pay-and-settle"' in page.text and "¥1,200.00" in page.text
    assert "/supplementary" not in page.text and "/phone/deposit/" not in page.text
    form = {"csrf_token": token, "signature": signature(), "request_key": "one-act-phone-01"}
    r = client.post(
        f"/phone/stays/{owing.notice_id}/settle", follow_redirects=False, data={**form, "method": "wechat"}
    )
    assert r.status_code == 303
    wait = r.headers["location"]
    assert wait.startswith(f"/phone/stays/{owing.notice_id}/settle/payments/")
    order_id = int(wait.rsplit("/", 1)[1])
    # A double tap is the same act: the same order, no second payment.
    again = client.post(
        f"/phone/stays/{owing.notice_id}/settle", follow_redirects=False, data={**form, "method": "wechat"}
    )
    assert again.headers["location"] == wait
    with DATABASE.session() as s:
        order = s.get(PaymentOrder, order_id)
        assert (order.purpose, order.amount_fen, order.trade_type) == ("supplementary_payment", 120000, "H5")
    assert 'data-state="paying"' in client.get(wait).text
    _pay(order_id)
    status = client.get(f"{wait}/status")
    assert status.headers["HX-Redirect"] == f"/phone/stays/{owing.notice_id}/settled"
    row = _settlement(owing.notice_id)
    assert row is not None and row.refund_fen == 0 and row.settled_by.startswith("account:")
    assert client.get(wait, follow_redirects=False).headers["location"].endswith("/settled")
    assert 'data-testid="settled"' in client.get(f"/phone/stays/{owing.notice_id}/settled").text


def test_the_credit_settles_the_stay_when_the_screen_is_closed(client, sms, owing):
    token = phone_login(client, sms, PHONE)
    r = client.post(
        f"/phone/stays/{owing.notice_id}/settle",
        follow_redirects=False,
        data={
            "csrf_token": token,
            "signature": signature(),
            "request_key": "one-act-phone-02",
            "method": "wechat",
        },
    )
    order_id = int(r.headers["location"].rsplit("/", 1)[1])
    _pay(order_id)
    assert _settlement(owing.notice_id) is None
    while dispatch_pending(DATABASE.session_factory):
        pass
    row = _settlement(owing.notice_id)
    assert row is not None
    with DATABASE.session() as s:
        intent = s.scalar(select(SettlementIntent).where(SettlementIntent.payment_order_id == order_id))
        assert (intent.state, intent.settlement_id) == ("settled", row.id)
        assert discharge.get(s, owing.notice_id).state == "settled"
        # The settled stay refuses a further payment (kept from #14 item 4).
        with pytest.raises(Exception) as err:
            settlement.settle_or_pay(s, owing.adm.me, owing.notice_id, signature(), "one-act-phone-03", None)
        assert getattr(err.value, "code", "") == "not_ready_to_settle"


@pytest.mark.parametrize(
    ("over", "code"),
    [
        ({"signature": ""}, "signature_required"),
        ({"request_key": "x"}, "idempotency_key_required"),
        ({"method": "paypal"}, "channel_unavailable"),
        ({"method": ""}, "supplementary_due"),
    ],
    ids=["no-signature", "short-key", "unknown-wallet", "owing-without-wallet"],
)
def test_bad_settlement_input_is_a_4xx_and_changes_nothing(client, sms, owing, over, code):
    token = phone_login(client, sms, PHONE)
    form = {
        "csrf_token": token,
        "signature": signature(),
        "request_key": "one-act-bad-01",
        "method": "wechat",
    }
    r = client.post(f"/phone/stays/{owing.notice_id}/settle", follow_redirects=False, data={**form, **over})
    assert 400 <= r.status_code < 500 and f'data-code="{code}"' in r.text
    with DATABASE.session() as s:
        assert s.scalar(select(SettlementIntent)) is None
        assert discharge.get(s, owing.notice_id).state == "ready_to_settle"


def test_another_patients_order_is_not_found(client, sms, owing, session):
    token = phone_login(client, sms, PHONE)
    r = client.post(
        f"/phone/stays/{owing.notice_id}/settle",
        follow_redirects=False,
        data={
            "csrf_token": token,
            "signature": signature(),
            "request_key": "one-act-phone-04",
            "method": "wechat",
        },
    )
    order_id = int(r.headers["location"].rsplit("/", 1)[1])
    client.cookies.clear()
    other = factories.patient(session, name="马超", phone="13600000099")
    factories.account_for(session, "13600000099", other)
    phone_login(client, sms, "13600000099")
    assert client.get(f"/phone/stays/{owing.notice_id}/settle/payments/{order_id}").status_code == 404


def test_kiosk_settles_owing_stay_by_qr_in_the_same_act(client, session, owing):
    _, key = kiosks_service.register(
        session,
        SYSTEM,
        code="K-SET",
        name="出院机",
        location="出院大厅",
        model="ZK-43",
        serial="S-SET",
        modules=["id_reader", "laser_printer"],
    )
    kiosk_login(client, key, owing.adm.patient.resident_id)
    token = csrf(client, f"/kiosk/stays/{owing.notice_id}/settle")
    page = client.get(f"/kiosk/stays/{owing.notice_id}/settle").text
    for method in ("code", "wechat_qr", "alipay_qr", "card"):
        assert f'data-testid="settle-method-{method}"' in page
    r = client.post(
        f"/kiosk/stays/{owing.notice_id}/settle",
        follow_redirects=False,
        data={
            "csrf_token": token,
            "signature": signature(),
            "request_key": "one-act-kiosk-01",
            "method": "wechat_qr",
        },
    )
    assert r.status_code == 303
    wait = r.headers["location"]
    assert 'data-testid="pay-qr"' in client.get(wait).text
    _pay(int(wait.rsplit("/", 1)[1]))
    assert client.get(f"{wait}/status").headers["HX-Redirect"] == f"/kiosk/stays/{owing.notice_id}/settled"
    row = _settlement(owing.notice_id)
    assert row is not None and row.settled_by.startswith("kiosk")


def test_window_takes_special_disease_and_the_clerk_settles_it(client, session):
    ip = admitted(session, insurance="self_pay")
    _ready(ip, 300000, diagnosis="恶性肿瘤化疗")
    with DATABASE.session() as s:
        with pytest.raises(Exception) as err:
            discharge.settle(s, ip.adm.me, ip.notice_id, signature(), "one-act-sd-01")
        assert getattr(err.value, "code", "") == "special_disease"
        s.rollback()
    token = staff_login(client, "cashier.out")
    queue = client.get("/console/discharge-window")
    assert f'data-notice="{ip.notice_id}"' in queue.text and 'data-code="special_disease"' in queue.text
    case = client.get(f"/console/discharge-window/{ip.notice_id}")
    assert 'data-testid="window-settle-form"' in case.text
    r = client.post(
        f"/console/discharge-window/{ip.notice_id}/settle",
        follow_redirects=False,
        data={"csrf_token": token, "signature": signature(), "request_key": "one-act-sd-02"},
    )
    assert r.status_code == 303
    row = _settlement(ip.notice_id)
    assert row is not None and row.refund_fen == 200000 and row.settled_by == f"staff:{ip.cashier.id}"
    assert 'data-testid="settled"' in client.get(f"/console/discharge-window/{ip.notice_id}").text
    assert f'data-notice="{ip.notice_id}"' not in client.get("/console/discharge-window").text


def test_arrears_over_the_self_service_cap_go_to_the_window(client, sms, session, monkeypatch):
    monkeypatch.setattr(get_settings(), "self_service_max_due_fen", 100000)
    ip = admitted(session, insurance="self_pay")
    _ready(ip, 700000)  # ¥2,000 owed, over the ¥1,000 the cap allows
    token = phone_login(client, sms, PHONE)
    page = client.get(f"/phone/stays/{ip.notice_id}/settle").text
    assert 'data-code="arrears"' in page and 'data-testid="pay-and-settle"' not in page
    r = client.post(
        f"/phone/stays/{ip.notice_id}/settle",
        follow_redirects=False,
        data={
            "csrf_token": token,
            "signature": signature(),
            "request_key": "one-act-arr-01",
            "method": "wechat",
        },
    )
    assert r.status_code == 409 and 'data-code="arrears"' in r.text


def test_a_disputed_charge_goes_to_the_window_and_closes_when_settled(client, sms, session):
    ip = admitted(session, insurance="self_pay")
    _ready(ip, 300000)
    token = phone_login(client, sms, PHONE)
    bad = client.post(
        f"/phone/stays/{ip.notice_id}/dispute",
        follow_redirects=False,
        data={"csrf_token": token, "note": " "},
    )
    assert bad.status_code == 422 and 'data-code="dispute_note_required"' in bad.text
    r = client.post(
        f"/phone/stays/{ip.notice_id}/dispute",
        follow_redirects=False,
        data={"csrf_token": token, "note": "手术费收了两次"},
    )
    assert r.status_code == 303
    page = client.get(f"/phone/stays/{ip.notice_id}/settle").text
    assert 'data-code="dispute"' in page and 'data-testid="confirm-settlement"' not in page
    client.cookies.clear()
    token = staff_login(client, "cashier.out")
    case = client.get(f"/console/discharge-window/{ip.notice_id}").text
    assert "手术费收了两次" in case and 'data-code="dispute"' in case
    client.post(
        f"/console/discharge-window/{ip.notice_id}/settle",
        follow_redirects=False,
        data={"csrf_token": token, "signature": signature(), "request_key": "one-act-dsp-01"},
    )
    assert _settlement(ip.notice_id) is not None
    with DATABASE.session() as s:
        [case_row] = s.scalars(select(WindowCase)).all()
        assert case_row.closed_by == f"staff:{ip.cashier.id}"
        assert window.open_cases(s, ip.notice_id) == []


def test_only_a_window_clerk_settles_at_the_window(session):
    ip = admitted(session, insurance="self_pay")
    _ready(ip, 300000)
    with DATABASE.session() as s:
        with pytest.raises(Exception) as err:
            discharge.settle(s, ip.nurse, ip.notice_id, signature(), "one-act-win-01", at_window=True)
        assert getattr(err.value, "code", "") == "window_clerk_only"
