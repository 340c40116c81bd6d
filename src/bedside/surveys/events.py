"""What surveys and follow-up announce."""

from __future__ import annotations

from dataclasses import dataclass

from bedside.core.events import Event, event_type


@event_type("surveys.satisfaction_answered")
@dataclass(frozen=True)
class SatisfactionAnswered(Event):
    invitation_id: int
    notice_id: int
    patient_id: int


@event_type("surveys.follow_up_flagged")
@dataclass(frozen=True)
class FollowUpFlagged(Event):
    follow_up_id: int
    notice_id: int
    patient_id: int
    ward_id: int | None
