"""The demo generator is deterministic for a seed and idempotent."""

from __future__ import annotations

from sqlalchemy import func, select

from bedside.core.resident_id import parse
from bedside.demo.generator import DEMO_PHONE, seed
from bedside.hospital.models import Bed, Ward
from bedside.patients.models import Patient
from bedside.staff.models import StaffRole
from bedside.staff.roles import Role
from tests.conftest import DATABASE, _empty_all_tables


def _fingerprint(session) -> list[tuple[str, str, str | None]]:
    return [
        tuple(r)
        for r in session.execute(
            select(Patient.name, Patient.resident_id, Patient.phone).order_by(Patient.id)
        )
    ]


def test_seed_builds_a_whole_hospital_once(session):
    report = seed(session, beds=120, seed_value=5)
    assert report.created and report.beds == 120 and report.wards == 3
    assert session.scalar(select(func.count()).select_from(Bed)) == 120
    assert set(session.scalars(select(StaffRole.role).distinct())) == {r.value for r in Role}
    for rid in session.scalars(select(Patient.resident_id)):
        assert parse(rid).value == rid  # every synthetic ID passes the GB 11643 checksum
    assert report.kiosk_keys and all(k.startswith("bk_") for k in report.kiosk_keys.values())
    again = seed(session, beds=120, seed_value=5)
    assert not again.created and again.kiosk_keys == report.kiosk_keys
    assert session.scalar(select(func.count()).select_from(Bed)) == 120
    assert session.scalar(select(func.count()).select_from(Ward)) == 3


def test_same_seed_same_people_and_the_demo_family(session):
    seed(session, beds=80, seed_value=11)
    first = _fingerprint(session)
    session.close()
    _empty_all_tables()
    with DATABASE.session() as fresh:
        seed(fresh, beds=80, seed_value=11)
        assert _fingerprint(fresh) == first
        names = set(fresh.scalars(select(Patient.name).where(Patient.phone == DEMO_PHONE)))
        assert "张伟" in names
