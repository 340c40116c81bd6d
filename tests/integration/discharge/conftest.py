"""An admitted stay with its deposits paid through the payment layer (so refunds can go back
to origin), ready for charges and discharge."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from datetime import timedelta

import pytest
from PIL import Image, ImageDraw

from bedside.admissions import beds, stay
from bedside.admissions.models import AdmissionNotice
from bedside.charges import service as charges
from bedside.core.audit import Actor
from bedside.core.clock import local_today
from bedside.payments import service as payments
from bedside.payments import worker
from bedside.payments.models import PaymentOrder
from bedside.payments.sandbox import server as sandbox
from bedside.staff import service as staff_service
from tests import factories
from tests.conftest import DATABASE
from tests.helpers import JSAPI_PAYER
from tests.integration.admissions.conftest import (
    DETAILS,
    MORSE_PATIENT,
    PADUA_PATIENT,
    Admission,
    make_admission,
)

HIS = Actor(kind="his", id=1, label="HIS")


def signature() -> str:
    img = Image.new("RGB", (300, 100), "white")
    ImageDraw.Draw(img).line([(10, 80), (120, 20), (290, 70)], fill="black", width=3)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def pay(
    adm: Admission, channel: str, trade_type: str, fen: int, key: str, purpose: str = "topup"
) -> PaymentOrder:
    with DATABASE.session() as s:
        order = payments.start_payment(
            s,
            adm.me,
            patient_id=adm.patient.id,
            notice_id=adm.notice.id,
            purpose=purpose,
            amount_fen=fen,
            channel=channel,
            trade_type=trade_type,
            place="phone",
            idempotency_key=key,
            payer=JSAPI_PAYER if trade_type == "JSAPI" else None,
        )
        sandbox.pay(s, order.out_trade_no)
        s.commit()
    sandbox.deliver_due(DATABASE.session_factory, worker.deliver_in_process(DATABASE.session_factory))
    return order


@dataclass
class Inpatient:
    adm: Admission
    doctor: Actor
    nurse: Actor
    officer: Actor
    cashier: Actor

    @property
    def notice_id(self) -> int:
        return self.adm.notice.id


def admitted(session, insurance: str = "employee", deposits=((("wechat", "JSAPI"), 500000),)) -> Inpatient:  # type: ignore[no-untyped-def]
    adm = make_admission(session)
    with DATABASE.session() as s:
        stay.request_bed(s, adm.me, adm.notice.id, None, "any")
        stay.save_details(s, adm.me, adm.notice.id, stay.DetailsIn(**DETAILS))
        stay.choose_insurance(s, adm.me, adm.notice.id, insurance, None)
        stay.save_assessment(s, adm.me, adm.notice.id, "morse_fall", MORSE_PATIENT)
        stay.save_assessment(
            s, adm.me, adm.notice.id, "padua_vte", PADUA_PATIENT, height_cm=170, weight_kg=65
        )
        beds.assign(s, adm.clerk, adm.notice.id, adm.world.beds[0].id)
    for i, ((channel, trade_type), fen) in enumerate(deposits):
        pay(adm, channel, trade_type, fen, f"deposit-key-{i:03d}", "deposit" if i == 0 else "topup")
    with DATABASE.session() as s:
        stay.admit(s, adm.me, adm.notice.id)
        n = s.get(AdmissionNotice, adm.notice.id)
        n.admitted_at = n.admitted_at - timedelta(days=5)  # a stay that started days ago
        s.commit()
    doctor = staff_service.actor_for(factories.staff(session, "dr.out", "doctor"))
    officer = staff_service.actor_for(factories.staff(session, "yb.officer", "insurance_officer"))
    cashier = staff_service.actor_for(factories.staff(session, "cashier.out", "cashier"))
    return Inpatient(adm, doctor, adm.nurse, officer, cashier)


def line(his_id: str, cls: str, fen: int, category: str = "western_drug", days_ago: int = 1, **kw):  # type: ignore[no-untyped-def]
    return charges.ChargeIn(
        his_line_id=his_id,
        code=f"X{his_id}",
        name=kw.pop("name", f"项目{his_id}"),
        category=category,
        insurance_class=cls,
        unit_price_fen=kw.pop("unit_price_fen", fen),
        quantity=kw.pop("quantity", "1"),
        amount_fen=fen,
        service_date=local_today() - timedelta(days=days_ago),
        **kw,
    )


@pytest.fixture
def inpatient(session) -> Inpatient:
    return admitted(session)
