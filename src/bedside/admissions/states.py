"""The admission stay's lifecycle, rooted at the admission notice (住院证): notice issued →
bed requested → bed assigned → registered → admitted, cancellable before admission; a bed
assignment the patient does not take up expires and the stay goes back to the queue."""

from __future__ import annotations

from enum import StrEnum

from bedside.core.states import Machine


class NoticeState(StrEnum):
    ISSUED = "issued"
    BED_REQUESTED = "bed_requested"
    BED_ASSIGNED = "bed_assigned"
    REGISTERED = "registered"
    ADMITTED = "admitted"
    CANCELLED = "cancelled"


# A patient has at most one stay in these states at a time.
OPEN_STATES = (
    NoticeState.ISSUED,
    NoticeState.BED_REQUESTED,
    NoticeState.BED_ASSIGNED,
    NoticeState.REGISTERED,
)


class AdmissionKind(StrEnum):
    ELECTIVE = "elective"
    EMERGENCY = "emergency"


class Priority(StrEnum):
    ROUTINE = "routine"
    URGENT = "urgent"


class InsuranceType(StrEnum):
    SELF_PAY = "self_pay"
    EMPLOYEE = "employee"
    RESIDENT = "resident"
    OUT_OF_REGION = "out_of_region"
    COMMERCIAL = "commercial"


NOTICE_TRANSITIONS: dict[tuple[NoticeState, str], NoticeState] = {
    (NoticeState.ISSUED, "request_bed"): NoticeState.BED_REQUESTED,
    # Emergencies skip the queue: the admission center assigns straight from the notice.
    (NoticeState.ISSUED, "assign_bed"): NoticeState.BED_ASSIGNED,
    (NoticeState.BED_REQUESTED, "assign_bed"): NoticeState.BED_ASSIGNED,
    (NoticeState.BED_ASSIGNED, "expire"): NoticeState.BED_REQUESTED,
    (NoticeState.BED_ASSIGNED, "release_bed"): NoticeState.BED_REQUESTED,
    (NoticeState.BED_ASSIGNED, "register"): NoticeState.REGISTERED,
    # Green channel: registered on the bed alone; details and deposit follow arrival.
    (NoticeState.BED_ASSIGNED, "register_green"): NoticeState.REGISTERED,
    (NoticeState.REGISTERED, "admit"): NoticeState.ADMITTED,
    (NoticeState.ISSUED, "cancel"): NoticeState.CANCELLED,
    (NoticeState.BED_REQUESTED, "cancel"): NoticeState.CANCELLED,
    (NoticeState.BED_ASSIGNED, "cancel"): NoticeState.CANCELLED,
    (NoticeState.REGISTERED, "cancel"): NoticeState.CANCELLED,
}

NOTICE_MACHINE: Machine[NoticeState] = Machine("admission", NOTICE_TRANSITIONS)
