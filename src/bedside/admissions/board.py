"""What the bed board reads, sized for a 5,000-bed hospital: occupancy per ward in one grouped
query, one page of beds at a time, a search of the beds a waiting patient could be given, and
the beds changed since the board last looked. Every function is a fixed number of statements
whatever the number of wards, beds or waiting patients."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from bedside.admissions.beds import BoardBed
from bedside.admissions.models import AdmissionNotice
from bedside.admissions.states import NoticeState
from bedside.hospital.models import Bed, Room, Ward
from bedside.hospital.states import BedState, RoomGender

PAGE_SIZE = 36  # bed tiles per page of the board: about one ward
SEARCH_SIZE = 20  # beds per page of a waiting patient's bed search
CHANGES_LIMIT = 200  # a poll that finds more than this many changes reloads the page instead
HOLDING = (NoticeState.BED_ASSIGNED, NoticeState.REGISTERED, NoticeState.ADMITTED)
IN_USE = (BedState.OCCUPIED, BedState.RESERVED)


@dataclass(frozen=True)
class WardRef:
    """The few columns of a ward the board shows: cheaper to read for 150 wards than the rows."""

    id: int
    code: str
    name: str
    department_id: int
    capacity_cap: int | None


@dataclass(frozen=True)
class WardOccupancy:
    ward: WardRef
    by_state: dict[str, int]

    @property
    def beds(self) -> int:
        return sum(self.by_state.values())

    @property
    def load(self) -> int:
        """In use or promised: what the staffing cap is counted against."""
        return sum(self.by_state.get(s.value, 0) for s in IN_USE)

    @property
    def available(self) -> int:
        """Free beds that may be given now: no more than the staffing cap leaves room for."""
        free = self.by_state.get(BedState.FREE.value, 0)
        if self.ward.capacity_cap is None:
            return free
        return max(0, min(free, self.ward.capacity_cap - self.load))


@dataclass(frozen=True)
class Occupancy:
    wards: list[WardOccupancy]

    def of_department(self, department_id: int | None) -> list[WardOccupancy]:
        return [w for w in self.wards if department_id is None or w.ward.department_id == department_id]

    def department_of(self, ward_id: int | None) -> int | None:
        return next((w.ward.department_id for w in self.wards if w.ward.id == ward_id), None)

    def load(self) -> dict[int, int]:
        return {w.ward.id: w.load for w in self.wards}

    def totals(self, department_id: int | None = None) -> dict[str, int]:
        out: dict[str, int] = {}
        for w in self.of_department(department_id):
            for state, n in w.by_state.items():
                out[state] = out.get(state, 0) + n
        return out


def occupancy(session: Session) -> Occupancy:
    """Every ward with its beds counted by state: two statements, however many wards."""
    counts: dict[int, dict[str, int]] = {}
    rows = session.execute(select(Bed.ward_id, Bed.state, func.count()).group_by(Bed.ward_id, Bed.state))
    for ward_id, state, n in rows:
        counts.setdefault(ward_id, {})[str(state)] = int(n)
    wards = session.execute(
        select(Ward.id, Ward.code, Ward.name, Ward.department_id, Ward.capacity_cap).order_by(
            Ward.code, Ward.id
        )
    )
    return Occupancy([WardOccupancy(WardRef(*w), counts.get(w.id, {})) for w in wards])


@dataclass(frozen=True)
class BedPage:
    items: list[BoardBed]
    page: int
    has_next: bool
    size: int = PAGE_SIZE
    filters: dict[str, object] = field(default_factory=dict)


def _with_stay(stmt: Select[Bed, Room, Ward]) -> Select[Bed, Room, Ward, AdmissionNotice]:
    """The stay holding each bed, joined in the same statement rather than read per bed."""
    return stmt.outerjoin(
        AdmissionNotice, and_(AdmissionNotice.bed_id == Bed.id, AdmissionNotice.state.in_(HOLDING))
    ).add_columns(AdmissionNotice)


def _paged(session: Session, stmt: Select[Bed, Room, Ward], page: int, size: int) -> BedPage:
    # One row more than the page tells whether there is a next page without counting them all.
    rows = session.execute(_with_stay(stmt).limit(size + 1).offset((page - 1) * size)).all()
    items = [BoardBed(bed, room, ward, stay) for bed, room, ward, stay in rows[:size]]
    return BedPage(items=items, page=page, has_next=len(rows) > size, size=size)


def _beds() -> Select[Bed, Room, Ward]:
    return (
        select(Bed, Room, Ward)
        .join(Room, Room.id == Bed.room_id)
        .join(Ward, Ward.id == Bed.ward_id)
        .order_by(Ward.code, Room.code, Bed.code, Bed.id)
    )


def bed_page(
    session: Session,
    *,
    department_id: int | None = None,
    ward_id: int | None = None,
    gender: str | None = None,
    state: str | None = None,
    page: int = 1,
) -> BedPage:
    """One page of the board's tiles: a ward's beds (drill-down) or the department's."""
    stmt = _beds()
    if ward_id:
        stmt = stmt.where(Bed.ward_id == ward_id)
    elif department_id:
        stmt = stmt.where(Ward.department_id == department_id)
    if gender:
        stmt = stmt.where(Room.gender == gender)
    if state:
        stmt = stmt.where(Bed.state == state)
    return _paged(session, stmt, page, PAGE_SIZE)


