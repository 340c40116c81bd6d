"""The national medical insurance platform as a peer: POST of the signed envelope at the
platform's path, checked like the gateway does (x-tif-* headers, the envelope's cainfo, the
institution and region codes, sign_no, msgid format and uniqueness), each infno answered with
its output shape or infcode -1 and an err_msg. Its books (`insurance_books`) are its own.

Control routes under /_sim: persons (balances), faults (timeout before or after the work,
infcode -1 errors, HTTP errors), the call log, reset."""

from __future__ import annotations

import asyncio
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from bedside.insurance import codec, wire
from bedside.insurance.mechanics import PersonState
from bedside.insurance.platform import (
    CHRGITM_LV,
    FeeDetailAccepted,
    FeeDetailUploaded,
    PlatformError,
    SettlementRequest,
    SettlementReversal,
)
from bedside.simulators.insurance_books import PlatformSimulator

CLOCK_SKEW_SECONDS = 300
MSGID = re.compile(r"^[0-9A-Za-z]{12}\d{14}\d{4}$")
SCHEME_OF_INSUTYPE = {"310": "employee", "390": "resident"}
ERR_MSG = {
    "unknown_person": "未查询到参保人员信息",
    "already_admitted": "该人员存在未结算的住院登记",
    "not_registered": "未查询到就诊信息",
    "already_discharged": "该就诊已办理出院登记",
    "invalid_detail": "费用明细信息有误",
    "detail_conflict": "费用明细流水号重复且内容不一致",
    "already_settled": "该就诊已结算，请先撤销结算",
    "total_mismatch": "医疗费总额与上传明细不符",
    "no_such_settlement": "未查询到结算信息",
    "already_reversed": "该结算已撤销",
    "request_id_reused": "医药机构结算ID重复",
    "invalid_request": "交易参数有误",
}


@dataclass
class PeerAccount:
    """The hospital as the platform has it on file."""

    paas_id: str
    paas_secret: str
    sign_key: str
    fixmedins_code: str
    mdtrtarea_admvs: str
    hospital_level: str = "3A"
    opening_balance_fen: int = 300000  # an insured person first seen has this in the account


@dataclass(frozen=True)
class Fault:
    kind: str  # timeout | timeout_after | error | http_500 | http_502 | http_503
    message: str = "系统繁忙，请稍后再试"
    delay: float = 2.0


