"""The fiscal e-invoice platform (财政电子票据平台) as a peer, speaking the Bosssoft-style
medical e-invoice protocol of bedside.einvoice.client at `/medical-web/api/medical/{service}`:
it checks the envelope's sign by the same algorithm, numbers bills from its own batches (one
BillBatchCode and number range per bill type), keeps its books (issued; reversed with the
red-letter bill's numbers), is idempotent per business serial (busNo), answers queries, and
takes injected faults: `timeout` (the bill is made, the answer comes too late), `hang`
(nothing is made), `error` (a platform result code), `http_5xx`."""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import threading
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse

from bedside.einvoice import signing
from bedside.einvoice.client import BEIJING, OK, TIME_FORMAT

PREFIX = "/medical-web/api/medical"
ISSUE = {"invEBillHospitalized": "inpatient", "invEBillPrepayment": "deposit"}
SERVICES = (*ISSUE, "getEBillByBusNo", "getEBillStatus", "writeOffEBill")
FAULT_KINDS = ("timeout", "hang", "error", "http_500", "http_502", "http_503")
ENVELOPE = ("appid", "data", "noise", "version", "sign")


@dataclass
class Batch:
    code: str  # BillBatchCode: region 2, category 2, type 2, year 2
    next_no: int
    last_no: int


@dataclass
class PlatformAccount:
    """The hospital as the platform registered it."""

    app_id: str
    app_key: str
    region_code: str
    agency_code: str
    batches: dict[str, Batch]  # the platform's bill type code -> its number range
    version: str = "1.0"


@dataclass
class BookedBill:
    serial: str
    bill_type: str
    batch_code: str
    number: str
    random: str
    created: str
    total: str
    payer: str
    content: dict[str, Any]
    state: str = "1"  # 1 issued, 2 reversed (冲红)
    red: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Fault:
    kind: str
    code: str = ""
    message: str = ""
    delay: float = 2.0


def _now() -> str:
    return datetime.now(BEIJING).strftime(TIME_FORMAT)[:17]


def _check_url(base: str, code: str, number: str, random: str) -> str:
    """What the bill's QR code carries: the platform's public check page for it."""
    return f"{base}billcheck?billBatchCode={code}&billNo={number}&random={random}"


def _answer(code: str, message: Any) -> JSONResponse:
    if code == OK:
        return JSONResponse({"result": OK, "message": signing.encode_data(message)})
    text = str(message).encode("utf-8")
    return JSONResponse({"result": code, "message": base64.b64encode(text).decode("ascii")})


