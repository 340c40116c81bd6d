"""An exam appointment's lifecycle as the HIS tells it: scheduled (and rescheduled any number
of times), then cancelled or done. Nothing comes back from cancelled or done: the HIS books
a new appointment under a new reference."""

from __future__ import annotations

from enum import StrEnum

from bedside.core.states import Machine


class ExamState(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    DONE = "done"


S = ExamState
EXAM_TRANSITIONS: dict[tuple[ExamState, str], ExamState] = {
    (S.SCHEDULED, "change"): S.SCHEDULED,
    (S.SCHEDULED, "cancel"): S.CANCELLED,
    (S.SCHEDULED, "finish"): S.DONE,
}
EXAM_MACHINE: Machine[ExamState] = Machine("exam_appointment", EXAM_TRANSITIONS)
