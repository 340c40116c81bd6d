"""Fleet tables: where each kiosk stands, alerts, repair tickets, stand-ins and the on-call list."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bedside.core.db import Base, utcnow


class KioskPlacement(Base):
    """Where a kiosk stands and what the maker says about it; one row per kiosk."""

    __tablename__ = "fleet_placements"

    id: Mapped[int] = mapped_column(primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id", ondelete="CASCADE"), unique=True)
    campus: Mapped[str] = mapped_column(String(40), default="")
    building: Mapped[str] = mapped_column(String(40), default="")
    floor: Mapped[str] = mapped_column(String(10), default="")
    area: Mapped[str] = mapped_column(String(60), default="")
    maker: Mapped[str] = mapped_column(String(100), default="")
    maker_contact: Mapped[str] = mapped_column(String(100), default="")
    production_date: Mapped[date | None]
    spare: Mapped[bool] = mapped_column(default=False)
    out_of_service: Mapped[bool] = mapped_column(default=False)
    out_of_service_reason: Mapped[str] = mapped_column(String(200), default="")
    # The evaluator's last projection per consumable (ISO time or None), for the console.
    run_out: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class FleetAlert(Base):
    """One alert: raised once per condition; `open_key` is set while it is not resolved, so the
    unique index keeps one live alert per kiosk, rule and subject."""

    __tablename__ = "fleet_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(40), default="")
    severity: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(20), index=True)
    open_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[int | None]
    escalated_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]


class RepairTicket(Base):
    """A repair, with the record the hospital keeps: model, maker, production date, fault,
    who is responsible and the times from report to repair."""

    __tablename__ = "fleet_repair_tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id", ondelete="CASCADE"), index=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("fleet_alerts.id"))
    source: Mapped[str] = mapped_column(String(10))  # alert | kiosk | manual
    state: Mapped[str] = mapped_column(String(20), index=True)
    model: Mapped[str] = mapped_column(String(100))
    maker: Mapped[str] = mapped_column(String(100), default="")
    maker_contact: Mapped[str] = mapped_column(String(100), default="")
    production_date: Mapped[date | None]
    fault: Mapped[str] = mapped_column(String(400))
    fault_class: Mapped[str] = mapped_column(String(20))
    responsible: Mapped[str] = mapped_column(String(50), default="")
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    sla_due_at: Mapped[datetime]
    diagnosed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    repaired_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    repair_note: Mapped[str] = mapped_column(String(400), default="")


class TicketStep(Base):
    """Each change of a ticket's state: the ticket's own history, beside the audit log."""

    __tablename__ = "fleet_ticket_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("fleet_repair_tickets.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor_label: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(String(400), default="")


class StandIn(Base):
    """A spare kiosk serving a failed kiosk's place; the spare keeps its own device key, the
    row says which machine served where and when."""

    __tablename__ = "fleet_stand_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("fleet_repair_tickets.id", ondelete="CASCADE"), index=True
    )
    spare_kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id"))
    failed_kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id"))
    # Where the spare stood before, so that it goes back to the pool's shelf afterwards.
    spare_home: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]


class OnCall(Base):
    """Engineers on duty, by level: level 1 hears of every alert, level 2 of escalations."""

    __tablename__ = "fleet_on_call"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), unique=True)
    phone: Mapped[str] = mapped_column(String(20))
    level: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)


class DailyUsage(Base):
    """Transactions per kiosk and local day, added up from the agent's counters as reports
    arrive (the counters restart with the agent; the day's sum does not)."""

    __tablename__ = "fleet_daily_usage"
    __table_args__ = (UniqueConstraint("kiosk_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id", ondelete="CASCADE"))
    day: Mapped[date]
    transactions: Mapped[int] = mapped_column(default=0)
    payment_failures: Mapped[int] = mapped_column(default=0)
    last_activity_at: Mapped[datetime | None]


class UpkeepRecord(Base):
    """One upkeep done at a kiosk: the daily cleaning and disinfection or the weekly inspection,
    with the items ticked, by whom (the engineer's phone after scanning the kiosk's label)."""

    __tablename__ = "fleet_upkeep"

    id: Mapped[int] = mapped_column(primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # daily | weekly
    items: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(String(200), default="")
    done_by: Mapped[int | None]
    done_by_label: Mapped[str] = mapped_column(String(100))
    done_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class KioskCommand(Base):
    """A remote action an engineer asked of one kiosk: the page reloads on its next poll, the
    agent runs the others on its next round and answers with the result (a screenshot's PNG)."""

    __tablename__ = "fleet_kiosk_commands"

    id: Mapped[int] = mapped_column(primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(10), index=True)
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    result: Mapped[str] = mapped_column(String(300), default="")
    screenshot: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)


class TicketPhoto(Base):
    """A photo of the fault, re-encoded on upload (no EXIF); shown to ops engineers only."""

    __tablename__ = "fleet_ticket_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("fleet_repair_tickets.id", ondelete="CASCADE"), index=True
    )
    content_type: Mapped[str] = mapped_column(String(20))
    size: Mapped[int]
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
