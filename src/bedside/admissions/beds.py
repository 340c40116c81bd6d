"""The admission prep center's side of a stay: the per-department queue of bed requests, the
bed board, assigning (and lending) a bed, and assignments that expire."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bedside.admissions import green
from bedside.admissions import service as notices
from bedside.admissions.events import BedAssigned, BedAssignmentExpired
from bedside.admissions.models import AdmissionNotice
from bedside.admissions.states import AdmissionKind, NoticeState, Priority
from bedside.core import audit, events
from bedside.core.audit import SYSTEM, Actor
from bedside.core.db import utcnow
from bedside.core.errors import Conflict, Forbidden
from bedside.core.i18n import N_
from bedside.hospital import service as hospital_service
from bedside.hospital.models import Bed, Room, Ward
from bedside.hospital.states import BedState, RoomGender
from bedside.patients import service as patients_service
from bedside.patients.models import Patient
from bedside.settings import get_settings

# How long an assigned bed is held for a patient who has not come to complete admission.
ASSIGNMENT_HOLD = timedelta(hours=24)
# Over this many days of history the queue's pace gives the expected wait.
PACE_WINDOW_DAYS = 14


@dataclass(frozen=True)
class QueueEntry:
    notice: AdmissionNotice
    patient_name: str
    gender: str
    position: int
    waiting: timedelta


def queue(session: Session, department_id: int) -> list[QueueEntry]:
    """Waiting bed requests of a department: urgent first, then first come first served. The
    patients' names come in the same statement: a long queue is still one read."""
    rows = session.execute(
        select(AdmissionNotice, Patient.name, Patient.gender)
        .join(Patient, Patient.id == AdmissionNotice.patient_id)
        .where(
            AdmissionNotice.department_id == department_id,
            AdmissionNotice.state == NoticeState.BED_REQUESTED,
        )
        .order_by(
            (AdmissionNotice.priority == Priority.URGENT).desc(),
            AdmissionNotice.bed_requested_at,
            AdmissionNotice.id,
        )
    ).all()
    now = utcnow()
    return [
        QueueEntry(n, name, gender, i, now - (n.bed_requested_at or now))
        for i, (n, name, gender) in enumerate(rows, start=1)
    ]


@dataclass(frozen=True)
class Place:
    position: int
    ahead: int
    expected_days: float | None  # None: no assignments lately to judge the pace by


def place_in_queue(session: Session, notice: AdmissionNotice) -> Place | None:
    if notice.state != NoticeState.BED_REQUESTED:
        return None
    entries = queue(session, notice.department_id)
    position = next((e.position for e in entries if e.notice.id == notice.id), len(entries))
    since = utcnow() - timedelta(days=PACE_WINDOW_DAYS)
    assigned = session.scalar(
        select(func.count())
        .select_from(AdmissionNotice)
        .where(AdmissionNotice.department_id == notice.department_id, AdmissionNotice.assigned_at >= since)
    )
    per_day = (assigned or 0) / PACE_WINDOW_DAYS
    expected = round(position / per_day, 1) if per_day > 0 else None
    return Place(position=position, ahead=position - 1, expected_days=expected)


@dataclass(frozen=True)
class BoardBed:
    bed: Bed
    room: Room
    ward: Ward
    stay: AdmissionNotice | None  # the stay holding the bed, if any


