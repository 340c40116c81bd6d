"""The demo hospital's fleet: where its kiosks stand, a spare on the shelf, the demo ops
engineer on call (`bedside demo` calls this after registering the kiosks)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.core.audit import SYSTEM
from bedside.fleet import service
from bedside.fleet.models import OnCall
from bedside.kiosks import service as kiosks_service
from bedside.kiosks.models import Kiosk
from bedside.staff.models import StaffUser

PLACES = {
    "K-INP-01": ("本部", "住院部", "1F", "大厅"),
    "K-OPD-01": ("本部", "门诊楼", "1F", "收费处旁"),
}
SPARE = "K-SPARE-01"
# The demo on-call phone: alerts reach it through the bundled SMS peer.
ON_CALL_PHONE = "13800138111"


def seed(session: Session) -> None:
    for kiosk in session.scalars(select(Kiosk)):
        if kiosk.code in PLACES:
            place = service.placement(session, kiosk.id)
            place.campus, place.building, place.floor, place.area = PLACES[kiosk.code]
            place.maker, place.maker_contact = "中科自助设备", "400-800-0000"
    if session.scalar(select(Kiosk).where(Kiosk.code == SPARE)) is None:
        spare, _ = kiosks_service.register(
            session,
            SYSTEM,
            code=SPARE,
            name="备用机 1",
            location="信息科库房",
            model="ZK-43 立式",
            serial=f"SN-{SPARE}",
            modules=["id_reader", "card_reader", "receipt_printer", "pin_pad"],
            key=kiosks_service.demo_key(SPARE),
        )
        place = service.placement(session, spare.id)
        place.campus, place.building, place.floor, place.area, place.spare = (
            "本部",
            "行政楼",
            "B1",
            "库房",
            True,
        )
    ops = session.scalar(select(StaffUser).where(StaffUser.username == "ops"))
    if ops is not None and session.scalar(select(OnCall).where(OnCall.staff_user_id == ops.id)) is None:
        session.add(OnCall(staff_user_id=ops.id, phone=ON_CALL_PHONE, level=1, active=True))
    session.commit()
