"""The app's routes as the reliability suite sees them: every method and path, who may call it,
and the form and query fields it reads. ACCESS must name every route the app has, so a new
route is not probed until someone says who may call it."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from fastapi import FastAPI, params
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Mount

from bedside.web import security


class Access(StrEnum):
    PUBLIC = "public"  # nobody signs in: landing, sign-in pages, the sandbox payer, verification
    PROOF = "proof"  # no session: each call carries its proof (a signature, a ticket, a secret URL)
    PHONE = "phone"  # a phone account's own pages; nothing in the path names a patient's record
    PHONE_RECORD = "phone-record"  # the path names a record: only its patient's accounts
    KIOSK = "kiosk"  # the kiosk device, before or around a patient's sign-in
    KIOSK_PATIENT = "kiosk-patient"  # the patient signed in at the kiosk, their own pages
    KIOSK_RECORD = "kiosk-record"  # the path names a record: only the signed-in patient's
    CONSOLE = "console"  # staff pages, by role (test_console_roles.ROLES)
    STAFF_API = "staff-api"  # staff JSON, by role (test_console_roles.ROLES)
    DOCS = "docs"  # the API reference: any staff outside demo mode
    ME_API = "me-api"  # a phone account's JSON
    ME_API_RECORD = "me-api-record"
    KIOSK_API = "kiosk-api"  # the kiosk agent, by its key
    HIS_API = "his-api"  # the hospital's systems, by an integration key


P, PR = Access.PUBLIC, Access.PHONE_RECORD
K, KP, KR = Access.KIOSK, Access.KIOSK_PATIENT, Access.KIOSK_RECORD
C = Access.CONSOLE

# The kiosk software updater's device API (hawkBit DDI), by the kiosk's own key.
_DDI = "/api/ddi/{tenant}/controller/v1/{controller_id}"

ACCESS: dict[str, Access] = {
    "GET /healthz": P,
    "GET /metrics": Access.STAFF_API,  # or the scraper's bearer token
    "GET /": P,
    "GET /lang/{locale}": P,
    "GET /openapi.json": Access.DOCS,
    "GET /docs": Access.DOCS,
    "GET /phone/login": P,
    "POST /phone/login/code": P,
    "POST /phone/login": P,
    "POST /phone/logout": Access.PHONE,
    "GET /phone/": Access.PHONE,
    "GET /phone/kiosk-code/{patient_id}": PR,
    "GET /phone/patients/new": Access.PHONE,
    "POST /phone/patients": Access.PHONE,
    "GET /phone/inbox": Access.PHONE,
    "POST /phone/inbox/read": Access.PHONE,
    "GET /phone/deposit/{notice_id}": PR,
    "POST /phone/deposit/{notice_id}": PR,
    "GET /phone/payments/{order_id}": PR,
    "GET /phone/payments/{order_id}/status": PR,
    "GET /phone/payments/{order_id}/receipt.pdf": PR,
    "GET /phone/notices/{notice_id}": PR,
    "GET /phone/stays/{notice_id}/bed": PR,
    "POST /phone/stays/{notice_id}/bed": PR,
    "GET /phone/stays/{notice_id}/details": PR,
    "POST /phone/stays/{notice_id}/details": PR,
    "GET /phone/stays/{notice_id}/assessment": PR,
    "POST /phone/stays/{notice_id}/assessment": PR,
    "GET /phone/stays/{notice_id}/discharge": PR,
    "GET /phone/stays/{notice_id}/medication": PR,
    "GET /phone/stays/{notice_id}/care": PR,
    "POST /phone/stays/{notice_id}/care/confirm": PR,
    "POST /phone/stays/{notice_id}/care/dispute": PR,
    "POST /phone/stays/{notice_id}/care/pay": PR,
    "GET /phone/care/beds/{bed_id}": Access.PHONE,
    "GET /phone/stays/{notice_id}/bill": PR,
    "GET /phone/stays/{notice_id}/bill/estimate": PR,
    "GET /phone/stays/{notice_id}/settle": PR,
    "POST /phone/stays/{notice_id}/settle": PR,
    "GET /phone/stays/{notice_id}/settle/payments/{order_id}": PR,
    "GET /phone/stays/{notice_id}/settle/payments/{order_id}/status": PR,
    "POST /phone/stays/{notice_id}/dispute": PR,
    "GET /phone/stays/{notice_id}/settled": PR,
    "GET /phone/settlements/{settlement_id}/{kind}.pdf": PR,
    "GET /phone/patients/{patient_id}/reports": PR,
    "GET /phone/reports/{report_id}": PR,
    "GET /phone/reports/{report_id}/report.pdf": PR,
    "GET /phone/face/{patient_id}": PR,
    "POST /phone/face/{patient_id}/withdraw": PR,
    "GET /phone/education": Access.PHONE,
    "GET /phone/education/{article_id}": PR,
    "GET /phone/surveys": Access.PHONE,
    "GET /phone/surveys/{invitation_id}": PR,
    "POST /phone/surveys/{invitation_id}": PR,
    "GET /phone/followups/{follow_up_id}": PR,
    "POST /phone/followups/{follow_up_id}": PR,
    "GET /phone/settings/notifications": Access.PHONE,
    "POST /phone/settings/notifications": Access.PHONE,
    "POST /phone/settings/notifications/wechat/bind": Access.PHONE,
    "POST /phone/settings/notifications/wechat/unbind": Access.PHONE,
    "GET /phone/wechat/authorize": Access.PHONE,
    "GET /phone/wechat/callback": Access.PHONE,
    "GET /phone/records": Access.PHONE,
    "GET /phone/records/new": Access.PHONE,
    "POST /phone/records": Access.PHONE,
    "GET /phone/records/{request_id}": PR,
    "POST /phone/records/{request_id}/pay": PR,
    "GET /phone/records/{request_id}/payments/{order_id}": PR,
    "GET /phone/records/{request_id}/payments/{order_id}/status": PR,
    "POST /phone/records/{request_id}/cancel": PR,
    "POST /phone/records/{request_id}/proofs": PR,
    "GET /kiosk/activate": P,
    "POST /kiosk/activate": P,
    "GET /kiosk/": K,
    "GET /kiosk/service-state": K,
    "GET /kiosk/fault": K,
    "POST /kiosk/fault": K,
    "GET /kiosk/login": K,
    "POST /kiosk/login": K,
    "POST /kiosk/logout": K,
    "GET /kiosk/face": K,
    "POST /kiosk/face/start": K,
    "POST /kiosk/face/login": K,
    "GET /kiosk/patient": KP,
    "POST /kiosk/elderly": KP,
    "GET /kiosk/deposit/{notice_id}": KR,
    "POST /kiosk/deposit/{notice_id}": KR,
    "POST /kiosk/deposit/{notice_id}/code": KR,
    "GET /kiosk/payments/{order_id}": KR,
    "GET /kiosk/payments/{order_id}/status": KR,
    "GET /kiosk/cash/{order_id}": KR,
    "POST /kiosk/cash/{order_id}/note": KR,
    "POST /kiosk/cash/{order_id}/finish": KR,
    "GET /kiosk/payments/{order_id}/receipt": KR,
    "GET /kiosk/payments/{order_id}/receipt.escpos": KR,
    "POST /kiosk/cash/{order_id}/notes": KR,
    "POST /kiosk/payments/{order_id}/card": KR,
    "GET /kiosk/stays/{notice_id}": KR,
    "POST /kiosk/stays/{notice_id}/insurance": KR,
    "GET /kiosk/stays/{notice_id}/details": KR,
    "POST /kiosk/stays/{notice_id}/details": KR,
    "GET /kiosk/stays/{notice_id}/assessment": KR,
    "POST /kiosk/stays/{notice_id}/assessment": KR,
    "POST /kiosk/stays/{notice_id}/admit": KR,
    "GET /kiosk/stays/{notice_id}/wristband": KR,
    "GET /kiosk/stays/{notice_id}/wristband.zpl": KR,
    "GET /kiosk/stays/{notice_id}/wristband.png": KR,
    "GET /kiosk/stays/{notice_id}/settle": KR,
    "POST /kiosk/stays/{notice_id}/settle": KR,
    "GET /kiosk/stays/{notice_id}/settle/payments/{order_id}": KR,
    "GET /kiosk/stays/{notice_id}/settle/payments/{order_id}/status": KR,
    "GET /kiosk/stays/{notice_id}/settled": KR,
    "GET /kiosk/stays/{notice_id}/bill": KR,
    "GET /kiosk/stays/{notice_id}/bill/estimate": KR,
    "GET /kiosk/stays/{notice_id}/certificate": KR,
    "GET /kiosk/stays/{notice_id}/discharge_cert.pdf": KR,
    "GET /kiosk/settlements/{settlement_id}/{kind}.pdf": KR,
    "GET /kiosk/reports": KP,
    "GET /kiosk/reports/{report_id}": KR,
    "GET /kiosk/reports/{report_id}/report.pdf": KR,
    "GET /kiosk/face/enrol": KP,
    "POST /kiosk/face/enrol/agree": KP,
    "POST /kiosk/face/enrol": KP,
    "POST /kiosk/face/withdraw": KP,
    "POST /kiosk/print-tickets": KP,
    "GET /kiosk/print/{ticket}": Access.PROOF,
    "GET /kiosk/records": KP,
    "GET /kiosk/records/new": KP,
    "POST /kiosk/records": KP,
    "GET /kiosk/records/{request_id}": KR,
    "POST /kiosk/records/{request_id}/pay": KR,
    "GET /kiosk/records/{request_id}/payments/{order_id}": KR,
    "GET /kiosk/records/{request_id}/payments/{order_id}/status": KR,
    "POST /kiosk/records/{request_id}/cancel": KR,
    "GET /console/login": P,
    "POST /console/login": P,
    "POST /console/logout": C,
    "GET /console/": C,
    "GET /console/notices": C,
    "GET /console/notices/new": C,
    "POST /console/notices": C,
    "POST /console/notices/{notice_id}/cancel": C,
    "GET /console/patients": C,
    "GET /console/patients/new": C,
    "POST /console/patients": C,
    "GET /console/patients/{patient_id}": C,
    "GET /console/wards": C,
    "GET /console/wards/{ward_id}/settings": C,
    "POST /console/wards/{ward_id}/settings": C,
    "GET /console/kiosks": C,
    "POST /console/kiosks": C,
    "GET /console/staff": C,
    "POST /console/staff": C,
    "POST /console/staff/{user_id}/unlock": C,
    "GET /console/audit": C,
    "GET /console/refunds": C,
    "POST /console/refunds/{refund_id}/decide": C,
    "GET /console/deposits": C,
    "GET /console/deposits/{account_id}": C,
    "GET /console/deposits/{account_id}/refunds": C,
    "POST /console/deposits/{account_id}/refund": C,
    "GET /console/reconciliation": C,
    "POST /console/reconciliation/open": C,
    "GET /console/reconciliation/days/{bill_date}": C,
    "POST /console/reconciliation/days/{bill_date}/fetch": C,
    "POST /console/reconciliation/days/{bill_date}/import": C,
    "POST /console/reconciliation/days/{bill_date}/cash": C,
    "POST /console/reconciliation/days/{bill_date}/run": C,
    "POST /console/reconciliation/days/{bill_date}/close": C,
    "POST /console/reconciliation/discrepancies/{discrepancy_id}/act": C,
    "GET /console/reconciliation/days/{bill_date}/export.{fmt}": C,
    "GET /console/reconciliation/months/{month}": C,
    "GET /console/beds": C,
    "GET /console/beds/search": C,
    "GET /console/beds/live": C,
    "POST /console/beds/assign": C,
    "POST /console/stays/{notice_id}/release": C,
    "POST /console/beds/{bed_id}/state": C,
    "GET /console/ward-admissions": C,
    "POST /console/stays/{notice_id}/arrived": C,
    "POST /console/stays/{notice_id}/admit": C,
    "GET /console/desk": C,
    "GET /console/desk/stays/{notice_id}": C,
    "POST /console/desk/stays/{notice_id}/details": C,
    "POST /console/desk/stays/{notice_id}/assessment": C,
    "POST /console/desk/stays/{notice_id}/deposit": C,
    "POST /console/desk/stays/{notice_id}/admit": C,
    "GET /console/stays/{notice_id}/assessment": C,
    "POST /console/stays/{notice_id}/assessment": C,
    "GET /console/stays/{notice_id}/wristband.zpl": C,
    "GET /console/stays/{notice_id}/wristband.png": C,
    "GET /console/window-cases": C,
    "GET /console/discharge-window": C,
    "GET /console/discharge-window/{notice_id}": C,
    "POST /console/discharge-window/{notice_id}/settle": C,
    "GET /console/stays": C,
    "GET /console/stays/{notice_id}": C,
    "POST /console/stays/{notice_id}/discharge": C,
    "GET /console/insurance-review": C,
    "GET /console/insurance-review/{notice_id}": C,
    "POST /console/insurance-review/{notice_id}/lines/{line_id}": C,
    "POST /console/insurance-review/{notice_id}/approve": C,
    "GET /console/education": C,
    "GET /console/education/new": C,
    "POST /console/education": C,
    "GET /console/education/stays": C,
    "GET /console/education/stays/{notice_id}": C,
    "POST /console/education/stays/{notice_id}/surgery": C,
    "GET /console/education/{article_id}": C,
    "GET /console/medication": C,
    "GET /console/medication/stays/{notice_id}": C,
    "POST /console/medication/stays/{notice_id}/order": C,
    "POST /console/medication/orders/{order_id}": C,
    "POST /console/medication/receive": C,
    "GET /console/medication/pharmacy": C,
    "POST /console/medication/pharmacy/{order_id}": C,
    "POST /console/medication/runs": C,
    "GET /console/medication/pharmacy/{order_id}/label.pdf": C,
    "GET /console/care-vendor": C,
    "POST /console/care-vendor/{what}": C,
    "GET /console/care/qr-cards": C,
    "GET /console/medication/figures": C,
    "POST /console/education/{article_id}": C,
    "POST /console/education/{article_id}/publish": C,
    "GET /console/surveys": C,
    "GET /console/surveys/questionnaires": C,
    "GET /console/surveys/questionnaires/{code}": C,
    "POST /console/surveys/questionnaires/{code}": C,
    "GET /console/followup": C,
    "GET /console/followup/stays/{notice_id}": C,
    "POST /console/followup/stays/{notice_id}/appointments": C,
    "POST /console/followup/stays/{notice_id}/appointments/{appointment_id}": C,
    "POST /console/followup/stays/{notice_id}/appointments/{appointment_id}/cancel": C,
    "GET /console/flags": C,
    "POST /console/flags/{follow_up_id}/ack": C,
    "GET /console/followup/plans": C,
    "POST /console/followup/plans": C,
    "POST /console/followup/plans/{plan_id}/items": C,
    "POST /console/followup/plans/{plan_id}/items/{item_id}/remove": C,
    "GET /console/notifications/templates": C,
    "GET /console/notifications/templates/{key}": C,
    "POST /console/notifications/templates/{key}": C,
    "POST /console/notifications/templates/{key}/reset": C,
    "GET /console/notifications/sent": C,
    "GET /console/records": C,
    "GET /console/records/{request_id}": C,
    "GET /console/records/{request_id}/proofs/{proof_id}": C,
    "POST /console/records/{request_id}/act": C,
    "GET /console/fleet": C,
    "GET /console/fleet/grid": C,
    "GET /console/fleet/stream": C,
    "GET /console/fleet/kiosks/{kiosk_id}": C,
    "POST /console/fleet/kiosks/{kiosk_id}/placement": C,
    "POST /console/fleet/kiosks/{kiosk_id}/service": C,
    "GET /console/fleet/alerts": C,
    "POST /console/fleet/alerts/{alert_id}/ack": C,
    "POST /console/fleet/alerts/{alert_id}/ticket": C,
    "GET /console/fleet/tickets": C,
    "POST /console/fleet/tickets": C,
    "GET /console/fleet/tickets/{ticket_id}": C,
    "GET /console/fleet/tickets/{ticket_id}/label": C,
    "POST /console/fleet/tickets/{ticket_id}/act": C,
    "POST /console/fleet/tickets/{ticket_id}/stand-in": C,
    "POST /console/fleet/tickets/{ticket_id}/photos": C,
    "GET /console/fleet/tickets/{ticket_id}/photos/{photo_id}": C,
    "GET /console/fleet/on-call": C,
    "POST /console/fleet/on-call": C,
    "GET /console/fleet/kiosks/{kiosk_id}/upkeep": C,
    "POST /console/fleet/kiosks/{kiosk_id}/upkeep": C,
    "POST /console/fleet/kiosks/{kiosk_id}/commands": C,
    "GET /console/fleet/commands/{command_id}/screenshot.png": C,
    "GET /console/fleet/releases": C,
    "POST /console/fleet/releases": C,
    "POST /console/fleet/rollouts": C,
    "GET /console/fleet/rollouts/{rollout_id}": C,
    "POST /console/fleet/rollouts/{rollout_id}/start": C,
    "POST /console/fleet/rollouts/{rollout_id}/halt": C,
    "POST /console/fleet/rollouts/{rollout_id}/resume": C,
    "POST /console/fleet/rollouts/{rollout_id}/rollback": C,
    "POST /console/fleet/rollouts/{rollout_id}/cancel": C,
    "GET /sandbox/pay/{out_trade_no}": P,
    "POST /sandbox/pay/{out_trade_no}": P,
    "GET /sandbox/card/{out_trade_no}": P,
    "POST /sandbox/card/{out_trade_no}": P,
    "GET /verify": P,
    "GET /verify/{number}": P,
    "POST /verify": P,
    "POST /api/v1/admission-notices": Access.STAFF_API,
    "GET /api/v1/admission-notices": Access.STAFF_API,
    "GET /api/v1/admission-notices/{notice_id}": Access.STAFF_API,
    "POST /api/v1/admission-notices/{notice_id}/cancel": Access.STAFF_API,
    "GET /api/v1/fleet/kiosks": Access.STAFF_API,
    "GET /api/v1/fleet/alerts": Access.STAFF_API,
    "POST /api/v1/fleet/alerts/{alert_id}/ack": Access.STAFF_API,
    "POST /api/v1/fleet/alerts/{alert_id}/ticket": Access.STAFF_API,
    f"GET {_DDI}": Access.KIOSK_API,
    f"GET {_DDI}/deploymentBase/{{action_id}}": Access.KIOSK_API,
    f"POST {_DDI}/deploymentBase/{{action_id}}/feedback": Access.KIOSK_API,
    f"GET {_DDI}/softwaremodules/{{release_id}}/artifacts/{{filename}}": Access.KIOSK_API,
    "GET /api/v1/me/patients": Access.ME_API,
    "GET /api/v1/me/notices": Access.ME_API,
    "GET /api/v1/me/notices/{notice_id}": Access.ME_API_RECORD,
    "GET /api/v1/me/patients/{patient_id}/next-step": Access.ME_API_RECORD,
    "POST /api/v1/me/payments": Access.ME_API,
    "GET /api/v1/me/payments/{order_id}": Access.ME_API_RECORD,
    "GET /api/v1/kiosk/me": Access.KIOSK_API,
    "POST /api/v1/kiosk/telemetry": Access.KIOSK_API,
    "POST /api/v1/kiosk/faults": Access.KIOSK_API,
    "GET /api/v1/kiosk/commands": Access.KIOSK_API,
    "POST /api/v1/kiosk/commands/{command_id}/result": Access.KIOSK_API,
    "POST /api/v1/payments/notify/wechat": Access.PROOF,
    "POST /api/v1/payments/notify/alipay": Access.PROOF,
    "POST /api/v1/sms/receipts/{provider}/{token}": Access.PROOF,  # the secret is in the URL
    "POST /api/v1/his/admission-notices": Access.HIS_API,
    "POST /api/v1/his/inpatients/{inpatient_no}/charges": Access.HIS_API,
    "POST /api/v1/his/reports": Access.HIS_API,
    "POST /api/v1/his/inpatients/{inpatient_no}/exam-appointments": Access.HIS_API,
    "POST /api/v1/his/inpatients/{inpatient_no}/exam-appointments/batch": Access.HIS_API,
    "POST /api/v1/his/reports/batch": Access.HIS_API,
    "POST /api/v1/his/patients": Access.HIS_API,
    "POST /api/v1/his/patients/merge": Access.HIS_API,
    "POST /api/v1/his/stays/{inpatient_no}/discharge-order": Access.HIS_API,
    "POST /api/v1/his/stays/{inpatient_no}/orders-status": Access.HIS_API,
    "POST /api/v1/his/stays/{inpatient_no}/discharge-medication": Access.HIS_API,
    # The care vendors' API: a vendor's own key (cv_...), like the HIS's integration keys.
    "POST /api/v1/care/caregivers": Access.HIS_API,
    "GET /api/v1/care/caregivers": Access.HIS_API,
    "POST /api/v1/care/orders": Access.HIS_API,
    "GET /api/v1/care/orders": Access.HIS_API,
    "GET /api/v1/care/orders/{order_id}": Access.HIS_API,
    "POST /api/v1/care/orders/{order_id}/rates": Access.HIS_API,
    "POST /api/v1/care/orders/{order_id}/end": Access.HIS_API,
    "POST /api/v1/care/orders/{order_id}/bills": Access.HIS_API,
    "GET /api/v1/care/bills": Access.HIS_API,
    "GET /api/v1/care/bills/{bill_id}": Access.HIS_API,
    "POST /api/v1/care/days/{day_id}/answer": Access.HIS_API,
}
RECORD_ROUTES = (Access.PHONE_RECORD, Access.KIOSK_RECORD, Access.ME_API_RECORD)
# Which of the victim's records an `order_id` names, where the route does not take the deposit.
ORDER_OF = {
    "/phone/records/{request_id}/payments/{order_id}": "copy_order_id",
    "/phone/records/{request_id}/payments/{order_id}/status": "copy_order_id",
    "/kiosk/records/{request_id}/payments/{order_id}": "copy_order_id",
    "/kiosk/records/{request_id}/payments/{order_id}/status": "copy_order_id",
    "/kiosk/cash/{order_id}": "cash_order_id",
    "/kiosk/cash/{order_id}/note": "cash_order_id",
    "/kiosk/cash/{order_id}/notes": "cash_order_id",
    "/kiosk/cash/{order_id}/finish": "cash_order_id",
    "/kiosk/payments/{order_id}/card": "card_order_id",
    "/phone/stays/{notice_id}/settle/payments/{order_id}": "settle_order_id",
    "/phone/stays/{notice_id}/settle/payments/{order_id}/status": "settle_order_id",
    "/kiosk/stays/{notice_id}/settle/payments/{order_id}": "settle_order_id",
    "/kiosk/stays/{notice_id}/settle/payments/{order_id}/status": "settle_order_id",
}


@dataclass(frozen=True)
class Endpoint:
    method: str
    route: APIRoute

    @property
    def path(self) -> str:
        return self.route.path

    @property
    def key(self) -> str:
        return f"{self.method} {self.route.path}"

    @property
    def access(self) -> Access | None:
        """None for a route nobody classified yet (test_every_route_is_classified says which)."""
        return ACCESS.get(self.key)


def _flatten(routes: list[BaseRoute]) -> Iterator[BaseRoute]:
    for route in routes:
        inner = getattr(route, "original_router", None)  # FastAPI wraps included routers
        if inner is not None:
            yield from _flatten(inner.routes)
        else:
            yield route


def endpoints(app: FastAPI) -> list[Endpoint]:
    """Every method of every route, HEAD aside (Starlette answers it as GET)."""
    found: list[Endpoint] = []
    for route in _flatten(app.router.routes):
        if isinstance(route, Mount):
            continue  # static files
        assert isinstance(route, APIRoute), f"{route!r}: not a FastAPI route, so not probed"
        found.extend(Endpoint(m, route) for m in sorted((route.methods or set()) - {"HEAD"}))
    return found


def _walk(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _walk(sub)


@dataclass(frozen=True)
class Fields:
    form: tuple[str, ...]
    query: tuple[str, ...]
    json: bool  # a JSON body (schemathesis covers those)
    reads_whole_form: bool  # a dependency takes every field as it comes (the questionnaires)


def fields_of(route: APIRoute) -> Fields:
    form: list[str] = []
    query: list[str] = []
    json = whole = False
    for dep in _walk(route.dependant):
        for f in dep.body_params:
            if isinstance(f.field_info, params.Form | params.File):
                form.append(f.alias)
            else:
                json = True
        query.extend(f.alias for f in dep.query_params)
        # The router guards read the form to check it, not to take its fields.
        if dep.call is not None and getattr(dep.call, "__module__", "") != security.__name__:
            try:
                whole = whole or "request.form()" in inspect.getsource(dep.call)
            except (OSError, TypeError):
                pass
    return Fields(tuple(dict.fromkeys(form)), tuple(dict.fromkeys(query)), json, whole)
