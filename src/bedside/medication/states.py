"""The discharge-medication lifecycle: ordered, nurse confirmed, pharmacy accepted, packed and
delivered, counselled. A nurse or the pharmacy returns an order to the doctor, who amends it."""

from __future__ import annotations

from enum import StrEnum

from bedside.core.states import Machine


class MedState(StrEnum):
    ORDERED = "ordered"
    RETURNED = "returned"
    NURSE_CONFIRMED = "nurse_confirmed"
    PHARMACY_ACCEPTED = "pharmacy_accepted"
    PACKED = "packed"
    DISPATCHED = "dispatched"
    RECEIVED = "received"
    COUNSELLED = "counselled"
    CANCELLED = "cancelled"


S = MedState
MED_TRANSITIONS: dict[tuple[MedState, str], MedState] = {
    (S.ORDERED, "confirm"): S.NURSE_CONFIRMED,
    (S.ORDERED, "return"): S.RETURNED,
    (S.ORDERED, "cancel"): S.CANCELLED,
    (S.RETURNED, "amend"): S.ORDERED,
    (S.RETURNED, "cancel"): S.CANCELLED,
    # Out of stock: the pharmacist substitutes a drug (the order stays with the pharmacy) or
    # sends the order back to the doctor.
    (S.NURSE_CONFIRMED, "substitute"): S.NURSE_CONFIRMED,
    (S.NURSE_CONFIRMED, "pharmacy_return"): S.RETURNED,
    (S.NURSE_CONFIRMED, "accept"): S.PHARMACY_ACCEPTED,
    (S.PHARMACY_ACCEPTED, "pack"): S.PACKED,
    (S.PACKED, "dispatch"): S.DISPATCHED,
    (S.DISPATCHED, "receive"): S.RECEIVED,
    (S.RECEIVED, "counsel"): S.COUNSELLED,
}
MED_MACHINE: Machine[MedState] = Machine("discharge_medication", MED_TRANSITIONS)

# Who may take each action (role code names as in staff.roles).
ACTION_ROLES: dict[str, frozenset[str]] = {
    "confirm": frozenset({"nurse"}),
    "return": frozenset({"nurse"}),
    "amend": frozenset({"doctor"}),
    "cancel": frozenset({"doctor"}),
    "substitute": frozenset({"pharmacist"}),
    "pharmacy_return": frozenset({"pharmacist"}),
    "accept": frozenset({"pharmacist"}),
    "pack": frozenset({"pharmacist"}),
    "dispatch": frozenset({"pharmacist"}),
    "receive": frozenset({"nurse"}),
    "counsel": frozenset({"nurse", "pharmacist"}),
}

# The five steps the patient sees; a returned order is back at the doctor's step.
STEPS: dict[MedState, int] = {
    S.ORDERED: 1,
    S.RETURNED: 1,
    S.NURSE_CONFIRMED: 2,
    S.PHARMACY_ACCEPTED: 3,
    S.PACKED: 4,
    S.DISPATCHED: 4,
    S.RECEIVED: 4,
    S.COUNSELLED: 5,
    S.CANCELLED: 0,
}
ACTIVE = tuple(s for s in MedState if s != S.CANCELLED)
PHARMACY = (S.NURSE_CONFIRMED, S.PHARMACY_ACCEPTED, S.PACKED)