@dataclass
class InsurancePeer:
    account: PeerAccount
    books: PlatformSimulator = field(default_factory=PlatformSimulator)
    msgids: set[str] = field(default_factory=set)
    sign_nos: set[str] = field(default_factory=set)
    calls: list[dict[str, str]] = field(default_factory=list)
    faults: dict[str, deque[Fault]] = field(default_factory=dict)
    settled_by_msgid: dict[str, tuple[str, str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self.books = PlatformSimulator(hospital_level=self.account.hospital_level)

    def reset(self) -> None:
        with self._lock:
            self.books = PlatformSimulator(hospital_level=self.account.hospital_level)
            self.msgids.clear()
            self.calls.clear()
            self.faults.clear()
            self.settled_by_msgid.clear()

    def add_fault(self, infno: str, fault: Fault, times: int = 1) -> None:
        with self._lock:
            self.faults.setdefault(infno, deque()).extend([fault] * times)

    def take_fault(self, infno: str) -> Fault | None:
        with self._lock:
            queue = self.faults.get(infno)
            return queue.popleft() if queue else None

    def person(self, psn_no: str) -> PersonState | None:
        return self.books.store.get_person(psn_no)

    def set_person(self, psn_no: str, scheme_code: str, balance_fen: int, year_fund_paid_fen: int) -> None:
        self.books.enroll(PersonState(psn_no, scheme_code, balance_fen, year_fund_paid_fen))

    # -- checks a gateway makes before the platform sees the message --

    def refuse(self, headers: Any, env: dict[str, Any]) -> str | None:
        a = self.account
        stamp, nonce = headers.get(wire.HEADER_TIMESTAMP, ""), headers.get(wire.HEADER_NONCE, "")
        if headers.get(wire.HEADER_PAAS_ID) != a.paas_id:
            return "paasid无效"
        expected = wire.gateway_signature(a.paas_secret, stamp, nonce)
        if not secrets.compare_digest(expected, headers.get(wire.HEADER_SIGNATURE, "")):
            return "签名校验失败"
        if not stamp.isdigit() or abs(time.time() - int(stamp)) > CLOCK_SKEW_SECONDS:
            return "时间戳已过期"
        if env.get("signtype") != wire.SIGNTYPE or not secrets.compare_digest(
            wire.body_signature(a.sign_key, env), str(env.get("cainfo", ""))
        ):
            return "报文签名校验失败"
        if env.get("fixmedins_code") != a.fixmedins_code or env.get("mdtrtarea_admvs") != a.mdtrtarea_admvs:
            return "定点医药机构编号或就医地医保区划有误"
        msgid = str(env.get("msgid", ""))
        if not MSGID.match(msgid) or not msgid.startswith(a.fixmedins_code[:12]):
            return "报文ID格式有误"
        with self._lock:
            if msgid in self.msgids:
                return "报文ID重复"
            self.msgids.add(msgid)
        if env.get("infno") != "9001" and env.get("sign_no") not in self.sign_nos:
            return "未签到或签到编号无效"
        return None

    # -- the transactions --

    def handle(self, env: dict[str, Any]) -> dict[str, Any]:
        infno, i = str(env["infno"]), env.get("input") or {}
        handler: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]] | None = getattr(
            self, f"t{infno}", None
        )
        if handler is None:
            raise PlatformError("invalid_request", f"不支持的交易编号{infno}")
        return handler(env, i)

    def t9001(self, env: dict[str, Any], i: dict[str, Any]) -> dict[str, Any]:
        sign_no = f"{datetime.now(UTC):%Y%m%d}{secrets.randbelow(10**12):012d}"
        self.sign_nos.add(sign_no)
        now = wire.platform_time(datetime.now(UTC))
        return {"signinoutb": {"sign_time": now, "sign_no": sign_no}}

    def t2401(self, env: dict[str, Any], i: dict[str, Any]) -> dict[str, Any]:
        request = codec.admission_from_input(i)
        if self.person(request.psn_no) is None and request.insutype in SCHEME_OF_INSUTYPE:
            self.set_person(
                request.psn_no, SCHEME_OF_INSUTYPE[request.insutype], self.account.opening_balance_fen, 0
            )
        return codec.admission_output(self.books.register_admission(request))

    def t2301(self, env: dict[str, Any], i: dict[str, Any]) -> dict[str, Any]:
        request = codec.fee_from_input(i)
        visit = self.books.store.get_visit(request.mdtrt_id)
        if visit is not None and visit.setl_id is not None:
            # A retried upload of exactly what was settled is answered, not refused: the
            # hospital may have lost its record of the upload, not the settlement.
            record = self.books.store.get_settlement(visit.setl_id)
            settled = {d.feedetl_sn: d for d in record.details} if record else {}
            if all(settled.get(d.feedetl_sn) == d for d in request.details):
                accepted = tuple(
                    FeeDetailAccepted(
                        d.feedetl_sn, d.det_item_fee_sumamt, CHRGITM_LV[d.insurance_class], True
                    )
                    for d in request.details
                )
                return codec.fee_output(FeeDetailUploaded(request.mdtrt_id, accepted))
        return codec.fee_output(self.books.upload_fee_details(request))

    def t2302(self, env: dict[str, Any], i: dict[str, Any]) -> dict[str, Any]:
        return codec.cancel_output(self.books.cancel_fee_details(codec.cancel_from_input(i)))

    def t2303(self, env: dict[str, Any], i: dict[str, Any]) -> dict[str, Any]:
        """A pre-settlement of a visit whose settlement is in force answers that settlement's
        figures (it records nothing either way): the hospital that lost its record of a 2304
        sees what was settled, and its retry under the same medins_setl_id adopts it, while
        any other 2304 is refused as already settled."""
        request = codec.settle_from_input(i, final=False)
        visit = self.books.store.get_visit(request.mdtrt_id)
        if visit is not None and visit.psn_no == request.psn_no and visit.setl_id is not None:
            earlier = self.books.store.get_settlement(visit.setl_id)
            if earlier is not None and earlier.reversal is None:
                return codec.settlement_output(replace(earlier.result, setl_id=None))
        return codec.settlement_output(self.books.pre_settle(request))

    def t2304(self, env: dict[str, Any], i: dict[str, Any]) -> dict[str, Any]:
        request = codec.settle_from_input(i, final=True)
        if not isinstance(request, SettlementRequest):
            raise PlatformError("invalid_request", "缺少medins_setl_id")
        result = self.books.settle(request)
        self.settled_by_msgid[str(env["msgid"])] = (result.setl_id or "", result.mdtrt_id, result.psn_no)
        return codec.settlement_output(result)

    def t2305(self, env: dict[str, Any], i: dict[str, Any]) -> dict[str, Any]:
        return codec.reversal_output(self.books.reverse_settlement(codec.reversal_from_input(i)))

    def t2402(self, env: dict[str, Any], i: dict[str, Any]) -> dict[str, Any]:
        self.books.register_discharge(codec.discharge_from_input(i))
        return {}

    def t2601(self, env: dict[str, Any], i: dict[str, Any]) -> dict[str, Any]:
        """冲正: undoes the 2304 sent as omsgid; one never received needs no undoing."""
        d = i["data"]
        found = self.settled_by_msgid.pop(str(d["omsgid"]), None)
        if found is not None and d.get("oinfno") == "2304":
            setl_id, mdtrt_id, psn_no = found
            record = self.books.store.get_settlement(setl_id)
            if record is not None and record.reversal is None:
                self.books.reverse_settlement(
                    SettlementReversal(
                        psn_no=psn_no, mdtrt_id=mdtrt_id, setl_id=setl_id, request_id=f"2601:{d['omsgid']}"
                    )
                )
                # Unlike 2305, a revocation leaves the visit as it was before the 2304: details
                # on file, and the hospital's medins_setl_id free for the retry.
                for detail in record.details:
                    self.books.store.put_detail(mdtrt_id, detail)
                self.books.store.forget_request(record.request.request_id)
        return {}


