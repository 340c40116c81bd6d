"""The window clerk settles a special-disease case: the stay is detected as one and sent to
the staffed discharge window with the reason (the patient's phone says which window and
offers no self-service settlement), the clerk finds it in the window's queue, the patient
signs on the window's pad, and the clerk settles it for them through the same settlement,
recorded as the clerk's act."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from bedside.admissions.models import AdmissionNotice
from bedside.charges import service as charges
from bedside.core.audit import AuditEvent
from bedside.core.clock import local_today
from bedside.discharge import service as discharge
from bedside.discharge.models import Settlement
from tests.conftest import DATABASE
from tests.e2e.conftest import PHONE, shot
from tests.e2e.steps import console, draw_signature, phone_sign_in
from tests.integration.discharge.conftest import HIS, admitted, line

pytestmark = pytest.mark.browser


def test_the_window_clerk_settles_a_special_disease_case(session, sms, new_page):
    ip = admitted(session, insurance="self_pay")
    with DATABASE.session() as s:
        s.get(AdmissionNotice, ip.notice_id).diagnosis = "尿毒症（维持性透析）"
        s.commit()
        charges.post(
            s, HIS, ip.notice_id, [line("1", "A", 260000, "treatment"), line("2", "B", 40000, "lab")]
        )
        discharge.order(s, ip.doctor, ip.notice_id, local_today())
        discharge.clear_ward(s, ip.nurse, ip.notice_id, no_pending_orders=True, charges_posted=True)

    phone = new_page(PHONE)
    phone_sign_in(phone, sms, "13600000011")
    phone.goto(f"/phone/stays/{ip.notice_id}/settle")
    expect(phone.locator("[role=alert][data-code=special_disease]")).to_contain_text("出院结算窗口")
    expect(phone.locator("[data-testid=confirm-settlement]")).to_have_count(0)

    clerk = console(new_page, "cashier.out")
    clerk.get_by_role("link", name="出院结算窗口").click()
    row = clerk.locator(f"[data-testid=discharge-window-cases] tr[data-notice='{ip.notice_id}']")
    expect(row.locator("[data-code=special_disease]")).to_be_visible()
    shot(clerk, "console-discharge-window")
    clerk.locator(f"[data-testid=open-case-{ip.notice_id}]").click()
    expect(clerk.locator("[data-testid=window-reasons] [data-code=special_disease]")).to_be_visible()
    expect(clerk.locator("[data-testid=total]")).to_have_text("¥3,000.00")
    draw_signature(clerk)  # the patient signs on the window's pad
    clerk.locator("[data-testid=window-settle]").click()
    expect(clerk.locator("[data-testid=settled]")).to_be_visible(timeout=20000)
    shot(clerk, "console-window-settled")

    with DATABASE.session() as s:
        row_ = s.scalar(select(Settlement).where(Settlement.notice_id == ip.notice_id))
        assert row_ is not None and row_.settled_by == f"staff:{ip.cashier.id}" and row_.refund_fen == 200000
        act = s.scalar(select(AuditEvent).where(AuditEvent.action == "discharge.settle_at_window"))
        assert act is not None and act.actor_id == ip.cashier.id
    clerk.goto("/console/discharge-window")
    expect(clerk.locator(f"tr[data-notice='{ip.notice_id}']")).to_have_count(0)
    phone.goto(f"/phone/stays/{ip.notice_id}/settle")
    expect(phone.locator("[data-testid=settled]")).to_be_visible()
