"""The demo's stay ready to settle: a bill, a discharge cleared and reviewed, so the phone shows
"settle now"."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.accounts.models import Account
from bedside.admissions import service as admissions_service
from bedside.admissions.schemas import NoticeIn
from bedside.core.clock import local_today
from bedside.core.db import utcnow
from bedside.demo.people import DEMO_PHONE, DEMO_SELF
from bedside.hospital.models import Bed, Room, Ward
from bedside.hospital.states import BedState
from bedside.patients.models import Patient
from bedside.staff.models import StaffUser
from bedside.staff.service import actor_for

# 张伟's stay: admitted four days ago, bill posted, discharge ordered, cleared and approved, so
# the demo user can settle on the phone or at a kiosk at once.
DEMO_BILL = (
    ("bed", "A", "普通床位费", 8000, "4"),
    ("nursing", "A", "二级护理", 3000, "4"),
    ("exam", "A", "心脏彩色多普勒超声", 32000, "1"),
    ("exam", "B", "冠状动脉CT血管成像", 98000, "1"),
    ("lab", "A", "血常规", 2500, "2"),
    ("lab", "A", "心肌酶谱", 9000, "2"),
    ("western_drug", "A", "阿司匹林肠溶片 100mg", 35, "8"),
    ("western_drug", "B", "阿托伐他汀钙片 20mg", 420, "8"),
    ("western_drug", "C", "进口营养补充剂", 12000, "1"),
    ("material", "B", "一次性输液器", 1200, "6"),
    ("treatment", "A", "静脉输液", 1500, "6"),
)


def seed_demo_discharge(session: Session, department_id: int) -> None:
    from bedside.admissions import beds as beds_service
    from bedside.admissions import stay as stay_service
    from bedside.charges import service as charges_service
    from bedside.core.audit import Actor
    from bedside.discharge import service as discharge_service
    from bedside.payments import service as payments_service
    from bedside.payments.sandbox import server as sandbox

    me = session.scalar(select(Patient).where(Patient.resident_id.startswith(DEMO_SELF[1])))
    account = session.scalar(select(Account).where(Account.phone == DEMO_PHONE))
    staff = {u.username: actor_for(u) for u in session.scalars(select(StaffUser))}
    bed = session.execute(
        select(Bed)
        .join(Room, Room.id == Bed.room_id)
        .join(Ward, Ward.id == Bed.ward_id)
        .where(Ward.department_id == department_id, Room.gender == "M", Bed.state == BedState.FREE)
        .order_by(Bed.id)
        .limit(1)
    ).scalar()
    if me is None or account is None or bed is None:
        return
    phone = Actor(kind="account", id=account.id, label="demo")
    notice = admissions_service.issue(
        session,
        staff["doctor"],
        NoticeIn(
            patient_id=me.id,
            department_id=department_id,
            diagnosis="冠状动脉粥样硬化性心脏病",
            expected_date=local_today(),
        ),
    )
    stay_service.request_bed(session, phone, notice.id, None, "any")
    stay_service.save_details(
        session,
        phone,
        notice.id,
        stay_service.DetailsIn(
            address="湖南省长沙市岳麓区麓山南路 932 号",
            emergency_name="李秀英",
            emergency_phone="13900139000",
            emergency_relation="parent",
            occupation="工程师",
            marital_status="married",
        ),
    )
    stay_service.choose_insurance(session, phone, notice.id, "employee", None)
    stay_service.save_assessment(
        session,
        phone,
        notice.id,
        "morse_fall",
        {
            "history_of_falling": "no",
            "secondary_diagnosis": "yes",
            "ambulatory_aid": "none_bed_rest_nurse_assist",
        },
    )
    stay_service.save_assessment(
        session,
        phone,
        notice.id,
        "padua_vte",
        {
            k: "no"
            for k in (
                "active_cancer",
                "previous_vte",
                "known_thrombophilia",
                "recent_trauma_or_surgery",
                "hormonal_treatment",
            )
        },
        height_cm=172,
        weight_kg=70,
    )
    beds_service.assign(session, staff["admission"], notice.id, bed.id)
    order = payments_service.start_payment(
        session,
        phone,
        patient_id=me.id,
        notice_id=notice.id,
        purpose="deposit",
        amount_fen=500000,
        channel="wechat",
        trade_type="H5",
        place="phone",
        idempotency_key="demo-deposit-zhangwei",
    )
    sandbox.pay(session, order.out_trade_no, mode="missing")
    session.commit()
    payments_service.check_order(session, order.id)  # credited by query, as a missed notification would be
    stay_service.admit(session, phone, notice.id)
    notice.admitted_at = utcnow() - timedelta(days=4)
    session.commit()
    his = Actor(kind="his", id=None, label="demo-his")
    lines = []
    for n, (category, cls, name, price, qty) in enumerate(DEMO_BILL, start=1):
        lines.append(
            charges_service.ChargeIn(
                his_line_id=f"DEMO-{n:04d}",
                code=f"DEMO{n:04d}",
                name=name,
                category=category,
                insurance_class=cls,
                unit_price_fen=price,
                quantity=qty,
                amount_fen=price * int(qty),
                service_date=local_today() - timedelta(days=n % 4),
            )
        )
    charges_service.post(session, his, notice.id, lines)
    discharge_service.order(session, staff["doctor"], notice.id, local_today())
    discharge_service.clear_ward(
        session, staff["nurse"], notice.id, no_pending_orders=True, charges_posted=True
    )
    discharge_service.review(session, staff["insurance"], notice.id, "approve")
