"""Tables of the hospital's physical and organisational structure."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bedside.core.db import Base, utcnow
from bedside.hospital.states import BedState, RoomGender


class Hospital(Base):
    __tablename__ = "hospitals"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(10), default="3A")  # 三甲 etc.: insurance rates


class Campus(Base):
    __tablename__ = "campuses"
    __table_args__ = (UniqueConstraint("hospital_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hospital_id: Mapped[int] = mapped_column(ForeignKey("hospitals.id"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(200))


class Department(Base):
    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("hospital_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hospital_id: Mapped[int] = mapped_column(ForeignKey("hospitals.id"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    # What a patient is asked to pay first; the money issue uses it as the minimum.
    suggested_deposit_fen: Mapped[int] = mapped_column(default=300000)


class Ward(Base):
    __tablename__ = "wards"
    __table_args__ = (UniqueConstraint("campus_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campus_id: Mapped[int] = mapped_column(ForeignKey("campuses.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    building: Mapped[str | None] = mapped_column(String(50))
    floor: Mapped[int | None]
    # An empty bed is not always an available bed: staffing caps occupancy.
    capacity_cap: Mapped[int | None]
    low_balance_threshold_fen: Mapped[int] = mapped_column(default=100000)

    department: Mapped[Department] = relationship(lazy="joined")


class Room(Base):
    __tablename__ = "rooms"
    __table_args__ = (UniqueConstraint("ward_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("wards.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    gender: Mapped[RoomGender] = mapped_column(String(1), default=RoomGender.MIXED)


class Bed(Base):
    __tablename__ = "beds"
    __table_args__ = (
        UniqueConstraint("room_id", "code"),
        # The bed board counts beds by ward and state, and polls the beds changed lately.
        Index("ix_beds_ward_id_state", "ward_id", "state"),
        Index("ix_beds_state_changed_at", "state_changed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"), index=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("wards.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    state: Mapped[BedState] = mapped_column(String(20), default=BedState.FREE, index=True)
    state_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Optimistic lock: two staff assigning one bed at once — one write wins.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
