"""The stay bench_settlement.py settles: built through the services as
tests/integration/discharge/conftest.py::admitted builds it, with its charge lines posted and
its discharge approved. Imported once bench_settlement.py has set the environment."""

from __future__ import annotations

import base64
import io
import secrets
from dataclasses import dataclass
from datetime import timedelta

from benchkit import expect
from PIL import Image, ImageDraw

from bedside.accounts.models import Account, AccountPatient
from bedside.admissions import beds, stay
from bedside.admissions import service as admissions_service
from bedside.admissions.models import AdmissionNotice
from bedside.admissions.schemas import NoticeIn
from bedside.charges import service as charges
from bedside.charges.models import Category
from bedside.core import db
from bedside.core.audit import SYSTEM, Actor
from bedside.core.auth import hash_password
from bedside.core.clock import local_today
from bedside.core.db import utcnow
from bedside.core.resident_id import check_digit
from bedside.deposits import service as deposits_service
from bedside.discharge import service as discharge
from bedside.hospital.models import Bed, Campus, Department, Hospital, Room, Ward
from bedside.patients import service as patients_service
from bedside.payments import service as payments
from bedside.payments import worker
from bedside.payments.sandbox import server as sandbox
from bedside.staff import service as staff_service

DEPOSIT_FEN = 500000

# The answers tests/integration/admissions/conftest.py gives (REQUIRED_ASSESSMENTS in stay.py).
ASSESSMENTS = {
    "morse_fall": {"history_of_falling": "yes", "secondary_diagnosis": "yes", "ambulatory_aid": "furniture"},
    "padua_vte": {
        "active_cancer": "no",
        "previous_vte": "no",
        "known_thrombophilia": "no",
        "recent_trauma_or_surgery": "no",
        "hormonal_treatment": "no",
    },
}
DETAILS = {
    "address": "湖南省长沙市岳麓区麓山南路 1 号",
    "emergency_name": "张丽",
    "emergency_phone": "13912345678",
    "emergency_relation": "spouse",
    "occupation": "教师",
    "marital_status": "married",
    "allergies": "青霉素",
}
HIS = Actor(kind="his", id=1, label="HIS")


def signature() -> str:
    """A small signed box, as the signature pad sends it."""
    img = Image.new("RGB", (300, 100), "white")
    ImageDraw.Draw(img).line([(10, 80), (120, 20), (290, 70)], fill="black", width=3)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


@dataclass
class Inpatient:
    patient_id: int
    notice_id: int
    account_id: int
    me: Actor
    doctor: Actor
    nurse: Actor
    officer: Actor
    cashier: Actor


def staff(session: db.Session, username: str, role: str, department_id: int | None = None) -> Actor:
    user = staff_service.create_user(
        session,
        SYSTEM,
        username=username,
        full_name=username,
        password="",
        password_hash=hash_password(secrets.token_hex(16)),
        roles=[role],
        department_id=department_id,
    )
    return staff_service.actor_for(user)


def pay(database: db.Database, ip: Inpatient, fen: int, purpose: str, key: str) -> int:
    """One WeChat payment, paid at the sandbox and its notification delivered in process, as the
    discharge tests' `pay` does; returns the payment order's id."""
    with database.session() as s:
        order = payments.start_payment(
            s,
            ip.me,
            patient_id=ip.patient_id,
            notice_id=ip.notice_id,
            purpose=purpose,
            amount_fen=fen,
            channel="wechat",
            trade_type="JSAPI",
            place="phone",
            idempotency_key=key,
        )
        sandbox.pay(s, order.out_trade_no)
        s.commit()
    factory = database.session_factory
    sandbox.deliver_due(factory, worker.deliver_in_process(factory))
    with database.session() as s:
        state = payments.get_order(s, order.id).state
        s.commit()
    expect(state == "paid", f"{purpose} of {fen} fen is {state!r} after delivery, not 'paid'")
    return order.id


