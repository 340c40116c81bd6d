from datetime import date

from bedside.journeys.rules import NOTHING_TO_DO, NoticeView, Snapshot, next_step


def test_no_notice_means_nothing_to_do():
    assert next_step(Snapshot(patient_id=1)) == NOTHING_TO_DO


def test_issued_notice_asks_for_a_bed_request():
    snap = Snapshot(1, (NoticeView(7, "issued", "心血管内科", date(2026, 12, 1)),))
    step = next_step(snap)
    assert step.code == "request_bed"
    assert step.url == "/phone/notices/7"
    assert step.params == {"department": "心血管内科", "date": "2026-12-01"}


def test_cancelled_notice_is_ignored():
    snap = Snapshot(1, (NoticeView(7, "cancelled", "骨科", date(2026, 12, 1)),))
    assert next_step(snap) == NOTHING_TO_DO


def _view(state, **kw):
    return NoticeView(7, state, "心血管内科", date(2026, 12, 1), **kw)


def test_every_admission_state_has_its_next_step():
    expected = {
        "issued": "request_bed",
        "bed_requested": "wait_for_bed",
        "bed_assigned": "complete_admission",
        "admitted": "go_to_ward",
        "cancelled": "none",
    }
    for state, code in expected.items():
        assert next_step(Snapshot(1, (_view(state, ward="心内一病区", bed="501-1"),))).code == code, state
    assert next_step(Snapshot(1, (_view("registered"),))).code == "pay_deposit"
    assert next_step(Snapshot(1, (_view("registered", deposit_paid=True),))).code == "print_wristband"


def test_an_assigned_bed_comes_before_a_new_notice():
    snap = Snapshot(
        1, (_view("issued"), NoticeView(8, "bed_assigned", "骨科", date(2026, 12, 2), bed="1", ward="W"))
    )
    step = next_step(snap)
    assert (step.code, step.url) == ("complete_admission", "/phone/notices/8")


def test_discharge_steps():
    def step(discharge):
        return next_step(Snapshot(1, (_view("admitted", ward="W", bed="1", discharge=discharge),))).code

    assert [step(d) for d in (None, "ordered", "ward_cleared", "insurance_reviewed", "ready_to_settle")] == [
        "go_to_ward",
        "discharge_ordered",
        "discharge_ward_cleared",
        "discharge_insurance_reviewed",
        "settle_now",
    ]
    assert [step(d) for d in ("settled", "discharged", "revoked")] == ["documents", "documents", "go_to_ward"]


# --- Every reachable combination -------------------------------------------------------------

import itertools  # noqa: E402

from bedside.journeys.rules import ExamView, RecordCopyView, SurveyView  # noqa: E402

DISCHARGE_STATES = (
    None,
    "ordered",
    "ward_cleared",
    "insurance_reviewed",
    "ready_to_settle",
    "settled",
    "discharged",
    "revoked",
)
RECORD_STATES = (
    None,
    "awaiting_payment",
    "received",
    "copying",
    "ready_for_pickup",
    "picked_up",
    "mailed",
    "rejected",
    "cancelled",
)


def _stays():
    """(notice view, may have surveys / record copies) for every reachable stay state."""
    for state in ("issued", "bed_requested", "bed_assigned", "cancelled"):
        yield _view(state), False
    for paid in (False, True):
        yield _view("registered", deposit_paid=paid), False
    for discharge, low in itertools.product(DISCHARGE_STATES, (False, True)):
        done = discharge in ("settled", "discharged")
        yield _view("admitted", ward="心内一病区", bed="501-1", discharge=discharge, balance_low=low), done


def _expected(notice: NoticeView, surveys: set[str], record: str | None, exam: bool = False) -> str:
    """The priority written out as one decision list, independently of the rule table."""
    open_stay = notice.state == "admitted" and notice.discharge in (None, "revoked")
    if notice.discharge == "ready_to_settle":
        return "settle_now"
    if notice.state == "bed_assigned":
        return "complete_admission"
    if notice.state == "registered":
        return "print_wristband" if notice.deposit_paid else "pay_deposit"
    if open_stay and notice.balance_low:
        return "top_up"
    if exam:
        return "exam_soon"
    if record == "awaiting_payment":
        return "pay_record_copy"
    if notice.state == "issued":
        return "request_bed"
    if notice.state == "bed_requested":
        return "wait_for_bed"
    if notice.discharge in ("ordered", "ward_cleared", "insurance_reviewed"):
        return f"discharge_{notice.discharge}"
    if open_stay:
        return "go_to_ward"
    if "follow_up" in surveys:
        return "follow_up"
    if "satisfaction" in surveys:
        return "rate_stay"
    if record == "ready_for_pickup":
        return "record_copy_ready"
    if record in ("received", "copying"):
        return "record_copy_in_progress"
    if notice.discharge in ("settled", "discharged"):
        return "documents"
    return "none"


