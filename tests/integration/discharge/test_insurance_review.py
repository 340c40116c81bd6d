"""The insurance review line by line, through the discharge machine and the platform peer:
rules flag lines, the officer returns one to the ward, the ward answers, the officer marks it
self-pay and approves; the platform then settles it as class C."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bedside.admissions.models import AdmissionNotice
from bedside.charges import service as charges
from bedside.charges.models import ChargeLine
from bedside.core.audit import AuditEvent
from bedside.core.clock import local_today
from bedside.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from bedside.discharge import estimate
from bedside.discharge import service as discharge
from bedside.insurance import review
from bedside.insurance.review_models import ReviewLine
from tests.conftest import DATABASE
from tests.integration.discharge.conftest import HIS, admitted, line, signature

CATALOGUE = [
    {"code": "X1", "name": "床位费", "insurance_class": "A", "max_daily_milli": 1000},
    {
        "code": "X2",
        "name": "头孢曲松",
        "insurance_class": "B",
        "max_daily_milli": 2000,
        "indication_keywords": ["肺炎"],
    },
    {"code": "X3", "name": "血常规", "insurance_class": "A", "max_daily_milli": 1000},
]


def _cleared(session, lines):  # type: ignore[no-untyped-def]
    ip = admitted(session)
    with DATABASE.session() as s:
        review.load_catalogue(s, CATALOGUE)
        s.commit()
        charges.post(s, HIS, ip.notice_id, lines)
        discharge.order(s, ip.doctor, ip.notice_id, local_today())
        discharge.clear_ward(s, ip.nurse, ip.notice_id, no_pending_orders=True, charges_posted=True)
    return ip


def _line(s, ip, his_line_id: str) -> ReviewLine:  # type: ignore[no-untyped-def]
    return s.scalar(
        select(ReviewLine)
        .join(ChargeLine, ChargeLine.id == ReviewLine.charge_line_id)
        .where(ChargeLine.notice_id == ip.notice_id, ChargeLine.his_line_id == his_line_id)
    )


def _notice(s, ip) -> AdmissionNotice:  # type: ignore[no-untyped-def]
    return s.get(AdmissionNotice, ip.notice_id)


STAY = [line("1", "A", 300000, "bed"), line("2", "B", 100000, "western_drug"), line("3", "A", 20000, "lab")]


def test_returned_line_answered_then_self_pay_then_approved_and_settled_as_class_c(session, platform):
    ip = _cleared(session, STAY)
    with DATABASE.session() as s:
        assert discharge.get(s, ip.notice_id).state == "ward_cleared"
        flagged = _line(s, ip, "2")
        assert flagged.flags == ["class_b_indication"]  # the diagnosis does not name 肺炎
        assert _line(s, ip, "1").flags == []
        review.act(s, ip.officer, _notice(s, ip), flagged.id, "return_to_ward", "请补充适应症")
        s.commit()
        assert review.get(s, ip.notice_id).state == "with_ward"
        with pytest.raises(Conflict) as refused:
            discharge.review(s, ip.officer, ip.notice_id, "approve")
        assert refused.value.code == "review_lines_with_ward"
        s.rollback()
        assert discharge.get(s, ip.notice_id).state == "ward_cleared"

        review.act(s, ip.nurse, _notice(s, ip), flagged.id, "answer", "无肺炎指征，同意自费")
        s.commit()
        assert review.get(s, ip.notice_id).state == "in_review"
        review.act(s, ip.officer, _notice(s, ip), flagged.id, "mark_self_pay", "无适应症")
        s.commit()
        assert (
            s.scalar(select(ChargeLine.insurance_class).where(ChargeLine.id == flagged.charge_line_id)) == "C"
        )
        discharge.review(s, ip.officer, ip.notice_id, "approve")
        assert discharge.get(s, ip.notice_id).state == "ready_to_settle"
        assert review.get(s, ip.notice_id).state == "approved"
        pre = discharge.pre_settle(s, ip.notice_id)
        s.commit()
        assert pre.split["class_c_fen"] == 100000 and pre.split["class_b_fen"] == 0
        actions = set(
            s.scalars(select(AuditEvent.action).where(AuditEvent.entity_type.like("insurance_review%")))
        )
        assert {"insurance_review_line.return_to_ward", "insurance_review_line.answer"} <= actions
        assert {
            "insurance_review.return_line",
            "insurance_review.ward_answered",
            "insurance_review.approve",
        } <= actions
        row = discharge.settle(s, ip.adm.me, ip.notice_id, signature(), "review-settle-0001")
        assert row.split["class_c_fen"] == 100000
    record = platform.peer.books.store.get_settlement(row.setl_id)
    classes = {d.feedetl_sn: d.insurance_class for d in record.details}
    assert classes[str(flagged.charge_line_id)] == "C"


def test_reinstate_gives_the_line_its_class_back(session):
    ip = _cleared(session, STAY)
    with DATABASE.session() as s:
        flagged = _line(s, ip, "2")
        review.act(s, ip.officer, _notice(s, ip), flagged.id, "mark_self_pay", "无适应症")
        review.act(s, ip.officer, _notice(s, ip), flagged.id, "reinstate")
        s.commit()
        assert (
            s.scalar(select(ChargeLine.insurance_class).where(ChargeLine.id == flagged.charge_line_id)) == "B"
        )
        assert _line(s, ip, "2").state == "open"


@pytest.mark.parametrize(
    ("who", "action", "text", "error", "code"),
    [
        ("officer", "bogus", "x", InvalidInput, "invalid_action"),
        ("officer", "return_to_ward", "  ", InvalidInput, "reason_required"),
        ("officer", "mark_self_pay", "", InvalidInput, "reason_required"),
        ("nurse", "answer", "", InvalidInput, "reason_required"),
        ("nurse", "mark_self_pay", "x", Forbidden, "insurance_officer_only"),
        ("officer", "answer", "x", Forbidden, "ward_only"),
        ("nurse", "answer", "not returned", Conflict, "review_invalid_transition"),
    ],
    ids=[
        "unknown",
        "blank_reason",
        "self_pay_no_reason",
        "blank_answer",
        "nurse_marks",
        "officer_answers",
        "answer_open",
    ],
)
def test_bad_acts_are_refused_and_change_nothing(session, who, action, text, error, code):  # type: ignore[no-untyped-def]
    ip = _cleared(session, STAY)
    actor = ip.officer if who == "officer" else ip.nurse
    with DATABASE.session() as s:
        flagged = _line(s, ip, "2")
        with pytest.raises(error) as exc:
            review.act(s, actor, _notice(s, ip), flagged.id, action, text)
        assert exc.value.code == code
        s.rollback()
        assert _line(s, ip, "2").state == "open"


def test_a_line_of_another_stay_or_a_closed_review_is_refused(session):
    ip = _cleared(session, STAY)
    with DATABASE.session() as s:
        with pytest.raises(NotFound):
            review.act(s, ip.officer, _notice(s, ip), 10**9, "accept")
        s.rollback()
        discharge.review(s, ip.officer, ip.notice_id, "approve")
        with pytest.raises(Conflict) as exc:
            review.act(s, ip.officer, _notice(s, ip), _line(s, ip, "1").id, "accept")
        assert exc.value.code == "review_not_open"


@pytest.mark.parametrize(
    ("lines", "state", "flags"),
    [
        ([line("1", "A", 100000, "bed"), line("3", "A", 2000, "lab")], "ready_to_settle", []),
        ([line("1", "A", 100000, "bed"), line("2", "B", 5000)], "ward_cleared", ["class_b_indication"]),
        ([line("1", "A", 100000, "bed"), line("7", "A", 5000)], "ward_cleared", ["outside_catalogue"]),
    ],
    ids=["clean", "class_b", "outside_catalogue"],
)
def test_auto_approve_only_when_no_rule_fires(session, monkeypatch, lines, state, flags):  # type: ignore[no-untyped-def]
    from bedside.settings import get_settings

    monkeypatch.setattr(get_settings(), "insurance_auto_approve", True)
    ip = _cleared(session, lines)
    with DATABASE.session() as s:
        assert discharge.get(s, ip.notice_id).state == state
        assert review.get(s, ip.notice_id).state == ("approved" if not flags else "in_review")
        assert discharge.auto_review_ok(s, ip.notice_id) == flags


def test_returning_the_whole_stay_reopens_the_review_on_the_next_clearance(session):
    ip = _cleared(session, STAY)
    with DATABASE.session() as s:
        review.act(s, ip.officer, _notice(s, ip), _line(s, ip, "2").id, "return_to_ward", "请核对")
        s.commit()
        discharge.review(s, ip.officer, ip.notice_id, "return_to_ward", "recheck")
        discharge.clear_ward(s, ip.nurse, ip.notice_id, no_pending_orders=True, charges_posted=True)
        assert review.get(s, ip.notice_id).state == "in_review"
        assert _line(s, ip, "2").state == "open"


def test_the_bill_estimate_is_after_insurance(session):
    ip = _cleared(session, STAY)
    with DATABASE.session() as s:
        notice = _notice(s, ip)
        est = estimate.after_insurance(s, notice)
        s.commit()
        assert est is not None and not est.settled
        assert est.charges_fen == 420000
        assert est.insurance_fen > 0
        assert est.patient_fen == est.charges_fen - est.insurance_fen
        # Deposit ¥5,000 minus only the patient's share, not minus all the charges.
        assert est.refund_fen == 500000 - est.patient_fen and est.due_fen == 0


def test_the_bill_estimate_names_what_is_due_when_the_deposit_is_short(session):
    ip = _cleared(session, [line("1", "A", 2_000_000, "bed"), line("4", "C", 700000, "material")])
    with DATABASE.session() as s:
        est = estimate.after_insurance(s, _notice(s, ip))
        s.commit()
        assert est is not None
        assert est.due_fen == est.patient_fen - 500000 > 0 and est.refund_fen == 0
