"""Issue 14, item 9, the texts: the home card shows no "None" button at a step without an
action; a notification leaves out the phrase of a value it lacks (no "-医生", no "保留至 -")
and the bed message gives the hold's end; the nurse's refused clearance names what is missing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bedside.admissions.models import AdmissionNotice
from bedside.core.clock import local_today
from bedside.core.events import dispatch_pending
from bedside.core.i18n import gettext
from bedside.deposits import service as deposits
from bedside.discharge import service as discharge
from bedside.discharge.clearance import ClearanceBlocked
from bedside.hospital.models import Department, Ward
from bedside.notifications import rules
from bedside.notifications.models import InboxMessage
from bedside.web.rendering import LANG_COOKIE
from tests.conftest import DATABASE
from tests.helpers import csrf, phone_login, staff_login
from tests.integration.admissions.conftest import make_admission
from tests.integration.discharge.conftest import admitted


@pytest.mark.parametrize(("state", "step"), [("registered", "print_wristband"), ("admitted", "go_to_ward")])
def test_home_card_without_an_action_shows_no_none_button(client, sms, session, state, step):
    adm = make_admission(session)
    with DATABASE.session() as s:
        notice = s.get(AdmissionNotice, adm.notice.id)
        assert notice is not None
        notice.state, notice.bed_id = state, adm.world.beds[0].id
        # No minimum deposit: a registered stay is past "pay the deposit", at "print wristband".
        s.get(Department, notice.department_id).suggested_deposit_fen = 0  # type: ignore[union-attr]
        # ... and no low-balance threshold: an admitted stay is at "go to the ward", not "top up".
        deposits.account_for_notice(s, notice.patient_id, notice.id).ward_id = adm.world.ward.id
        s.get(Ward, adm.world.ward.id).low_balance_threshold_fen = 0  # type: ignore[union-attr]
        s.commit()
    phone_login(client, sms, "13600000011")
    for lang in ("zh_CN", "en"):
        client.cookies.set(LANG_COOKIE, lang)
        page = client.get("/phone/").text
        assert f'data-step="{step}"' in page
        card = page.split('data-testid="next-step"', 1)[1].split("</section>", 1)[0]
        assert "None" not in card and 'data-testid="next-step-action"' not in card, card


def _body(key: str, params: dict[str, object], locale: str) -> str:
    return rules.render(rules.default_rule(key), params, locale)[1]


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_notice_message_leaves_out_a_missing_doctor(locale):
    params = {"patient": "黄忠", "department": "心内科", "date": "2026-12-08"}
    without = _body("admission_notice_issued", params, locale)
    assert "-" not in without.replace("2026-12-08", "") and "医生" not in without and "Dr." not in without
    assert "心内科" in without and "2026-12-08" in without
    assert "王医" in _body("admission_notice_issued", {**params, "doctor": "王医"}, locale)
    assert "医生" not in _body("admission_notice_issued", {**params, "doctor": ""}, locale)


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_bed_message_shows_the_hold_end_or_leaves_it_out(locale):
    params = {"patient": "黄忠", "bed": "501-1", "ward": "心内一病区"}
    without = _body("bed_assigned", params, locale)
    assert "保留至" not in without and "until" not in without and " -" not in without
    assert "501-1" in without
    held = _body("bed_assigned", {**params, "until": "2026-12-08 18:00"}, locale)
    assert ("保留至 2026-12-08 18:00" if locale == "zh_CN" else "until 2026-12-08 18:00") in held


def test_bed_message_delivered_after_admission_still_shows_the_hold_end(session):
    ip = admitted(session)  # the outbox runs after admission, which clears the expiry
    while dispatch_pending(DATABASE.session_factory):
        pass
    with DATABASE.session() as s:
        msg = s.scalars(select(InboxMessage).where(InboxMessage.template == "bed_assigned")).first()
        assert msg is not None and msg.account_id == ip.adm.account.id
        body = _body("bed_assigned", dict(msg.params), "zh_CN")
    assert re.search(r"保留至 \d{4}-\d{2}-\d{2} \d{2}:\d{2}", body), body
    issued = _body("admission_notice_issued", {"patient": "赵云"}, "zh_CN")
    assert "-医生" not in issued


def test_nurse_refusal_names_the_missing_checks(client, session):
    ip = admitted(session, insurance="self_pay")
    with DATABASE.session() as s:
        discharge.order(s, ip.doctor, ip.notice_id, local_today(), has_medication=True)
    with DATABASE.session() as s, pytest.raises(ClearanceBlocked) as err:
        discharge.clear_ward(s, ip.nurse, ip.notice_id, no_pending_orders=True)
    assert err.value.params["missing"] == ["charges_not_posted", "medication_not_handed_over"]
    problem = err.value.problem("zh_CN")
    assert "费用尚未全部录入" in problem["message_zh"] and "出院带药尚未交接" in problem["message_zh"]
    assert "charges are not all posted" in problem["message_en"]
    assert "discharge medication is not handed over" in problem["message_en"]
    assert "医嘱" not in problem["message_zh"]
    # The console shows the same words to the nurse, and nothing changes.
    staff_login(client, "nurse.w01")
    token = csrf(client, f"/console/stays/{ip.notice_id}")
    r = client.post(
        f"/console/stays/{ip.notice_id}/discharge",
        data={"action": "clear_ward", "charges_posted": "1", "csrf_token": token},
    )
    assert r.status_code == 409
    assert gettext("zh_CN", "orders are still pending") in r.text and "出院带药尚未交接" in r.text
    with DATABASE.session() as s:
        assert discharge.get(s, ip.notice_id).state == "ordered"
