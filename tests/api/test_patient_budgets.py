"""Issue 15 on the patient's side: the kiosk patient home and the phone bill read what they
show in the same number of statements whatever the size of the hospital and the number of
charge lines (the totals views aggregate in SQL, never reading the lines), and each further
open stay costs the phone home page the same fixed number of statements."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select

from bedside.admissions.models import AdmissionNotice
from bedside.charges import service as charges
from bedside.core.audit import SYSTEM
from bedside.kiosks import service as kiosks_service
from bedside.patients.models import Patient
from tests import factories
from tests.api.test_query_budget import _family, _load
from tests.conftest import DATABASE
from tests.helpers import card_read, csrf, phone_login
from tests.integration.discharge.conftest import HIS, line
from tests.querycount import QueryLog
from tests.scale_world import grow_admitted, grow_beds, grow_queue

# The kiosk and the patient's session, the patient, notices, departments, how they signed in,
# face enrolment, then per open stay what the phone home reads, and the journey's other parts.
# 19 before issue 15 (notices and departments read twice).
KIOSK_HOME_BUDGET = 17
BILL_BUDGET = 9
# A further (ended) stay costs the phone home one statement, whatever the hospital size: its
# discharge, which the discharge service looks up per stay.
PER_STAY = 1


def _lines_read(q: QueryLog) -> list[str]:
    """Statements that read charge lines one by one rather than as sums."""
    return [s for s in q.statements if "FROM charge_lines" in s and "sum(" not in s.lower()]


def _post_lines(notice_id: int, start: int, n: int) -> None:
    with DATABASE.session() as s:
        batch = [
            line(f"L{i}", "ABC"[i % 3], 1000 + i, ("western_drug", "lab", "bed")[i % 3], days_ago=i % 5)
            for i in range(start, start + n)
        ]
        charges.post(s, HIS, notice_id, batch)
        s.commit()


def test_phone_bill_in_the_same_statements_at_2000_lines(client, sms, session):  # type: ignore[no-untyped-def]
    family = _family(session)  # an admitted stay with two charge lines
    notice_id = session.scalar(select(AdmissionNotice.id).where(AdmissionNotice.patient_id == family.own_id))
    session.commit()
    phone_login(client, sms, family.phone)

    def measure() -> dict[str, int]:
        out = {}
        for view in ("category", "day", "lines"):
            q, html = _load(client, f"/phone/stays/{notice_id}/bill?view={view}")
            assert 0 < q.count <= BILL_BUDGET, q.report()
            if view != "lines":
                assert _lines_read(q) == [], q.report()
            out[view] = q.count
        return out

    few = measure()
    _post_lines(notice_id, 100, 2000)
    many = measure()
    print(f"phone bill statements: 2 lines {few}, 2,002 lines {many}")
    assert many == few
    q, html = _load(client, f"/phone/stays/{notice_id}/bill?view=lines")
    assert html.count("<tr>") >= 2002  # the line view still shows every line
    with DATABASE.session() as s:
        summary = charges.summary(s, notice_id)
    assert summary.count == 2002 and summary.total_fen == sum(summary.by_day.values())
    assert summary.total_fen == 230000 + sum(1000 + i for i in range(100, 2100))


def _kiosk_sign_in(client, resident_id: str) -> None:  # type: ignore[no-untyped-def]
    with DATABASE.session() as s:
        _, key = kiosks_service.register(
            s,
            SYSTEM,
            code="K-9",
            name="九号机",
            location="大厅",
            model="ZK-43",
            serial="SN9",
            modules=["id_reader"],
        )
        s.commit()
    token = csrf(client, "/kiosk/activate")
    r = client.post("/kiosk/activate", data={"key": key, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    token = csrf(client, "/kiosk/login")
    r = client.post(
        "/kiosk/login",
        data={**card_read(key, "resident_id", resident_id), "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


def test_kiosk_patient_home_in_the_same_statements_whatever_the_hospital_size(client, sms, session):  # type: ignore[no-untyped-def]
    family = _family(session)
    resident_id = session.get(Patient, family.own_id).resident_id
    session.commit()  # no read transaction left open across the writes below
    _kiosk_sign_in(client, resident_id)
    small, html = _load(client, "/kiosk/patient")
    assert "赵*" in html or "赵" in html
    grow_beds(session, family.world, 5000)
    grow_queue(session, family.world, 30)
    grow_admitted(session, family.world, 300)
    large, _ = _load(client, "/kiosk/patient")
    print(f"kiosk patient home: {small.count} statements; at 5,000 beds {large.count}")
    assert 0 < small.count <= KIOSK_HOME_BUDGET, small.report()
    assert large.count == small.count, large.report()


def _past_stay(session, world, patient_id: int, state: str) -> None:  # type: ignore[no-untyped-def]
    """A stay of the patient's that ended (discharged or cancelled) before this one."""
    session.execute(
        insert(AdmissionNotice),
        [
            {
                "patient_id": patient_id,
                "department_id": world.department.id,
                "diagnosis": "既往住院",
                "kind": "elective",
                "priority": "routine",
                "expected_date": factories.tomorrow() - timedelta(days=90),
                "state": state,
            }
        ],
    )
    session.commit()


def test_each_further_stay_costs_the_phone_home_the_same(client, sms, session):  # type: ignore[no-untyped-def]
    family = _family(session)
    phone_login(client, sms, family.phone)
    counts = [_load(client, "/phone/")[0].count]
    for state in ("discharged", "cancelled", "discharged"):
        _past_stay(session, family.world, family.own_id, state)
        counts.append(_load(client, "/phone/")[0].count)
    steps = [b - a for a, b in zip(counts, counts[1:], strict=False)]
    print(f"phone home with 1..4 stays: {counts} statements, {steps} per added stay")
    assert len(set(steps)) == 1 and 0 <= steps[0] <= PER_STAY, (counts, steps)
    grow_beds(session, family.world, 400)
    assert _load(client, "/phone/")[0].count == counts[-1]
