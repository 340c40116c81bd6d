"""The insurance review's lifecycles: the stay's review and each line's. Standard library only.

A line the officer returns to the ward waits for the ward's answer; while any does, the stay's
review is with the ward and cannot be approved."""

from __future__ import annotations

from enum import StrEnum

from bedside.core.states import Machine


class ReviewState(StrEnum):
    IN_REVIEW = "in_review"
    WITH_WARD = "with_ward"
    APPROVED = "approved"


class LineState(StrEnum):
    OPEN = "open"
    SELF_PAY = "self_pay"
    RETURNED = "returned"
    ANSWERED = "answered"
    ACCEPTED = "accepted"


R = ReviewState
REVIEW_TRANSITIONS: dict[tuple[ReviewState, str], ReviewState] = {
    (R.IN_REVIEW, "return_line"): R.WITH_WARD,
    (R.WITH_WARD, "return_line"): R.WITH_WARD,
    (R.WITH_WARD, "ward_answered"): R.IN_REVIEW,
    (R.IN_REVIEW, "approve"): R.APPROVED,
    # The discharge went back to the ward (or was revoked and ordered again): review afresh.
    (R.IN_REVIEW, "reopen"): R.IN_REVIEW,
    (R.WITH_WARD, "reopen"): R.IN_REVIEW,
    (R.APPROVED, "reopen"): R.IN_REVIEW,
}
REVIEW_MACHINE: Machine[ReviewState] = Machine("insurance_review", REVIEW_TRANSITIONS)

L = LineState
LINE_TRANSITIONS: dict[tuple[LineState, str], LineState] = {
    (L.OPEN, "mark_self_pay"): L.SELF_PAY,
    (L.OPEN, "return_to_ward"): L.RETURNED,
    (L.OPEN, "accept"): L.ACCEPTED,
    (L.RETURNED, "answer"): L.ANSWERED,
    (L.ANSWERED, "mark_self_pay"): L.SELF_PAY,
    (L.ANSWERED, "return_to_ward"): L.RETURNED,
    (L.ANSWERED, "accept"): L.ACCEPTED,
    (L.SELF_PAY, "reinstate"): L.OPEN,
    (L.ACCEPTED, "reinstate"): L.OPEN,
    # A fresh clearance answers for the whole stay: the officer looks at these lines again.
    (L.RETURNED, "reopen"): L.OPEN,
    (L.ANSWERED, "reopen"): L.OPEN,
}
LINE_MACHINE: Machine[LineState] = Machine("insurance_review_line", LINE_TRANSITIONS)
# What the officer does to a line, and what the ward does.
OFFICER_ACTIONS = ("mark_self_pay", "return_to_ward", "accept", "reinstate")
WARD_ACTIONS = ("answer",)