class FiscalPlatformPeer:
    def __init__(self, account: PlatformAccount) -> None:
        self.account = account
        self.bills: dict[tuple[str, str], BookedBill] = {}
        self.by_serial: dict[str, tuple[str, str]] = {}
        self.calls: Counter[str] = Counter()
        self.faults: dict[str, deque[Fault]] = {}
        self.noises: set[str] = set()
        self._lock = threading.Lock()

    # --- books ------------------------------------------------------------------------------

    def _take_number(self, bill_type: str) -> tuple[str, str] | None:
        batch = self.account.batches.get(bill_type)
        if batch is None or batch.next_no > batch.last_no:
            return None
        number = f"{batch.next_no:010d}"
        batch.next_no += 1
        return batch.code, number

    def issue(self, bill_type: str, data: dict[str, Any], base: str) -> tuple[str, Any]:
        serial = str(data.get("busNo") or "")
        with self._lock:
            key = self.by_serial.get(serial)
            if key is not None:
                booked = self.bills[key]
                if booked.total != data.get("totalAmt") or booked.bill_type != bill_type:
                    return "E2001", "业务流水号已开票，且开票内容不一致"
                return OK, self._bill_answer(booked, base)
            numbers = self._take_number(bill_type)
            if numbers is None:
                return "E2002", "票据库存不足，请联系财政部门领用票据"
            booked = BookedBill(
                serial=serial,
                bill_type=bill_type,
                batch_code=numbers[0],
                number=numbers[1],
                random=secrets.token_hex(3),
                created=_now(),
                total=str(data.get("totalAmt")),
                payer=str(data.get("payer") or ""),
                content=data,
            )
            self.bills[numbers] = booked
            self.by_serial[serial] = numbers
            return OK, self._bill_answer(booked, base)

    def _bill_answer(self, b: BookedBill, base: str) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "busNo": b.serial,
            "billBatchCode": b.batch_code,
            "billNo": b.number,
            "random": b.random,
            "createTime": b.created,
            "totalAmt": b.total,
            "state": b.state,
            "pictureNetUrl": _check_url(base, b.batch_code, b.number, b.random),
        }
        if b.red:
            answer.update({f"eScarlet{k}": v for k, v in b.red.items()})
        return answer

    def write_off(self, data: dict[str, Any], base: str) -> tuple[str, Any]:
        key = (str(data.get("billBatchCode") or ""), str(data.get("billNo") or ""))
        with self._lock:
            booked = self.bills.get(key)
            if booked is None:
                return "E3001", "票据不存在"
            if not booked.red:  # asked again: the same red-letter bill (冲红 is once per bill)
                numbers = self._take_number(booked.bill_type)
                if numbers is None:
                    return "E2002", "票据库存不足，请联系财政部门领用票据"
                random = secrets.token_hex(3)
                booked.red = {
                    "BillBatchCode": numbers[0],
                    "BillNo": numbers[1],
                    "Random": random,
                    "CreateTime": _now(),
                    "PictureNetUrl": _check_url(base, numbers[0], numbers[1], random),
                }
                booked.state = "2"
            red = booked.red
        return OK, {
            "eScarletBillBatchCode": red["BillBatchCode"],
            "eScarletBillNo": red["BillNo"],
            "eScarletRandom": red["Random"],
            "createTime": red["CreateTime"],
            "eScarletPictureNetUrl": red["PictureNetUrl"],
        }

    def lookup(self, service: str, data: dict[str, Any], base: str) -> tuple[str, Any]:
        with self._lock:
            if service == "getEBillByBusNo":
                key = self.by_serial.get(str(data.get("busNo") or ""))
            else:
                key = (str(data.get("billBatchCode") or ""), str(data.get("billNo") or ""))
            booked = self.bills.get(key) if key else None
            if booked is None:
                return "E3001", "票据不存在"
            return OK, self._bill_answer(booked, base)

    # --- envelope ---------------------------------------------------------------------------

    def authenticate(self, body: Any) -> tuple[str, Any] | dict[str, Any]:
        if not isinstance(body, dict) or any(not isinstance(body.get(k), str) for k in ENVELOPE):
            return "E1003", "请求参数不完整：appid、data、noise、version、sign 均为必填"
        if body["appid"] != self.account.app_id:
            return "E1002", "应用账号不存在"
        expected = signing.sign(body, self.account.app_key)
        if not secrets.compare_digest(expected, body["sign"]):
            return "E1001", "签名验证失败"
        with self._lock:
            if body["noise"] in self.noises:
                return "E1005", "请求随机数重复"
            self.noises.add(body["noise"])
        if body["version"] != self.account.version:
            return "E1003", f"不支持的接口版本 {body['version']}"
        try:
            data = signing.decode_data(body["data"])
        except ValueError:
            return "E1003", "data 不是 Base64 编码的 JSON"
        if not isinstance(data, dict):
            return "E1003", "data 不是 JSON 对象"
        if (
            data.get("agencyCode") != self.account.agency_code
            or data.get("regionCode") != self.account.region_code
        ):
            return "E1004", "单位编码或区划编码与应用账号不符"
        return data

    def add_fault(self, service: str, fault: Fault, times: int = 1) -> None:
        with self._lock:
            self.faults.setdefault(service, deque()).extend([fault] * times)

    def take_fault(self, service: str) -> Fault | None:
        with self._lock:
            queue = self.faults.get(service)
            return queue.popleft() if queue else None

    def reset(self) -> None:
        """A fresh platform: no bills, faults or counted calls (the batches keep numbering)."""
        with self._lock:
            self.faults.clear()
            self.calls.clear()
            self.bills.clear()
            self.by_serial.clear()

    def handle(self, service: str, data: dict[str, Any], base: str) -> tuple[str, Any]:
        if service in ISSUE:
            bill_type = str(data.get("billType") or "")
            if bill_type not in self.account.batches:
                return "E1003", f"票据种类 {bill_type} 未在本单位启用"
            if not data.get("busNo") or not data.get("payer") or not data.get("placeCode"):
                return "E1003", "busNo、payer、placeCode 为必填"
            return self.issue(bill_type, data, base)
        if service == "writeOffEBill":
            return self.write_off(data, base)
        return self.lookup(service, data, base)

    def create_app(self) -> FastAPI:
        app = FastAPI(title="Fiscal e-invoice platform peer", docs_url=None, redoc_url=None, openapi_url=None)

        @app.post(PREFIX + "/{service}")
        async def call(service: str, request: Request) -> JSONResponse:
            try:
                body = json.loads(await request.body())
            except ValueError:
                body = None
            checked = self.authenticate(body)
            if isinstance(checked, tuple):
                return _answer(*checked)
            if service not in SERVICES:
                return _answer("E1003", f"服务 {service} 不存在")
            with self._lock:
                self.calls[service] += 1
            fault = self.take_fault(service)
            if fault is not None and fault.kind == "hang":
                await asyncio.sleep(fault.delay)
                return JSONResponse({"message": "gateway timeout"}, status_code=504)
            if fault is not None and fault.kind.startswith("http_"):
                return JSONResponse({"message": "upstream error"}, status_code=int(fault.kind[5:]))
            if fault is not None and fault.kind == "error":
                return _answer(fault.code or "E9999", fault.message or "系统异常")
            code, message = self.handle(service, checked, str(request.base_url))
            if fault is not None and fault.kind == "timeout":
                await asyncio.sleep(fault.delay)  # done, but the answer is too late
            return _answer(code, message)

        @app.get("/billcheck", response_class=HTMLResponse)
        def bill_check(billBatchCode: str = "", billNo: str = "", random: str = "") -> str:  # noqa: N803
            booked = self.bills.get((billBatchCode, billNo))
            if booked is None or booked.random != random:
                return "<p>查无此票</p>"
            state = "已冲红" if booked.state == "2" else "正常"
            return f"<p>票据代码 {booked.batch_code} 票据号码 {booked.number} 状态 {state}</p>"

        @app.get("/_sim/bills")
        def bills() -> dict[str, Any]:
            with self._lock:
                return {
                    "bills": [
                        {
                            "busNo": b.serial,
                            "billType": b.bill_type,
                            "billBatchCode": b.batch_code,
                            "billNo": b.number,
                            "random": b.random,
                            "totalAmt": b.total,
                            "state": b.state,
                            "red": b.red,
                            "content": b.content,
                        }
                        for b in self.bills.values()
                    ],
                    "calls": dict(self.calls),
                }

        @app.post("/_sim/faults")
        async def faults(request: Request) -> dict[str, Any]:
            spec = await request.json()
            if spec.get("fault") not in FAULT_KINDS:
                return {"ok": False, "error": f"fault must be one of {FAULT_KINDS}"}
            fault = Fault(
                spec["fault"], spec.get("code", ""), spec.get("message", ""), float(spec.get("delay", 2.0))
            )
            self.add_fault(spec.get("service", "invEBillHospitalized"), fault, int(spec.get("times", 1)))
            return {"ok": True}

        @app.post("/_sim/reset")
        def reset() -> dict[str, Any]:
            self.reset()
            return {"ok": True}

        return app


def create_app(account: PlatformAccount) -> tuple[FastAPI, FiscalPlatformPeer]:
    peer = FiscalPlatformPeer(account)
    return peer.create_app(), peer
