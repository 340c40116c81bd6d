"""Admission notice lifecycle. The admission issue extends it through bed and registration."""

from __future__ import annotations

from enum import StrEnum

from bedside.core.states import Machine


class NoticeState(StrEnum):
    ISSUED = "issued"
    CANCELLED = "cancelled"


class AdmissionKind(StrEnum):
    ELECTIVE = "elective"
    EMERGENCY = "emergency"


class Priority(StrEnum):
    ROUTINE = "routine"
    URGENT = "urgent"


NOTICE_TRANSITIONS: dict[tuple[NoticeState, str], NoticeState] = {
    (NoticeState.ISSUED, "cancel"): NoticeState.CANCELLED,
}

NOTICE_MACHINE: Machine[NoticeState] = Machine("admission_notice", NOTICE_TRANSITIONS)
