"""The insurance review in the browser: the officer filters the stay's lines by flag, reads
why a line is flagged in words, returns it to the ward with a reason; the nurse answers it;
the officer marks it self-pay and approves, and the stay is ready to settle with the line
paid by the patient. The patient's bill then shows the figure after insurance."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bedside.charges import service as charges
from bedside.core.clock import local_today
from bedside.discharge import service as discharge
from bedside.insurance import review
from tests.conftest import DATABASE
from tests.e2e.conftest import PHONE, shot
from tests.e2e.steps import console, phone_sign_in
from tests.integration.discharge.conftest import HIS, admitted, line

pytestmark = pytest.mark.browser

CATALOGUE = [
    {"code": "X1", "name": "床位费", "insurance_class": "A", "max_daily_milli": 1000},
    {"code": "X2", "name": "头孢曲松", "insurance_class": "B", "indication_keywords": ["肺炎"]},
    {"code": "X3", "name": "血常规", "insurance_class": "A", "max_daily_milli": 1000},
]


def test_the_officer_returns_a_line_to_the_ward_and_approves_after_the_answer(
    session, sms, new_page, platform
):
    ip = admitted(session)
    with DATABASE.session() as s:
        review.load_catalogue(s, CATALOGUE)
        s.commit()
        charges.post(
            s,
            HIS,
            ip.notice_id,
            [
                line("1", "A", 300000, "bed"),
                line("2", "B", 100000, name="头孢曲松"),
                line("3", "A", 20000, "lab"),
            ],
        )
        discharge.order(s, ip.doctor, ip.notice_id, local_today())
        discharge.clear_ward(s, ip.nurse, ip.notice_id, no_pending_orders=True, charges_posted=True)
    url = f"/console/insurance-review/{ip.notice_id}"

    officer = console(new_page, "yb.officer")
    officer.goto("/console/insurance-review")
    officer.locator(f"[data-testid=open-review-{ip.notice_id}]").click()
    expect(officer.locator("[data-testid=review-state]")).to_have_attribute("data-state", "in_review")
    officer.select_option("select[name=flag]", "class_b_indication")
    officer.locator("[data-testid=apply-filters]").click()
    rows = officer.locator("[data-testid=review-lines] tbody tr")
    expect(rows).to_have_count(1)
    # The reason in words, not the rule's code.
    expect(officer.locator("[data-testid=flags-2]")).to_have_text("乙类项目，诊断中无其限定适应症")
    officer.fill("[data-testid=return_to_ward-2] input[name=reason]", "请核实头孢曲松的适应症")
    officer.locator("[data-testid=return_to_ward-2] button").click()
    expect(officer.locator("[data-testid=review-state]")).to_have_attribute("data-state", "with_ward")
    expect(officer.locator("[data-testid=line-state-2]")).to_have_text("已退回病区")
    expect(officer.locator("[data-testid=do-review-approve]")).to_be_disabled()
    shot(officer, "insurance-review-returned")

    nurse = console(new_page, "nurse.w01")
    nurse.goto("/console/insurance-review")
    nurse.locator(f"[data-testid=open-review-{ip.notice_id}]").click()
    nurse.fill("[data-testid=answer-2] input[name=reason]", "无肺炎指征，患者同意自费")
    nurse.locator("[data-testid=answer-2] button").click()
    expect(nurse.locator("[data-testid=line-state-2]")).to_have_text("病区已回复")
    expect(nurse.locator("[data-testid=review-state]")).to_have_attribute("data-state", "in_review")

    officer.goto(url)
    expect(officer.locator("[data-testid=answer-2]")).to_contain_text("无肺炎指征，患者同意自费")
    officer.fill("[data-testid=mark_self_pay-2] input[name=reason]", "无适应症，转自费")
    officer.locator("[data-testid=mark_self_pay-2] button").click()
    expect(officer.locator("[data-testid=line-state-2]")).to_have_text("自费")
    officer.locator("[data-testid=do-review-approve]").click()
    expect(officer.locator("[data-testid=discharge-state]")).to_have_attribute(
        "data-state", "ready_to_settle"
    )
    expect(officer.locator("[data-testid=pre-settlement]")).to_be_visible()
    shot(officer, "insurance-review-approved")

    # The patient's bill: the refund after insurance, from the same pre-settlement.
    with DATABASE.session() as s:
        pre = discharge.pre_settle(s, ip.notice_id)
        s.commit()
    assert pre.split["class_c_fen"] == 100000
    phone = new_page(PHONE)
    phone_sign_in(phone, sms, "13600000011")
    phone.goto(f"/phone/stays/{ip.notice_id}/bill")
    card = phone.locator("[data-testid=bill-estimate]")
    expect(card).to_have_attribute("data-refund", str(pre.refund_fen))
    expect(phone.locator("[data-testid=estimate-insurance]")).to_have_text(
        f"¥{(pre.fund_fen + pre.personal_account_fen) / 100:,.2f}"
    )
