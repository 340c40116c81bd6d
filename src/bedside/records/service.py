"""Record copy use cases: request (with the identity and consent rules), the fee through the
payment layer, the record office's steps and cancelling (the reads are in `queries`).

Money: the fee is a payment order of purpose `record_copy` on the stay's deposit account. The
payment layer books the fee in the same transaction as the credit, so the deposit balance never
changes; a request refused or cancelled before copying gets the fee back by that payment's own
route (`payments.refunds.refund_fee`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bedside.accounts.models import AccountPatient, Relation
from bedside.admissions import service as admissions_service
from bedside.admissions.models import AdmissionNotice
from bedside.admissions.states import NoticeState
from bedside.core import audit, events
from bedside.core.audit import SYSTEM, Actor
from bedside.core.db import utcnow
from bedside.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.core.states import InvalidTransition
from bedside.patients import service as patients_service
from bedside.payments import refunds as payments_refunds
from bedside.payments import service as payments_service
from bedside.payments.models import PaymentOrder
from bedside.payments.states import Purpose
from bedside.records import fees, proofs
from bedside.records.events import RecordCopyChanged
from bedside.records.models import RecordCopyPayment, RecordCopyRequest, RecordCopyTransition
from bedside.records.queries import OFFICE_ROLES, get
from bedside.records.states import COPY_MACHINE, PAID_NOT_COPIED, STAFF_ACTIONS, CopyState
from bedside.settings import get_settings

S = CopyState
# Close relatives may ask on the patient's behalf, with the patient's consent; anyone else
# brings the patient's written authorization to the record office in person.
AUTHORIZED_PROXIES = frozenset({Relation.SPOUSE, Relation.PARENT, Relation.CHILD})
# (channel, trade type) a record copy may be paid with: the phone's wallets and the kiosk's QR
# codes. Payment codes are left out: they pay inside the create call, before the request knows
# its order.
# The phone's wallets (WeChat JSAPI inside WeChat, H5 outside, Alipay wap) and the kiosk's QR codes.
PAY_METHODS = frozenset(
    {("wechat", "JSAPI"), ("wechat", "H5"), ("wechat", "NATIVE"), ("alipay", "WAP"), ("alipay", "PRECREATE")}
)
TRACKING_RE = re.compile(r"^[A-Za-z0-9]{8,30}$")
RELATION_ZH = {"self": "本人", "spouse": "配偶", "parent": "父母", "child": "子女", "other": "其他"}


@dataclass(frozen=True)
class CopyIn:
    notice_id: int
    purpose: str
    parts: tuple[str, ...]
    copies: int
    delivery: str
    request_key: str
    recipient_name: str = ""
    recipient_phone: str = ""
    province: str = ""
    city: str = ""
    address: str = ""
    consent: bool = False
    proxy_name: str = ""


def _who(actor: Actor) -> str:
    return f"{actor.kind}:{actor.id or actor.label}"[:100]


def relation_of(session: Session, actor: Actor, patient_id: int) -> str:
    """How the requester stands to the patient. A kiosk session is the patient themself (they
    signed in with their own card); a phone account has the relation it was linked with."""
    if actor.kind == "kiosk":
        return Relation.SELF
    if actor.kind != "account":
        raise Forbidden()
    relation = session.scalar(
        select(AccountPatient.relation).where(
            AccountPatient.account_id == (actor.id or 0), AccountPatient.patient_id == patient_id
        )
    )
    if relation is None:
        raise NotFound(N_("Patient not found."), code="patient_not_found")
    return str(relation)


def eligible_stays(session: Session, patient_id: int) -> list[AdmissionNotice]:
    """Stays whose record exists: admitted ones (in hospital, settled or discharged)."""
    return [
        n for n in admissions_service.for_patients(session, {patient_id}) if n.state == NoticeState.ADMITTED
    ]


def _text(value: str, low: int, high: int, code: str, message: str, field: str) -> str:
    text = (value or "").strip()
    if not low <= len(text) <= high:
        raise InvalidInput(message, code=code, field=field)
    return text


def _person(value: str, code: str, message: str, field: str) -> str:
    name = _text(value, 1, 50, code, message, field)
    if any(ch.isdigit() for ch in name):
        raise InvalidInput(message, code=code, field=field)
    return name


def _check(session: Session, patient_id: int, data: CopyIn) -> tuple[AdmissionNotice, fees.Fee]:
    notice = admissions_service.get_for_patients(session, data.notice_id, {patient_id})
    if notice.state != NoticeState.ADMITTED:
        raise InvalidInput(
            N_("Copies can be made only of a stay that has begun (admitted or discharged)."),
            code="stay_not_eligible",
            field="notice_id",
        )
    if data.purpose not in fees.PURPOSES:
        raise InvalidInput(N_("Choose what the copies are for."), code="invalid_purpose", field="purpose")
    if (
        not data.parts
        or any(p not in fees.PARTS for p in data.parts)
        or len(set(data.parts)) != len(data.parts)
    ):
        raise InvalidInput(N_("Choose the parts of the record to copy."), code="invalid_parts", field="parts")
    if isinstance(data.copies, bool) or not fees.MIN_COPIES <= data.copies <= fees.MAX_COPIES:
        raise InvalidInput(
            N_("Choose between %(low)s and %(high)s copies."),
            code="invalid_copies",
            field="copies",
            params={"low": fees.MIN_COPIES, "high": fees.MAX_COPIES},
        )
    if data.delivery not in fees.DELIVERIES:
        raise InvalidInput(N_("Choose pick-up or mail."), code="invalid_delivery", field="delivery")
    return notice, fees.fee_for(data.parts, data.copies, data.delivery)


def parse_copies(value: str) -> int:
    """The number of copies as typed or chosen on a form."""
    try:
        return int((value or "").strip())
    except ValueError as exc:
        raise InvalidInput(
            N_("Choose between %(low)s and %(high)s copies."),
            code="invalid_copies",
            field="copies",
            params={"low": fees.MIN_COPIES, "high": fees.MAX_COPIES},
        ) from exc


def _mailing(data: CopyIn) -> dict[str, str | None]:
    if data.delivery != "mail":
        return dict.fromkeys(("recipient_name", "recipient_phone", "province", "city", "address"))
    return {
        "recipient_name": _person(
            data.recipient_name, "invalid_recipient_name", N_("Enter the recipient's name."), "recipient_name"
        ),
        "recipient_phone": patients_service.check_phone(data.recipient_phone, field="recipient_phone"),
        "province": _province(data.province),
        "city": _text(data.city, 2, 30, "invalid_city", N_("Enter the city."), "city"),
        "address": _text(
            data.address,
            5,
            200,
            "invalid_address",
            N_("Enter the street address (5 to 200 characters)."),
            "address",
        ),
    }


def _province(value: str) -> str:
    province = (value or "").strip()
    if province not in fees.PROVINCES:
        raise InvalidInput(N_("Choose the province."), code="invalid_province", field="province")
    return province


def submit(session: Session, actor: Actor, patient_id: int, data: CopyIn) -> RecordCopyRequest:
    """Records a request waiting for its fee. The requester must be the patient or a close
    relative acting with the patient's declared consent."""
    key = (data.request_key or "").strip()
    if not 8 <= len(key) <= 100:
        raise InvalidInput(
            N_("Every payment request needs an idempotency key."), code="idempotency_key_required"
        )
    done = session.scalar(select(RecordCopyRequest).where(RecordCopyRequest.request_key == key))
    if done is not None:
        if done.patient_id != patient_id or done.notice_id != data.notice_id:
            raise Conflict(
                N_("This request key was already used for a different request."),
                code="idempotency_key_reused",
            )
        return done
    relation = relation_of(session, actor, patient_id)
    if relation != Relation.SELF and relation not in AUTHORIZED_PROXIES:
        raise Forbidden(
            N_(
                "Only the patient or a spouse, parent or child may request copies online. Please come "
                "to the record office with the patient's written authorization."
            ),
            code="record_copy_not_authorized",
        )
    patient = patients_service.get(session, patient_id)
    notice, fee = _check(session, patient_id, data)
    mailing = _mailing(data)
    proxy_name: str | None = None
    if relation == Relation.SELF:
        method, statement = "self", f"患者{patient.name}本人申请复印病案。"
    else:
        if data.consent is not True:
            raise InvalidInput(
                N_("Confirm that the patient agrees and that you hold their written authorization."),
                code="consent_required",
                field="consent",
            )
        proxy_name = _person(data.proxy_name, "invalid_proxy_name", N_("Enter your own name."), "proxy_name")
        method = "declared_authorization"
        statement = (
            f"本人{proxy_name}系患者{patient.name}的{RELATION_ZH.get(relation, relation)}，"
            "声明已取得患者本人同意并持有其书面授权委托书，申请复印其病案；"
            "复印前接受病案室的身份核验，领取时出示授权委托书及双方身份证件。"
        )
    now = utcnow()
    req = RecordCopyRequest(
        request_key=key,
        patient_id=patient_id,
        notice_id=notice.id,
        account_id=actor.id if actor.kind == "account" else None,
        requested_by=_who(actor),
        relation=relation,
        purpose=data.purpose,
        parts=list(data.parts),
        copies=data.copies,
        delivery=data.delivery,
        pages=fee.pages,
        fee_fen=fee.total_fen,
        postage_fen=fee.postage_fen,
        consent_method=method,
        consent_by=patient.name,
        proxy_name=proxy_name,
        consent_statement=statement,
        consent_at=now,
        state=S.AWAITING_PAYMENT,
        **mailing,
    )
    session.add(req)
    session.flush()
    session.add(
        RecordCopyTransition(
            request_id=req.id, from_state=None, action="submit", to_state=req.state, actor=_who(actor)
        )
    )
    audit.record(
        session,
        actor,
        "record_copy.submit",
        "record_copy_request",
        req.id,
        patient_id=patient_id,
        relation=relation,
        consent=method,
        fee_fen=req.fee_fen,
        delivery=req.delivery,
    )
    events.emit(session, _changed(req, "submit"))
    try:
        session.commit()
    except IntegrityError:  # the same key raced us; answer with the winner
        session.rollback()
        return submit(session, actor, patient_id, data)
    return req


