"""Record copy requests, the payment orders started for each, their state history and the
proofs of identity a mailed copy asks for."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bedside.core.db import Base, utcnow
from bedside.records.states import CopyState


class RecordCopyRequest(Base):
    __tablename__ = "record_copy_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    # A double-tapped submit answers with the first request.
    request_key: Mapped[str] = mapped_column(String(100), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("admission_notices.id"), index=True)
    # Who asked: a phone account (with its relation to the patient) or a kiosk session.
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    requested_by: Mapped[str] = mapped_column(String(100))
    relation: Mapped[str] = mapped_column(String(10))
    purpose: Mapped[str] = mapped_column(String(30))
    parts: Mapped[list[str]] = mapped_column(JSON)
    copies: Mapped[int]
    delivery: Mapped[str] = mapped_column(String(10))  # pickup | mail
    recipient_name: Mapped[str | None] = mapped_column(String(50))
    recipient_phone: Mapped[str | None] = mapped_column(String(20))
    province: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(30))
    address: Mapped[str | None] = mapped_column(String(200))
    pages: Mapped[int]
    fee_fen: Mapped[int]  # copying + postage, what the patient pays
    postage_fen: Mapped[int]
    # The patient's consent: given by the patient in person (self) or declared by a proxy.
    consent_method: Mapped[str] = mapped_column(String(30))  # self | declared_authorization
    consent_by: Mapped[str] = mapped_column(String(50))  # whose consent: the patient's name
    proxy_name: Mapped[str | None] = mapped_column(String(50))
    consent_statement: Mapped[str] = mapped_column(Text)
    consent_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(20), default=CopyState.AWAITING_PAYMENT, index=True)
    paid_order_id: Mapped[int | None] = mapped_column(ForeignKey("payment_orders.id"))
    reject_reason: Mapped[str | None] = mapped_column(String(200))
    carrier: Mapped[str | None] = mapped_column(String(20))
    tracking_no: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class RecordCopyPayment(Base):
    """Each payment order started for a request, so a credit finds its request (and a second
    payment of one request is recognised and refunded)."""

    __tablename__ = "record_copy_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("record_copy_requests.id"), index=True)
    payment_order_id: Mapped[int] = mapped_column(ForeignKey("payment_orders.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RecordCopyTransition(Base):
    """History row of every state change: the patient's status timeline."""

    __tablename__ = "record_copy_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("record_copy_requests.id", ondelete="CASCADE"), index=True
    )
    from_state: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class RecordCopyProof(Base):
    """A proof the requester uploaded for a mailed copy: the photo of the patient's ID card, or
    the patient's signed authorization for a family member. Kept in the database (re-encoded,
    metadata stripped), shown only to the record office; a new upload of a kind replaces the
    old one."""

    __tablename__ = "record_copy_proofs"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("record_copy_requests.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))  # id_card | authorization
    content_type: Mapped[str] = mapped_column(String(20))  # image/jpeg | image/png
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
