"""A ward's own settings: the staffed-capacity cap (an empty bed is not an available bed when
the ward has not the nurses for it; admissions/beds.py counts assignments against it) and the
deposit balance under which its patients are told to top up (deposits/service.py)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bedside.core import audit
from bedside.core.audit import Actor
from bedside.core.errors import Forbidden, InvalidInput
from bedside.core.i18n import N_
from bedside.core.money import parse_amount
from bedside.hospital import service as hospital_service
from bedside.hospital.models import Bed, Ward

EDITOR_ROLES = ("admin", "manager", "nurse")
# ¥100,000: a threshold above it is a typing mistake, not a policy.
MAX_THRESHOLD_FEN = 10_000_000


def bed_count(session: Session, ward_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(Bed).where(Bed.ward_id == ward_id)) or 0)


def update(
    session: Session, actor: Actor, ward_id: int, *, capacity_cap: str, low_balance_threshold: str
) -> Ward:
    """`capacity_cap`: a whole number of beds, or empty for no cap; the threshold in yuan.
    Whether this actor may change this ward (role scope) is the caller's check."""
    if not actor.has_role(*EDITOR_ROLES):
        raise Forbidden()
    ward = hospital_service.get_ward(session, ward_id)
    beds = bed_count(session, ward.id)
    raw = capacity_cap.strip()
    cap: int | None = None
    if raw:
        if not (raw.isdigit() and len(raw) <= 6 and int(raw) <= beds):
            raise InvalidInput(
                N_("The staffed capacity is a number of beds from 0 to %(beds)s, or empty for no cap."),
                code="invalid_capacity_cap",
                params={"beds": beds},
                field="capacity_cap",
            )
        cap = int(raw)
    threshold = parse_amount(
        low_balance_threshold, min_fen=0, max_fen=MAX_THRESHOLD_FEN, field="low_balance_threshold"
    )
    old = {"capacity_cap": ward.capacity_cap, "low_balance_threshold_fen": ward.low_balance_threshold_fen}
    ward.capacity_cap = cap
    ward.low_balance_threshold_fen = threshold
    audit.record(
        session,
        actor,
        "ward.settings",
        "ward",
        ward.id,
        old=old,
        new={"capacity_cap": cap, "low_balance_threshold_fen": threshold},
    )
    session.commit()
    return ward
