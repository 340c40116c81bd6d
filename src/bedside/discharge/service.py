"""The discharge of a stay: the doctor's order, the ward's clearance, the insurance review,
pre-settlement and settlement (one act: the insurance split, the deposit used, the refund to
the original routes or the supplementary payment), the cashier's reversal, leaving the ward.

Money: charges are already in the ledger (each line moved it). Settlement posts what the
insurance pays (pooled fund + personal account) as one entry, so the balance left is exactly
the refund due (positive) or the supplementary payment due (negative)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bedside.admissions import service as notices
from bedside.admissions.models import AdmissionNotice
from bedside.core import audit, events, faults
from bedside.core.audit import SYSTEM, Actor
from bedside.core.clock import local_today
from bedside.core.db import utcnow
from bedside.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.core.states import InvalidTransition
from bedside.deposits import service as deposits_service
from bedside.deposits.models import EntryKind
from bedside.discharge import clearance, insurance_gateway
from bedside.discharge.events import Discharged, DischargeOrdered, ReadyToSettle, Settled, SettlementReversed
from bedside.discharge.models import Discharge, DischargeTransition, Settlement
from bedside.discharge.states import DISCHARGE_MACHINE, DischargeState
from bedside.settings import get_settings

S = DischargeState
MAX_SIGNATURE_BYTES = 200_000


def get(session: Session, notice_id: int, *, lock: bool = False) -> Discharge:
    stmt = select(Discharge).where(Discharge.notice_id == notice_id)
    row = session.scalar(stmt.with_for_update() if lock else stmt)
    if row is None:
        raise NotFound(N_("No discharge has been ordered for this stay."), code="discharge_not_found")
    return row


def find(session: Session, notice_id: int) -> Discharge | None:
    return session.scalar(select(Discharge).where(Discharge.notice_id == notice_id))


def charges_closed(session: Session, notice_id: int) -> bool:
    """Settled stays take no more charges; where the HIS is the record of orders, its own
    "charges closed" report counts as well."""
    d = find(session, notice_id)
    if d is not None and d.state in (S.SETTLED, S.DISCHARGED):
        return True
    status = clearance.his_status(session, notice_id) if clearance.his_guards() else None
    return status is not None and status.charges_closed


def _move(session: Session, actor: Actor, d: Discharge, action: str, reason: str | None = None) -> None:
    old = S(d.state)
    try:
        new = DISCHARGE_MACHINE.next_state(old, action)
    except InvalidTransition as exc:
        raise Conflict(
            N_("This discharge cannot do that now."),
            code="discharge_invalid_transition",
            params={"state": old.value},
        ) from exc
    d.state = new
    session.add(
        DischargeTransition(
            discharge_id=d.id,
            from_state=old,
            action=action,
            to_state=new,
            actor=f"{actor.kind}:{actor.id or actor.label}"[:100],
            reason=(reason or "")[:300] or None,
        )
    )
    notice = notices.get(session, d.notice_id)
    audit.record(
        session,
        actor,
        f"discharge.{action}",
        "discharge",
        d.id,
        patient_id=notice.patient_id,
        old=old.value,
        new=new.value,
    )


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


def _who(actor: Actor) -> str:
    return f"{actor.kind}:{actor.id or actor.label}"[:100]


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
    elif get_settings().insurance_auto_approve and not insurance_gateway.review_flags(session, notice):
        # The auto-approve rules found nothing for a person to look at.
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
    return insurance_gateway.review_flags(session, notices.get(session, notice_id))


@dataclass(frozen=True)
class Window:
    code: str
    reason: str  # message id
    window: str  # message id


def window_reasons(session: Session, notice: AdmissionNotice, d: Discharge) -> list[Window]:
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
        found.append(
            Window(
                d.window_reason,
                N_("The insurance office asked for this stay to be settled in person."),
                N_("Discharge settlement window"),
            )
        )
    return found


@dataclass(frozen=True)
class PreSettlement:
    total_fen: int
    fund_fen: int
    personal_account_fen: int
    cash_fen: int
    paid_fen: int  # deposits and supplementary payments, net of refunds already made
    refund_fen: int
    supplementary_fen: int
    split: dict[str, int]


def pre_settle(session: Session, notice_id: int, request_key: str | None = None) -> PreSettlement:
    notice = notices.get(session, notice_id)
    split = insurance_gateway.pre_settle(session, notice, request_key)
    account = deposits_service.account_for_notice(session, notice.patient_id, notice.id)
    # The ledger already carries every charge: balance = paid - charges.
    paid = account.balance_fen + split["total_fen"]
    after = account.balance_fen + split["fund_fen"] + split["personal_account_fen"]
    return PreSettlement(
        total_fen=split["total_fen"],
        fund_fen=split["fund_fen"],
        personal_account_fen=split["personal_account_fen"],
        cash_fen=split["cash_fen"],
        paid_fen=paid,
        refund_fen=max(after, 0),
        supplementary_fen=max(-after, 0),
        split=split,
    )


def _signature(data_url: str) -> bytes:
    head, _, payload = data_url.partition(",")
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if (
        head != "data:image/png;base64"
        or not raw.startswith(b"\x89PNG\r\n\x1a\n")
        or len(raw) > MAX_SIGNATURE_BYTES
    ):
        raise InvalidInput(
            N_("Please sign in the box before confirming."), code="signature_required", field="signature"
        )
    return raw


def settle(session: Session, actor: Actor, notice_id: int, signature: str, request_key: str) -> Settlement:
    """One act: the insurance settles, the ledger records it, the surplus goes back by the
    original routes. A retry with the same request key returns the first settlement."""
    key = (request_key or "").strip()
    if not 8 <= len(key) <= 100:
        raise InvalidInput(
            N_("Every payment request needs an idempotency key."), code="idempotency_key_required"
        )
    done = session.scalar(select(Settlement).where(Settlement.request_key == key))
    if done is not None:
        if done.notice_id != notice_id:
            raise Conflict(
                N_("This request key was already used for a different request."), code="idempotency_conflict"
            )
        return done
    png = _signature(signature)
    d = get(session, notice_id, lock=True)
    notice = notices.get(session, notice_id)
    if d.state != S.READY_TO_SETTLE:
        raise Conflict(N_("This stay is not ready to settle."), code="not_ready_to_settle")
    reasons = window_reasons(session, notice, d)
    if reasons:
        raise Conflict(reasons[0].reason, code=reasons[0].code, params={"window": reasons[0].window})
    pre = pre_settle(session, notice_id, key)
    if pre.supplementary_fen > 0:
        raise Conflict(
            N_("Please pay the remaining %(amount)s first."),
            code="supplementary_due",
            params={"amount": pre.supplementary_fen},
        )
    account = deposits_service.account_for_notice(session, notice.patient_id, notice.id)
    setl_id = insurance_gateway.settle(session, notice, pre.split, key)
    covered = pre.fund_fen + pre.personal_account_fen
    entry = (
        deposits_service.post(
            session, account.id, EntryKind.SETTLEMENT, covered, actor, memo=f"settlement {setl_id}"
        )
        if covered > 0
        else None
    )
    row = Settlement(
        notice_id=notice_id,
        request_key=key,
        insurance_type=notice.insurance_type,
        setl_id=setl_id,
        total_fen=pre.total_fen,
        fund_fen=pre.fund_fen,
        personal_account_fen=pre.personal_account_fen,
        cash_fen=pre.cash_fen,
        split=pre.split,
        paid_before_fen=pre.paid_fen,
        refund_fen=pre.refund_fen,
        ledger_entry_id=entry.id if entry else None,
        signature_png=png,
        settled_by=_who(actor),
    )
    session.add(row)
    session.flush()
    channels: tuple[str, ...] = ()
    if pre.refund_fen > 0:
        from bedside.payments import refunds as payments_refunds
        from bedside.payments import service as payments_service

        made = payments_refunds.refund_to_origin(
            session, actor, account.id, pre.refund_fen, f"discharge settlement {row.id}", commit=False
        )
        channels = tuple(
            sorted({payments_service.get_order(session, r.payment_order_id).channel for r in made})
        )
    _move(session, actor, d, "settle")
    events.emit(
        session,
        Settled(
            notice_id=notice_id,
            patient_id=notice.patient_id,
            settlement_id=row.id,
            refund_fen=pre.refund_fen,
            refund_channels=channels,
        ),
    )
    faults.point("settlement.before_commit")
    try:
        session.commit()
    except IntegrityError:  # the same request key raced us; answer with the winner
        session.rollback()
        return settle(session, actor, notice_id, signature, key)
    # Settled, but the patient's screen never hears so: the retry must find this settlement.
    faults.point("settlement.after_commit")
    return row


def current_settlement(session: Session, notice_id: int) -> Settlement | None:
    return session.scalar(
        select(Settlement)
        .where(Settlement.notice_id == notice_id, Settlement.state == "settled")
        .order_by(Settlement.id.desc())
    )


def reverse(session: Session, actor: Actor, notice_id: int, reason: str) -> Settlement:
    """A cashier undoes a settlement: the insurance reverses it and the ledger entry is
    reversed, so the stay's balance is what it was before, minus any refunds already paid."""
    if not actor.has_role("cashier"):
        raise Forbidden()
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(N_("Give a reason."), code="reason_required", field="reason")
    d = get(session, notice_id, lock=True)
    row = current_settlement(session, notice_id)
    if row is None or d.state != S.SETTLED:
        raise Conflict(N_("There is no settlement to reverse."), code="no_settlement")
    notice = notices.get(session, notice_id)
    insurance_gateway.reverse(session, notice, row.setl_id)
    if row.ledger_entry_id is not None:
        deposits_service.reverse(
            session, row.ledger_entry_id, actor, f"settlement {row.id} reversed: {reason}"
        )
    row.state, row.reversed_at, row.reversal_reason = "reversed", utcnow(), reason
    _move(session, actor, d, "reverse_settlement", reason)
    events.emit(session, SettlementReversed(notice_id, notice.patient_id, row.id, reason))
    session.commit()
    return row


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
