"""A discharge opens the stay's satisfaction survey and asks the family to rate the stay.
(Follow-ups need no event: the timers' job reads the discharges when their day comes.)"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bedside.core.events import subscribe
from bedside.discharge import service as discharge_service
from bedside.discharge.events import Discharged
from bedside.surveys import models as _models  # noqa: F401 - tables with the handlers
from bedside.surveys import service


@subscribe(Discharged)
def invite_to_rate(session: Session, event: Discharged) -> None:
    discharge = discharge_service.find(session, event.notice_id)
    service.invite(session, event.notice_id, discharge.discharged_at if discharge else None)
