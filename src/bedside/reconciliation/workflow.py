"""Working a discrepancy to closure. Money moves only through the money core: a credit is the
same `apply_trade` a notification or query uses (exactly once, amount checked, late money
refunded by policy); a query asks the channel itself. A write-off needs a second person."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.core import audit
from bedside.core.audit import Actor
from bedside.core.auth import verify_password
from bedside.core.db import utcnow
from bedside.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.payments import registry
from bedside.payments import service as payments_service
from bedside.payments.channels.base import ChannelError, ChannelTrade
from bedside.payments.models import PaymentOrder
from bedside.reconciliation.models import Discrepancy, ReconDay, StatementRow
from bedside.reconciliation.service import DayClosed, who
from bedside.reconciliation.states import DISCREPANCY_MACHINE, DayState, DiscrepancyState, Kind
from bedside.staff.models import StaffUser
from bedside.staff.roles import Role

APPROVER_ROLES = frozenset({Role.MANAGER, Role.CASHIER})
PAID = ("paid", "partially_refunded", "refunded")


class ApprovalRefused(Forbidden):
    code = "write_off_approval_refused"
    message = N_("The approver's name or password is wrong, or they may not approve write-offs.")


class NothingToCredit(Conflict):
    code = "recon_nothing_to_credit"
    message = N_("There is no order of ours to credit for this trade: query the channel or write it off.")


def get(session: Session, discrepancy_id: int, *, lock: bool = False) -> Discrepancy:
    query = select(Discrepancy).where(Discrepancy.id == discrepancy_id)
    found = session.scalar(query.with_for_update() if lock else query)
    if found is None:
        raise NotFound(N_("Discrepancy not found."), code="discrepancy_not_found")
    return found


def _open(session: Session, discrepancy_id: int) -> Discrepancy:
    item = get(session, discrepancy_id, lock=True)
    day = session.get(ReconDay, item.day_id)
    if day is None or day.state == DayState.CLOSED:
        raise DayClosed()
    return item


def _move(
    session: Session, actor: Actor, item: Discrepancy, action: str, note: str = "", **detail: str
) -> None:
    old = DiscrepancyState(item.state)
    try:
        item.state = DISCREPANCY_MACHINE.next_state(old, action, item)
    except Exception as exc:  # InvalidTransition: said in words, nothing changes
        raise Conflict(
            N_("This discrepancy cannot do that in its current state."), code="discrepancy_invalid_action"
        ) from exc
    _note(item, actor, note)
    item.updated_at = utcnow()
    audit.record(
        session,
        actor,
        f"recon.{action}",
        "recon_discrepancy",
        item.id,
        patient_id=None,
        kind=item.kind,
        ref=item.ref,
        **detail,
    )


def _note(item: Discrepancy, actor: Actor, text: str) -> None:
    text = text.strip()[:500]
    if text:
        stamp = utcnow().strftime("%Y-%m-%d %H:%M")
        item.notes = (item.notes + "\n" if item.notes else "") + f"{stamp} {actor.label}: {text}"


def annotate(
    session: Session, actor: Actor, discrepancy_id: int, note: str, assignee: str | None = None
) -> Discrepancy:
    item = _open(session, discrepancy_id)
    if not note.strip() and assignee is None:
        raise InvalidInput(N_("Write a note."), code="note_required", field="note")
    _note(item, actor, note)
    if assignee is not None:
        item.assignee = assignee.strip()[:100] or None
    item.updated_at = utcnow()
    audit.record(session, actor, "recon.note", "recon_discrepancy", item.id)
    session.commit()
    return item


def query_channel(session: Session, actor: Actor, discrepancy_id: int) -> Discrepancy:
    """Asks the channel about the order; a confirmed payment is credited (if it was not) and
    settles the discrepancy, any other answer is written to the notes."""
    item = _open(session, discrepancy_id)
    if item.channel == "cash" or item.kind in (Kind.REFUND_MISSING, Kind.REFUND_EXTRA, Kind.FEE_DIFFERS):
        raise Conflict(
            N_("The channel cannot be queried about this discrepancy."), code="recon_query_not_possible"
        )
    channel, ref, item_id = item.channel, item.ref, item.id
    session.commit()  # no transaction open across the channel call
    try:
        trade = registry.get(channel).query(ref)
    except ChannelError as exc:
        raise DomainError(
            N_("The payment channel is not answering. Please try again later."), code="channel_unavailable"
        ) from exc
    outcome = None
    if trade.state == "SUCCESS":
        outcome = payments_service.apply_trade(session, channel, trade, source="reconciliation")
    item = _open(session, item_id)
    order = session.scalar(select(PaymentOrder).where(PaymentOrder.out_trade_no == ref))
    answer = f"{trade.state} {trade.amount_fen if trade.amount_fen is not None else '-'}"
    confirmed = (
        trade.state == "SUCCESS"
        and order is not None
        and order.state in PAID
        and trade.amount_fen == order.amount_fen
        and item.kind != Kind.DUPLICATE
    )
    if confirmed:
        item.resolution = f"channel confirms paid ({outcome})"[:200]
        item.resolved_by = who(actor)
        _move(session, actor, item, "resolve", f"Channel query: {answer}", answer=answer)
    else:
        _note(item, actor, f"Channel query: {answer}")
        item.their_state = trade.state[:20]
        audit.record(session, actor, "recon.query", "recon_discrepancy", item.id, answer=answer)
    session.commit()
    return item


def credit(session: Session, actor: Actor, discrepancy_id: int, note: str = "") -> Discrepancy:
    """长款 on one of our orders: the statement's trade is applied as a query answer would be
    (the stay is credited and told, or late money is refunded to its origin by policy)."""
    item = _open(session, discrepancy_id)
    if item.kind != Kind.MISSING_OURS or item.theirs_fen is None:
        raise Conflict(
            N_("Only a payment missing from our books can be credited."), code="recon_credit_not_possible"
        )
    order = session.scalar(select(PaymentOrder).where(PaymentOrder.out_trade_no == item.ref))
    if order is None or order.channel != item.channel:
        raise NothingToCredit()
    row = session.scalar(
        select(StatementRow).where(StatementRow.out_trade_no == item.ref, StatementRow.kind == "payment")
    )
    trade = ChannelTrade(
        out_trade_no=item.ref,
        state="SUCCESS",
        channel_trade_no=item.channel_trade_no,
        amount_fen=item.theirs_fen,
        success_time=row.at if row is not None else None,
    )
    item_id, channel = item.id, item.channel
    session.commit()
    outcome = payments_service.apply_trade(session, channel, trade, source="reconciliation")
    if outcome not in ("credited", "late_payment", "paid_after_settlement", "duplicate"):
        raise Conflict(
            N_("The money core refused the credit (%(outcome)s); query the channel."),
            code="recon_credit_refused",
            params={"outcome": outcome},
        )
    item = _open(session, item_id)
    item.resolution = f"credited ({outcome})"
    item.resolved_by = who(actor)
    _move(session, actor, item, "resolve", note, outcome=outcome)
    session.commit()
    return item


def request_write_off(session: Session, actor: Actor, discrepancy_id: int, reason: str) -> Discrepancy:
    if not reason.strip():
        raise InvalidInput(N_("Say why it is written off."), code="reason_required", field="note")
    item = _open(session, discrepancy_id)
    item.resolution = reason.strip()[:200]
    item.resolved_by = who(actor)
    _move(session, actor, item, "request_write_off", reason)
    session.commit()
    return item


def _approver(session: Session, actor: Actor, username: str, password: str) -> StaffUser:
    user = session.scalar(select(StaffUser).where(StaffUser.username == username.strip().lower()[:50]))
    ok = verify_password(password, user.password_hash if user is not None else None)
    if (
        user is None
        or not ok
        or not user.active
        or user.id == actor.id
        or not APPROVER_ROLES & set(user.roles)
    ):
        audit.record(session, actor, "recon.approval_refused", "staff_user", user.id if user else None)
        session.commit()
        raise ApprovalRefused()
    return user


def decide_write_off(
    session: Session,
    actor: Actor,
    discrepancy_id: int,
    approve: bool,
    username: str,
    password: str,
    note: str = "",
) -> Discrepancy:
    """The approver (another cashier or a manager) confirms with their own password at the desk."""
    approver = _approver(session, actor, username, password)
    item = _open(session, discrepancy_id)
    if item.resolved_by == f"staff:{approver.id}":
        raise ApprovalRefused()
    if approve:
        item.approved_by = f"staff:{approver.id}"
        _move(session, actor, item, "approve_write_off", note, approver=approver.username)
    else:
        item.resolution = None
        _move(session, actor, item, "reject_write_off", note, approver=approver.username)
    session.commit()
    return item


def carry_over(session: Session, actor: Actor, discrepancy_id: int, note: str) -> Discrepancy:
    if not note.strip():
        raise InvalidInput(N_("Say why it is carried over."), code="reason_required", field="note")
    item = _open(session, discrepancy_id)
    item.resolution = "carried over"
    item.resolved_by = who(actor)
    _move(session, actor, item, "carry_over", note)
    session.commit()
    return item
