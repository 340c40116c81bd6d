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
        "discharge_in_progress",
        "discharge_in_progress",
        "discharge_in_progress",
        "settle_now",
    ]
    assert [step(d) for d in ("settled", "discharged", "revoked")] == ["documents", "documents", "go_to_ward"]
