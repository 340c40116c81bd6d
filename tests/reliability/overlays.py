"""What turns a generated case into one that can succeed: real ids, numbers and credentials
from the ApiWorld laid over the generated values (the rest stays generated). Each entry is a
strategy of patches for one operation; a run mixes patched and untouched cases."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st
from schemathesis import Case

from bedside.core.clock import local_today
from bedside.core.db import utcnow
from tests.reliability.apiworld import ApiWorld

Patch = dict[str, Any]
_CN = timezone(timedelta(hours=8))


def _tomorrow() -> str:
    return (local_today() + timedelta(days=1)).isoformat()


def _exam_time() -> str:
    day = local_today() + timedelta(days=2)
    return datetime(day.year, day.month, day.day, 10, 30, tzinfo=_CN).isoformat()


def _charge_line(line: Any) -> Any:
    if not isinstance(line, dict):
        return line
    fen = abs(line.get("amount_fen", 0)) if isinstance(line.get("amount_fen"), int) else 100
    day = (local_today() - timedelta(days=1)).isoformat()
    return {
        **line,
        "unit_price_fen": fen,
        "amount_fen": fen,
        "quantity": "1",
        "service_date": day,
        "reverses_his_line_id": None,
        "department_id": None,
    }


def _each(fix: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda items: [fix(x) for x in items] if isinstance(items, list) else items


def _merged(fields: Callable[[], dict[str, Any]]) -> Callable[[Any], Any]:
    return lambda item: {**item, **fields()} if isinstance(item, dict) else item


def _booking() -> dict[str, Any]:
    return {"title": "腹部B超", "place": "门诊楼3楼", "scheduled_at": _exam_time()}


def _notice_in(w: ApiWorld) -> st.SearchStrategy[Patch]:
    return st.builds(
        lambda patient, dept: {
            "body": {"patient_id": patient, "department_id": dept, "expected_date": _tomorrow()}
        },
        st.sampled_from(w.fresh_patient_ids),
        st.sampled_from(w.department_ids),
    )


def _his_notice(w: ApiWorld) -> st.SearchStrategy[Patch]:
    return st.builds(
        lambda rid, code: {
            "body": {"resident_id": rid, "department_code": code, "expected_date": _tomorrow()}
        },
        st.sampled_from(w.fresh_resident_ids),
        st.sampled_from(w.department_codes),
    )


def _report_fields(rid: str) -> dict[str, Any]:
    return {
        "resident_id": rid,
        "reported_at": utcnow().isoformat(),
        "result_text": "白细胞 6.1 ×10^9/L",
        "pdf_base64": None,
        "supersedes_his_ref": None,
    }


def _report(w: ApiWorld) -> st.SearchStrategy[Patch]:
    return st.sampled_from(w.resident_ids).map(lambda rid: {"body": _report_fields(rid)})


def _reports(w: ApiWorld) -> st.SearchStrategy[Patch]:
    return st.sampled_from(w.resident_ids).map(
        lambda rid: {"body": {"reports": _each(_merged(lambda: _report_fields(rid)))}}
    )


def _payment(w: ApiWorld) -> st.SearchStrategy[Patch]:
    return st.builds(
        lambda patient, method, key: {
            "body": {
                "patient_id": patient,
                "notice_id": w.admitted_notice_id,
                "purpose": "topup",
                "channel": method[0],
                "trade_type": method[1],
            },
            "headers": {"Idempotency-Key": str(key)},
        },
        st.sampled_from(w.my_patient_ids),
        # Not JSAPI: the world's account has no WeChat openid bound, so it is always refused.
        st.sampled_from([("wechat", "H5"), ("alipay", "PRECREATE"), ("wechat", "NATIVE"), ("alipay", "WAP")]),
        st.uuids(),
    )


def _signed(channel: str) -> Callable[[ApiWorld], st.SearchStrategy[Patch]]:
    def patches(w: ApiWorld) -> st.SearchStrategy[Patch]:
        # Signed when the case is used, not when it is drawn: the timestamp must be fresh.
        return st.just({"signed": lambda: w.signed_notification(channel)})

    return patches


def _path(name: str, pick: Callable[[ApiWorld], list[Any]]) -> Callable[[ApiWorld], st.SearchStrategy[Patch]]:
    return lambda w: st.sampled_from(pick(w)).map(lambda value: {"path": {name: value}})


def _his_message(
    body: Callable[[ApiWorld], st.SearchStrategy[dict[str, Any]]], path: bool = False
) -> Callable[[ApiWorld], st.SearchStrategy[Patch]]:
    """A fresh HIS message id each time, so a case is applied rather than replayed."""

    def patches(w: ApiWorld) -> st.SearchStrategy[Patch]:
        return st.tuples(body(w), st.uuids()).map(
            lambda pair: {
                "body": {**pair[0], "message_id": str(pair[1])},
                **({"path": {"inpatient_no": w.inpatient_no}} if path else {}),
            }
        )

    return patches


_DDI = "/api/ddi/{tenant}/controller/v1/{controller_id}"


def _ddi_path() -> dict[str, str]:
    return {"tenant": "default", "controller_id": "K-ST"}


def _days_ago(n: int) -> str:
    day = local_today() - timedelta(days=n)
    return datetime(day.year, day.month, day.day, 8, 0, tzinfo=_CN).isoformat()


OVERLAYS: dict[str, Callable[[ApiWorld], st.SearchStrategy[Patch]]] = {
    "POST /api/v1/admission-notices": _notice_in,
    "GET /api/v1/admission-notices/{notice_id}": _path("notice_id", lambda w: w.all_notice_ids),
    "POST /api/v1/fleet/alerts/{alert_id}/ack": _path("alert_id", lambda w: w.fleet_alert_ids),
    "POST /api/v1/fleet/alerts/{alert_id}/ticket": _path("alert_id", lambda w: w.fleet_alert_ids),
    "POST /api/v1/admission-notices/{notice_id}/cancel": lambda w: st.sampled_from(
        w.cancellable_notice_ids
    ).map(lambda n: {"path": {"notice_id": n}, "body": {"reason": "患者改期"}}),
    "GET /api/v1/me/notices/{notice_id}": _path("notice_id", lambda w: w.my_notice_ids),
    "GET /api/v1/me/patients/{patient_id}/next-step": _path("patient_id", lambda w: w.my_patient_ids),
    "POST /api/v1/me/payments": _payment,
    "GET /api/v1/me/payments/{order_id}": _path("order_id", lambda w: w.my_order_ids),
    "POST /api/v1/payments/notify/wechat": _signed("wechat"),
    "POST /api/v1/payments/notify/alipay": _signed("alipay"),
    "POST /api/v1/his/admission-notices": _his_notice,
    "POST /api/v1/his/inpatients/{inpatient_no}/charges": lambda w: st.just(
        {"path": {"inpatient_no": w.inpatient_no}, "body": {"lines": _each(_charge_line)}}
    ),
    "POST /api/v1/his/reports": _report,
    "POST /api/v1/his/reports/batch": _reports,
    "POST /api/v1/his/inpatients/{inpatient_no}/exam-appointments": lambda w: st.just(
        {"path": {"inpatient_no": w.inpatient_no}, "body": _booking()}
    ),
    "POST /api/v1/his/inpatients/{inpatient_no}/exam-appointments/batch": lambda w: st.just(
        {"path": {"inpatient_no": w.inpatient_no}, "body": {"appointments": _each(_merged(_booking))}}
    ),
    "POST /api/v1/his/patients": _his_message(
        lambda w: st.sampled_from(w.fresh_resident_ids).map(
            lambda rid: {"resident_id": rid, "name": "测试患者", "birth_date": None, "phone": None}
        )
    ),
    # The last two fresh patients: the first merge succeeds, later ones find the merged one gone.
    "POST /api/v1/his/patients/merge": _his_message(
        lambda w: st.just(
            {"survivor_resident_id": w.fresh_resident_ids[-2], "merged_resident_id": w.fresh_resident_ids[-1]}
        )
    ),
    "POST /api/v1/his/stays/{inpatient_no}/discharge-order": _his_message(
        lambda w: st.just({"planned_date": _tomorrow(), "doctor": "王医生"}), path=True
    ),
    "POST /api/v1/his/stays/{inpatient_no}/orders-status": _his_message(
        lambda w: st.just({"pending_orders": 0, "charges_closed": False}), path=True
    ),
    "POST /api/v1/his/stays/{inpatient_no}/discharge-medication": _his_message(
        lambda w: st.just(
            {
                "doctor": "王医生",
                "drugs": [{"drug_code": "AML5", "quantity": 7, "dose": "5mg", "frequency": "qd", "days": 7}],
            }
        ),
        path=True,
    ),
    "POST /api/v1/kiosk/commands/{command_id}/result": lambda w: st.sampled_from(w.new.command_ids).map(
        lambda c: {
            "path": {"command_id": c},
            "body": {"ok": True, "detail": "printed", "screenshot_png_b64": None},
        }
    ),
    f"GET {_DDI}": lambda w: st.just({"path": _ddi_path()}),
    f"GET {_DDI}/deploymentBase/{{action_id}}": lambda w: st.just(
        {"path": {**_ddi_path(), "action_id": w.new.ddi_action_id}}
    ),
    f"POST {_DDI}/deploymentBase/{{action_id}}/feedback": lambda w: st.just(
        {
            "path": {**_ddi_path(), "action_id": w.new.ddi_action_id},
            # "proceeding" keeps the deployment open, so its artifacts stay downloadable.
            "body": {"status": {"execution": "proceeding", "result": {"finished": "none"}, "details": []}},
        }
    ),
    f"GET {_DDI}/softwaremodules/{{release_id}}/artifacts/{{filename}}": lambda w: st.just(
        {"path": {**_ddi_path(), "release_id": w.new.ddi_release_id, "filename": w.new.ddi_filename}}
    ),
    "POST /api/v1/care/caregivers": lambda w: st.just({"body": {"name": "张阿姨", "phone": "13812345678"}}),
    "POST /api/v1/care/orders": lambda w: st.integers(0, 10**6).map(
        lambda n, w=w: {
            "body": {
                "vendor_ref": f"GEN-{n}",
                "inpatient_no": w.inpatient_no,
                "caregiver_id": w.new.care_caregiver_ids[n % len(w.new.care_caregiver_ids)],
                "mode": "one_to_one",
                "share_count": 1,
                "daily_rate_fen": 15000,
                "starts_at": _days_ago(2),
                "ends_at": None,
            }
        }
    ),
    "GET /api/v1/care/orders/{order_id}": _path("order_id", lambda w: w.new.care_order_ids),
    "POST /api/v1/care/orders/{order_id}/rates": lambda w: st.sampled_from(w.new.care_order_ids).map(
        lambda o: {
            "path": {"order_id": o},
            "body": {"effective_from": local_today().isoformat(), "daily_rate_fen": 18000},
        }
    ),
    "POST /api/v1/care/orders/{order_id}/end": lambda w: st.sampled_from(w.new.care_order_ids).map(
        lambda o: {"path": {"order_id": o}, "body": {"ends_at": _days_ago(0)}}
    ),
    "POST /api/v1/care/orders/{order_id}/bills": _path("order_id", lambda w: w.new.care_order_ids),
    "GET /api/v1/care/bills/{bill_id}": _path("bill_id", lambda w: w.new.care_bill_ids),
    "POST /api/v1/care/days/{day_id}/answer": lambda w: st.sampled_from(w.new.care_day_ids).map(
        lambda d: {"path": {"day_id": d}, "body": {"answer": "已核实，当天护工在岗", "amount_fen": None}}
    ),
}


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _printable(value: Any) -> Any:
    # The API refuses control characters anywhere (web.security); a patched case is meant to
    # get past that, so its generated text loses them.
    if isinstance(value, str):
        return _CONTROL.sub("", value)
    if isinstance(value, dict):
        return {_printable(k): _printable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_printable(v) for v in value]
    return value


def apply(case: Case, patch: Patch) -> None:
    case.path_parameters = {**(case.path_parameters or {}), **patch.get("path", {})}
    if isinstance(case.body, dict):
        body = _printable(case.body)
        for name, value in patch.get("body", {}).items():
            body[name] = value(body.get(name)) if callable(value) else value
        case.body = body
    for name, value in patch.get("headers", {}).items():
        case.headers[name] = value
    if "signed" in patch:
        headers, raw = patch["signed"]()
        # Sent byte for byte: a re-serialized body would no longer match its signature.
        case.media_type = "application/octet-stream"
        case.body = raw
        for name, value in headers.items():
            case.headers[name] = value


def authenticate(case: Case, auth: dict[str, Any]) -> None:
    for name, value in auth.get("headers", {}).items():
        case.headers[name] = value
    case.cookies = {**(case.cookies or {}), **auth.get("cookies", {})}
