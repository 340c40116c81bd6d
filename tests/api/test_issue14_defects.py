"""Defects of issue 14 item 9: a bed hold that ended before the patient's earliest date, a
kiosk saying "take your wristband" beside a printer fault, no warning for a deposit below the
department's minimum, and a partial reversal by quantity that was refused."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from bedside.admissions import beds, stay
from bedside.admissions.models import AdmissionNotice
from bedside.charges.models import ChargeLine
from bedside.core.audit import SYSTEM
from bedside.core.clock import local_today
from bedside.core.db import utcnow
from bedside.deposits import minimum
from bedside.deposits import service as deposits
from bedside.deposits.models import LedgerEntry
from bedside.integrations import service as integrations
from bedside.kiosks import service as kiosks_service
from bedside.kiosks import telemetry
from bedside.settings import get_settings
from tests.conftest import DATABASE
from tests.helpers import kiosk_login, phone_login
from tests.integration.admissions.conftest import make_admission
from tests.integration.discharge.conftest import admitted

# --- A bed hold lasts through the earliest day the patient chose ---------------------------


@pytest.mark.parametrize("days_ahead", [1, 5], ids=["tomorrow", "in five days"])
def test_a_bed_hold_does_not_expire_before_the_earliest_date(session, days_ahead):
    adm = make_admission(session)
    earliest = local_today() + timedelta(days=days_ahead)
    with DATABASE.session() as s:
        stay.request_bed(s, adm.me, adm.notice.id, earliest, "any")
        beds.assign(s, adm.clerk, adm.notice.id, adm.world.beds[0].id)
    tz = get_settings().tz
    late_on_the_day = datetime.combine(earliest, time(20, 0), tzinfo=tz)
    with DATABASE.session() as s:
        assert beds.expire_assignments(s, late_on_the_day) == 0
        assert s.get(AdmissionNotice, adm.notice.id).state == "bed_assigned"
        day_after = datetime.combine(earliest + timedelta(days=2), time(0, 0), tzinfo=tz)
        assert beds.expire_assignments(s, day_after) == 1


def test_without_an_earliest_date_the_hold_is_a_day():
    now = utcnow()
    notice = AdmissionNotice(earliest_date=None)
    assert beds.hold_until(notice, now) == now + beds.ASSIGNMENT_HOLD
    notice.earliest_date = local_today() - timedelta(days=3)  # a date already past
    assert beds.hold_until(notice, now) == now + beds.ASSIGNMENT_HOLD


# --- The kiosk promises a printed wristband only when it can print one ----------------------

TAKE = "请取走打印好的腕带"


def _admitted_at_kiosk(client, session, modules):  # type: ignore[no-untyped-def]
    ip = admitted(session)
    with DATABASE.session() as s:
        kiosk, key = kiosks_service.register(
            s, SYSTEM, code="K-W", name="腕带机", location="大厅", model="ZK", serial="W1", modules=modules
        )
        kiosk_id = kiosk.id
    kiosk_login(client, key, ip.adm.patient.resident_id)
    return ip, kiosk_id


def _report(kiosk_id: int, state: str) -> None:
    with DATABASE.session() as s:
        kiosk = kiosks_service.get(s, kiosk_id)
        report = telemetry.TelemetryIn(
            software_version="agent 1",
            modules=[telemetry.ModuleIn(kind="wristband_printer", state=state)],
        )
        telemetry.record(s, kiosk, report)


@pytest.mark.parametrize(
    ("modules", "state", "promised"),
    [
        (["wristband_printer"], "ok", True),
        (["wristband_printer"], "fault", False),
        (["wristband_printer"], "offline", False),
        (["receipt_printer"], None, False),
    ],
    ids=["printer ok", "printer fault", "printer offline", "no wristband printer"],
)
def test_the_wristband_page_says_take_it_only_when_it_can_print(client, session, modules, state, promised):
    ip, kiosk_id = _admitted_at_kiosk(client, session, modules)
    if state is not None:
        _report(kiosk_id, state)
    page = client.get(f"/kiosk/stays/{ip.notice_id}/wristband")
    assert page.status_code == 200
    if promised:
        # Said only once the agent reports the band printed (kiosk-agent.js unhides it).
        assert TAKE in page.text and "data-print-done hidden" in page.text
        assert 'data-print-kind="wristband"' in page.text
    else:
        assert TAKE not in page.text and 'data-testid="wristband-no-printer"' in page.text
        assert 'data-print-kind="wristband"' not in page.text


# --- A deposit below the department's minimum is warned about, then allowed ----------------


@pytest.mark.parametrize(
    ("before", "balance", "minimum_fen", "due"),
    [
        (True, 0, 200000, 200000),
        (True, 150000, 200000, 50000),
        (True, 250000, 200000, 0),
        (False, 0, 200000, 0),
        (True, 0, 0, 0),
    ],
    ids=["nothing paid", "part paid", "covered", "after admission", "no minimum"],
)
def test_what_is_due_before_admission(before, balance, minimum_fen, due):
    assert minimum.due_fen(before_admission=before, balance_fen=balance, minimum_fen=minimum_fen) == due


def _bed_assigned(session):  # type: ignore[no-untyped-def]
    adm = make_admission(session)
    with DATABASE.session() as s:
        stay.request_bed(s, adm.me, adm.notice.id, None, "any")
        beds.assign(s, adm.clerk, adm.notice.id, adm.world.beds[0].id)
    return adm


def _warning(html: str) -> tuple[str, bool] | None:
    """(the fen due, shown now) of the page's below-minimum warning, or None without one."""
    found = re.search(r'<p class="warning"[^>]*data-testid="deposit-below-minimum"[^>]*>', html)
    if found is None:
        return None
    tag = found.group(0)
    due = re.search(r'data-minimum-due-fen="(\d+)"', tag)
    return (due.group(1) if due else ""), " hidden" not in tag