def test_every_reachable_combination():
    seen: set[str] = set()
    count = 0
    for notice, done in _stays():
        survey_sets = [set(), {"satisfaction"}, {"follow_up"}, {"satisfaction", "follow_up"}]
        if not done:
            survey_sets = [set()]
        # Copies can be asked for once the patient is admitted.
        records = RECORD_STATES if notice.state == "admitted" else (None,)
        # The HIS books exams for inpatients (an exam may still be due on the discharge day).
        exam_options = (False, True) if notice.state == "admitted" else (False,)
        for kinds, record, exam in itertools.product(survey_sets, records, exam_options):
            surveys = tuple(
                SurveyView(i, kind, f"/phone/surveys/{i}", department="心血管内科")
                for i, kind in enumerate(sorted(kinds), start=1)
            )
            copies = (RecordCopyView(3, record, "/phone/records/3"),) if record else ()
            exams = (
                (ExamView(4, "腹部超声", "门诊楼3楼超声科", "2026-12-02", "10:30", "请空腹"),) if exam else ()
            )
            snap = Snapshot(1, (notice,), surveys=surveys, record_copies=copies, exams=exams)
            step = next_step(snap)
            assert step.code == _expected(notice, kinds, record, exam), (notice, kinds, record, exam)
            # Every step reads as a sentence: title and reason take the parameters they are given.
            assert (step.reason % step.params) if step.params else step.reason
            assert (step.title % step.params) if step.params else step.title
            assert step.action is None or step.url, step.code
            if step.code in ("pay_record_copy", "record_copy_ready", "record_copy_in_progress"):
                assert step.url == "/phone/records/3"
            if step.code in ("rate_stay", "follow_up"):
                assert step.url and step.url.startswith("/phone/surveys/")
            seen.add(step.code)
            count += 1
    assert count == 510
    assert seen == {
        "request_bed",
        "wait_for_bed",
        "complete_admission",
        "pay_deposit",
        "print_wristband",
        "top_up",
        "go_to_ward",
        "discharge_ordered",
        "discharge_ward_cleared",
        "discharge_insurance_reviewed",
        "settle_now",
        "documents",
        "follow_up",
        "rate_stay",
        "pay_record_copy",
        "exam_soon",
        "record_copy_ready",
        "record_copy_in_progress",
        "none",
    }


def test_two_stays_the_urgent_one_wins():
    settled = NoticeView(5, "admitted", "骨科", date(2026, 10, 1), discharge="settled")
    new = NoticeView(9, "issued", "心血管内科", date(2026, 12, 1))
    survey = SurveyView(2, "satisfaction", "/phone/surveys/2")
    step = next_step(Snapshot(1, (settled, new), surveys=(survey,)))
    assert (step.code, step.url) == ("request_bed", "/phone/notices/9")
    step = next_step(Snapshot(1, (settled,), surveys=(survey,)))
    assert step.code == "rate_stay"


def test_the_soonest_exam_is_named_with_time_and_place():
    notice = _view("admitted", ward="W", bed="1")
    exams = (
        ExamView(1, "腹部超声", "门诊楼3楼超声科", "2026-12-02", "10:30", "请空腹"),
        ExamView(2, "胸部CT", "医技楼1楼", "2026-12-02", "15:00"),
    )
    step = next_step(Snapshot(1, (notice,), exams=exams))
    assert (step.code, step.url, step.kiosk_url) == (
        "exam_soon",
        "/phone/patients/1/reports",
        "/kiosk/reports",
    )
    assert step.title % step.params == "Exam on 2026-12-02 at 10:30: 腹部超声"
    assert "门诊楼3楼超声科" in step.reason % step.params
