"""Demo record copies: 张伟's request for copies of his stay
(mailed, for his insurance claim), waiting for its fee so the phone can pay it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.accounts.models import Account
from bedside.accounts.service import actor_for
from bedside.admissions.models import AdmissionNotice
from bedside.patients.models import Patient
from bedside.records import service as records_service


def seed(session: Session, demo_phone: str, patient_prefix: str) -> None:
    me = session.scalar(select(Patient).where(Patient.resident_id.startswith(patient_prefix)))
    account = session.scalar(select(Account).where(Account.phone == demo_phone))
    if me is None or account is None:
        return
    notice = session.scalar(
        select(AdmissionNotice)
        .where(AdmissionNotice.patient_id == me.id, AdmissionNotice.state == "admitted")
        .order_by(AdmissionNotice.id.desc())
        .limit(1)
    )
    if notice is None:
        return
    records_service.submit(
        session,
        actor_for(account),
        me.id,
        records_service.CopyIn(
            notice_id=notice.id,
            purpose="insurance_claim",
            parts=("admission_record", "discharge_summary", "exam_reports"),
            copies=1,
            delivery="mail",
            request_key="demo-record-copy-zhangwei",
            recipient_name=me.name,
            recipient_phone=demo_phone,
            province="湖南省",
            city="长沙市",
            address="岳麓区麓山南路 932 号",
        ),
    )