def _answer(
    env: dict[str, Any], infcode: int, output: dict[str, Any] | None = None, err_msg: str = ""
) -> Response:
    now = datetime.now(UTC)
    body = {
        "infcode": infcode,
        "inf_refmsgid": f"{env.get('mdtrtarea_admvs', '')}{now:%Y%m%d%H%M%S}{secrets.randbelow(10**10):010d}",
        "refmsg_time": wire.platform_time(now),
        "respond_time": wire.platform_time(now),
        "err_msg": err_msg or None,
        "output": output or {},
    }
    return Response(wire.dumps(body), media_type="application/json;charset=utf-8")


def create_app(
    account: PeerAccount, path: str = "/fsi/api/rsfComIfsService/callService"
) -> tuple[FastAPI, InsurancePeer]:
    peer = InsurancePeer(account)
    app = FastAPI(title="National insurance platform peer", docs_url=None, redoc_url=None, openapi_url=None)

    @app.post(path)
    async def call(request: Request) -> Response:
        try:
            env = wire.loads(await request.body())
        except ValueError:
            env = None
        if not isinstance(env, dict) or not isinstance(env.get("input", {}), dict):
            return _answer({}, -1, err_msg="报文格式有误")
        refused = peer.refuse(request.headers, env)
        peer.calls.append(
            {"infno": str(env.get("infno")), "msgid": str(env.get("msgid")), "refused": refused or ""}
        )
        if refused:
            return _answer(env, -1, err_msg=refused)
        fault = peer.take_fault(str(env.get("infno")))
        if fault is not None:
            if fault.kind == "timeout":
                await asyncio.sleep(fault.delay)
                return JSONResponse({"message": "gateway timeout"}, status_code=504)
            if fault.kind.startswith("http_"):
                return JSONResponse({"message": "upstream error"}, status_code=int(fault.kind[5:]))
            if fault.kind == "error":
                return _answer(env, -1, err_msg=fault.message)
        try:
            with peer._lock:
                output = peer.handle(env)
        except PlatformError as exc:
            return _answer(env, -1, err_msg=f"{ERR_MSG.get(exc.code, '交易失败')}：{exc.message}")
        except (KeyError, TypeError, ValueError) as exc:
            return _answer(env, -1, err_msg=f"交易参数有误：{exc}")
        if fault is not None and fault.kind == "timeout_after":
            await asyncio.sleep(fault.delay)  # done, but the answer arrives too late
        return _answer(env, 0, output)

    @app.get("/_sim/persons/{psn_no}")
    def person(psn_no: str) -> dict[str, Any]:
        found = peer.person(psn_no)
        if found is None:
            return {"found": False}
        return {
            "found": True,
            "scheme_code": found.scheme_code,
            "personal_account_fen": found.personal_account_fen,
            "year_fund_paid_fen": found.year_fund_paid_fen,
        }

    @app.put("/_sim/persons/{psn_no}")
    async def put_person(psn_no: str, request: Request) -> dict[str, Any]:
        spec = await request.json()
        peer.set_person(
            psn_no,
            str(spec.get("scheme_code", "employee")),
            int(spec.get("personal_account_fen", account.opening_balance_fen)),
            int(spec.get("year_fund_paid_fen", 0)),
        )
        return {"ok": True}

    @app.post("/_sim/faults")
    async def faults(request: Request) -> dict[str, Any]:
        spec = await request.json()
        fault = Fault(
            str(spec["fault"]), str(spec.get("message") or Fault.message), float(spec.get("delay", 2.0))
        )
        peer.add_fault(str(spec.get("infno", "2304")), fault, int(spec.get("times", 1)))
        return {"ok": True}

    @app.get("/_sim/calls")
    def calls() -> dict[str, Any]:
        return {"calls": list(peer.calls)}

    @app.post("/_sim/reset")
    def reset() -> dict[str, Any]:
        peer.reset()
        return {"ok": True}

    return app, peer
