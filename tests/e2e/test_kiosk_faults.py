"""Faults injected into the kiosk agent's simulators at 1080×1920: a reader that cannot read (the
patient is told and signs in another way), paper running out while the receipt prints (the
money is credited once; after the refill the receipt is printed again), a PIN pad that fails
(nothing charged, retry), and an agent that does not answer at all (the patient is offered the
phone and another kiosk). Print jobs go by one-use ticket, the page's bytes only as fallback."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from bedside.deposits.models import LedgerEntry
from bedside.settings import get_settings
from tests.e2e.conftest import KIOSK
from tests.e2e.steps import enter_texted_code
from tests.e2e.test_kiosk_agent import _free_port, start_agent  # noqa: F401 - fixture
from tests.e2e.test_kiosk_credentials import (
    activate,
    control,
    id_card,
    ready,
    signed_in,
    simulated_face_and_channels,  # noqa: F401 - autouse fixture
    snap,
    world,
)

pytestmark = pytest.mark.browser


def _credits(session) -> list[LedgerEntry]:  # type: ignore[no-untyped-def]
    session.rollback()
    return list(session.scalars(select(LedgerEntry).where(LedgerEntry.payment_order_id.is_not(None))))


def test_reader_error_is_told_and_another_credential_works(session, new_page, start_agent):  # noqa: F811
    patient, _, key = world(session, "K-RDR")
    agent = start_agent()
    page = new_page(KIOSK)
    activate(page, key)
    page.locator("[data-testid=login-resident-id]").click()
    ready(page)
    control(agent, "id_reader/fault", {"code": "read_error"})
    control(agent, "id_reader", id_card(patient))
    problem = page.locator("[data-testid=device-error]")
    expect(problem).to_be_visible()
    expect(problem).to_have_attribute("data-code", "read_error")
    expect(problem).to_have_text(problem.get_attribute("data-msg-read") or "?")
    expect(page.locator("[data-testid=kiosk-patient-name]")).to_have_count(0)
    # Once the reader works again, putting the card back signs in...
    control(agent, "id_reader/clear")
    control(agent, "id_reader/remove")
    control(agent, "id_reader", id_card(patient))
    signed_in(page)
    page.locator("[data-testid=home]").click()
    # ...and with the card reader broken, the visit card's number typed on the keypad does too.
    control(agent, "card_reader/fault", {"code": "offline"})
    page.goto("/kiosk/login?kind=visit_card")
    ready(page)
    control(agent, "card_reader", {"kind": "visit_card", "number": "V000123456"})
    expect(page.locator("[data-testid=device-error]")).to_have_attribute("data-code", "offline")
    page.fill("#value", "V000123456")
    page.locator("[data-testid=kiosk-login-submit]").click()
    enter_texted_code(page)  # typed, so with the code texted to the patient
    signed_in(page)


def test_paper_out_during_the_receipt_credits_once_and_reprints_after_refill(session, new_page, start_agent):  # noqa: F811
    patient, notice, key = world(session, "K-PAPER")
    agent = start_agent()
    page = new_page(KIOSK)
    activate(page, key)
    page.locator("[data-testid=login-resident-id]").click()
    ready(page)
    control(agent, "id_reader", id_card(patient))
    signed_in(page)
    page.goto(f"/kiosk/deposit/{notice.id}")
    page.locator("[data-testid=method-cash]").click()
    ready(page)
    for note in (10000, 10000, 5000):
        control(agent, "cash_acceptor/insert", {"denomination_fen": note})
    expect(page.locator("[data-testid=cash-total]")).to_have_text("¥250.00", timeout=10000)
    page.locator("[data-testid=cash-done]").click()
    expect(page.locator("[data-testid=payment-status]")).to_have_attribute(
        "data-state", "paid", timeout=15000
    )

    control(agent, "receipt_printer/fault", {"code": "paper_out"})
    page.locator("[data-testid=receipt]").click()
    receipt = page.locator("[data-testid=print-receipt]")
    expect(receipt).to_have_attribute("data-print-state", "failed", timeout=10000)
    expect(receipt).to_have_attribute("data-print-code", "paper_out")
    expect(page.locator("[data-testid=print-error]")).to_be_visible()
    expect(page.locator("[data-testid=reprint]")).to_be_visible()
    snap(page, "paper-out")
    assert [e.amount_fen for e in _credits(session)] == [25000]

    control(agent, "receipt_printer/refill")
    expect(page.locator("[data-testid=printer-ready]")).to_be_visible()
    page.locator("[data-testid=reprint]").click()
    expect(receipt).to_have_attribute("data-print-state", "printed", timeout=10000)
    expect(receipt).to_have_attribute("data-print-via", "ticket")
    assert len(sorted(agent.out.rglob("*.bin"))) == 1
    assert [e.amount_fen for e in _credits(session)] == [25000]  # printing twice never pays twice


def test_pin_pad_fault_charges_nothing_and_can_be_retried(session, new_page, start_agent):  # noqa: F811
    patient, notice, key = world(session, "K-PIN")
    agent = start_agent()
    page = new_page(KIOSK)
    activate(page, key)
    page.locator("[data-testid=login-resident-id]").click()
    ready(page)
    control(agent, "id_reader", id_card(patient))
    signed_in(page)
    page.goto(f"/kiosk/deposit/{notice.id}")
    control(agent, "pin_pad/fault", {"code": "offline"})
    page.locator("[data-testid=method-card]").click()
    pinpad = page.locator("[data-testid=pinpad]")
    expect(pinpad).to_have_attribute("data-pinpad-code", "offline")
    expect(page.locator("[data-testid=pinpad-other-method]")).to_be_visible()
    snap(page, "pinpad-error")
    assert _credits(session) == []
    control(agent, "pin_pad/clear")
    page.locator("[data-testid=pinpad-retry]").click()
    expect(page.locator("[data-testid=payment-status]")).to_have_attribute(
        "data-state", "paid", timeout=15000
    )
    assert len(_credits(session)) == 1


def test_agent_offline_offers_the_phone_and_another_kiosk(session, new_page, monkeypatch):
    patient, notice, key = world(session, "K-OFF")
    monkeypatch.setattr(get_settings(), "kiosk_agent_url", f"http://127.0.0.1:{_free_port()}")
    page = new_page(KIOSK)
    activate(page, key)
    expect(page.locator("body")).to_have_attribute("data-agent-state", "down", timeout=10000)
    expect(page.locator("[data-testid=agent-down]")).to_be_visible()
    snap(page, "agent-offline")
    # Typing still works; the face tile leads to the fallback, not to a dead camera.
    page.locator("[data-testid=login-face]").click()
    page.locator("[data-testid=face-agree]").click()
    expect(page.locator("[data-testid=face-fallback]")).to_be_visible()
    expect(page.locator("[data-testid=face-capture]")).to_be_hidden()
    page.locator("[data-testid=fallback-resident-id]").click()
    for ch in patient.resident_id:
        page.click(f".keypad button[data-key='{ch}']")
    page.locator("[data-testid=kiosk-login-submit]").click()
    enter_texted_code(page)  # a typed number now needs the code texted to the patient's phone
    signed_in(page)
    # A card payment without the PIN pad stays on the (sandbox) page flow; nothing is charged.
    page.goto(f"/kiosk/deposit/{notice.id}")
    page.locator("[data-testid=method-card]").click()
    expect(page.locator("[data-testid=pinpad]")).to_be_hidden()
    expect(page.locator("[data-testid=payment-status]")).to_have_attribute("data-state", "paying")
    assert _credits(session) == []
