"""Console pages of the admission prep center (bed board, queue, assignment) and of the ward
nurse (today's expected admissions with their readiness, confirming arrival)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import and_, or_, select
from starlette.responses import Response

from bedside.admissions import beds as beds_service
from bedside.admissions import board as board_service
from bedside.admissions import green
from bedside.admissions import service as admissions_service
from bedside.admissions import stay as stay_service
from bedside.admissions.models import AdmissionNotice
from bedside.admissions.states import OPEN_STATES, NoticeState
from bedside.core.clock import local_today
from bedside.core.db import utcnow
from bedside.core.errors import DomainError, InvalidInput
from bedside.core.i18n import N_
from bedside.documents import wristband as wristband_doc
from bedside.hospital import service as hospital_service
from bedside.hospital.models import Ward
from bedside.hospital.states import BedState
from bedside.patients import service as patients_service
from bedside.staff.roles import Role
from bedside.web import security, wristbands
from bedside.web.console.routes import _chrome, page
from bedside.web.deps import DbSession, IdPath, IdQuery, InScope, StaffContext, StaffScope, staff_with
from bedside.web.forms import form_error

router = APIRouter(prefix="/console", include_in_schema=False, dependencies=[Depends(security.guard_request)])
AdmissionCenter = Annotated[StaffContext, staff_with(Role.ADMISSION_CENTER)]
BoardViewer = Annotated[StaffContext, staff_with(Role.ADMISSION_CENTER, Role.NURSE, Role.MANAGER, Role.ADMIN)]
Nurse = Annotated[StaffContext, staff_with(Role.NURSE, Role.ADMISSION_CENTER)]
LIVE_OVERLAP = timedelta(seconds=5)
BED_ACTIONS = ("finish_cleaning", "close", "reopen", "isolate", "end_isolation")


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 10 else None


def _page(value: str | None) -> int:
    n = _int(value)
    return n if n and n <= 10_000 else 1


def _gender(value: str | None) -> str | None:
    return value if value in ("M", "F", "X") else None


def _epoch_ms(t: datetime) -> int:
    return int(t.timestamp() * 1000)


def _board_ctx(
    session: DbSession, request: Request, me: StaffContext, pick: int | None = None
) -> dict[str, Any]:
    """The board in a fixed number of statements: departments, the grouped occupancy (with the
    wards), the queue with its patients, emergencies and one page of beds."""
    q = request.query_params
    since = _epoch_ms(utcnow())  # before the reads: a change during them is sent again, not lost
    departments = hospital_service.list_departments(session)
    known = {d.id for d in departments}
    state = q.get("state") if q.get("state") in {s.value for s in BedState} else None
    occupancy = board_service.occupancy(session)
    ward_id = _int(q.get("ward"))
    # The department asked for, else the ward's (a link to a ward), else the clerk's own; a ward
    # outside the department shown is not applied.
    asked = (_int(q.get("department")), occupancy.department_of(ward_id), me.user.department_id)
    department_id = next(
        (d for d in asked if d in known),
        departments[0].id if departments else None,
    )
    ward = next((w.ward for w in occupancy.of_department(department_id) if w.ward.id == ward_id), None)
    gender = _gender(q.get("gender"))
    beds = board_service.bed_page(
        session,
        department_id=department_id,
        ward_id=ward.id if ward else None,
        gender=gender,
        state=state,
        page=_page(q.get("page")),
    )
    ctx: dict[str, Any] = {
        "departments": departments,
        "department_id": department_id,
        "occupancy": occupancy,
        "wards": [w.ward for w in occupancy.of_department(department_id)],
        "filters": {"gender": gender, "state": state, "ward": ward.id if ward else None},
        "board": beds,
        "queue": beds_service.queue(session, department_id) if department_id else [],
        "emergencies": list(
            session.scalars(
                select(AdmissionNotice).where(
                    AdmissionNotice.state == NoticeState.ISSUED,
                    AdmissionNotice.kind == "emergency",
                    AdmissionNotice.department_id == department_id,
                )
            )
        ),
        "load": occupancy.load(),
        "states": [s.value for s in BedState],
        "since": since,
    }
    if pick and me.actor.has_role("admission_center"):
        ctx["picker"] = _picker_ctx(session, request, pick)
    return ctx


def _picker_ctx(session: DbSession, request: Request, notice_id: int) -> dict[str, Any]:
    q = request.query_params
    notice = admissions_service.get(session, notice_id)
    patient = patients_service.get(session, notice.patient_id)
    query = board_service.BedQuery(
        department_id=notice.department_id,
        patient_gender=patient.gender,
        ward_id=_int(q.get("ward")),
        room=(q.get("room") or "").strip()[:32],
        gender=_gender(q.get("gender")),
        free_only=q.get("all") != "1",
        loan=q.get("loan") == "1",
        page=_page(q.get("page")),
    )
    return {
        "notice": notice,
        "patient": patient,
        "query": query,
        "found": board_service.search(session, query),
    }


@router.get("/beds")
def bed_board(request: Request, session: DbSession, me: BoardViewer) -> Response:
    return page(request, me, "console/bed_board.html", _board_ctx(session, request, me))


@router.get("/beds/search")
def bed_search(
    request: Request, session: DbSession, me: AdmissionCenter, notice_id: IdQuery = None
) -> Response:
    """The bed picker for one waiting patient: suitable beds on demand, a page at a time."""
    if notice_id is None:
        raise InvalidInput(N_("Choose a waiting patient first."), code="notice_required", field="notice_id")
    picker = _picker_ctx(session, request, notice_id)
    own = Ward.department_id == picker["notice"].department_id
    wards = session.scalars(select(Ward).where(~own if picker["query"].loan else own).order_by(Ward.code))
    ctx = {"picker": picker, "wards": list(wards)}
    partial = bool(request.headers.get("hx-request"))
    return page(request, me, "console/bed_picker.html" if partial else "console/bed_search.html", ctx)


@router.get("/beds/live")
def bed_live(request: Request, session: DbSession, me: BoardViewer) -> Response:
    """What the open board polls: the occupancy counts, and the tiles of beds changed since its
    last poll swapped in place (or a reload when too much changed)."""
    q = request.query_params
    ms = q.get("since") or ""
    if not (ms.isdigit() and len(ms) <= 15):
        raise InvalidInput(
            N_("The board's last update time is missing."), code="invalid_since", field="since"
        )
    now = utcnow()
    # Overlap the previous poll a little: a bed changed in a transaction still open then has an
    # earlier timestamp than its commit. Sending a tile twice is harmless; missing one is not.
    since = datetime.fromtimestamp(int(ms) / 1000, UTC) - LIVE_OVERLAP
    department_id, ward_id = _int(q.get("department")), _int(q.get("ward"))
    occupancy = board_service.occupancy(session)
    changed = board_service.changed_since(session, since, department_id=department_id, ward_id=ward_id)
    response = page(
        request,
        me,
        "console/bed_live.html",
        {
            "occupancy": occupancy,
            "department_id": department_id,
            "ward_id": ward_id,
            "changed": changed or [],
            "load": occupancy.load(),
            "since": _epoch_ms(now),
        },
    )
    if changed is None:
        response.headers["HX-Refresh"] = "true"
    return response


@router.post("/beds/assign")
def assign(
    request: Request,
    session: DbSession,
    me: AdmissionCenter,
    notice_id: Annotated[int, Form(gt=0, le=2**31 - 1)],
    bed_id: Annotated[str, Form()] = "",
    lend: Annotated[str, Form()] = "",
) -> Response:
    try:
        bed = _int(bed_id)
        if bed is None:
            raise InvalidInput(N_("Choose a bed."), code="bed_required", field="bed_id")
        notice = beds_service.assign(session, me.actor, notice_id, bed, lend=lend == "1")
    except DomainError as exc:
        session.rollback()
        try:
            ctx = {**_board_ctx(session, request, me, pick=notice_id), **_chrome(request, me)}
        except DomainError:  # the notice itself is unknown: the board without the picker
            ctx = {**_board_ctx(session, request, me), **_chrome(request, me)}
        return form_error(request, "console/bed_board.html", ctx, exc)
    return RedirectResponse(
        f"/console/beds?department={notice.department_id}&assigned={notice.id}", status_code=303
    )


@router.post("/stays/{notice_id}/release")
def release(session: DbSession, me: AdmissionCenter, notice_id: IdPath) -> Response:
    notice = beds_service.release(session, me.actor, notice_id)
    return RedirectResponse(f"/console/beds?department={notice.department_id}", status_code=303)


@router.post("/beds/{bed_id}/state")
def bed_state(session: DbSession, me: Nurse, bed_id: IdPath, action: Annotated[str, Form()] = "") -> Response:
    if action not in BED_ACTIONS:
        raise InvalidInput(N_("Unknown bed action."), code="invalid_bed_action")
    bed = hospital_service.move_bed(session, bed_id, action, me.actor)
    session.commit()
    ward = hospital_service.get_ward(session, bed.ward_id)
    return RedirectResponse(f"/console/beds?department={ward.department_id}", status_code=303)


@router.get("/ward-admissions")
def ward_admissions(request: Request, session: DbSession, me: Nurse, scope: StaffScope) -> Response:
    """Today's expected admissions of the nurse's wards, and green-channel stays until their
    deferred deposit is paid (with its due time)."""
    today = local_today()
    ward_id = _int(request.query_params.get("ward"))
    stmt = select(AdmissionNotice).where(
        AdmissionNotice.state.in_([NoticeState.BED_ASSIGNED, NoticeState.REGISTERED, NoticeState.ADMITTED]),
        AdmissionNotice.expected_date <= today + timedelta(days=1),
        or_(
            AdmissionNotice.arrived_at.is_(None),
            and_(AdmissionNotice.green_channel.is_(True), AdmissionNotice.deposit_due_at.is_not(None)),
        ),
    )
    if ward_id:
        stmt = stmt.where(AdmissionNotice.ward_id == ward_id)
    in_scope = scope.clause(AdmissionNotice.ward_id, AdmissionNotice.department_id)
    if in_scope is not None:
        stmt = stmt.where(in_scope)
    rows = []
    for n in session.scalars(stmt.order_by(AdmissionNotice.expected_date, AdmissionNotice.id)):
        ready = stay_service.readiness(session, n)
        rows.append(
            {
                "notice": n,
                "patient": patients_service.get(session, n.patient_id),
                "ready": ready,
                "green": green.deposit_status(n, ready.deposit_fen, ready.deposit_minimum_fen),
                "bed": hospital_service.get_bed(session, n.bed_id) if n.bed_id else None,
            }
        )
    wards = select(Ward).order_by(Ward.code)
    if scope.wards is not None:
        wards = wards.where(Ward.id.in_(sorted(scope.wards)))
    session.commit()
    return page(
        request,
        me,
        "console/ward_admissions.html",
        {"rows": rows, "wards": list(session.scalars(wards)), "ward_id": ward_id},
    )


@router.post("/stays/{notice_id}/arrived", dependencies=[InScope])
def arrived(session: DbSession, me: Nurse, notice_id: IdPath) -> Response:
    stay_service.confirm_arrival(session, me.actor, notice_id)
    return RedirectResponse("/console/ward-admissions", status_code=303)


@router.post("/stays/{notice_id}/admit", dependencies=[InScope])
def admit_at_ward(session: DbSession, me: Nurse, notice_id: IdPath) -> Response:
    """The ward can finish what a kiosk would: admission and the wristband."""
    stay_service.admit(session, me.actor, notice_id)
    return RedirectResponse(f"/console/ward-admissions?admitted={notice_id}", status_code=303)


@router.get("/stays/{notice_id}/wristband.zpl", dependencies=[InScope])
def wristband_zpl(session: DbSession, me: Nurse, notice_id: IdPath) -> Response:
    band = wristbands.downloaded(session, me.actor, admissions_service.get(session, notice_id), "zpl")
    return Response(wristband_doc.wristband_zpl(band), media_type="text/plain; charset=utf-8")


@router.get("/stays/{notice_id}/wristband.png", dependencies=[InScope])
def wristband_png(session: DbSession, me: Nurse, notice_id: IdPath) -> Response:
    band = wristbands.downloaded(session, me.actor, admissions_service.get(session, notice_id), "png")
    return Response(wristband_doc.wristband_preview_png(band), media_type="image/png")


@router.get("/window-cases")
def window_cases(request: Request, session: DbSession, me: AdmissionCenter) -> Response:
    """Stays self-service cannot finish, with the reason: the staffed window's work queue."""
    rows = []
    open_stays = session.scalars(
        select(AdmissionNotice)
        .where(AdmissionNotice.state.in_([s.value for s in OPEN_STATES]))
        .order_by(AdmissionNotice.expected_date, AdmissionNotice.id)
    )
    for n in open_stays:
        found = stay_service.blockers(session, n)
        if found:
            rows.append(
                {"notice": n, "patient": patients_service.get(session, n.patient_id), "blockers": found}
            )
    session.commit()
    return page(request, me, "console/window_cases.html", {"rows": rows})
