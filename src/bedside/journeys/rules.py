"""Next-step rules: pure functions over a snapshot of the patient's states (no I/O).

One ordered table of rules: each looks at the snapshot and either names the step or passes.
The first that names one wins, so the order is the priority (money and deadlines first)."""

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
    balance_low: bool = False  # the deposit balance is under the ward's threshold


@dataclass(frozen=True)
class SurveyView:
    """An open questionnaire: the satisfaction survey after discharge or a due follow-up."""

    id: int
    kind: str  # satisfaction | follow_up
    url: str
    department: str = ""


@dataclass(frozen=True)
class ExamView:
    """An exam booked by the HIS for today or tomorrow, times already in hospital time."""

    id: int
    title: str
    place: str
    date: str
    time: str
    preparation: str = ""


@dataclass(frozen=True)
class RecordCopyView:
    id: int
    state: str
    url: str


# Record copy states as the records domain names them, grouped by what the patient must do.
RECORD_COPY_TO_PAY = frozenset({"awaiting_payment"})
RECORD_COPY_READY = frozenset({"ready_for_pickup"})
RECORD_COPY_IN_PROGRESS = frozenset({"received", "copying"})


@dataclass(frozen=True)
class Snapshot:
    patient_id: int
    notices: tuple[NoticeView, ...] = field(default_factory=tuple)
    surveys: tuple[SurveyView, ...] = field(default_factory=tuple)
    record_copies: tuple[RecordCopyView, ...] = field(default_factory=tuple)
    exams: tuple[ExamView, ...] = field(default_factory=tuple)  # soonest first

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
    kiosk_url: str | None = None  # the same step at a kiosk, where a kiosk can do it
    kiosk_action: str | None = None  # the kiosk's button, when it differs from the phone's


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
        # The kiosk asks for the bed with the details, in one form filled from the ID card.
        kiosk_url=f"/kiosk/stays/{notice.id}",
        kiosk_action=N_("Start the admission"),
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
        kiosk_url=f"/kiosk/stays/{notice.id}",
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
        kiosk_url=f"/kiosk/deposit/{notice.id}",
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
        kiosk_url=f"/kiosk/stays/{notice.id}",
        kiosk_action=N_("Print the wristband"),
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
        kiosk_url=f"/kiosk/stays/{notice.id}",
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
        kiosk_url=f"/kiosk/stays/{notice.id}/settle",
    )


# One card per discharge stage before settlement: what has happened and who acts next.
_DISCHARGE_STAGES: dict[str, tuple[str, str, str]] = {
    "ordered": (
        "discharge_ordered",
        N_("Discharge ordered"),
        N_("The doctor ordered your discharge. The ward is checking the last orders and charges."),
    ),
    "ward_cleared": (
        "discharge_ward_cleared",
        N_("Discharge: the ward has cleared you"),
        N_("The ward has checked your orders and charges. The bill is being reviewed for insurance."),
    ),
    "insurance_reviewed": (
        "discharge_insurance_reviewed",
        N_("Discharge: the insurance review is done"),
        N_("The insurance office has reviewed your bill. Settlement opens in a moment."),
    ),
}


def _discharge_in_progress(s: Snapshot) -> NextStep | None:
    notice = next((n for n in s.notices if n.discharge in _DISCHARGE_STAGES), None)
    if notice is None or notice.discharge is None:
        return None
    code, title, reason = _DISCHARGE_STAGES[notice.discharge]
    return NextStep(
        code=code,
        title=title,
        reason=reason,
        action=N_("Discharge status"),
        url=f"/phone/stays/{notice.id}/discharge",
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
        kiosk_url=f"/kiosk/stays/{notice.id}/settled",
    )


