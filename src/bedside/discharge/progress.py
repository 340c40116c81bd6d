"""Where a discharge stands, as the patient follows it: each stage from the order to leaving
the ward, done (and when), current, still to come, or not needed (a self-pay stay has no
insurance review). Read only; the stages move in discharge/service.py."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.core.i18n import N_
from bedside.discharge.models import Discharge, DischargeTransition
from bedside.discharge.states import DischargeState

S = DischargeState
STAGES: tuple[tuple[str, str, str], ...] = (
    (S.ORDERED, N_("Discharge ordered"), N_("The ward is checking the last orders and charges.")),
    (S.WARD_CLEARED, N_("Ward cleared"), N_("The bill is being reviewed for insurance.")),
    (S.INSURANCE_REVIEWED, N_("Insurance reviewed"), N_("Settlement opens in a moment.")),
    (S.READY_TO_SETTLE, N_("Ready to settle"), N_("You can settle now, on the phone or at a kiosk.")),
    (S.SETTLED, N_("Settled"), N_("Your documents are ready. The ward nurse sees you off.")),
    (S.DISCHARGED, N_("Left the ward"), N_("We wish you a good recovery.")),
)


@dataclass(frozen=True)
class Stage:
    code: str
    title: str  # message id
    now: str  # message id: what happens while this stage is the current one
    status: str  # done | current | todo | skipped
    at: datetime | None = None


def stages(state: str, ordered_at: datetime, moves: Iterable[tuple[str, datetime]]) -> list[Stage]:
    """`moves`: (to_state, at) of the discharge's transitions, oldest first. A stage reached
    again after an undo (returned to the ward, a reversed settlement) shows its latest time."""
    reached: dict[str, datetime] = {S.ORDERED: ordered_at}
    for to_state, at in moves:
        reached[to_state] = at
    codes = [code for code, _, _ in STAGES]
    current = codes.index(state) if state in codes else -1  # revoked: none is current
    out = []
    for i, (code, title, now) in enumerate(STAGES):
        if current < 0:
            status = "todo"
        elif i < current:
            status = "done" if code in reached else "skipped"
        else:
            status = "current" if i == current else "todo"
        out.append(Stage(code, title, now, status, reached.get(code) if status != "todo" else None))
    return out


def for_discharge(session: Session, d: Discharge) -> list[Stage]:
    moves = session.execute(
        select(DischargeTransition.to_state, DischargeTransition.at)
        # A revoked order ordered again starts over: the earlier run's moves are history.
        .where(DischargeTransition.discharge_id == d.id, DischargeTransition.at >= d.ordered_at)
        .order_by(DischargeTransition.id)
    )
    return stages(d.state, d.ordered_at, ((str(t), at) for t, at in moves))
