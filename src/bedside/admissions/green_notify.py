"""The green channel's reminder to pay the deferred deposit, to every account acting for the
patient (the patient's own and their family members')."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bedside.accounts import service as accounts_service
from bedside.admissions.events import GreenDepositDue
from bedside.core.events import subscribe
from bedside.core.money import format_yuan
from bedside.notifications import service as notifications
from bedside.patients import service as patients_service
from bedside.settings import get_settings


@subscribe(GreenDepositDue)
def green_deposit_due(session: Session, event: GreenDepositDue) -> None:
    due = event.due_at.astimezone(get_settings().tz)
    notifications.deliver(
        session,
        accounts_service.account_ids_for(session, event.patient_id),
        template="green_deposit_due",
        params={
            "patient": patients_service.get(session, event.patient_id).name,
            "amount": format_yuan(event.amount_fen),
            "due": due.strftime("%Y-%m-%d %H:%M"),
        },
        # Each reminder is its own message.
        dedupe_key=f"green_deposit:{event.notice_id}:{int(event.at.timestamp())}",
        patient_id=event.patient_id,
        urgent=event.overdue,
        link=f"/phone/deposit/{event.notice_id}",
    )
