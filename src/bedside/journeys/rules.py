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
    ready_to_register: bool = False  # details, insurance and health questions done
    deposit_paid: bool = False  # the first deposit covers the department's minimum
    ward: str = ""
    bed: str = ""
    discharge: str | None = None  # the discharge's state, once ordered


@dataclass(frozen=True)
class Snapshot:
    patient_id: int
    notices: tuple[NoticeView, ...] = field(default_factory=tuple)

    def open_notice(self) -> NoticeView | None:
        return self.in_state("issued")

    def in_state(self, *states: str) -> NoticeView | None:
        return next((n for n in self.notices if n.state in states), None)


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


def _complete_admission(s: Snapshot) -> NextStep | None:
    notice = s.in_state("bed_assigned")
    if notice is None:
        return None
    return NextStep(
        code="complete_admission",
        title=N_("Your bed is ready: complete admission"),
        reason=N_(
            "Bed %(bed)s in %(ward)s is reserved for you. Fill in the admission details and health questions."
        ),
        action=N_("Complete admission"),
        url=f"/phone/notices/{notice.id}",
        params={"bed": notice.bed, "ward": notice.ward},
    )


def _pay_deposit(s: Snapshot) -> NextStep | None:
    notice = s.in_state("registered")
    if notice is None or notice.deposit_paid:
        return None
    return NextStep(
        code="pay_deposit",
        title=N_("Next step: pay the deposit"),
        reason=N_("Your admission is registered. Pay the first deposit, then print the wristband."),
        action=N_("Pay the deposit"),
        url=f"/phone/deposit/{notice.id}",
    )


def _print_wristband(s: Snapshot) -> NextStep | None:
    notice = s.in_state("registered")
    if notice is None:
        return None
    return NextStep(
        code="print_wristband",
        title=N_("Next step: print your wristband"),
        reason=N_(
            "Deposit paid. At any kiosk or the ward nurse station, sign in with your resident ID card "
            "and print the wristband."
        ),
        action=None,
        url=f"/phone/notices/{notice.id}",
    )


def _wait_for_bed(s: Snapshot) -> NextStep | None:
    notice = s.in_state("bed_requested")
    if notice is None:
        return None
    return NextStep(
        code="wait_for_bed",
        title=N_("Waiting for a bed"),
        reason=N_(
            "We will tell you as soon as a bed is ready. Meanwhile you can fill in the admission details."
        ),
        action=N_("Admission details"),
        url=f"/phone/notices/{notice.id}",
    )


def _settle_now(s: Snapshot) -> NextStep | None:
    notice = next((n for n in s.notices if n.discharge == "ready_to_settle"), None)
    if notice is None:
        return None
    return NextStep(
        code="settle_now",
        title=N_("You can settle now"),
        reason=N_("The bill is ready and reviewed. Settle, get the refund and the documents in a few taps."),
        action=N_("Settle"),
        url=f"/phone/stays/{notice.id}/settle",
    )


def _discharge_in_progress(s: Snapshot) -> NextStep | None:
    notice = next(
        (n for n in s.notices if n.discharge in ("ordered", "ward_cleared", "insurance_reviewed")), None
    )
    if notice is None:
        return None
    return NextStep(
        code="discharge_in_progress",
        title=N_("Discharge ordered"),
        reason=N_(
            "The ward and the insurance office are preparing the bill. We will tell you when you can settle."
        ),
        action=N_("See the bill"),
        url=f"/phone/stays/{notice.id}/bill",
    )


def _documents(s: Snapshot) -> NextStep | None:
    notice = next((n for n in s.notices if n.discharge in ("settled", "discharged")), None)
    if notice is None:
        return None
    return NextStep(
        code="documents",
        title=N_("Discharge settled"),
        reason=N_("Your e-invoice, fee list and insurance settlement list are ready to download."),
        action=N_("Documents"),
        url=f"/phone/stays/{notice.id}/settled",
    )


def _go_to_ward(s: Snapshot) -> NextStep | None:
    notice = next((n for n in s.notices if n.state == "admitted" and n.discharge in (None, "revoked")), None)
    if notice is None:
        return None
    return NextStep(
        code="go_to_ward",
        title=N_("Admitted: please go to the ward"),
        reason=N_("Bed %(bed)s in %(ward)s is waiting for you."),
        action=None,
        url=f"/phone/notices/{notice.id}",
        params={"bed": notice.bed, "ward": notice.ward},
    )


# Checked in order: the first rule that applies is the next step.
ADMISSION_JOURNEY: tuple[Callable[[Snapshot], NextStep | None], ...] = (
    _settle_now,
    _complete_admission,
    _pay_deposit,
    _print_wristband,
    _request_bed,
    _wait_for_bed,
    _discharge_in_progress,
    _go_to_ward,
    _documents,
)

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
