"""Every console page and staff API, tried by every staff role: each role is let in exactly
where ROLES says and refused (403) everywhere else, so a guard that is loosened, or a new
staff route nobody gave roles to, fails here. And where the console narrows what a nurse or
doctor sees to their own ward, department or notices, another ward's patient stays out."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.staff.models import StaffUser
from bedside.staff.roles import Role
from bedside.surveys.models import FollowUp
from bedside.web.deps import MAX_ID
from tests import factories
from tests.conftest import DATABASE
from tests.reliability import clients
from tests.reliability import world as w
from tests.reliability.routes import Access, Endpoint, endpoints

A, D, N, AC = Role.ADMIN, Role.DOCTOR, Role.NURSE, Role.ADMISSION_CENTER
PH, CA, IO, OPS = Role.PHARMACIST, Role.CASHIER, Role.INSURANCE_OFFICER, Role.OPS_ENGINEER
M, RO = Role.MANAGER, Role.RECORDS_OFFICE
ANY = frozenset(Role)
PATIENT_DATA = frozenset({A, D, N, AC, PH, CA, IO})
STAY = frozenset({D, N, IO, CA, AC})

# Who gets past each staff route (the route's guard, and for a few the service's own check).
ROLES: dict[str, frozenset[Role]] = {
    "GET /openapi.json": ANY,
    "GET /docs": ANY,
    "GET /metrics": frozenset({A}),
    "GET /console/": ANY,
    "GET /console/notices": frozenset({D, AC, A, N}),
    "GET /console/notices/new": frozenset({D}),
    "POST /console/notices": frozenset({D}),
    # The page lets nurses and admins in; only doctors and the admission center may cancel.
    "POST /console/notices/{notice_id}/cancel": frozenset({D, AC}),
    "GET /console/patients": PATIENT_DATA,
    "GET /console/patients/new": PATIENT_DATA,
    "POST /console/patients": PATIENT_DATA,
    "GET /console/patients/{patient_id}": PATIENT_DATA,
    "GET /console/wards": frozenset({AC, N, A, M, D}),
    "GET /console/wards/{ward_id}/settings": frozenset({A, M, N}),
    "POST /console/wards/{ward_id}/settings": frozenset({A, M, N}),
    "GET /console/kiosks": frozenset({A, OPS}),
    "POST /console/kiosks": frozenset({A}),
    "GET /console/staff": frozenset({A}),
    "POST /console/staff": frozenset({A}),
    "POST /console/staff/{user_id}/unlock": frozenset({A}),
    "GET /console/audit": frozenset({A}),
    "GET /console/refunds": frozenset({CA}),
    "POST /console/refunds/{refund_id}/decide": frozenset({CA}),
    "GET /console/deposits": frozenset({CA}),
    "GET /console/deposits/{account_id}": frozenset({CA}),
    "GET /console/deposits/{account_id}/refunds": frozenset({CA}),
    "POST /console/deposits/{account_id}/refund": frozenset({CA}),
    "GET /console/reconciliation": frozenset({CA}),
    "POST /console/reconciliation/open": frozenset({CA}),
    "GET /console/reconciliation/days/{bill_date}": frozenset({CA}),
    "POST /console/reconciliation/days/{bill_date}/fetch": frozenset({CA}),
    "POST /console/reconciliation/days/{bill_date}/import": frozenset({CA}),
    "POST /console/reconciliation/days/{bill_date}/cash": frozenset({CA}),
    "POST /console/reconciliation/days/{bill_date}/run": frozenset({CA}),
    "POST /console/reconciliation/days/{bill_date}/close": frozenset({CA}),
    "POST /console/reconciliation/discrepancies/{discrepancy_id}/act": frozenset({CA}),
    "GET /console/reconciliation/days/{bill_date}/export.{fmt}": frozenset({CA}),
    "GET /console/reconciliation/months/{month}": frozenset({CA}),
    "GET /console/beds": frozenset({AC, N, M, A}),
    "GET /console/beds/search": frozenset({AC}),
    "GET /console/beds/live": frozenset({AC, N, M, A}),
    "POST /console/beds/assign": frozenset({AC}),
    "POST /console/stays/{notice_id}/release": frozenset({AC}),
    "POST /console/beds/{bed_id}/state": frozenset({N, AC}),
    "GET /console/ward-admissions": frozenset({N, AC}),
    "POST /console/stays/{notice_id}/arrived": frozenset({N, AC}),
    "POST /console/stays/{notice_id}/admit": frozenset({N, AC}),
    "GET /console/desk": frozenset({N, AC}),
    "GET /console/desk/stays/{notice_id}": frozenset({N, AC}),
    "POST /console/desk/stays/{notice_id}/details": frozenset({N, AC}),
    "POST /console/desk/stays/{notice_id}/assessment": frozenset({N, AC}),
    "POST /console/desk/stays/{notice_id}/deposit": frozenset({N, AC}),
    "POST /console/desk/stays/{notice_id}/admit": frozenset({N, AC}),
    "GET /console/stays/{notice_id}/assessment": frozenset({N}),
    "POST /console/stays/{notice_id}/assessment": frozenset({N}),
    "GET /console/stays/{notice_id}/wristband.zpl": frozenset({N, AC}),
    "GET /console/stays/{notice_id}/wristband.png": frozenset({N, AC}),
    "GET /console/window-cases": frozenset({AC}),
    "GET /console/discharge-window": frozenset({CA}),
    "GET /console/discharge-window/{notice_id}": frozenset({CA}),
    "POST /console/discharge-window/{notice_id}/settle": frozenset({CA}),
    "GET /console/stays": STAY,
    "GET /console/stays/{notice_id}": STAY,
    "POST /console/stays/{notice_id}/discharge": STAY,
    "GET /console/insurance-review": frozenset({IO, N, D}),
    "GET /console/insurance-review/{notice_id}": frozenset({IO, N, D}),
    "POST /console/insurance-review/{notice_id}/lines/{line_id}": frozenset({IO, N, D}),
    # The page lets the ward in (it answers lines); only the officer approves.
    "POST /console/insurance-review/{notice_id}/approve": frozenset({IO}),
    "GET /console/education": frozenset({A, N, D}),
    "GET /console/education/new": frozenset({A, N, D}),
    "POST /console/education": frozenset({A, N, D}),
    "GET /console/education/stays": frozenset({N, D}),
    "GET /console/education/stays/{notice_id}": frozenset({N, D}),
    "POST /console/education/stays/{notice_id}/surgery": frozenset({N, D}),
    "GET /console/education/{article_id}": frozenset({A, N, D}),
    "GET /console/medication": frozenset({D, N, PH}),
    "GET /console/medication/stays/{notice_id}": frozenset({D, N, PH}),
    "POST /console/medication/stays/{notice_id}/order": frozenset({D, N, PH}),
    "POST /console/medication/orders/{order_id}": frozenset({D, N, PH}),
    "POST /console/medication/receive": frozenset({N}),
    "GET /console/medication/pharmacy": frozenset({PH}),
    "POST /console/medication/pharmacy/{order_id}": frozenset({PH}),
    "POST /console/medication/runs": frozenset({PH}),
    "GET /console/medication/pharmacy/{order_id}/label.pdf": frozenset({PH}),
    "GET /console/care-vendor": frozenset({Role.CARE_VENDOR}),
    "POST /console/care-vendor/{what}": frozenset({Role.CARE_VENDOR}),
    "GET /console/care/qr-cards": frozenset({N, A}),
    "GET /console/medication/figures": frozenset({M, A}),
    "POST /console/education/{article_id}": frozenset({A, N, D}),
    "POST /console/education/{article_id}/publish": frozenset({A, N, D}),
    "GET /console/surveys": frozenset({M, A}),
    "GET /console/surveys/questionnaires": frozenset({A}),
    "GET /console/surveys/questionnaires/{code}": frozenset({A}),
    "POST /console/surveys/questionnaires/{code}": frozenset({A}),
    "GET /console/followup": frozenset({N, D}),
    "GET /console/followup/stays/{notice_id}": frozenset({N, D}),
    "POST /console/followup/stays/{notice_id}/appointments": frozenset({N, D}),
    "POST /console/followup/stays/{notice_id}/appointments/{appointment_id}": frozenset({N, D}),
    "POST /console/followup/stays/{notice_id}/appointments/{appointment_id}/cancel": frozenset({N, D}),
    "GET /console/flags": frozenset({N}),
    "POST /console/flags/{follow_up_id}/ack": frozenset({N}),
    "GET /console/followup/plans": frozenset({A, M}),
    "POST /console/followup/plans": frozenset({A, M}),
    "POST /console/followup/plans/{plan_id}/items": frozenset({A, M}),
    "POST /console/followup/plans/{plan_id}/items/{item_id}/remove": frozenset({A, M}),
    "GET /console/notifications/templates": frozenset({A}),
    "GET /console/notifications/templates/{key}": frozenset({A}),
    "POST /console/notifications/templates/{key}": frozenset({A}),
    "POST /console/notifications/templates/{key}/reset": frozenset({A}),
    "GET /console/notifications/sent": frozenset({A, AC, N}),
    "GET /console/records": frozenset({RO, A}),
    "GET /console/records/{request_id}": frozenset({RO, A}),
    "GET /console/records/{request_id}/proofs/{proof_id}": frozenset({RO, A}),
    "POST /console/records/{request_id}/act": frozenset({RO, A}),
    "GET /console/fleet": frozenset({OPS}),
    "GET /console/fleet/grid": frozenset({OPS}),
    "GET /console/fleet/stream": frozenset({OPS}),
    "GET /console/fleet/kiosks/{kiosk_id}": frozenset({OPS}),
    "POST /console/fleet/kiosks/{kiosk_id}/placement": frozenset({OPS}),
    "POST /console/fleet/kiosks/{kiosk_id}/service": frozenset({OPS}),
    "GET /console/fleet/alerts": frozenset({OPS}),
    "POST /console/fleet/alerts/{alert_id}/ack": frozenset({OPS}),
    "POST /console/fleet/alerts/{alert_id}/ticket": frozenset({OPS}),
    "GET /console/fleet/tickets": frozenset({OPS}),
    "POST /console/fleet/kiosks/{kiosk_id}/commands": frozenset({OPS}),
    "GET /console/fleet/commands/{command_id}/screenshot.png": frozenset({OPS}),
    "POST /console/fleet/tickets/{ticket_id}/photos": frozenset({OPS}),
    "GET /console/fleet/tickets/{ticket_id}/photos/{photo_id}": frozenset({OPS}),
    "GET /console/fleet/releases": frozenset({OPS}),
    "POST /console/fleet/releases": frozenset({OPS}),
    "POST /console/fleet/rollouts": frozenset({OPS}),
    "GET /console/fleet/rollouts/{rollout_id}": frozenset({OPS}),
    "POST /console/fleet/rollouts/{rollout_id}/start": frozenset({OPS}),
    "POST /console/fleet/rollouts/{rollout_id}/halt": frozenset({OPS}),
    "POST /console/fleet/rollouts/{rollout_id}/resume": frozenset({OPS}),
    "POST /console/fleet/rollouts/{rollout_id}/rollback": frozenset({OPS}),
    "POST /console/fleet/rollouts/{rollout_id}/cancel": frozenset({OPS}),
    "POST /console/fleet/tickets": frozenset({OPS}),
    "GET /console/fleet/tickets/{ticket_id}": frozenset({OPS}),
    "GET /console/fleet/tickets/{ticket_id}/label": frozenset({OPS}),
    "POST /console/fleet/tickets/{ticket_id}/act": frozenset({OPS}),
    "POST /console/fleet/tickets/{ticket_id}/stand-in": frozenset({OPS}),
    "GET /console/fleet/on-call": frozenset({OPS}),
    "POST /console/fleet/on-call": frozenset({OPS}),
    "GET /console/fleet/kiosks/{kiosk_id}/upkeep": frozenset({OPS}),
    "POST /console/fleet/kiosks/{kiosk_id}/upkeep": frozenset({OPS}),
    "GET /api/v1/fleet/kiosks": frozenset({OPS}),
    "GET /api/v1/fleet/alerts": frozenset({OPS}),
    "POST /api/v1/fleet/alerts/{alert_id}/ack": frozenset({OPS}),
    "POST /api/v1/fleet/alerts/{alert_id}/ticket": frozenset({OPS}),
    "GET /api/v1/admission-notices": frozenset({D, AC, A, N}),
    "POST /api/v1/admission-notices": frozenset({D}),
    "GET /api/v1/admission-notices/{notice_id}": frozenset({D, AC, A, N}),
    "POST /api/v1/admission-notices/{notice_id}/cancel": frozenset({D, AC}),
}
STAFF_ROUTES = (Access.CONSOLE, Access.STAFF_API, Access.DOCS)
NOT_PROBED = {"POST /console/logout"}  # it would end the session the other routes are tried with
# Valid bodies, so that the answer is the guard's or the service's, not the schema's; they name
# a patient and a notice that do not exist, so a role let in changes nothing.
API_BODIES = {
    "POST /api/v1/admission-notices": {
        "patient_id": MAX_ID,
        "department_id": 1,
        "diagnosis": "肺炎",
        "expected_date": factories.tomorrow().isoformat(),
    },
    "POST /api/v1/admission-notices/{notice_id}/cancel": {"reason": "重复开立"},
    "POST /api/v1/fleet/alerts/{alert_id}/ack": {},
    "POST /api/v1/fleet/alerts/{alert_id}/ticket": {},
}


def _staff_endpoints(app) -> list[Endpoint]:  # type: ignore[no-untyped-def]
    return [e for e in endpoints(app) if e.access in STAFF_ROUTES and e.key not in NOT_PROBED]


def test_every_staff_route_has_its_roles(app: FastAPI) -> None:
    keys = {e.key for e in _staff_endpoints(app)}
    assert sorted(keys - set(ROLES)) == [], "staff routes without an entry in ROLES"
    assert sorted(set(ROLES) - keys) == [], "ROLES names routes the app no longer has"


def _path(world: w.World, e: Endpoint) -> str:
    """A GET opens the victim's real records, so that an allowed role sees the whole page; a
    POST names records that do not exist, so that a role let in changes nothing (it gets the
    handler's 404 or 422), while one kept out still gets the guard's 403."""
    r = world.records
    real = {
        "notice_id": r.notice_id,
        "patient_id": r.patient_id,
        "account_id": r.account_id,
        "request_id": r.request_id,
        "article_id": r.article_id,
        "code": "satisfaction",
        "key": "deposit_paid",
    }
    path = e.path
    for name in e.route.param_convertors:
        value = real.get(name, MAX_ID) if e.method == "GET" else MAX_ID
        if name in ("code", "key") and e.method != "GET":
            value = "no_such_thing"
        path = path.replace("{" + name + "}", str(value))
    return path


def _call(signed: clients.Signed, world: w.World, e: Endpoint):  # type: ignore[no-untyped-def]
    path = _path(world, e)
    c = signed.client
    if e.method == "GET":
        return c.get(path, follow_redirects=False)
    if e.access is Access.STAFF_API:
        body = API_BODIES[e.key]
        return c.post(path, json=body, headers={"X-CSRF-Token": signed.token}, follow_redirects=False)
    return c.post(path, data={"csrf_token": signed.token}, follow_redirects=False)


def test_each_role_gets_exactly_its_routes(app: FastAPI, session: Session) -> None:
    world = w.build(session)
    routes = _staff_endpoints(app)
    wrong, probed = [], 0
    for role in Role:
        signed = clients.staff(app, world.staff[role.value])
        for e in routes:
            r = _call(signed, world, e)
            probed += 1
            allowed = role in ROLES[e.key]
            signed_out = r.status_code == 401 or "/login" in r.headers.get("location", "")
            if r.status_code >= 500 or signed_out:
                wrong.append(f"{role} {e.key}: {r.status_code} {r.text[:200]}")
            elif allowed == (r.status_code == 403):
                wrong.append(f"{role} {e.key}: {r.status_code}, expected {'in' if allowed else '403'}")
    assert not wrong, "\n".join(wrong)
    assert probed == len(Role) * len(routes)


def _sees(app, world: w.World, who: str, path: str) -> bool:  # type: ignore[no-untyped-def]
    # Lists mask names; the stay's inpatient number is what tells it apart.
    r = clients.staff(app, world.staff[who]).client.get(path, follow_redirects=False)
    assert r.status_code == 200, (who, path, r.status_code, r.text[:300])
    return world.records.inpatient_no in r.text


def test_nurses_and_doctors_see_only_their_wards_patients(app: FastAPI, session: Session) -> None:
    world = w.build(session)
    # The victim's stay is in ward A (cardiology); rn.w02 and dr.orth work in orthopaedics.
    assert _sees(app, world, "nurse", "/console/flags")
    assert not _sees(app, world, "rn.w02", "/console/flags")
    assert _sees(app, world, "nurse", "/console/followup")
    assert _sees(app, world, "doctor", "/console/followup")
    assert not _sees(app, world, "rn.w02", "/console/followup")
    assert not _sees(app, world, "dr.orth", "/console/followup")

    other_ward = clients.staff(app, world.staff["rn.w02"])
    r = other_ward.client.post(
        f"/console/flags/{world.records.follow_up_id}/ack",
        data={"csrf_token": other_ward.token},
        follow_redirects=False,
    )
    assert r.status_code == 404 and world.records.inpatient_no not in r.text
    with DATABASE.session() as s:
        flag = s.scalars(select(FollowUp).where(FollowUp.id == world.records.follow_up_id)).one()
        assert flag.flagged and flag.acknowledged_at is None


def test_a_doctor_lists_only_the_notices_they_issued(app: FastAPI, session: Session) -> None:
    world = w.build(session)
    issuer = session.scalars(select(StaffUser).where(StaffUser.username == "dr.adm")).one()
    mine = clients.staff(app, issuer).client
    marker = f"/console/patients/{world.records.patient_id}"
    assert marker in mine.get("/console/notices").text
    assert [n["id"] for n in mine.get("/api/v1/admission-notices").json()] == [world.records.notice_id]
    colleague = clients.staff(app, world.staff["doctor"]).client  # same department, not the issuer
    page = colleague.get("/console/notices")
    assert page.status_code == 200 and marker not in page.text
    assert colleague.get("/api/v1/admission-notices").json() == []
