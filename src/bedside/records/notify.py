"""Messages about record copies: every change goes to every account acting for the patient."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bedside.accounts import service as accounts_service
from bedside.core.events import subscribe
from bedside.core.money import format_yuan
from bedside.notifications import service as notifications
from bedside.patients import service as patients_service
from bedside.records import queries as records_queries
from bedside.records.events import RecordCopyChanged
from bedside.settings import get_settings

# Carrier names as message parameters (zh, with an `_en` twin for English readers).
CARRIER_NAMES = {"ems": "EMS", "sf": "顺丰速运", "jd": "京东物流", "zto": "中通快递", "yto": "圆通速递"}
CARRIER_NAMES_EN = {
    "ems": "EMS",
    "sf": "SF Express",
    "jd": "JD Logistics",
    "zto": "ZTO Express",
    "yto": "YTO Express",
}


@subscribe(RecordCopyChanged)
def copy_changed(session: Session, event: RecordCopyChanged) -> None:
    req = records_queries.get(session, event.request_id)
    params = {
        "patient": patients_service.get(session, event.patient_id).name,
        "fee": format_yuan(req.fee_fen),
        "carrier": CARRIER_NAMES.get(req.carrier or "", req.carrier or ""),
        "carrier_en": CARRIER_NAMES_EN.get(req.carrier or "", req.carrier or ""),
        "tracking_no": req.tracking_no or "",
        "reason": req.reject_reason or "",
        "hours": get_settings().record_copy_payment_hours,
    }
    notifications.deliver(
        session,
        accounts_service.account_ids_for(session, event.patient_id),
        # An unpaid request closed by the timers ends as cancelled too, but the patient did
        # not cancel it: they are told why.
        template="record_copy_expired" if event.action == "expire" else f"record_copy_{event.state}",
        params=params,
        # Each state is reached at most once, so the state names the message.
        dedupe_key=f"record_copy:{event.request_id}:{event.state}",
        patient_id=event.patient_id,
        link=f"/phone/records/{event.request_id}",
    )
