"""The discharge of a stay: the doctor's order, the ward's clearance, the insurance review,
leaving the ward. Settlement (one act with the supplementary payment, the cashier's reversal)
is discharge.settlement; which stays the staffed window settles is discharge.window. Their
entry points are re-exported here, where callers have always found them."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from bedside.admissions import service as notices
from bedside.admissions.models import AdmissionNotice
from bedside.core import audit, events
from bedside.core.audit import SYSTEM, Actor
from bedside.core.clock import local_today
from bedside.core.db import utcnow
from bedside.core.errors import Conflict, Forbidden, InvalidInput
from bedside.core.i18n import N_
from bedside.discharge import clearance, window
from bedside.discharge.events import Discharged, DischargeOrdered, ReadyToSettle
from bedside.discharge.lifecycle import find as find
from bedside.discharge.lifecycle import get as get
from bedside.discharge.lifecycle import move as _move
from bedside.discharge.lifecycle import who as _who
from bedside.discharge.models import Discharge
from bedside.discharge.settlement import PreSettlement as PreSettlement
from bedside.discharge.settlement import current_settlement as current_settlement
from bedside.discharge.settlement import pre_settle as pre_settle
from bedside.discharge.settlement import reverse as reverse
from bedside.discharge.settlement import settle as settle
from bedside.discharge.states import DischargeState
from bedside.discharge.window import Window as Window
from bedside.insurance import review as insurance_review
from bedside.settings import get_settings

S = DischargeState
window_reasons = window.reasons


def charges_closed(session: Session, notice_id: int) -> bool:
    """Settled stays take no more charges; where the HIS is the record of orders, its own
    "charges closed" report counts as well."""
    d = find(session, notice_id)
    if d is not None and d.state in (S.SETTLED, S.DISCHARGED):
        return True
    status = clearance.his_status(session, notice_id) if clearance.his_guards() else None
    return status is not None and status.charges_closed


def order(
    session: Session, actor: Actor, notice_id: int, planned: date, *, has_medication: bool = False
) -> Discharge:
    if not actor.has_role("doctor"):
        raise Forbidden(N_("Only doctors order a discharge."), code="doctor_only")
    notice = notices.get(session, notice_id)
    if notice.state != "admitted":
        raise Conflict(N_("Only an admitted stay can be discharged."), code="stay_not_admitted")
    today = local_today()
    if not today <= planned <= today + timedelta(days=30):
        raise InvalidInput(
            N_("The planned discharge date must be within the next 30 days."), code="invalid_planned_date"
        )
    d = find(session, notice_id)
    if d is not None and d.state != S.REVOKED:
        raise Conflict(N_("A discharge is already ordered for this stay."), code="discharge_exists")
    if d is None:
        d = Discharge(notice_id=notice_id, planned_date=planned, ordered_by=_who(actor))
        session.add(d)
    else:  # a revoked order is ordered again
        d.state, d.planned_date, d.ordered_by, d.ordered_at = S.ORDERED, planned, _who(actor), utcnow()
        d.cleared_at = d.reviewed_at = None
        d.medication_handed_over = False
    d.has_medication = has_medication
    session.flush()
    audit.record(session, actor, "discharge.order", "discharge", d.id, patient_id=notice.patient_id)
    events.emit(session, DischargeOrdered(notice_id=notice_id, patient_id=notice.patient_id))
    session.commit()
    return d


def revoke(session: Session, actor: Actor, notice_id: int, reason: str) -> Discharge:
    if not actor.has_role("doctor"):
        raise Forbidden(N_("Only doctors order a discharge."), code="doctor_only")
    d = get(session, notice_id, lock=True)
    _move(session, actor, d, "revoke", reason)
    session.commit()
    return d


def hand_over_medication(session: Session, actor: Actor, notice_id: int) -> Discharge:
    if not actor.has_role("nurse", "pharmacist"):
        raise Forbidden()
    d = get(session, notice_id, lock=True)
    d.medication_handed_over = True
    audit.record(session, actor, "discharge.medication_handed_over", "discharge", d.id)
    session.commit()
    return d


def clear_ward(
    session: Session,
    actor: Actor,
    notice_id: int,
    *,
    no_pending_orders: bool = False,
    charges_posted: bool = False,
    override_reason: str | None = None,
) -> Discharge:
    """The nurse confirms the patient may leave the ward. Where the HIS is the record of orders
    (BEDSIDE_HIS_RECORD includes "orders") the pending-orders and charges guards read what the
    HIS last reported and the nurse's ticks count for nothing; a nurse may still clear a failing
    HIS guard by giving a reason, which is audited. Elsewhere they are the nurse's own checks.
    The recorded medication handover is always required."""
    if not actor.has_role("nurse"):
        raise Forbidden(N_("Only ward nurses clear a patient."), code="nurse_only")
    d = get(session, notice_id, lock=True)
    passed = clearance.check(
        session,
        d,
        no_pending_orders=no_pending_orders,
        charges_posted=charges_posted,
        override_reason=override_reason,
    )
    if passed.overridden:
        audit.record(
            session,
            actor,
            "discharge.clear_ward_override",
            "discharge",
            d.id,
            patient_id=notices.get(session, notice_id).patient_id,
            overridden=list(passed.overridden),
            reason=passed.reason,
        )
    _move(session, actor, d, "clear_ward", passed.reason)
    d.cleared_at = utcnow()
    notice = notices.get(session, notice_id)
    if notice.insurance_type in (None, "self_pay"):
        _open(session, actor, d, notice, reviewed=False)
    elif insurance_review.open_for(session, notice, auto_approve=get_settings().insurance_auto_approve):
        # No review rule fired: nothing for a person to look at.
        _move(session, SYSTEM, d, "approve", "auto-approved: no flags")
        d.reviewed_at = utcnow()
        _open(session, SYSTEM, d, notice, reviewed=True)
    session.commit()
    return d


def _open(session: Session, actor: Actor, d: Discharge, notice: AdmissionNotice, *, reviewed: bool) -> None:
    _move(session, actor, d, "open_settlement")
    events.emit(session, ReadyToSettle(notice_id=notice.id, patient_id=notice.patient_id, reviewed=reviewed))


def review(
    session: Session,
    actor: Actor,
    notice_id: int,
    decision: str,
    note: str = "",
    window_reason: str | None = None,
) -> Discharge:
    """The insurance officer approves (the patient may settle), sends the stay to a staffed
    window with a reason (approved, but not for self-service), or returns it to the ward."""
    if not actor.has_role("insurance_officer"):
        raise Forbidden(N_("Only insurance officers review stays."), code="insurance_officer_only")
    if decision not in ("approve", "return_to_ward"):
        raise InvalidInput(N_("Choose approve or return to ward."), code="invalid_decision")
    d = get(session, notice_id, lock=True)
    notice = notices.get(session, notice_id)
    if decision == "approve":  # refused while review lines wait for the ward
        insurance_review.approve(session, actor, notice)
    _move(session, actor, d, decision, note)
    d.review_note = note[:500] or None
    if decision == "approve":
        d.reviewed_at = utcnow()
        d.window_reason = (window_reason or "")[:60] or None
        _open(session, actor, d, notice, reviewed=True)
    session.commit()
    return d


def auto_review_ok(session: Session, notice_id: int) -> list[str]:
    """What the auto-approve rules would flag; an empty list means nothing needs a person."""
    return insurance_review.flag_codes(session, notices.get(session, notice_id))


def leave(session: Session, actor: Actor, notice_id: int) -> Discharge:
    """The patient leaves the ward: the bed goes to cleaning."""
    if not actor.has_role("nurse"):
        raise Forbidden(N_("Only ward nurses clear a patient."), code="nurse_only")
    d = get(session, notice_id, lock=True)
    notice = notices.get(session, notice_id)
    _move(session, actor, d, "leave")
    d.discharged_at = utcnow()
    if notice.bed_id is not None:
        from bedside.hospital import service as hospital_service

        hospital_service.move_bed(session, notice.bed_id, "vacate", actor)
    events.emit(session, Discharged(notice_id=notice_id, patient_id=notice.patient_id))
    session.commit()
    return d