@dataclass(frozen=True)
class BedQuery:
    """What the clerk searches by for one waiting patient."""

    department_id: int
    patient_gender: str | None = None
    ward_id: int | None = None
    room: str = ""
    gender: str | None = None  # the room's; None: the ones that suit the patient
    free_only: bool = True
    loan: bool = False  # other departments' beds (a bed loan) instead of the own department's
    page: int = 1


def search(session: Session, q: BedQuery) -> BedPage:
    """Beds one patient could be given: a room of their sex or mixed, the own department's
    wards (or, for a loan, the others'), wards under their staffing cap, free ones unless asked
    otherwise. One statement for the page."""
    load = (
        select(Bed.ward_id.label("ward_id"), func.count().label("n"))
        .where(Bed.state.in_(IN_USE))
        .group_by(Bed.ward_id)
        .subquery()
    )
    stmt = _beds().outerjoin(load, load.c.ward_id == Ward.id)
    if q.loan:
        stmt = stmt.where(Ward.department_id != q.department_id)
    else:
        stmt = stmt.where(Ward.department_id == q.department_id)
    if q.ward_id:
        stmt = stmt.where(Bed.ward_id == q.ward_id)
    if q.room:
        stmt = stmt.where(Room.code.startswith(q.room, autoescape=True))
    if q.gender:
        stmt = stmt.where(Room.gender == q.gender)
    elif q.patient_gender:
        stmt = stmt.where(Room.gender.in_([q.patient_gender, RoomGender.MIXED]))
    if q.free_only:
        stmt = stmt.where(
            Bed.state == BedState.FREE,
            or_(Ward.capacity_cap.is_(None), func.coalesce(load.c.n, 0) < Ward.capacity_cap),
        )
    return _paged(session, stmt, q.page, SEARCH_SIZE)


def changed_since(
    session: Session, since: datetime, *, department_id: int | None = None, ward_id: int | None = None
) -> list[BoardBed] | None:
    """Beds of the view whose state changed after `since`; None when there are too many to
    patch in place (the page reloads instead)."""
    stmt = _beds().where(Bed.state_changed_at > since)
    if ward_id:
        stmt = stmt.where(Bed.ward_id == ward_id)
    elif department_id:
        stmt = stmt.where(Ward.department_id == department_id)
    rows = session.execute(_with_stay(stmt).limit(CHANGES_LIMIT + 1)).all()
    if len(rows) > CHANGES_LIMIT:
        return None
    return [BoardBed(bed, room, ward, stay) for bed, room, ward, stay in rows]
