"""Proofs of identity for a mailed record copy: nobody is at the counter to check the ID card,
so the requester uploads a photo of the patient's ID card and, for a family member, the
patient's signed authorization; the record office sees them before "identity verified".

An upload is checked and re-encoded by `core.images` (what it is, not what the browser says;
EXIF and location dropped) and kept in the database, never under a public path; only the
record office can fetch it, and each view is audited."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bedside.core import audit, images
from bedside.core.audit import Actor
from bedside.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.records.models import RecordCopyProof, RecordCopyRequest
from bedside.records.queries import OFFICE_ROLES
from bedside.records.states import CopyState

KINDS = ("id_card", "authorization")
LABELS = {
    "id_card": N_("Photo of the patient's resident ID card"),
    "authorization": N_("The patient's signed authorization"),
}
MAX_BYTES = images.MAX_BYTES
MAX_SIDE = images.MAX_SIDE  # enough to read an ID card; a larger photo is scaled down
# Proofs can be given until the office has checked them.
OPEN_STATES = frozenset({CopyState.AWAITING_PAYMENT, CopyState.RECEIVED})


@dataclass(frozen=True)
class ProofInfo:
    """What a page shows of a proof: never its bytes."""

    id: int
    kind: str
    content_type: str
    size: int
    uploaded_at: datetime


def required(req: RecordCopyRequest) -> tuple[str, ...]:
    """Proofs the request needs: none when picked up (the office sees the cards in person) or
    asked for at a kiosk (the patient signed in there with their own card or second factor)."""
    if req.delivery != "mail" or req.account_id is None:
        return ()
    return ("id_card",) if req.relation == "self" else KINDS


def given(session: Session, request_id: int) -> dict[str, ProofInfo]:
    rows = session.execute(
        select(
            RecordCopyProof.id,
            RecordCopyProof.kind,
            RecordCopyProof.content_type,
            RecordCopyProof.size,
            RecordCopyProof.uploaded_at,
        ).where(RecordCopyProof.request_id == request_id)
    )
    return {r.kind: ProofInfo(r.id, r.kind, r.content_type, r.size, r.uploaded_at) for r in rows}


def missing(session: Session, req: RecordCopyRequest) -> list[str]:
    have = given(session, req.id) if required(req) else {}
    return [kind for kind in required(req) if kind not in have]


def require_complete(session: Session, req: RecordCopyRequest) -> None:
    """The office's "identity verified" waits for every proof the request needs."""
    gaps = missing(session, req)
    if gaps:
        raise Conflict(
            N_("The requester has not uploaded every proof this mailed copy needs yet."),
            code="proof_missing",
            params={"missing": gaps},
        )


class NotAnImage(InvalidInput):
    code = "invalid_proof_file"
    message = N_("Choose a JPEG or PNG photo of at most 5 MB.")


def clean_image(data: bytes) -> tuple[bytes, str]:
    """The upload re-encoded as (bytes, content type), or NotAnImage."""
    return images.clean_image(data, max_bytes=MAX_BYTES, error=NotAnImage)


def upload(session: Session, actor: Actor, req: RecordCopyRequest, kind: str, data: bytes) -> ProofInfo:
    """`req` was found for the caller's own patients. Replaces an earlier proof of the kind."""
    if kind not in required(req):
        raise InvalidInput(N_("This request does not ask for that proof."), code="invalid_proof_kind")
    if req.state not in OPEN_STATES:
        raise Conflict(N_("The record office has already checked this request."), code="proof_closed")
    clean, content_type = clean_image(data)
    session.execute(
        delete(RecordCopyProof).where(RecordCopyProof.request_id == req.id, RecordCopyProof.kind == kind)
    )
    row = RecordCopyProof(
        request_id=req.id,
        kind=kind,
        content_type=content_type,
        size=len(clean),
        sha256=hashlib.sha256(clean).hexdigest(),
        data=clean,
        uploaded_by=f"{actor.kind}:{actor.id or actor.label}"[:100],
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "record_copy.proof_uploaded",
        "record_copy_request",
        req.id,
        patient_id=req.patient_id,
        kind=kind,
        size=row.size,
    )
    session.commit()
    return ProofInfo(row.id, row.kind, row.content_type, row.size, row.uploaded_at)


def for_office(session: Session, actor: Actor, request_id: int, proof_id: int) -> RecordCopyProof:
    """A proof's bytes, for the record office only; the view is audited."""
    if actor.kind != "staff" or not actor.has_role(*OFFICE_ROLES):
        raise Forbidden()
    row = session.get(RecordCopyProof, proof_id)
    if row is None or row.request_id != request_id:
        raise NotFound(N_("No proof has this number."), code="proof_not_found")
    req = session.get(RecordCopyRequest, request_id)
    audit.record(
        session,
        actor,
        "record_copy.proof_viewed",
        "record_copy_request",
        request_id,
        patient_id=req.patient_id if req else None,
        kind=row.kind,
    )
    session.commit()
    return row
