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