def _pay_part(adm, fen: int) -> None:  # type: ignore[no-untyped-def]
    with DATABASE.session() as s:
        account = deposits.account_for_notice(s, adm.patient.id, adm.notice.id)
        deposits.post(s, account.id, "deposit", fen, SYSTEM)
        s.commit()


def test_phone_deposit_page_warns_below_the_minimum_and_still_takes_the_payment(client, session, sms):
    adm = _bed_assigned(session)
    minimum_fen = adm.world.department.suggested_deposit_fen
    token = phone_login(client, sms, adm.account.phone)
    url = f"/phone/deposit/{adm.notice.id}"
    page = client.get(url).text
    # The preset is the minimum: the warning waits for a smaller amount typed.
    assert _warning(page) == (str(minimum_fen), False)
    _pay_part(adm, 100000)
    page = client.get(url).text
    # A top-up preset (¥500) still leaves it short: warned at once.
    assert _warning(page) == (str(minimum_fen - 100000), True)
    # Warned, not blocked: a part payment starts its order.
    form = {"csrf_token": token, "request_key": "dep-below-0001", "custom": "1.00", "method": "wechat"}
    assert client.post(url, data=form, follow_redirects=False).status_code == 303


def test_kiosk_deposit_page_warns_below_the_minimum(client, session):
    adm = _bed_assigned(session)
    minimum_fen = adm.world.department.suggested_deposit_fen
    with DATABASE.session() as s:
        key = kiosks_service.register(
            s, SYSTEM, code="K-D", name="押金机", location="大厅", model="ZK", serial="D1", modules=[]
        )[1]
    kiosk_login(client, key, adm.patient.resident_id)
    page = client.get(f"/kiosk/deposit/{adm.notice.id}").text
    assert 'data-testid="deposit-minimum"' in page and _warning(page) == (str(minimum_fen), False)
    _pay_part(adm, minimum_fen)
    # Covered: nothing is due, the warning never shows.
    assert _warning(client.get(f"/kiosk/deposit/{adm.notice.id}").text) == ("0", False)


# --- Partial reversal of a charge line by quantity ---------------------------------------


def _his(scopes: list[str]) -> dict[str, str]:
    with DATABASE.session() as s:
        return {"Authorization": f"Bearer {integrations.register(s, SYSTEM, 'HIS-rev', scopes)[1]}"}


