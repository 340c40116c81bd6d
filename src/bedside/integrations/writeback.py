"""The write-back queue: the outbox handlers below turn domain events into HIS deliveries (one
row per event, inside the handler's transaction, so the outbox's exactly-once holds), and
`send_due` posts them to the HIS webhook strictly in order per stay: a delivery is sent only
when every earlier one of its stay is acknowledged. Retries back off; a permanent failure
stops its stay's queue until IT sends it again (`bedside his-deliveries --retry ID`)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bedside.admissions.events import AdmissionRegistered
from bedside.admissions.models import AdmissionNotice
from bedside.core.db import utcnow
from bedside.core.events import subscribe
from bedside.deposits.models import DepositAccount
from bedside.discharge.events import Discharged, Settled, SettlementReversed
from bedside.discharge.models import Settlement
from bedside.integrations import webhook
from bedside.integrations.models import HisDelivery
from bedside.patients.models import Patient
from bedside.payments.events import PaymentCredited, RefundFinished
from bedside.payments.models import PaymentOrder, Refund
from bedside.settings import get_settings

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(minutes=30)
# A claimed delivery is someone's for this long: a second worker does not post it meanwhile.
LEASE = timedelta(seconds=90)
DEPOSIT_PURPOSES_EXCLUDED = frozenset({"record_copy"})


def _stay(session: Session, notice_id: int) -> dict[str, Any]:
    notice = session.get(AdmissionNotice, notice_id)
    patient = session.get(Patient, notice.patient_id) if notice else None
    return {
        "notice_id": notice_id,
        "his_ref": notice.his_ref if notice else None,
        "inpatient_no": notice.inpatient_no if notice else None,
        "patient_id": notice.patient_id if notice else None,
        "resident_id": patient.resident_id if patient else None,
    }


def enqueue(session: Session, source: str, notice_id: int, event: str, data: dict[str, Any]) -> None:
    """Adds a delivery unless the webhook is off; `source` makes a repeated handler run a no-op."""
    if not get_settings().his_webhook_url:
        return
    if session.scalar(select(HisDelivery.id).where(HisDelivery.source == source)) is not None:
        return
    now = utcnow()
    payload = {
        "event": event,
        "occurred_at": now.isoformat(),
        "stay": _stay(session, notice_id),
        "data": data,
    }
    session.add(
        HisDelivery(
            source=source, stream=f"stay:{notice_id}", event=event, payload=payload, next_attempt_at=now
        )
    )


@subscribe(AdmissionRegistered)
def on_admission_registered(session: Session, ev: AdmissionRegistered) -> None:
    enqueue(session, f"admission.registered:{ev.notice_id}", ev.notice_id, "admission.registered", {})


@subscribe(PaymentCredited)
def on_deposit_paid(session: Session, ev: PaymentCredited) -> None:
    if ev.purpose in DEPOSIT_PURPOSES_EXCLUDED:
        return
    account = session.get(DepositAccount, ev.account_id)
    order = session.get(PaymentOrder, ev.order_id)
    if account is None or order is None:
        return
    data = {
        "order_id": ev.order_id,
        "out_trade_no": order.out_trade_no,
        "amount_fen": ev.amount_fen,
        "channel": ev.channel,
        "purpose": ev.purpose,
        "late": ev.late,
    }
    enqueue(session, f"deposit.paid:{ev.order_id}", account.notice_id, "deposit.paid", data)


@subscribe(RefundFinished)
def on_deposit_refunded(session: Session, ev: RefundFinished) -> None:
    refund = session.get(Refund, ev.refund_id)
    account = session.get(DepositAccount, refund.account_id) if refund else None
    if refund is None or account is None:
        return
    data = {
        "refund_id": ev.refund_id,
        "out_refund_no": refund.out_refund_no,
        "amount_fen": ev.amount_fen,
        "channel": ev.channel,
        "route": ev.route,
    }
    enqueue(session, f"deposit.refunded:{ev.refund_id}", account.notice_id, "deposit.refunded", data)


def _settlement(row: Settlement) -> dict[str, Any]:
    return {
        "settlement_id": row.id,
        "setl_id": row.setl_id,
        "insurance_type": row.insurance_type,
        "total_fen": row.total_fen,
        "fund_fen": row.fund_fen,
        "personal_account_fen": row.personal_account_fen,
        "cash_fen": row.cash_fen,
        "refund_fen": row.refund_fen,
    }


@subscribe(Settled)
def on_settled(session: Session, ev: Settled) -> None:
    row = session.get(Settlement, ev.settlement_id)
    if row is not None:
        enqueue(session, f"settlement.done:{row.id}", ev.notice_id, "settlement.done", _settlement(row))


@subscribe(SettlementReversed)
def on_settlement_reversed(session: Session, ev: SettlementReversed) -> None:
    row = session.get(Settlement, ev.settlement_id)
    if row is not None:
        data = {**_settlement(row), "reason": ev.reason}
        enqueue(session, f"settlement.reversed:{row.id}", ev.notice_id, "settlement.reversed", data)


@subscribe(Discharged)
def on_left(session: Session, ev: Discharged) -> None:
    enqueue(session, f"patient.left:{ev.notice_id}", ev.notice_id, "patient.left", {})


def body_of(row: HisDelivery) -> bytes:
    return webhook.encode({"id": str(row.id), "stream": row.stream, **row.payload})


def _heads(session: Session, now: datetime, limit: int) -> list[int]:
    """The first unacknowledged delivery of each stay, if it is pending and due."""
    firsts = (
        select(func.min(HisDelivery.id))
        .where(HisDelivery.state.in_(("pending", "failed")))
        .group_by(HisDelivery.stream)
    )
    return list(
        session.scalars(
            select(HisDelivery.id)
            .where(
                HisDelivery.id.in_(firsts), HisDelivery.state == "pending", HisDelivery.next_attempt_at <= now
            )
            .order_by(HisDelivery.id)
            .limit(limit)
        )
    )


def claim(factory: sessionmaker[Session], delivery_id: int) -> HisDelivery | None:
    """Takes the delivery for one attempt, or None if another worker holds or finished it."""
    now = utcnow()
    with factory() as session:
        taken: CursorResult[Any] = session.execute(  # type: ignore[assignment]
            update(HisDelivery)
            .where(
                HisDelivery.id == delivery_id,
                HisDelivery.state == "pending",
                HisDelivery.next_attempt_at <= now,
            )
            .values(next_attempt_at=now + LEASE, attempts=HisDelivery.attempts + 1)
        )
        session.commit()
        if not taken.rowcount:
            return None
        row = session.get(HisDelivery, delivery_id)
        if row is not None:
            session.expunge(row)
        return row


def record(factory: sessionmaker[Session], delivery_id: int, answer: webhook.Answer) -> str:
    with factory() as session:
        row = session.get(HisDelivery, delivery_id)
        if row is None:
            return "gone"
        row.last_status, row.last_error = (
            answer.status,
            (None if answer.outcome == "acked" else answer.detail[:300]),
        )
        if answer.outcome == webhook.Outcome.ACKED:
            row.state, row.acked_at = "acked", utcnow()
        elif answer.outcome == webhook.Outcome.FAILED:
            row.state = "failed"
            log.error("HIS refused write-back %s (%s): status %s", row.id, row.event, answer.status)
        else:
            row.next_attempt_at = utcnow() + min(MAX_BACKOFF, timedelta(seconds=2 ** min(row.attempts, 12)))
        session.commit()
        return str(row.state if answer.outcome != webhook.Outcome.RETRY else "retry")


def send_due(
    factory: sessionmaker[Session], client: webhook.HisWebhook | None = None, limit: int = 50
) -> dict[str, int]:
    """One pass: each stay's next delivery, if due. Returns counts of acked, retry, failed."""
    client = client or webhook.from_settings(get_settings())
    counts: dict[str, int] = {}
    if client is None:
        return counts
    with factory() as session:
        heads = _heads(session, utcnow(), limit)
    for delivery_id in heads:
        row = claim(factory, delivery_id)
        if row is None:
            continue
        answer = client.deliver(str(row.id), row.event, body_of(row))
        outcome = record(factory, delivery_id, answer)
        counts[outcome] = counts.get(outcome, 0) + 1
        if answer.status is None:
            break  # no answer at all: the HIS is down for the other stays too
    return counts


def drain(factory: sessionmaker[Session], client: webhook.HisWebhook | None = None, rounds: int = 50) -> None:
    """Passes until nothing more is due (tests, and a worker catching up)."""
    for _ in range(rounds):
        if not send_due(factory, client).get("acked"):
            return


def resend(session: Session, delivery_id: int) -> HisDelivery | None:
    """IT sends a failed delivery again (after fixing the secret or the HIS side)."""
    row = session.get(HisDelivery, delivery_id)
    if row is None or row.state != "failed":
        return None
    row.state, row.next_attempt_at = "pending", utcnow()
    session.commit()
    return row


def problems(session: Session, limit: int = 100) -> list[HisDelivery]:
    """Deliveries IT should look at: failed for good, or retried more than a few times."""
    return list(
        session.scalars(
            select(HisDelivery)
            .where(
                (HisDelivery.state == "failed")
                | ((HisDelivery.state == "pending") & (HisDelivery.attempts >= 3))
            )
            .order_by(HisDelivery.id)
            .limit(limit)
        )
    )
