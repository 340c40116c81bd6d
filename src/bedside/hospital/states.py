"""Bed lifecycle. The admission issue adds reservations from the bed board."""

from __future__ import annotations

from enum import StrEnum

from bedside.core.states import Machine


class BedState(StrEnum):
    FREE = "free"
    RESERVED = "reserved"
    OCCUPIED = "occupied"
    CLEANING = "cleaning"
    CLOSED = "closed"
    ISOLATION = "isolation"


class RoomGender(StrEnum):
    MALE = "M"
    FEMALE = "F"
    MIXED = "X"


BED_TRANSITIONS: dict[tuple[BedState, str], BedState] = {
    (BedState.FREE, "reserve"): BedState.RESERVED,
    (BedState.FREE, "occupy"): BedState.OCCUPIED,
    (BedState.FREE, "close"): BedState.CLOSED,
    (BedState.FREE, "isolate"): BedState.ISOLATION,
    (BedState.RESERVED, "release"): BedState.FREE,
    (BedState.RESERVED, "occupy"): BedState.OCCUPIED,
    (BedState.OCCUPIED, "vacate"): BedState.CLEANING,
    (BedState.CLEANING, "finish_cleaning"): BedState.FREE,
    (BedState.CLOSED, "reopen"): BedState.FREE,
    (BedState.ISOLATION, "end_isolation"): BedState.CLEANING,
}

BED_MACHINE: Machine[BedState] = Machine("bed", BED_TRANSITIONS)
