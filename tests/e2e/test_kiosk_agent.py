"""The kiosk with its device agent (simulators) at 1080×1920: the ID card signs the patient in,
the cash acceptor's notes reach the server one by one, the receipt comes out of the receipt
printer; with the printer out of paper the patient is told and the payment stays paid."""

from __future__ import annotations

import socket
import threading
import time

import httpx
import pytest
import uvicorn
from playwright.sync_api import expect

from bedside.admissions import service as admissions_service
from bedside.admissions.schemas import NoticeIn
from bedside.core.audit import SYSTEM
from bedside.kiosk_agent.app import create_agent_app
from bedside.kiosk_agent.config import AgentSettings
from bedside.kiosks import service as kiosks_service
from bedside.settings import get_settings
from bedside.staff import service as staff_service
from tests import factories
from tests.e2e.conftest import KIOSK, shot
from tests.e2e.steps import enter_texted_code

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def start_agent(live_server, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """Called after the test's own writes: the live server must not start before them. The
    agent signs its card reads with a kiosk's key, as it would be configured on the kiosk: the
    key given, else the one of the kiosk the test registered last."""
    servers = []
    keys: list[str] = []
    register = kiosks_service.register

    def remember(*args, **kwargs):  # type: ignore[no-untyped-def]
        kiosk, key = register(*args, **kwargs)
        keys.append(key)
        return kiosk, key

    monkeypatch.setattr(kiosks_service, "register", remember)

    def start(key: str | None = None):  # type: ignore[no-untyped-def]
        return _start(live_server, tmp_path, monkeypatch, servers, key or (keys[-1] if keys else None))

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(timeout=10)


def _start(live_server, tmp_path, monkeypatch, servers, key=None):  # type: ignore[no-untyped-def]
    origin = live_server.start()
    port = _free_port()
    settings = AgentSettings(
        server_url=origin, allowed_origin=origin, port=port, output_dir=tmp_path / "out", kiosk_key=key
    )
    server = uvicorn.Server(
        uvicorn.Config(
            create_agent_app(settings), host="127.0.0.1", port=port, log_config=None, lifespan="on"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started:
        assert time.time() < deadline, "agent did not start"
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    monkeypatch.setattr(get_settings(), "kiosk_agent_url", url)
    servers.append((server, thread))
    return type("Agent", (), {"url": url, "out": tmp_path / "out"})


def _setup(session):  # type: ignore[no-untyped-def]
    world = factories.hospital(session)
    doctor = factories.staff(session, "dr.agent", "doctor", department_id=world.department.id)
    patient = factories.patient(session, name="姜维", phone="13700000031")
    notice = admissions_service.issue(
        session,
        staff_service.actor_for(doctor),
        NoticeIn(
            patient_id=patient.id,
            department_id=world.department.id,
            diagnosis="心律失常",
            expected_date=factories.tomorrow(),
        ),
    )
    _, key = kiosks_service.register(
        session,
        SYSTEM,
        code="K-DEV",
        name="设备机",
        location="大厅",
        model="ZK-43",
        serial="S-DEV",
        modules=["id_reader", "cash_acceptor", "receipt_printer"],
    )
    return patient, notice, key


def _sign_in_by_id_card(page, agent, patient, key):  # type: ignore[no-untyped-def]
    page.goto(f"/kiosk/activate?key={key}")
    page.fill("#key", key)
    page.click("button[type=submit]")
    page.goto("/kiosk/login?kind=resident_id")
    expect(page.locator("body")).to_have_attribute("data-agent-state", "up")
    page.wait_for_timeout(300)  # the page's event stream is open
    card = {
        "resident_id": patient.resident_id,
        "name": patient.name,
        "gender": patient.gender,
        "birth_date": patient.birth_date.isoformat(),
        "address": "湖南省长沙市",
    }
    assert httpx.post(f"{agent.url}/control/id_reader", json=card).status_code == 200
    expect(page.locator("[data-testid=kiosk-patient-name]")).to_be_visible(timeout=10000)


def test_id_card_cash_notes_and_the_receipt_printer(session, new_page, start_agent):
    patient, notice, key = _setup(session)
    agent = start_agent()
    page = new_page(KIOSK)
    _sign_in_by_id_card(page, agent, patient, key)
    page.goto(f"/kiosk/deposit/{notice.id}")
    page.locator("[data-testid=method-cash]").click()
    expect(page.locator("body")).to_have_attribute("data-agent-state", "up")
    expect(page.locator("[data-sandbox-cash]")).to_be_hidden()
    page.wait_for_timeout(300)
    for note in (10000, 5000):
        assert (
            httpx.post(
                f"{agent.url}/control/cash_acceptor/insert", json={"denomination_fen": note}
            ).status_code
            == 200
        )
    expect(page.locator("[data-testid=cash-total]")).to_have_text("¥150.00", timeout=10000)
    shot(page, "kiosk-agent-cash")
    page.locator("[data-testid=cash-done]").click()
    expect(page.locator("[data-testid=payment-status]")).to_have_attribute(
        "data-state", "paid", timeout=15000
    )
    page.locator("[data-testid=receipt]").click()
    expect(page.locator("[data-testid=print-receipt]")).to_have_attribute(
        "data-print-state", "printed", timeout=10000
    )
    printed = sorted(agent.out.rglob("*.bin"))
    assert printed and printed[-1].read_bytes().startswith(b"\x1b@")

    # Out of paper: the patient is told; the payment is still paid; after a refill it prints.
    assert (
        httpx.post(f"{agent.url}/control/receipt_printer/fault", json={"code": "paper_out"}).status_code
        == 200
    )
    page.reload()
    expect(page.locator("[data-testid=print-receipt]")).to_have_attribute(
        "data-print-state", "failed", timeout=10000
    )
    expect(page.locator("[data-testid=print-error]")).to_be_visible()
    shot(page, "kiosk-agent-paper-out")
    page.go_back()
    expect(page.locator("[data-testid=payment-status]")).to_have_attribute("data-state", "paid")
    assert httpx.post(f"{agent.url}/control/receipt_printer/clear", json={}).status_code == 200
    page.go_forward()
    expect(page.locator("[data-testid=print-receipt]")).to_have_attribute(
        "data-print-state", "printed", timeout=10000
    )


def test_agent_offline_the_page_says_so_and_nothing_moves(session, new_page, monkeypatch):
    patient, notice, key = _setup(session)
    monkeypatch.setattr(get_settings(), "kiosk_agent_url", f"http://127.0.0.1:{_free_port()}")
    page = new_page(KIOSK)
    page.goto(f"/kiosk/activate?key={key}")
    page.fill("#key", key)
    page.click("button[type=submit]")
    expect(page.locator("body")).to_have_attribute("data-agent-state", "down", timeout=10000)


def test_discharge_documents_come_out_of_the_laser_printer_stamped(session, new_page, start_agent):
    from bedside.charges import service as charges
    from bedside.core.clock import local_today
    from bedside.discharge import service as discharge
    from tests.conftest import DATABASE
    from tests.integration.discharge.conftest import HIS, admitted, line, signature

    ip = admitted(session)
    with DATABASE.session() as s:
        charges.post(s, HIS, ip.notice_id, [line("1", "A", 200000, "bed"), line("2", "C", 5000, "lab")])
        discharge.order(s, ip.doctor, ip.notice_id, local_today())
        discharge.clear_ward(s, ip.nurse, ip.notice_id, no_pending_orders=True, charges_posted=True)
        discharge.review(s, ip.officer, ip.notice_id, "approve")
        discharge.settle(s, ip.adm.me, ip.notice_id, signature(), "agent-settle-01")
    _, key = kiosks_service.register(
        session,
        SYSTEM,
        code="K-DOC",
        name="出院机",
        location="大厅",
        model="ZK-43",
        serial="S-DOC",
        modules=["laser_printer", "stamper"],
    )
    agent = start_agent()
    page = new_page(KIOSK)
    page.goto(f"/kiosk/activate?key={key}")
    page.fill("#key", key)
    page.click("button[type=submit]")
    page.locator("[data-testid=login-resident-id]").click()
    for ch in ip.adm.patient.resident_id:
        page.click(f".keypad button[data-key='{ch}']")
    page.locator("[data-testid=kiosk-login-submit]").click()
    enter_texted_code(page)
    page.goto(f"/kiosk/stays/{ip.notice_id}/settled")
    for kind in ("e_invoice", "fee_list", "settlement_list"):
        expect(page.locator(f"[data-testid=print-{kind}]")).to_have_attribute(
            "data-print-state", "printed", timeout=15000
        )
    pdfs = sorted(agent.out.rglob("*.pdf"))
    stamps = sorted(agent.out.rglob("*.stamp.json"))
    assert len(pdfs) == 3 and all(p.read_bytes().startswith(b"%PDF") for p in pdfs)
    assert len(stamps) == 2  # the invoice and the settlement list carry the stamp; the fee list does not


def test_phone_qr_scanned_at_the_kiosk_signs_in(session, new_page, start_agent):
    from bedside.kiosks import service as kiosks
    from tests.conftest import DATABASE

    patient, _, key = _setup(session)
    account = factories.account_for(session, "13700000031", patient)
    with DATABASE.session() as s:
        code, _ = kiosks.issue_phone_code(s, account.id, patient.id)
    agent = start_agent()
    page = new_page(KIOSK)
    page.goto(f"/kiosk/activate?key={key}")
    page.fill("#key", key)
    page.click("button[type=submit]")
    page.goto("/kiosk/login?kind=phone_qr")
    expect(page.locator("body")).to_have_attribute("data-agent-state", "up")
    page.wait_for_timeout(300)
    assert httpx.post(f"{agent.url}/control/scanner", json={"text": code}).status_code == 200
    expect(page.locator("[data-testid=kiosk-patient-name]")).to_be_visible(timeout=10000)