def _changed(req: RecordCopyRequest, action: str) -> RecordCopyChanged:
    return RecordCopyChanged(
        request_id=req.id, patient_id=req.patient_id, notice_id=req.notice_id, action=action, state=req.state
    )


def _move(
    session: Session, actor: Actor, req: RecordCopyRequest, action: str, note: str | None = None
) -> None:
    old = S(req.state)
    try:
        new = COPY_MACHINE.next_state(old, action, req)
    except InvalidTransition as exc:
        raise Conflict(
            exc.reason or N_("This request cannot do that now."),
            code="record_copy_invalid_transition",
            params={"state": old.value},
        ) from exc
    req.state = new
    session.add(
        RecordCopyTransition(
            request_id=req.id, from_state=old, action=action, to_state=new, actor=_who(actor), note=note
        )
    )
    audit.record(
        session,
        actor,
        f"record_copy.{action}",
        "record_copy_request",
        req.id,
        patient_id=req.patient_id,
        old=old.value,
        new=new.value,
        note=note or "",
    )
    events.emit(session, _changed(req, action))


def _refund_if_paid(session: Session, actor: Actor, req: RecordCopyRequest, old: str, why: str) -> None:
    if old in PAID_NOT_COPIED and req.paid_order_id is not None:
        payments_refunds.refund_fee(session, actor, req.paid_order_id, f"record copy {req.id} {why}")


