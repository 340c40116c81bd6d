"""The platform hears of a stay as it happens: 2401 at admission, 2301 as charges arrive,
2402 when the patient leaves. A platform that is down or refuses does not hold up the ward:
the handler logs it and settlement repeats registration and upload at the latest."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from bedside.admissions.events import PatientAdmitted
from bedside.admissions.models import AdmissionNotice
from bedside.charges.events import ChargesPosted
from bedside.core.db import utcnow
from bedside.core.events import subscribe
from bedside.discharge.events import Discharged
from bedside.insurance import models as _models  # noqa: F401 - the tables
from bedside.insurance import stays
from bedside.insurance.platform import PlatformError

log = logging.getLogger(__name__)


def _insured(session: Session, notice_id: int) -> AdmissionNotice | None:
    notice = session.get(AdmissionNotice, notice_id)
    return notice if notice is not None and stays.insured(notice) else None


@subscribe(PatientAdmitted)
def register_on_platform(session: Session, event: PatientAdmitted) -> None:
    notice, platform = _insured(session, event.notice_id), stays.client()
    if notice is None or platform is None:
        return
    try:
        stays.register(session, notice, platform)
    except PlatformError as exc:
        log.warning("insurance 2401 for stay %s not done: %s", event.notice_id, exc.code)


@subscribe(ChargesPosted)
def upload_fee_details(session: Session, event: ChargesPosted) -> None:
    notice, platform = _insured(session, event.notice_id), stays.client()
    if notice is None or platform is None:
        return
    from bedside.discharge.service import charges_closed

    if charges_closed(session, notice.id):
        return
    try:
        stays.sync_fee_details(session, notice, platform)
    except PlatformError as exc:
        log.warning("insurance 2301 for stay %s not done: %s", event.notice_id, exc.code)


@subscribe(Discharged)
def register_discharge(session: Session, event: Discharged) -> None:
    notice, platform = _insured(session, event.notice_id), stays.client()
    if notice is None or platform is None:
        return
    try:
        stays.register_discharge(session, notice, platform, utcnow())
    except PlatformError as exc:
        log.warning("insurance 2402 for stay %s not done: %s", event.notice_id, exc.code)
