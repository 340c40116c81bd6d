"""The insurance review's console pages through the real app (filters, words not codes, bad
acts answered 4xx with nothing changed) and the phone bill's figure after insurance."""

from __future__ import annotations

import re

from sqlalchemy import select

from bedside.charges import service as charges
from bedside.core.audit import SYSTEM
from bedside.core.clock import local_today
from bedside.discharge import service as discharge
from bedside.insurance import review
from bedside.insurance.review_models import ReviewLine
from bedside.kiosks import service as kiosks_service
from bedside.web.rendering import LANG_COOKIE
from tests.conftest import DATABASE
from tests.helpers import kiosk_login, phone_login, staff_login
from tests.integration.discharge.conftest import HIS, admitted, line

CATALOGUE = [
    {"code": "X1", "name": "床位费", "insurance_class": "A", "max_daily_milli": 1000},
    {"code": "X2", "name": "头孢曲松", "insurance_class": "B", "indication_keywords": ["肺炎"]},
]


def _cleared(session):  # type: ignore[no-untyped-def]
    ip = admitted(session)
    with DATABASE.session() as s:
        review.load_catalogue(s, CATALOGUE)
        s.commit()
        charges.post(
            s, HIS, ip.notice_id, [line("1", "A", 300000, "bed"), line("2", "B", 100000, name="头孢曲松")]
        )
        discharge.order(s, ip.doctor, ip.notice_id, local_today())
        discharge.clear_ward(s, ip.nurse, ip.notice_id, no_pending_orders=True, charges_posted=True)
    return ip


def _lines(html: str) -> list[str]:
    return re.findall(r'<tr data-line="([^"]+)"', html)


def _states(notice_id: int) -> list[str]:
    with DATABASE.session() as s:
        return sorted(s.scalars(select(ReviewLine.state)))


def test_filters_and_flags_in_words(client, session):  # type: ignore[no-untyped-def]
    ip = _cleared(session)
    staff_login(client, "yb.officer")
    url = f"/console/insurance-review/{ip.notice_id}"
    assert _lines(client.get(url).text) == ["1", "2"]
    page = client.get(url, params={"flag": "class_b_indication"}).text
    assert _lines(page) == ["2"]
    assert "乙类项目，诊断中无其限定适应症" in page
    assert _lines(client.get(url, params={"cls": "A"}).text) == ["1"]
    assert _lines(client.get(url, params={"category": "bed", "flag": "any"}).text) == []
    # A made-up filter value filters nothing rather than failing.
    r = client.get(url, params={"flag": "<script>", "cls": "Z", "state": "x" * 500})
    assert r.status_code == 200 and _lines(r.text) == ["1", "2"]
    client.cookies.set(LANG_COOKIE, "en")
    en = client.get(url, params={"flag": "any"}).text
    assert "Class-B item without its indication in the diagnosis" in en
    assert "乙类项目" not in en


def test_bad_acts_answer_4xx_and_change_nothing(client, session):  # type: ignore[no-untyped-def]
    ip = _cleared(session)
    token = staff_login(client, "yb.officer")
    with DATABASE.session() as s:
        line_id = s.scalar(select(ReviewLine.id).order_by(ReviewLine.id.desc()))
    url = f"/console/insurance-review/{ip.notice_id}/lines/{line_id}"
    for data, status in (
        ({"action": "bogus"}, 422),
        ({"action": "return_to_ward", "reason": ""}, 422),
        ({"action": "answer", "reason": "x"}, 403),
        ({"action": "reinstate"}, 409),
    ):
        r = client.post(url, data={"csrf_token": token, **data}, follow_redirects=False)
        assert r.status_code == status, (data, r.text[:300])
        assert 'role="alert"' in r.text
    assert _states(ip.notice_id) == ["open", "open"]
    r = client.post(
        f"/console/insurance-review/{ip.notice_id}/lines/999999",
        data={"csrf_token": token, "action": "accept"},
    )
    assert r.status_code == 404
    r = client.post(
        url,
        data={"csrf_token": token, "action": "return_to_ward", "reason": "请核实"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = client.post(
        f"/console/insurance-review/{ip.notice_id}/approve",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 409 and "review_lines_with_ward" in r.text
    with DATABASE.session() as s:
        assert discharge.get(s, ip.notice_id).state == "ward_cleared"


def test_the_phone_bill_shows_the_refund_after_insurance(client, session, sms):  # type: ignore[no-untyped-def]
    ip = _cleared(session)
    with DATABASE.session() as s:
        pre = discharge.pre_settle(s, ip.notice_id)
        s.commit()
    phone_login(client, sms, "13600000011")
    assert "/bill/estimate" in client.get(f"/phone/stays/{ip.notice_id}/bill").text
    page = client.get(f"/phone/stays/{ip.notice_id}/bill/estimate").text
    assert f'data-refund="{pre.refund_fen}"' in page
    # ¥5,000 deposit, ¥4,000 of charges: far more than ¥1,000 back once the insurance has paid.
    assert pre.refund_fen > 500000 - 400000


def test_the_kiosk_bill_shows_the_refund_after_insurance(client, session):  # type: ignore[no-untyped-def]
    ip = _cleared(session)
    _, key = kiosks_service.register(
        session,
        SYSTEM,
        code="K-REVIEW",
        name="自助机",
        location="住院大厅",
        model="ZK-43",
        serial="S-REVIEW",
        modules=["id_reader", "laser_printer"],
    )
    with DATABASE.session() as s:
        pre = discharge.pre_settle(s, ip.notice_id)
        s.commit()
    kiosk_login(client, key, ip.adm.patient.resident_id)
    assert "/bill/estimate" in client.get(f"/kiosk/stays/{ip.notice_id}/bill").text
    page = client.get(f"/kiosk/stays/{ip.notice_id}/bill/estimate").text
    assert f'data-refund="{pre.refund_fen}"' in page