def _line(his_id: str, quantity: str, amount: int, reverses: str | None = None) -> dict[str, object]:
    return {
        "his_line_id": his_id,
        "code": "Y0001",
        "name": "头孢呋辛 0.75g",
        "category": "western_drug",
        "insurance_class": "B",
        "unit_price_fen": 333,
        "quantity": quantity,
        "amount_fen": amount,
        "service_date": (local_today() - timedelta(days=1)).isoformat(),
        "reverses_his_line_id": reverses,
    }


def _balance(ip) -> int:  # type: ignore[no-untyped-def]
    with DATABASE.session() as s:
        account = deposits.account_for_notice(s, ip.adm.patient.id, ip.notice_id)
        cached, derived = deposits.check(s, account.id)
        assert cached == derived
        return cached


def test_a_line_is_reversed_in_parts_by_quantity_to_the_fen(client, session):
    ip = admitted(session)
    with DATABASE.session() as s:
        inpatient_no = s.get(AdmissionNotice, ip.notice_id).inpatient_no
    url, auth = f"/api/v1/his/inpatients/{inpatient_no}/charges", _his(["charges"])
    start = _balance(ip)
    # 3 vials at ¥3.33: ¥9.99.
    assert client.post(url, json={"lines": [_line("L1", "3", 999)]}, headers=auth).status_code == 200
    assert _balance(ip) == start - 999
    # Half a vial back: 1.665 rounds to ¥1.67.
    r = client.post(url, json={"lines": [_line("L1-R1", "-0.5", -167, "L1")]}, headers=auth)
    assert r.status_code == 200, r.text
    assert _balance(ip) == start - 999 + 167
    # More than what remains is refused, and so is an amount that is not price × quantity.
    too_much = client.post(url, json={"lines": [_line("L1-R2", "-3", -999, "L1")]}, headers=auth)
    assert too_much.status_code == 422 and too_much.json()["code"] == "reversal_exceeds_line"
    wrong = client.post(url, json={"lines": [_line("L1-R2", "-1", -300, "L1")]}, headers=auth)
    assert wrong.status_code == 422 and wrong.json()["code"] == "amount_mismatch"
    # The rest (2.5 vials) takes back exactly the fen that remain: ¥8.32, not 2.5 × 3.33 = 8.325.
    rest = client.post(url, json={"lines": [_line("L1-R2", "-2.5", -832, "L1")]}, headers=auth)
    assert rest.status_code == 200, rest.text
    assert _balance(ip) == start
    again = client.post(url, json={"lines": [_line("L1-R3", "-0.5", -167, "L1")]}, headers=auth)
    assert again.status_code == 409 and again.json()["code"] == "already_reversed"
    with DATABASE.session() as s:
        lines = list(s.scalars(select(ChargeLine).where(ChargeLine.notice_id == ip.notice_id)))
        assert sum(line.amount_fen for line in lines) == 0
        corrections = list(s.scalars(select(LedgerEntry).where(LedgerEntry.kind == "charge_correction")))
        assert sorted(e.amount_fen for e in corrections) == [167, 832]


def test_a_whole_line_reversal_still_cancels_its_ledger_entry(client, session):
    ip = admitted(session)
    with DATABASE.session() as s:
        inpatient_no = s.get(AdmissionNotice, ip.notice_id).inpatient_no
    url, auth = f"/api/v1/his/inpatients/{inpatient_no}/charges", _his(["charges"])
    start = _balance(ip)
    client.post(url, json={"lines": [_line("L2", "2", 666)]}, headers=auth)
    both = [_line("L2-R1", "-1", -333, "L2"), _line("L2-R2", "-1", -333, "L2")]
    assert client.post(url, json={"lines": both}, headers=auth).status_code == 200  # two parts, one batch
    assert _balance(ip) == start
    client.post(url, json={"lines": [_line("L3", "2", 666)]}, headers=auth)
    assert (
        client.post(url, json={"lines": [_line("L3-R", "-2", -666, "L3")]}, headers=auth).status_code == 200
    )
    with DATABASE.session() as s:
        assert s.scalar(select(LedgerEntry).where(LedgerEntry.kind == "reversal")) is not None
    assert _balance(ip) == start