def _locked(session: Session, request_id: int) -> RecordCopyRequest:
    req = session.scalar(
        select(RecordCopyRequest).where(RecordCopyRequest.id == request_id).with_for_update()
    )
    if req is None:
        raise NotFound(N_("Record copy request not found."), code="record_copy_not_found")
    return req


# --- the fee ----------------------------------------------------------------------------


def start_payment(
    session: Session,
    actor: Actor,
    request_id: int,
    *,
    channel: str,
    trade_type: str,
    place: str,
    idempotency_key: str,
    payer: str | None = None,
) -> PaymentOrder:
    """Starts (or, for a retried key, returns) the fee's payment order. The caller has checked
    that the requester may see this request."""
    req = get(session, request_id)
    if req.state != S.AWAITING_PAYMENT:
        raise Conflict(
            N_("This fee has already been paid or the request is closed."), code="record_copy_not_payable"
        )
    if (channel, trade_type) not in PAY_METHODS:
        raise InvalidInput(N_("This payment channel is not available."), code="channel_unavailable")
    order = payments_service.start_payment(
        session,
        actor,
        patient_id=req.patient_id,
        notice_id=req.notice_id,
        purpose=Purpose.RECORD_COPY,
        amount_fen=req.fee_fen,
        channel=channel,
        trade_type=trade_type,
        place=place,
        idempotency_key=idempotency_key,
        payer=payer,
    )
    if (
        session.scalar(select(RecordCopyPayment.id).where(RecordCopyPayment.payment_order_id == order.id))
        is None
    ):
        session.add(RecordCopyPayment(request_id=req.id, payment_order_id=order.id))
        try:
            session.commit()
        except IntegrityError:  # a concurrent retry linked it
            session.rollback()
    return order