def ward_load(session: Session, ward_id: int) -> int:
    """Beds of the ward in use or promised: what the ward's staffing cap is counted against."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(Bed)
            .where(Bed.ward_id == ward_id, Bed.state.in_([BedState.OCCUPIED, BedState.RESERVED]))
        )
        or 0
    )


def assign(
    session: Session, actor: Actor, notice_id: int, bed_id: int, *, lend: bool = False
) -> AdmissionNotice:
    """Reserves a free bed for a waiting stay. Of two staff assigning one bed at once,
    exactly one wins; the other is told the bed is gone."""
    if not actor.has_role("admission_center"):
        raise Forbidden(N_("Only the admission prep center assigns beds."), code="admission_center_only")
    notice = notices.get(session, notice_id)
    if notice.state == NoticeState.ISSUED and notice.kind != AdmissionKind.EMERGENCY:
        raise Conflict(N_("The patient has not requested a bed yet."), code="bed_not_requested")
    bed = hospital_service.get_bed(session, bed_id)
    room = session.get(Room, bed.room_id)
    ward = hospital_service.get_ward(session, bed.ward_id)
    patient = patients_service.get(session, notice.patient_id)
    if room is not None and room.gender != RoomGender.MIXED and room.gender != patient.gender:
        raise Conflict(
            N_("This room is for the other gender. Choose a bed in a suitable room."), code="bed_wrong_gender"
        )
    loan = ward.department_id != notice.department_id
    if loan and not lend:
        raise Conflict(
            N_("This bed belongs to another department. Lend it explicitly, or choose another bed."),
            code="bed_other_department",
        )
    if ward.capacity_cap is not None and ward_load(session, ward.id) >= ward.capacity_cap:
        raise Conflict(
            N_("The ward is at its staffed capacity; an empty bed there is not available."),
            code="ward_at_capacity",
        )
    notices.transition(session, actor, notice, "assign_bed")  # refuses a stay in the wrong state
    hospital_service.move_bed(session, bed.id, "reserve", actor)
    now = utcnow()
    notice.bed_id, notice.ward_id, notice.bed_loan = bed.id, ward.id, loan
    notice.assigned_at, notice.assignment_expires_at = now, hold_until(notice, now)
    audit.record(
        session,
        actor,
        "admission.assign_bed",
        "admission_notice",
        notice.id,
        patient_id=notice.patient_id,
        bed_id=bed.id,
        loan=loan,
    )
    _set_deposit_ward(session, notice)
    events.emit(
        session,
        BedAssigned(
            notice_id=notice.id, patient_id=notice.patient_id, bed_id=bed.id, ward_id=ward.id, loan=loan
        ),
    )
    session.commit()
    from bedside.admissions import stay

    if not green.register_on_bed(session, actor, notice.id):
        stay.try_register(session, actor, notice.id)  # the details may all be in already
    return notices.get(session, notice.id)


def hold_until(notice: AdmissionNotice, now: datetime) -> datetime:
    """The bed is held ASSIGNMENT_HOLD, and at least through the earliest day the patient said
    they can come: a patient who asked for Friday must find the bed there on Friday."""
    held = now + ASSIGNMENT_HOLD
    if notice.earliest_date is None:
        return held
    tz = get_settings().tz
    day_after = datetime.combine(notice.earliest_date + timedelta(days=1), time(0), tzinfo=tz)
    return max(held, day_after.astimezone(UTC))


def _set_deposit_ward(session: Session, notice: AdmissionNotice) -> None:
    from bedside.deposits import service as deposits_service

    deposits_service.account_for_notice(session, notice.patient_id, notice.id).ward_id = notice.ward_id


def free_reserved(session: Session, actor: Actor, bed_id: int) -> None:
    bed = hospital_service.get_bed(session, bed_id)
    if bed.state == BedState.RESERVED:
        hospital_service.move_bed(session, bed_id, "release", actor)


def _unassign(session: Session, actor: Actor, notice: AdmissionNotice, action: str) -> None:
    bed_id = notice.bed_id
    notices.transition(session, actor, notice, action)
    if bed_id is not None:
        free_reserved(session, actor, bed_id)
    notice.bed_id = notice.ward_id = None
    notice.bed_loan = False
    notice.assigned_at = notice.assignment_expires_at = None


def release(session: Session, actor: Actor, notice_id: int) -> AdmissionNotice:
    """Staff take an assigned bed back; the stay returns to the queue."""
    if not actor.has_role("admission_center"):
        raise Forbidden(N_("Only the admission prep center assigns beds."), code="admission_center_only")
    notice = session.get(AdmissionNotice, notice_id, with_for_update=True) or notices.get(session, notice_id)
    _unassign(session, actor, notice, "release_bed")
    session.commit()
    return notice


def expire_assignments(session: Session, now: datetime | None = None) -> int:
    """Assignments not taken up in time: the bed goes back to the pool, the stay to the queue."""
    now = now or utcnow()
    ids = list(
        session.scalars(
            select(AdmissionNotice.id).where(
                AdmissionNotice.state == NoticeState.BED_ASSIGNED,
                AdmissionNotice.assignment_expires_at <= now,
            )
        )
    )
    session.commit()
    done = 0
    for notice_id in ids:
        notice = session.get(AdmissionNotice, notice_id, with_for_update=True)
        if notice is None or notice.state != NoticeState.BED_ASSIGNED or notice.bed_id is None:
            session.rollback()
            continue
        bed_id = notice.bed_id
        _unassign(session, SYSTEM, notice, "expire")
        events.emit(
            session, BedAssignmentExpired(notice_id=notice.id, patient_id=notice.patient_id, bed_id=bed_id)
        )
        session.commit()
        done += 1
    return done
