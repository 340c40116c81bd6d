"""The real client of the national medical insurance platform: each transaction is one signed
POST of the envelope (see `wire`), answered with infcode 0 and `output`, or an err_msg.

Outcomes: infcode 0 → the decoded answer; infcode ≠ 0 → PlatformError("refused", err_msg);
no answer in time, a connection failure or an HTTP error → PlatformError("unavailable"), after
which the transaction may or may not have happened (callers of 2304 use `revoke` (2601, the
platform's reversal of a transaction by its msgid) before anything else)."""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from bedside.insurance import codec, wire
from bedside.insurance.platform import (
    AdmissionRegistered,
    AdmissionRegistration,
    DischargeRegistered,
    DischargeRegistration,
    FeeDetailCancel,
    FeeDetailsCancelled,
    FeeDetailUpload,
    FeeDetailUploaded,
    PlatformError,
    PreSettlementRequest,
    SettlementRequest,
    SettlementResult,
    SettlementReversal,
    SettlementReversed,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClientConfig:
    base_url: str
    institution: wire.Institution
    paas_id: str
    paas_secret: str
    sign_key: str
    path: str = "/fsi/api/rsfComIfsService/callService"
    timeout_seconds: float = 15.0
    connect_timeout_seconds: float = 3.0


@dataclass(frozen=True)
class Answer:
    msgid: str
    output: Mapping[str, Any]


class HsaPlatform:
    """`platform.Platform` over HTTP. Thread-safe: the sign-in number is shared."""

    def __init__(
        self, config: ClientConfig, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.config = config
        self._clock = clock
        self._sign_no = ""
        self._lock = threading.Lock()
        self._http = httpx.Client(
            base_url=config.base_url.rstrip("/"),
            timeout=httpx.Timeout(config.timeout_seconds, connect=config.connect_timeout_seconds),
        )

    @property
    def endpoint(self) -> str:
        return f"{self.config.base_url.rstrip('/')}{self.config.path}"

    # -- the exchange --

    def call(
        self,
        infno: str,
        input_: Mapping[str, Any],
        *,
        insuplc_admdvs: str | None = None,
        msgid: str | None = None,
        sign_no: str | None = None,
    ) -> Answer:
        now = self._clock()
        msgid = msgid or wire.new_msgid(self.config.institution.fixmedins_code, now)
        env = wire.envelope(
            self.config.institution,
            infno,
            input_,
            msgid=msgid,
            now=now,
            sign_no=self.sign_no() if sign_no is None else sign_no,
            sign_key=self.config.sign_key,
            insuplc_admdvs=insuplc_admdvs,
        )
        stamp, nonce = str(int(time.time())), secrets.token_hex(16)
        headers = wire.headers(self.config.paas_id, self.config.paas_secret, stamp, nonce)
        try:
            response = self._http.post(self.config.path, content=wire.dumps(env).encode(), headers=headers)
        except httpx.TimeoutException as exc:
            log.warning("insurance platform %s timed out (msgid %s)", infno, msgid)
            raise PlatformError("unavailable", f"{infno} timed out") from exc
        except httpx.HTTPError as exc:
            raise PlatformError("unavailable", f"{infno}: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise PlatformError("unavailable", f"{infno}: HTTP {response.status_code}")
        try:
            body = wire.loads(response.content)
            infcode = int(body["infcode"])
        except (ValueError, KeyError, TypeError) as exc:
            raise PlatformError("bad_answer", f"{infno}: not an answer envelope") from exc
        if infcode != 0:
            # err_msg may name the person: it goes to the exception (staff), not to the log.
            log.info("insurance platform refused %s (msgid %s, infcode %s)", infno, msgid, infcode)
            raise PlatformError("refused", str(body.get("err_msg") or f"infcode {infcode}")[:300])
        output = body.get("output") or {}
        if not isinstance(output, dict):
            raise PlatformError("bad_answer", f"{infno}: output is not an object")
        return Answer(msgid, output)

    def sign_no(self) -> str:
        with self._lock:
            if not self._sign_no:
                self._sign_no = self.sign_in()
            return self._sign_no

    def sign_in(self) -> str:
        """9001: the day's sign-in; every later envelope carries its sign_no."""
        inst = self.config.institution
        answer = self.call("9001", {"signIn": {"opter_no": inst.opter, "mac": "", "ip": ""}}, sign_no="")
        try:
            return str(answer.output["signinoutb"]["sign_no"])
        except (KeyError, TypeError) as exc:
            raise PlatformError("bad_answer", "9001: no sign_no") from exc

    def _decode(self, infno: str, decode: Callable[[], Any]) -> Any:
        try:
            return decode()
        except (KeyError, TypeError, ValueError) as exc:
            raise PlatformError("bad_answer", f"{infno}: {exc}") from exc

    # -- Platform --

    def register_admission(
        self, request: AdmissionRegistration, *, insuplc_admdvs: str | None = None
    ) -> AdmissionRegistered:
        answer = self.call("2401", codec.admission_input(request), insuplc_admdvs=insuplc_admdvs)
        result: AdmissionRegistered = self._decode("2401", lambda: codec.admission_from_output(answer.output))
        return result

    def upload_fee_details(
        self, request: FeeDetailUpload, *, insuplc_admdvs: str | None = None
    ) -> FeeDetailUploaded:
        answer = self.call("2301", codec.fee_input(request), insuplc_admdvs=insuplc_admdvs)
        result: FeeDetailUploaded = self._decode(
            "2301", lambda: codec.fee_from_output(request.mdtrt_id, answer.output)
        )
        return result

    def cancel_fee_details(
        self, request: FeeDetailCancel, *, insuplc_admdvs: str | None = None
    ) -> FeeDetailsCancelled:
        sns = ("0000",) if request.feedetl_sns is None else request.feedetl_sns
        gone: list[str] = []
        for sn in sns:
            answer = self.call(
                "2302",
                codec.cancel_input(request.mdtrt_id, request.psn_no, sn),
                insuplc_admdvs=insuplc_admdvs,
            )
            gone += [str(r["feedetl_sn"]) for r in answer.output.get("result") or []]
        return FeeDetailsCancelled(request.mdtrt_id, tuple(gone))

    def pre_settle(
        self,
        request: PreSettlementRequest,
        *,
        insutype: str = "310",
        insuplc_admdvs: str | None = None,
        medins_setl_id: str | None = None,
    ) -> SettlementResult:
        answer = self.call(
            "2303", codec.settle_input(request, insutype, medins_setl_id), insuplc_admdvs=insuplc_admdvs
        )
        result: SettlementResult = self._decode("2303", lambda: codec.settlement_from_output(answer.output))
        return result

    def settle(
        self,
        request: SettlementRequest,
        *,
        insutype: str = "310",
        insuplc_admdvs: str | None = None,
        msgid: str | None = None,
    ) -> SettlementResult:
        answer = self.call(
            "2304", codec.settle_input(request, insutype), insuplc_admdvs=insuplc_admdvs, msgid=msgid
        )
        result: SettlementResult = self._decode("2304", lambda: codec.settlement_from_output(answer.output))
        if not result.setl_id:
            raise PlatformError("bad_answer", "2304: no setl_id")
        return result

    def reverse_settlement(
        self, request: SettlementReversal, *, insuplc_admdvs: str | None = None
    ) -> SettlementReversed:
        answer = self.call("2305", codec.reversal_input(request), insuplc_admdvs=insuplc_admdvs)
        result: SettlementReversed = self._decode("2305", lambda: codec.reversal_from_output(answer.output))
        return result

    def register_discharge(
        self, request: DischargeRegistration, *, insutype: str = "310", insuplc_admdvs: str | None = None
    ) -> DischargeRegistered:
        self.call("2402", codec.discharge_input(request, insutype), insuplc_admdvs=insuplc_admdvs)
        return codec.discharge_from_output(request)

    def revoke(self, psn_no: str, omsgid: str, oinfno: str, *, insuplc_admdvs: str | None = None) -> None:
        """2601: undo the transaction sent with msgid `omsgid`, whether or not it took effect
        (the platform answers 0 for one it never received)."""
        self.call(
            "2601",
            {"data": {"psn_no": psn_no, "omsgid": omsgid, "oinfno": oinfno}},
            insuplc_admdvs=insuplc_admdvs,
        )

    def new_msgid(self) -> str:
        return wire.new_msgid(self.config.institution.fixmedins_code, self._clock())

    def close(self) -> None:
        self._http.close()
