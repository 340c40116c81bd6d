"""Discharge medication: the doctor's order (console or HIS), the nurse's confirmation or
return, the pharmacy's acceptance (with a substitute for a drug out of stock) and the
counselling at the bedside. Packing, delivery runs and the ward's scan are in `delivery`.

Every change of state goes through MED_MACHINE, is kept as a transition row and audited.
The drugs are posted to the stay's charges when the pharmacy accepts the order, by a line id
of their own, so a retry posts nothing twice and settlement includes them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.admissions import service as notices
from bedside.admissions.models import AdmissionNotice
from bedside.charges import service as charges
from bedside.charges.models import Category
from bedside.core import audit, events
from bedside.core.audit import Actor
from bedside.core.clock import local_today
from bedside.core.db import utcnow
from bedside.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.core.states import InvalidTransition
from bedside.medication.events import MedicationMoved
from bedside.medication.formulary import DRUGS
from bedside.medication.models import MedicationItem, MedicationOrder, MedicationTransition
from bedside.medication.schemas import DrugIn
from bedside.medication.states import ACTION_ROLES, MED_MACHINE, MedState

S = MedState
MAX_DRUGS = 20
MIN_REASON = 4
# The patient hears of these moves; the others are the staff's business.
TOLD = frozenset({S.DISPATCHED, S.RECEIVED, S.COUNSELLED})


def who(actor: Actor) -> str:
    return f"{actor.kind}:{actor.id or actor.label}"[:100]


def get(session: Session, order_id: int, *, lock: bool = False) -> MedicationOrder:
    stmt = select(MedicationOrder).where(MedicationOrder.id == order_id)
    row = session.scalar(stmt.with_for_update() if lock else stmt)
    if row is None:
        raise NotFound(N_("No such discharge-medication order."), code="medication_order_not_found")
    return row


def for_stay(session: Session, notice_id: int) -> list[MedicationOrder]:
    return list(
        session.scalars(
            select(MedicationOrder).where(MedicationOrder.notice_id == notice_id).order_by(MedicationOrder.id)
        )
    )


def items(session: Session, order_id: int) -> list[MedicationItem]:
    return list(
        session.scalars(
            select(MedicationItem).where(MedicationItem.order_id == order_id).order_by(MedicationItem.id)
        )
    )


def history(session: Session, order_id: int) -> list[MedicationTransition]:
    return list(
        session.scalars(
            select(MedicationTransition)
            .where(MedicationTransition.order_id == order_id)
            .order_by(MedicationTransition.id)
        )
    )


def handover(session: Session, notice_id: int) -> bool | None:
    """For the ward-clearance guard: None when the stay has no live order (the guard falls
    back to the nurse's recorded handover), else whether every live order is counselled."""
    states = set(
        session.scalars(
            select(MedicationOrder.state).where(
                MedicationOrder.notice_id == notice_id, MedicationOrder.state != S.CANCELLED
            )
        )
    )
    return None if not states else states == {S.COUNSELLED}


def require(actor: Actor, action: str) -> None:
    if not actor.has_role(*ACTION_ROLES[action]):
        raise Forbidden(
            N_("Your role does not take this step of discharge medication."), code="medication_role"
        )


def check(order: MedicationOrder, action: str) -> None:
    try:
        MED_MACHINE.next_state(S(order.state), action)
    except InvalidTransition as exc:
        raise Conflict(
            N_("This discharge-medication order cannot do that now."),
            code="medication_invalid_transition",
            params={"state": order.state},
        ) from exc


def move(
    session: Session, actor: Actor, order: MedicationOrder, action: str, reason: str | None = None
) -> AdmissionNotice:
    check(order, action)
    old = S(order.state)
    new = MED_MACHINE.next_state(old, action)
    order.state = new
    session.add(
        MedicationTransition(
            order_id=order.id,
            from_state=old,
            action=action,
            to_state=new,
            actor=who(actor),
            reason=(reason or "")[:300] or None,
        )
    )
    notice = notices.get(session, order.notice_id)
    audit.record(
        session,
        actor,
        f"medication.{action}",
        "medication_order",
        order.id,
        patient_id=notice.patient_id,
        old=old.value,
        new=new.value,
    )
    if new in TOLD and old != new:
        events.emit(
            session,
            MedicationMoved(order_id=order.id, notice_id=notice.id, patient_id=notice.patient_id, state=new),
        )
    return notice


def _items(order_id: int, drugs: list[DrugIn]) -> list[MedicationItem]:
    if not 1 <= len(drugs) <= MAX_DRUGS:
        raise InvalidInput(N_("Order between 1 and 20 drugs."), code="invalid_drug_count", field="drugs")
    rows = []
    for d in drugs:
        known = DRUGS.get(d.drug_code)
        if known is None and (not d.drug_name or d.unit_price_fen is None):
            raise InvalidInput(
                N_("A drug outside the formulary needs its name and unit price."),
                code="unknown_drug",
                field="drug_code",
            )
        price = d.unit_price_fen if d.unit_price_fen is not None else known.unit_price_fen if known else 0
        rows.append(
            MedicationItem(
                order_id=order_id,
                drug_code=d.drug_code,
                drug_name=(d.drug_name or (known.name if known else "")).strip(),
                spec=(d.spec or (known.spec if known else "")).strip(),
                unit=(d.unit or (known.unit if known else "")).strip(),
                quantity=d.quantity,
                dose=d.dose.strip(),
                frequency=d.frequency,
                days=d.days,
                instructions=(d.instructions or "").strip() or None,
                unit_price_fen=price,
            )
        )
    return rows


def order(
    session: Session,
    actor: Actor,
    notice_id: int,
    drugs: list[DrugIn],
    *,
    source: str = "console",
    his_ref: str | None = None,
) -> MedicationOrder:
    """The doctor's discharge-medication order; the caller commits."""
    if not actor.has_role("doctor"):
        raise Forbidden(N_("Only doctors order discharge medication."), code="doctor_only")
    notice = notices.get(session, notice_id)
    if notice.state != "admitted":
        raise Conflict(N_("Only an admitted stay can be discharged."), code="stay_not_admitted")
    if any(o.state not in (S.CANCELLED, S.COUNSELLED) for o in for_stay(session, notice_id)):
        raise Conflict(
            N_("This stay already has a discharge-medication order in progress."),
            code="medication_order_exists",
        )
    row = MedicationOrder(notice_id=notice_id, ordered_by=who(actor), source=source, his_ref=his_ref)
    session.add(row)
    session.flush()
    session.add_all(_items(row.id, drugs))
    audit.record(
        session,
        actor,
        "medication.order",
        "medication_order",
        row.id,
        patient_id=notice.patient_id,
        drugs=len(drugs),
    )
    return row


def amend(session: Session, actor: Actor, order_id: int, drugs: list[DrugIn]) -> MedicationOrder:
    """The doctor answers a returned order with a new list of drugs."""
    require(actor, "amend")
    row = get(session, order_id, lock=True)
    check(row, "amend")
    new_items = _items(row.id, drugs)
    for item in items(session, row.id):
        session.delete(item)
    session.add_all(new_items)
    row.return_reason = None
    move(session, actor, row, "amend")
    session.commit()
    return row


def act(session: Session, actor: Actor, order_id: int, action: str, note: str = "") -> MedicationOrder:
    """confirm, return, cancel, pharmacy_return, accept and counsel."""
    if action not in ("confirm", "return", "cancel", "pharmacy_return", "accept", "counsel"):
        raise InvalidInput(N_("Unknown action."), code="invalid_action")
    require(actor, action)
    note = note.strip()
    if action in ("return", "pharmacy_return", "counsel") and len(note) < MIN_REASON:
        raise InvalidInput(
            N_("Say why the order goes back, or what the patient was told."),
            code="note_required",
            field="note",
        )
    row = get(session, order_id, lock=True)
    check(row, action)
    if action == "accept" and not row.charges_posted:
        _post_charges(session, actor, row)
        row = get(session, order_id, lock=True)  # posting ended the transaction
        check(row, action)
        row.charges_posted = True
    if action in ("return", "pharmacy_return"):
        row.return_reason = note[:300]
    if action == "counsel":
        row.counselled_at, row.counselled_by, row.counsel_note = utcnow(), who(actor), note[:500]
    move(session, actor, row, action, note or None)
    session.commit()
    return row


def substitute(
    session: Session, actor: Actor, order_id: int, item_id: int, drug_code: str, reason: str
) -> MedicationItem:
    """Out of stock: the pharmacist gives a formulary drug in place of one ordered."""
    require(actor, "substitute")
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise InvalidInput(N_("Say why the drug is substituted."), code="note_required", field="note")
    drug = DRUGS.get(drug_code)
    if drug is None:
        raise InvalidInput(N_("Pick a drug from the formulary."), code="unknown_drug", field="drug_code")
    row = get(session, order_id, lock=True)
    check(row, "substitute")
    item = next((i for i in items(session, row.id) if i.id == item_id), None)
    if item is None:
        raise NotFound(N_("No such drug on this order."), code="medication_item_not_found")
    was = f"{item.drug_code} {item.drug_name} {item.spec}"
    item.drug_code, item.drug_name, item.spec, item.unit = drug.code, drug.name, drug.spec, drug.unit
    item.unit_price_fen = drug.unit_price_fen
    item.substituted_from = f"{was} ({reason})"[:300]
    move(session, actor, row, "substitute", f"{was} → {drug.code}: {reason}")
    session.commit()
    return item


def _post_charges(session: Session, actor: Actor, row: MedicationOrder) -> None:
    today = local_today()
    lines = [
        charges.ChargeIn(
            his_line_id=f"MED{row.id}-{i.id}",
            code=i.drug_code,
            name=i.drug_name,
            spec=i.spec or None,
            category=Category.WESTERN_DRUG,
            insurance_class="B",
            unit_price_fen=i.unit_price_fen,
            quantity=str(i.quantity),
            amount_fen=i.unit_price_fen * i.quantity,
            service_date=today,
        )
        for i in items(session, row.id)
    ]
    charges.post(session, actor, row.notice_id, lines)