def _top_up(s: Snapshot) -> NextStep | None:
    in_stay = (n for n in s.notices if n.state == "admitted" and n.discharge in (None, "revoked"))
    notice = next((n for n in in_stay if n.balance_low), None)
    if notice is None:
        return None
    return NextStep(
        code="top_up",
        title=N_("Deposit balance is low: please top up"),
        reason=N_(
            "The deposit for your stay in %(ward)s is under the ward's minimum. "
            "Top up so treatment is not held up."
        ),
        action=N_("Top up"),
        url=f"/phone/deposit/{notice.id}",
        params={"ward": notice.ward},
        kiosk_url=f"/kiosk/deposit/{notice.id}",
    )


def _exam_soon(s: Snapshot) -> NextStep | None:
    if not s.exams:
        return None
    exam = s.exams[0]
    return NextStep(
        code="exam_soon",
        title=N_("Exam on %(date)s at %(time)s: %(title)s"),
        reason=N_("Please go to %(place)s on time. %(preparation)s"),
        action=N_("Details"),
        url=f"/phone/patients/{s.patient_id}/reports",
        params={
            "date": exam.date,
            "time": exam.time,
            "title": exam.title,
            "place": exam.place,
            "preparation": exam.preparation,
        },
        kiosk_url="/kiosk/reports",
    )


def _record_copy(states: frozenset[str], s: Snapshot) -> RecordCopyView | None:
    return next((r for r in s.record_copies if r.state in states), None)


def _pay_record_copy(s: Snapshot) -> NextStep | None:
    request = _record_copy(RECORD_COPY_TO_PAY, s)
    if request is None:
        return None
    return NextStep(
        code="pay_record_copy",
        title=N_("Pay for your medical record copy"),
        reason=N_("Your request is saved. The record office starts copying once the fee is paid."),
        action=N_("Pay the fee"),
        url=request.url,
        kiosk_url=f"/kiosk/records/{request.id}",
    )


def _record_copy_ready(s: Snapshot) -> NextStep | None:
    request = _record_copy(RECORD_COPY_READY, s)
    if request is None:
        return None
    return NextStep(
        code="record_copy_ready",
        title=N_("Your medical record copies are ready"),
        reason=N_("Pick them up at the medical record office with your ID card."),
        action=N_("Details"),
        url=request.url,
        kiosk_url=f"/kiosk/records/{request.id}",
    )


def _record_copy_in_progress(s: Snapshot) -> NextStep | None:
    request = _record_copy(RECORD_COPY_IN_PROGRESS, s)
    if request is None:
        return None
    return NextStep(
        code="record_copy_in_progress",
        title=N_("Medical record copy in progress"),
        reason=N_(
            "The record office is working on your request. We will tell you when it is ready or mailed."
        ),
        action=N_("Details"),
        url=request.url,
        kiosk_url=f"/kiosk/records/{request.id}",
    )


def _follow_up(s: Snapshot) -> NextStep | None:
    survey = next((v for v in s.surveys if v.kind == "follow_up"), None)
    if survey is None:
        return None
    return NextStep(
        code="follow_up",
        title=N_("How are you feeling?"),
        reason=N_("Your care team in %(department)s asks a few questions about your recovery."),
        action=N_("Answer"),
        url=survey.url,
        params={"department": survey.department},
    )


def _rate_stay(s: Snapshot) -> NextStep | None:
    survey = next((v for v in s.surveys if v.kind == "satisfaction"), None)
    if survey is None:
        return None
    return NextStep(
        code="rate_stay",
        title=N_("Please rate your stay"),
        reason=N_("Two minutes of your time helps us care better for the next patient."),
        action=N_("Rate your stay"),
        url=survey.url,
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
# Money and time-bound steps come first; information-only steps last.
JOURNEY: tuple[Callable[[Snapshot], NextStep | None], ...] = (
    _settle_now,
    _complete_admission,
    _pay_deposit,
    _print_wristband,
    _top_up,
    _exam_soon,
    _pay_record_copy,
    _request_bed,
    _wait_for_bed,
    _discharge_in_progress,
    _go_to_ward,
    _follow_up,
    _rate_stay,
    _record_copy_ready,
    _record_copy_in_progress,
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
    for rule in JOURNEY:
        step = rule(snapshot)
        if step is not None:
            return step
    return NOTHING_TO_DO
