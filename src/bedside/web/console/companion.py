"""Console pages of companion care: the care vendor's portal (its caregivers, care orders,
bills and the days patients dispute, each answered here) and the printable bedside QR cards
that open a bed's care bill on the patient's phone."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy import select
from starlette.responses import Response

from bedside.companion import service, vendors
from bedside.companion.models import CareVendor
from bedside.companion.schemas import AnswerIn, CaregiverIn, CareOrderIn
from bedside.core.errors import DomainError, InvalidInput
from bedside.core.i18n import N_
from bedside.core.money import parse_amount
from bedside.hospital.models import Bed, Ward
from bedside.settings import get_settings
from bedside.staff.roles import Role
from bedside.web import security
from bedside.web.console.routes import _chrome, page
from bedside.web.deps import DbSession, IdQuery, StaffContext, staff_with
from bedside.web.forms import FormFields, form_error

router = APIRouter(prefix="/console", include_in_schema=False, dependencies=[Depends(security.guard_request)])
VendorStaff = Annotated[StaffContext, staff_with(Role.CARE_VENDOR)]
CardStaff = Annotated[StaffContext, staff_with(Role.NURSE, Role.ADMIN)]
Action = Annotated[str, Path(pattern="^(caregivers|orders|bill|answer)$")]


def _ctx(session: DbSession, vendor: CareVendor) -> dict[str, Any]:
    return {
        "vendor": vendor,
        "caregivers": service.caregivers(session, vendor),
        "orders": [(o, service.rates(session, o.id)) for o in service.orders(session, vendor)],
        "bills": [(b, service.days(session, b.id)) for b in service.bills_of(session, vendor)],
        "vendor_ref": f"P-{secrets.token_hex(4)}",
    }


@router.get("/care-vendor")
def portal(request: Request, session: DbSession, me: VendorStaff) -> Response:
    vendor = vendors.find_for_staff(session, me.user.id)
    ctx = _ctx(session, vendor) if vendor else {"vendor": None}
    return page(request, me, "console/companion/portal.html", ctx)


def _valid(model: type[Any], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0]) if exc.errors()[0]["loc"] else None
        raise InvalidInput(
            N_("Some of the information entered is not valid."), code="invalid_input", field=field
        ) from exc


def _when(raw: str) -> datetime | None:
    """A datetime-local field, in the hospital's time zone."""
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw[:25]).replace(tzinfo=get_settings().tz)
    except ValueError as exc:
        raise InvalidInput(N_("Enter a date and time."), code="invalid_datetime", field="starts_at") from exc


@router.post("/care-vendor/{what}")
def act(request: Request, session: DbSession, me: VendorStaff, what: Action, form: FormFields) -> Response:
    """caregivers (add one), orders (post one), bill (bill an order), answer (a disputed day)."""
    vendor = vendors.for_staff(session, me.user.id)
    actor = vendors.actor_for(vendor)
    try:
        if what == "caregivers":
            service.add_caregiver(
                session,
                vendor,
                actor,
                _valid(CaregiverIn, {k: form.get(k) or None for k in ("name", "phone", "certificate_no")}),
            )
        elif what == "orders":
            share_count = form.get("share_count", "1")
            body = _valid(
                CareOrderIn,
                {
                    "vendor_ref": form.get("vendor_ref", ""),
                    "inpatient_no": form.get("inpatient_no", "").strip(),
                    "caregiver_id": form.get("caregiver_id", ""),
                    "mode": "shared" if share_count not in ("", "1") else "one_to_one",
                    "share_count": share_count or "1",
                    "daily_rate_fen": parse_amount(form.get("daily_rate", ""), field="daily_rate"),
                    "starts_at": _when(form.get("starts_at", "")),
                    "ends_at": _when(form.get("ends_at", "")),
                },
            )
            service.post_order(session, vendor, actor, body)
        elif what in ("bill", "answer"):
            raw = form.get("id", "")
            if not raw.isdigit() or len(raw) > 9:
                raise InvalidInput(
                    N_("Some of the information entered is not valid."), code="invalid_input", field="id"
                )
            if what == "bill":
                service.bill(session, vendor, actor, int(raw))
            else:
                amount = form.get("amount", "").strip()
                fen = parse_amount(amount, min_fen=0, field="amount") if amount else None
                service.answer(
                    session,
                    vendor,
                    actor,
                    int(raw),
                    _valid(AnswerIn, {"answer": form.get("answer", ""), "amount_fen": fen}),
                )
        else:
            raise InvalidInput(N_("Unknown action."), code="invalid_action")
    except DomainError as exc:
        session.rollback()
        return form_error(
            request, "console/companion/portal.html", {**_ctx(session, vendor), **_chrome(request, me)}, exc
        )
    return RedirectResponse("/console/care-vendor", status_code=303)


@router.get("/care/qr-cards")
def qr_cards(request: Request, session: DbSession, me: CardStaff, ward_id: IdQuery = None) -> Response:
    """One card per bed to print and put at the bedside: the QR opens that bed's care bill."""
    wards = list(session.scalars(select(Ward).order_by(Ward.code)))
    chosen = ward_id or me.user.ward_id or (wards[0].id if wards else None)
    beds = (
        list(session.scalars(select(Bed).where(Bed.ward_id == chosen).order_by(Bed.code))) if chosen else []
    )
    base = str(request.base_url).rstrip("/")
    return page(
        request,
        me,
        "console/companion/qr_cards.html",
        {"wards": wards, "ward_id": chosen, "beds": beds, "base": base},
    )
