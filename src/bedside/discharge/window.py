"""The staffed discharge window: which stays self-service cannot settle and why (out-of-region
or special-disease insurance, arrears beyond what self-service takes, a disputed charge,
charges still arriving, the insurance office's say), and its work queue. A window clerk
settles such a stay for the patient through the same settlement (discharge.settlement)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from bedside.admissions import service as notices
from bedside.admissions.models import AdmissionNotice
from bedside.core import audit
from bedside.core.audit import Actor
from bedside.core.db import utcnow
from bedside.core.errors import Conflict, InvalidInput
from bedside.core.i18n import N_
from bedside.deposits import service as deposits_service
from bedside.discharge import clearance
from bedside.discharge.lifecycle import get, who
from bedside.discharge.models import Discharge, WindowCase
from bedside.discharge.states import DischargeState
from bedside.settings import get_settings

S = DischargeState
SETTLEMENT_WINDOW = N_("Discharge settlement window")
# The reasons a stay goes to the window, by code (the insurance officer may send any of them).
REASONS = {
    "special_disease": N_(
        "Special-disease stays are settled under that disease's insurance rules, in person."
    ),
    "arrears": N_("More is owed than self-service can take; the settlement window arranges the payment."),
    "dispute": N_("You questioned a charge: the settlement window goes through it with you."),
    "pending_charges": N_(
        "Charges are still arriving for this stay; it is settled in person once they are in."
    ),
}
OFFICE = N_("The insurance office asked for this stay to be settled in person.")
# The queue shows stays from the ward's clearance on: the window can prepare before it opens.
QUEUED = (S.WARD_CLEARED, S.INSURANCE_REVIEWED, S.READY_TO_SETTLE)


@dataclass(frozen=True)
class Window:
    code: str
    reason: str  # message id
    window: str  # message id


def special_disease(notice: AdmissionNotice) -> bool:
    names = [n.strip() for n in get_settings().discharge_special_diseases.split(",") if n.strip()]
    return any(n in notice.diagnosis for n in names)


def _owed_fen(session: Session, notice: AdmissionNotice, owed_fen: int | None) -> int:
    if owed_fen is not None:
        return owed_fen
    # Before the insurance split: what the charges exceed the deposit by (at least what is due).
    return max(-deposits_service.account_for_notice(session, notice.patient_id, notice.id).balance_fen, 0)


def _charges_arriving(session: Session, notice: AdmissionNotice) -> bool:
    """Where the HIS is the record of orders, its own report says whether orders are pending
    or charges still open (a nurse may have cleared the ward over it, with a reason)."""
    if not clearance.his_guards():
        return False
    status = clearance.his_status(session, notice.id)
    return status is not None and (bool(status.pending_orders) or not status.charges_closed)


def reasons(
    session: Session, notice: AdmissionNotice, d: Discharge, owed_fen: int | None = None
) -> list[Window]:
    """Why this stay is settled at a staffed window (nothing: self-service may settle it).
    `owed_fen` is the supplementary payment due when the caller has the pre-settlement."""
    found = []
    if notice.insurance_type == "out_of_region":
        found.append(
            Window(
                "out_of_region",
                N_("Out-of-region insurance is settled at the insurance window."),
                N_("Insurance window, discharge hall"),
            )
        )
    if d.window_reason:
        found.append(Window(d.window_reason, REASONS.get(d.window_reason, OFFICE), SETTLEMENT_WINDOW))
    codes = {w.code for w in found}
    if "special_disease" not in codes and special_disease(notice):
        found.append(Window("special_disease", REASONS["special_disease"], SETTLEMENT_WINDOW))
    if _owed_fen(session, notice, owed_fen) > get_settings().self_service_max_due_fen:
        found.append(Window("arrears", REASONS["arrears"], SETTLEMENT_WINDOW))
    if session.scalar(
        select(exists().where(WindowCase.notice_id == notice.id, WindowCase.closed_at.is_(None)))
    ):
        found.append(Window("dispute", REASONS["dispute"], SETTLEMENT_WINDOW))
    if _charges_arriving(session, notice):
        found.append(Window("pending_charges", REASONS["pending_charges"], SETTLEMENT_WINDOW))
    return found


@dataclass(frozen=True)
class QueueRow:
    notice: AdmissionNotice
    discharge: Discharge
    reasons: list[Window]


def queue(session: Session, limit: int = 200) -> list[QueueRow]:
    """The window's work: stays being discharged that self-service cannot settle."""
    rows = session.execute(
        select(Discharge, AdmissionNotice)
        .join(AdmissionNotice, AdmissionNotice.id == Discharge.notice_id)
        .where(Discharge.state.in_([s.value for s in QUEUED]))
        .order_by(Discharge.planned_date, Discharge.id)
        .limit(limit)
    ).all()
    out = []
    for d, notice in rows:
        found = reasons(session, notice, d)
        if found:
            out.append(QueueRow(notice, d, found))
    return out


def open_cases(session: Session, notice_id: int) -> list[WindowCase]:
    return list(
        session.scalars(
            select(WindowCase)
            .where(WindowCase.notice_id == notice_id, WindowCase.closed_at.is_(None))
            .order_by(WindowCase.id)
        )
    )


def dispute(session: Session, actor: Actor, notice_id: int, note: str) -> WindowCase:
    """The patient questions the bill: the stay goes to the window with what they wrote."""
    text = (note or "").strip()
    if not 2 <= len(text) <= 500:
        raise InvalidInput(
            N_("Say in a few words which charge you question (up to 500 characters)."),
            code="dispute_note_required",
            field="note",
        )
    d = get(session, notice_id, lock=True)
    if d.state not in [s.value for s in QUEUED]:
        raise Conflict(N_("This stay is not ready to settle."), code="not_ready_to_settle")
    notice = notices.get(session, notice_id)
    case = next(iter(open_cases(session, notice_id)), None)
    if case is None:
        case = WindowCase(notice_id=notice_id, code="dispute", note=text, opened_by=who(actor))
        session.add(case)
        session.flush()
    else:  # one open dispute per stay: a second question is added to it
        case.note = f"{case.note}\n{text}"[-500:]
    audit.record(session, actor, "discharge.dispute", "discharge", d.id, patient_id=notice.patient_id)
    session.commit()
    return case


def close_cases(session: Session, actor: Actor, notice_id: int) -> None:
    """The clerk settled it: what the patient questioned was dealt with (in the caller's
    transaction)."""
    for case in open_cases(session, notice_id):
        case.closed_at, case.closed_by = utcnow(), who(actor)
