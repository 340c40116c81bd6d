"""The cashier's daily close in the browser: open the day at the finance desk, import the
WeChat Pay statement, count a kiosk's cash box, reconcile; work a "we say paid, the channel
says revoked" discrepancy by querying the channel, credit a payment our books missed, write
off the cash difference with an approver, and close the day."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from bedside.core.clock import local_today
from bedside.payments import registry
from bedside.payments.models import PaymentOrder
from bedside.reconciliation import fetch
from tests import factories
from tests.api.test_reconciliation_day import _order
from tests.e2e.conftest import shot
from tests.e2e.steps import console
from tests.integration.money.conftest import make_stay

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _adapters():
    registry.reset()
    yield
    registry.reset()


def _row(page, kind):  # type: ignore[no-untyped-def]
    return page.locator(f"[data-testid=discrepancies] tr[data-kind={kind}]")


def test_cashier_works_the_day_to_its_close(session, new_page, tmp_path):  # type: ignore[no-untyped-def]
    stay = make_stay(session)
    factories.staff(session, "cashier.wu", "cashier")
    factories.staff(session, "manager.qian", "manager")
    paid = _order(stay, "wechat", 300000, "e2e-recon-0001")
    silent = _order(stay, "wechat", 120000, "e2e-recon-0002", mode="missing")  # never notified
    # Closed on our side after its 15 minutes, while the channel took the money (长款); a closed
    # order is not polled by the worker, so only the statement shows it.
    session.execute(update(PaymentOrder).where(PaymentOrder.id == silent.id).values(state="closed"))
    session.commit()  # before the download: the peer must not wait on SQLite's write lock
    today = local_today()
    bill = fetch.download("wechat", today).data.decode("utf-8")
    line = next(ln for ln in bill.splitlines() if paid.out_trade_no in ln)
    statement = tmp_path / "wechat_tradebill.csv"
    statement.write_bytes(bill.replace(line, line.replace("`SUCCESS", "`REVOKED")).encode("utf-8"))
    session.commit()

    page = console(new_page, "cashier.wu")
    page.click("nav >> text=财务对账")
    page.fill("[data-testid=open-day] input[name=bill_date]", today.isoformat())
    page.click("[data-testid=open-day] button")
    expect(page.locator("[data-testid=day-state]")).to_have_text("未结")
    page.select_option("select[name=channel]", "wechat")
    page.set_input_files("input[name=file]", str(statement))
    page.click("button:has-text('导入文件')")
    expect(page.locator("[data-testid=imports]")).to_contain_text("wechat_tradebill.csv")
    page.fill("[data-testid=cash-form] input[name=kiosk]", "K-01")
    page.fill("[data-testid=cash-form] input[name=counted]", "50")
    page.click("[data-testid=cash-form] button")
    expect(page.locator("[data-testid=cash-counts]")).to_contain_text("K-01")
    page.click("[data-testid=run]")
    expect(page.locator("[data-testid=discrepancies] tr[data-kind]")).to_have_count(3)
    shot(page, "reconciliation-day")

    # We say paid, the channel's file says revoked: the channel itself confirms the payment.
    _row(page, "status_differs").locator("button[value=query]").click()
    expect(_row(page, "status_differs")).to_have_attribute("data-state", "resolved")
    # The payment the channel took that our books missed is credited to the stay.
    missing = _row(page, "missing_ours")
    expect(missing).to_contain_text(silent.out_trade_no)
    missing.locator("button[value=credit]").click()
    expect(_row(page, "missing_ours")).to_have_attribute("data-state", "resolved")
    # Closing is refused while the cash difference is open.
    page.click("[data-testid=close-day]")
    expect(page.locator("p.error")).to_have_attribute("data-code", "recon_day_not_ready")
    cash = _row(page, "cash_mismatch")
    cash.locator("input[name=note]").fill("找到一张50元，无交易记录")
    cash.locator("button[value=write_off]").click()
    cash = _row(page, "cash_mismatch")
    expect(cash).to_have_attribute("data-state", "awaiting_approval")
    cash.locator("input[name=approver]").fill("manager.qian")
    cash.locator("input[name=approver_password]").fill(factories.PASSWORD)
    cash.locator("button[value=approve]").click()
    expect(_row(page, "cash_mismatch")).to_have_attribute("data-state", "written_off")

    page.click("[data-testid=close-day]")
    expect(page.locator("[data-testid=day-state]")).to_have_text("已结")
    expect(page.locator("[data-testid=close-day]")).to_have_count(0)
    expect(page.locator("[data-testid=run]")).to_have_count(0)
    shot(page, "reconciliation-closed")
