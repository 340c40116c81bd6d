"""Next-step rules: pure functions over a snapshot of the patient's states (no I/O).

Each journey is one table of (condition, step) rows checked in order; the journey issue adds
rows as bed requests, deposits, discharge and surveys arrive."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from bedside.core.i18n import N_


@dataclass(frozen=True)
class NoticeView:
    id: int
    state: str
    department: str
    expected_date: date


@dataclass(frozen=True)
class Snapshot:
    patient_id: int
    notices: tuple[NoticeView, ...] = field(default_factory=tuple)

    def open_notice(self) -> NoticeView | None:
        return next((n for n in self.notices if n.state == "issued"), None)


@dataclass(frozen=True)
class NextStep:
    code: str
    title: str  # message id
    reason: str  # message id
    action: str | None  # message id of the button, None when nothing to do
    url: str | None
    params: dict[str, str] = field(default_factory=dict)


def _request_bed(s: Snapshot) -> NextStep | None:
    notice = s.open_notice()
    if notice is None:
        return None
    return NextStep(
        code="request_bed",
        title=N_("Next step: request a bed"),
        reason=N_("An admission notice for %(department)s was issued, expected on %(date)s."),
        action=N_("Request a bed"),
        url=f"/phone/notices/{notice.id}",
        params={"department": notice.department, "date": notice.expected_date.isoformat()},
    )


ADMISSION_JOURNEY: tuple[Callable[[Snapshot], NextStep | None], ...] = (_request_bed,)

NOTHING_TO_DO = NextStep(
    code="none",
    title=N_("Nothing to do right now"),
    reason=N_("When your doctor issues an admission notice, the next step will appear here."),
    action=None,
    url=None,
)


def next_step(snapshot: Snapshot) -> NextStep:
    for rule in ADMISSION_JOURNEY:
        step = rule(snapshot)
        if step is not None:
            return step
    return NOTHING_TO_DO