def admitted(database: db.Database) -> Inpatient:
    """tests/integration/discharge/conftest.py::admitted, through the services (the hospital's
    structure has none, so it is added as tests/factories.py adds it)."""
    with database.session() as s:
        hospital = Hospital(code="B", name="基准医院", level="3A")
        s.add(hospital)
        s.flush()
        campus = Campus(hospital_id=hospital.id, code="MAIN", name="本部")
        department = Department(
            hospital_id=hospital.id,
            code="CARD",
            name="心血管内科",
            name_en="Cardiology",
            suggested_deposit_fen=DEPOSIT_FEN,
        )
        s.add_all([campus, department])
        s.flush()
        ward = Ward(campus_id=campus.id, department_id=department.id, code="W01", name="心内一病区", floor=5)
        s.add(ward)
        s.flush()
        room = Room(ward_id=ward.id, code="501", gender="M")
        s.add(room)
        s.flush()
        bed = Bed(room_id=room.id, ward_id=ward.id, code="501-1")
        s.add(bed)
        s.commit()
        doctor = staff(s, "dr.bench", "doctor", department.id)
        clerk = staff(s, "clerk.bench", "admission_center")
        nurse = staff(s, "nurse.bench", "nurse")
        officer = staff(s, "yb.bench", "insurance_officer")
        cashier = staff(s, "cashier.bench", "cashier")
        first17 = "11010519800517001"  # a man, for the men's room
        patient = patients_service.register(
            s, SYSTEM, name="赵云", resident_id=first17 + check_digit(first17), phone="13600000011"
        )
        account = Account(phone="13600000011", verified_at=utcnow())
        s.add(account)
        s.flush()
        s.add(AccountPatient(account_id=account.id, patient_id=patient.id, relation="self", consent="staff"))
        s.commit()
        notice = admissions_service.issue(
            s,
            doctor,
            NoticeIn(
                patient_id=patient.id,
                department_id=department.id,
                diagnosis="冠心病",
                expected_date=local_today() + timedelta(days=1),
            ),
        )
        me = Actor(kind="account", id=account.id, label="phone")
        stay.request_bed(s, me, notice.id, None, "any")
        stay.save_details(s, me, notice.id, stay.DetailsIn(**DETAILS))
        stay.choose_insurance(s, me, notice.id, "employee", None)
        stay.save_assessment(s, me, notice.id, "morse_fall", ASSESSMENTS["morse_fall"])
        stay.save_assessment(
            s, me, notice.id, "padua_vte", ASSESSMENTS["padua_vte"], height_cm=170, weight_kg=65
        )
        expect(tuple(ASSESSMENTS) == stay.REQUIRED_ASSESSMENTS, "the required assessments changed")
        beds.assign(s, clerk, notice.id, bed.id)
        account_id = deposits_service.account_for_notice(s, patient.id, notice.id).id
        s.commit()
    ip = Inpatient(patient.id, notice.id, account_id, me, doctor, nurse, officer, cashier)
    pay(database, ip, DEPOSIT_FEN, "deposit", "bench-deposit-0001")
    with database.session() as s:
        stay.admit(s, me, notice.id)
        n = s.get(AdmissionNotice, notice.id)
        expect(n is not None and n.state == "admitted", "the stay was not admitted")
        if n is not None and n.admitted_at is not None:
            n.admitted_at = n.admitted_at - timedelta(days=5)  # a stay that started days ago
        s.commit()
    return ip


CATEGORIES = tuple(Category)
QUANTITIES = ("1", "1", "2", "0.5", "1", "3")


def charge_lines(n: int) -> list[charges.ChargeIn]:
    """n lines over six days, every category, classes A/B/C about 60/25/15 % by count, ¥0.50 to
    ¥2.50 a unit: about ¥4,200 in all, which the ¥5,000 deposit covers."""
    today = local_today()
    out = []
    for i in range(n):
        unit = 50 + (i * 37) % 200
        quantity = QUANTITIES[i % len(QUANTITIES)]
        if quantity == "0.5":
            unit += unit % 2
        amount = unit * int(float(quantity) * 1000) // 1000
        cls = "A" if i % 20 < 12 else "B" if i % 20 < 17 else "C"
        out.append(
            charges.ChargeIn(
                his_line_id=f"L{i:06d}",
                code=f"X{i % 300:04d}",
                name=f"项目{i % 300}",
                category=CATEGORIES[i % len(CATEGORIES)],
                insurance_class=cls,
                unit_price_fen=unit,
                quantity=quantity,
                amount_fen=amount,
                service_date=today - timedelta(days=i % 6),
            )
        )
    return out


def ready_to_settle(database: db.Database, ip: Inpatient, n_lines: int) -> int:
    """Posts the lines and takes the discharge to ready_to_settle; returns the bill total."""
    batch = charge_lines(n_lines)
    with database.session() as s:
        result = charges.post(s, HIS, ip.notice_id, batch)
        expect(result.created == n_lines, f"{result.created} lines posted, not {n_lines}")
        discharge.order(s, ip.doctor, ip.notice_id, local_today())
        discharge.clear_ward(s, ip.nurse, ip.notice_id, no_pending_orders=True, charges_posted=True)
        discharge.review(s, ip.officer, ip.notice_id, "approve")
        state = discharge.get(s, ip.notice_id).state
        s.commit()
    expect(state == "ready_to_settle", f"the discharge is {state!r}, not 'ready_to_settle'")
    return sum(c.amount_fen for c in batch)