def on_payment_credited(session: Session, order_id: int) -> None:
    """The fee arrived (called by the event handler, in its transaction). The first payment
    moves the request on; a second one, or one for a request already closed, goes back."""
    link = session.scalar(select(RecordCopyPayment).where(RecordCopyPayment.payment_order_id == order_id))
    if link is None:
        # The order was started but its link not yet committed: fail so the outbox retries.
        raise LookupError(f"record copy payment {order_id} has no request yet")
    req = _locked(session, link.request_id)
    if req.paid_order_id == order_id:
        return
    if req.state == S.AWAITING_PAYMENT:
        req.paid_order_id = order_id
        _move(session, SYSTEM, req, "pay")
        return
    refund = payments_refunds.refund_fee(
        session, SYSTEM, order_id, f"record copy {req.id} already paid or closed"
    )
    audit.record(
        session,
        SYSTEM,
        "record_copy.extra_payment_refunded",
        "record_copy_request",
        req.id,
        patient_id=req.patient_id,
        order_id=order_id,
        refund_id=refund.id if refund else None,
    )


def expire_unpaid(session: Session, now: datetime | None = None) -> int:
    """Cancels (action "expire") every request still waiting for its fee
    `settings.record_copy_payment_hours` after it was made; the patient is told by the
    `record_copy_expired` message. A payment that lands afterwards is refunded whole by
    `on_payment_credited`, as for any closed request. Each request commits on its own."""
    cutoff = (now or utcnow()) - timedelta(hours=get_settings().record_copy_payment_hours)
    ids = list(
        session.scalars(
            select(RecordCopyRequest.id)
            .where(RecordCopyRequest.state == S.AWAITING_PAYMENT, RecordCopyRequest.created_at < cutoff)
            .order_by(RecordCopyRequest.id)
            .limit(200)
        )
    )
    expired = 0
    for request_id in ids:
        req = _locked(session, request_id)
        # Paid (or cancelled) between the query and the lock: nothing to do.
        if req.state == S.AWAITING_PAYMENT:
            _move(session, SYSTEM, req, "expire")
            expired += 1
        session.commit()
    return expired


# --- the patient's and the office's steps ----------------------------------------------


def cancel(session: Session, actor: Actor, request_id: int) -> RecordCopyRequest:
    """The requester withdraws before copying starts; a paid fee goes back."""
    req = _locked(session, request_id)
    old = req.state
    _move(session, actor, req, "cancel")
    _refund_if_paid(session, actor, req, old, "cancelled")
    session.commit()
    return req


def act(
    session: Session,
    actor: Actor,
    request_id: int,
    action: str,
    *,
    reason: str = "",
    carrier: str = "",
    tracking_no: str = "",
) -> RecordCopyRequest:
    """A record office step: approve (identity verified), reject with a reason (fee refunded),
    ready for pick-up, picked up, mailed with carrier and tracking number."""
    if actor.kind != "staff" or not actor.has_role(*OFFICE_ROLES):
        raise Forbidden()
    if action not in STAFF_ACTIONS:
        raise InvalidInput(N_("Unknown action."), code="invalid_action")
    note: str | None = None
    if action == "reject":
        note = _text(reason, 2, 200, "invalid_reason", N_("Give the reason (2 to 200 characters)."), "reason")
    if action == "mail":
        if carrier not in fees.CARRIERS:
            raise InvalidInput(N_("Choose the carrier."), code="invalid_carrier", field="carrier")
        tracking = (tracking_no or "").strip().upper()
        if not TRACKING_RE.match(tracking):
            raise InvalidInput(
                N_("Enter the tracking number (8 to 30 letters or digits)."),
                code="invalid_tracking_no",
                field="tracking_no",
            )
        note = f"{carrier} {tracking}"
    req = _locked(session, request_id)
    if action == "approve":
        proofs.require_complete(session, req)  # a mailed copy: nobody shows the cards in person
    old = req.state
    _move(session, actor, req, action, note)
    if action == "reject":
        req.reject_reason = note
        _refund_if_paid(session, actor, req, old, "rejected")
    if action == "mail":
        req.carrier, req.tracking_no = carrier, tracking
    session.commit()
    return req


# --- reads ------------------------------------------------------------------------------
