"""An admission stay from notice to admitted, through the services: queue, assignment (and
its rules), details, insurance, assessments, registration, deposit, admission; expiry and
cancellation free the bed; what self-service cannot do is refused with the window to go to."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from sqlalchemy import select

from bedside.admissions import beds, stay
from bedside.admissions import service as notices
from bedside.admissions.models import AdmissionNotice
from bedside.core.audit import SYSTEM
from bedside.core.db import utcnow
from bedside.core.errors import Conflict, InvalidInput
from bedside.deposits import service as deposits
from bedside.deposits.models import EntryKind
from bedside.hospital.models import Bed, Room, Ward
from bedside.patients import service as patients_service
from tests import factories
from tests.conftest import DATABASE
from tests.integration.admissions.conftest import DETAILS, MORSE_PATIENT, PADUA_PATIENT


def _reload(notice_id):
    with DATABASE.session() as s:
        n = s.get(AdmissionNotice, notice_id)
        s.expunge(n)
        return n


def _bed_state(bed_id):
    with DATABASE.session() as s:
        return s.get(Bed, bed_id).state


def _fill_in(adm):
    with DATABASE.session() as s:
        stay.save_details(s, adm.me, adm.notice.id, stay.DetailsIn(**DETAILS))
        stay.choose_insurance(s, adm.me, adm.notice.id, "employee", None)
        stay.save_assessment(s, adm.me, adm.notice.id, "morse_fall", MORSE_PATIENT)
        stay.save_assessment(
            s, adm.me, adm.notice.id, "padua_vte", PADUA_PATIENT, height_cm=175, weight_kg=70
        )


def _deposit(adm, fen):
    with DATABASE.session() as s:
        account = deposits.account_for_notice(s, adm.patient.id, adm.notice.id)
        deposits.post(s, account.id, EntryKind.DEPOSIT, fen, SYSTEM)
        s.commit()


def test_whole_stay_from_notice_to_admitted(adm):
    bed = adm.world.beds[0]
    with DATABASE.session() as s:
        stay.request_bed(s, adm.me, adm.notice.id, None, "shared")
        place = beds.place_in_queue(s, s.get(AdmissionNotice, adm.notice.id))
        assert (place.position, place.ahead, place.expected_days) == (1, 0, None)
    _fill_in(adm)  # filled while waiting: registration happens the moment a bed is assigned
    with DATABASE.session() as s:
        beds.assign(s, adm.clerk, adm.notice.id, bed.id)
    notice = _reload(adm.notice.id)
    assert notice.state == "registered" and notice.bed_id == bed.id and not notice.bed_loan
    assert _bed_state(bed.id) == "reserved"
    with DATABASE.session() as s, pytest.raises(Conflict) as err:
        stay.admit(s, adm.me, adm.notice.id)
    assert err.value.code == "deposit_below_minimum"
    _deposit(adm, 500000)
    with DATABASE.session() as s:
        admitted = stay.admit(s, adm.me, adm.notice.id)
        assert admitted.inpatient_no.startswith("ZY") and len(admitted.inpatient_no) == 12
        assert stay.admit(s, adm.me, adm.notice.id).inpatient_no == admitted.inpatient_no  # twice: same
        # The inpatient number signs the patient in at a kiosk from now on.
        found = patients_service.find_by_credential(s, "inpatient_no", admitted.inpatient_no)
        assert found is not None and found.id == adm.patient.id
        flags = stay.readiness(s, admitted).flags
    assert flags == ("morse_fall",)  # 25 + 15 + 30 = 70 points: high fall risk flags the ward
    assert _bed_state(bed.id) == "occupied"
    with DATABASE.session() as s:
        stay.confirm_arrival(s, adm.nurse, adm.notice.id)
    assert _reload(adm.notice.id).arrived_at is not None


def test_queue_orders_urgent_first_then_by_request_time(session, adm):
    others = []
    for name, priority, year in (("关羽", "routine", 1961), ("张飞", "urgent", 1965)):
        p = factories.patient(session, name=name, birth=date(year, 3, 3))
        with DATABASE.session() as s:
            n = notices.issue(
                s,
                SYSTEM,
                notices.NoticeIn(
                    patient_id=p.id,
                    department_id=adm.world.department.id,
                    diagnosis="x",
                    priority=priority,
                    expected_date=factories.tomorrow(),
                ),
            )
            stay.request_bed(s, SYSTEM, n.id, None, "any")
            others.append(n.id)
    with DATABASE.session() as s:
        stay.request_bed(s, adm.me, adm.notice.id, None, "any")
        order = [e.notice.id for e in beds.queue(s, adm.world.department.id)]
    assert order == [others[1], others[0], adm.notice.id]


def test_assignment_rules_gender_loan_capacity(session, adm):
    with DATABASE.session() as s:
        stay.request_bed(s, adm.me, adm.notice.id, None, "any")
    # A women's room in another department's ward.
    ward = Ward(
        campus_id=adm.world.ward.campus_id,
        department_id=adm.world.other_department.id,
        code="W02",
        name="骨科",
    )
    session.add(ward)
    session.flush()
    women = Room(ward_id=ward.id, code="601", gender="F")
    men = Room(ward_id=ward.id, code="602", gender="M")
    session.add_all([women, men])
    session.flush()
    bed_f = Bed(room_id=women.id, ward_id=ward.id, code="601-1")
    bed_m = Bed(room_id=men.id, ward_id=ward.id, code="602-1")
    session.add_all([bed_f, bed_m])
    session.commit()
    for bed_id, lend, code in (
        (bed_f.id, True, "bed_wrong_gender"),
        (bed_m.id, False, "bed_other_department"),
    ):
        with DATABASE.session() as s, pytest.raises(Conflict) as err:
            beds.assign(s, adm.clerk, adm.notice.id, bed_id, lend=lend)
        assert err.value.code == code
    assert _reload(adm.notice.id).state == "bed_requested"
    assert _bed_state(bed_f.id) == _bed_state(bed_m.id) == "free"
    # The home ward is capped at one bed in use: with one occupied, its empty bed is not available.
    with DATABASE.session() as s:
        s.get(Ward, adm.world.ward.id).capacity_cap = 1
        s.get(Bed, adm.world.beds[1].id).state = "occupied"
        s.commit()
    with DATABASE.session() as s, pytest.raises(Conflict) as err:
        beds.assign(s, adm.clerk, adm.notice.id, adm.world.beds[0].id)
    assert err.value.code == "ward_at_capacity"
    # Lending the other department's men's bed is allowed, and marked as a loan.
    with DATABASE.session() as s:
        beds.assign(s, adm.clerk, adm.notice.id, bed_m.id, lend=True)
    assert _reload(adm.notice.id).bed_loan is True


def test_unclaimed_assignment_expires_and_the_bed_returns(adm):
    bed = adm.world.beds[0]
    with DATABASE.session() as s:
        stay.request_bed(s, adm.me, adm.notice.id, None, "any")
        beds.assign(s, adm.clerk, adm.notice.id, bed.id)
    with DATABASE.session() as s:
        assert beds.expire_assignments(s) == 0
    with time_machine.travel(utcnow() + beds.ASSIGNMENT_HOLD + timedelta(minutes=1)), DATABASE.session() as s:
        assert beds.expire_assignments(s) == 1
    notice = _reload(adm.notice.id)
    assert (notice.state, notice.bed_id) == ("bed_requested", None)
    assert _bed_state(bed.id) == "free"
    # A late attempt to register on the expired assignment changes nothing.
    with DATABASE.session() as s, pytest.raises(Conflict):
        stay.register(s, adm.me, adm.notice.id)


def test_cancelling_frees_the_bed(adm):
    bed = adm.world.beds[0]
    with DATABASE.session() as s:
        stay.request_bed(s, adm.me, adm.notice.id, None, "any")
        beds.assign(s, adm.clerk, adm.notice.id, bed.id)
        notices.cancel(s, adm.clerk, adm.notice.id, "patient changed hospital")
    assert _reload(adm.notice.id).state == "cancelled"
    assert _bed_state(bed.id) == "free"


def test_emergency_skips_the_queue(session):
    from tests.integration.admissions.conftest import make_admission

    adm = make_admission(session, kind="emergency", phone="13600000012")
    with DATABASE.session() as s:
        beds.assign(s, adm.clerk, adm.notice.id, adm.world.beds[0].id)
    assert _reload(adm.notice.id).state == "bed_assigned"


def test_bad_input_is_refused_and_changes_nothing(adm):
    with DATABASE.session() as s:
        with pytest.raises(InvalidInput):
            stay.request_bed(s, adm.me, adm.notice.id, utcnow().date() - timedelta(days=3), "any")
        with pytest.raises(InvalidInput):
            stay.request_bed(s, adm.me, adm.notice.id, None, "penthouse")
        with pytest.raises(InvalidInput):
            stay.save_details(
                s, adm.me, adm.notice.id, stay.DetailsIn(**{**DETAILS, "emergency_phone": "12345"})
            )
        with pytest.raises(InvalidInput):
            stay.save_assessment(s, adm.me, adm.notice.id, "morse_fall", {"history_of_falling": "maybe"})
        with pytest.raises(InvalidInput):
            stay.choose_insurance(s, adm.me, adm.notice.id, "gold", None)
    notice = _reload(adm.notice.id)
    assert notice.state == "issued" and notice.insurance_type is None
    with DATABASE.session() as s:
        assert stay.details(s, adm.notice.id) is None and stay.assessments(s, adm.notice.id) == {}


def test_out_of_region_insurance_goes_to_the_window(adm):
    with DATABASE.session() as s:
        stay.request_bed(s, adm.me, adm.notice.id, None, "any")
        beds.assign(s, adm.clerk, adm.notice.id, adm.world.beds[0].id)
        stay.choose_insurance(s, adm.me, adm.notice.id, "out_of_region", None)
    _fill_in_without_insurance(adm)
    with DATABASE.session() as s:
        found = stay.blockers(s, s.get(AdmissionNotice, adm.notice.id))
        assert [b.code for b in found] == ["out_of_region_insurance"]
        with pytest.raises(Conflict) as err:
            stay.register(s, adm.me, adm.notice.id)
    assert err.value.code == "out_of_region_insurance"
    assert _reload(adm.notice.id).state == "bed_assigned"


def _fill_in_without_insurance(adm):
    with DATABASE.session() as s:
        stay.save_details(s, adm.me, adm.notice.id, stay.DetailsIn(**DETAILS))
        stay.save_assessment(s, adm.me, adm.notice.id, "morse_fall", MORSE_PATIENT)
        stay.save_assessment(
            s, adm.me, adm.notice.id, "padua_vte", PADUA_PATIENT, height_cm=175, weight_kg=70
        )


def test_minor_without_guardian_is_sent_to_the_window(session):
    from tests.integration.admissions.conftest import make_admission

    adm = make_admission(session, phone="13600000013")
    with DATABASE.session() as s:
        p = s.get(type(adm.patient), adm.patient.id)
        p.birth_date = date(utcnow().year - 15, 1, 1)
        s.commit()
        found = stay.blockers(s, s.get(AdmissionNotice, adm.notice.id))
        assert [b.code for b in found] == ["minor_without_guardian"]
        assert stay.blockers(s, s.get(AdmissionNotice, adm.notice.id), acting_relation="parent") == []


def test_bed_states_only_through_the_machine(adm):
    with DATABASE.session() as s:
        stay.request_bed(s, adm.me, adm.notice.id, None, "any")
        beds.assign(s, adm.clerk, adm.notice.id, adm.world.beds[0].id)
    # Somebody else tries the same (now reserved) bed for another stay.
    with DATABASE.session() as s:
        other = s.scalar(select(AdmissionNotice).where(AdmissionNotice.id == adm.notice.id))
        assert other.bed_id == adm.world.beds[0].id


def test_registration_happens_when_the_last_piece_arrives_after_the_bed(adm):
    with DATABASE.session() as s:
        stay.request_bed(s, adm.me, adm.notice.id, None, "any")
        beds.assign(s, adm.clerk, adm.notice.id, adm.world.beds[0].id)
    assert _reload(adm.notice.id).state == "bed_assigned"
    with DATABASE.session() as s:
        stay.choose_insurance(s, adm.me, adm.notice.id, "resident", None)
        stay.save_assessment(s, adm.me, adm.notice.id, "morse_fall", MORSE_PATIENT)
        stay.save_assessment(
            s, adm.me, adm.notice.id, "padua_vte", PADUA_PATIENT, height_cm=160, weight_kg=80
        )
    assert _reload(adm.notice.id).state == "bed_assigned"
    with DATABASE.session() as s:
        stay.save_details(s, adm.me, adm.notice.id, stay.DetailsIn(**DETAILS))
    assert _reload(adm.notice.id).state == "registered"
    with DATABASE.session() as s:
        assert stay.readiness(s, s.get(AdmissionNotice, adm.notice.id)).flags == ("morse_fall",)
