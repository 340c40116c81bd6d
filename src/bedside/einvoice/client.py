"""The fiscal e-invoice platform client, shaped after the Bosssoft (博思) medical e-invoice
interface most provinces run (docs/go-live.md says what to check with the province's vendor).

Every call is `POST {endpoint}/{service}` with the JSON envelope
`{"appid", "data", "noise", "version", "sign"}`: `data` is the Base64 of the business JSON
(UTF-8), `noise` a fresh random string per request and `sign` as signing.py computes it. The
answer is `{"result", "message"}`: result `S0000` with `message` the Base64 of the business
answer, or an error code with `message` the Base64 of the platform's text. Amounts travel as
yuan strings with two decimals, times as yyyyMMddHHmmssSSS in Beijing time.

Services: invEBillHospitalized (inpatient settlement bill), invEBillPrepayment (deposit
receipt), getEBillByBusNo (a bill by Bedside's business serial), writeOffEBill (red-letter
reversal, answering the eScarlet* numbers of the red-letter bill), getEBillStatus."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

import httpx

from bedside.einvoice import signing
from bedside.einvoice.port import Bill, BillRequest, BillStatus, EInvoiceError, Failure

log = logging.getLogger("bedside.einvoice")
BEIJING = timezone(timedelta(hours=8))
TIME_FORMAT = "%Y%m%d%H%M%S%f"
OK = "S0000"
SERVICES = {"inpatient": "invEBillHospitalized", "deposit": "invEBillPrepayment"}
ERRORS = {
    "E1001": Failure.ACCOUNT,  # sign does not match
    "E1002": Failure.ACCOUNT,  # unknown appid
    "E1003": Failure.CONTENT,  # a required parameter missing or malformed
    "E1004": Failure.ACCOUNT,  # agency or region not registered for this appid
    "E1005": Failure.UNAVAILABLE,  # noise seen before: a fresh attempt draws a new one
    "E2001": Failure.CONTENT,  # the serial was issued before with different content
    "E2002": Failure.STOCK,  # no bill numbers left in the agency's batch
    "E3001": Failure.NOT_FOUND,  # no such bill
    "E9999": Failure.UNAVAILABLE,  # the platform's own system error
}


def classify(code: str) -> Failure:
    # Unknown codes are treated as the platform being unwell: retried, never a lost bill.
    return ERRORS.get(code, Failure.UNAVAILABLE)


def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def wire_time(at: datetime) -> str:
    return at.astimezone(BEIJING).strftime(TIME_FORMAT)[:17]


def parse_time(value: object) -> datetime:
    text = str(value or "")
    try:
        return datetime.strptime(text[:14], "%Y%m%d%H%M%S").replace(tzinfo=BEIJING)
    except ValueError as exc:
        raise EInvoiceError(Failure.UNAVAILABLE, "bad_answer", f"unreadable time {text!r}") from exc


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


@dataclass(frozen=True)
class EInvoiceConfig:
    endpoint: str
    app_id: str
    app_key: str
    region_code: str  # 行政区划代码
    agency_code: str  # 单位编码
    place_code: str  # 开票点编码
    bill_types: Mapping[str, str] = field(default_factory=dict)  # kind -> the platform's code
    payee: str = ""
    version: str = "1.0"
    timeout_seconds: float = 10.0
    connect_timeout_seconds: float = 3.0


class FiscalEInvoiceClient:
    def __init__(self, config: EInvoiceConfig, client: httpx.Client | None = None) -> None:
        self.config = config
        self.endpoint = config.endpoint.rstrip("/")
        timeout = httpx.Timeout(config.timeout_seconds, connect=config.connect_timeout_seconds)
        self.client = client or httpx.Client(timeout=timeout)

    def envelope(self, business: dict[str, Any]) -> dict[str, str]:
        params = {
            "appid": self.config.app_id,
            "data": signing.encode_data(business),
            "noise": secrets.token_hex(16),
            "version": self.config.version,
        }
        params["sign"] = signing.sign(params, self.config.app_key)
        return params

    def call(self, service: str, business: dict[str, Any]) -> dict[str, Any]:
        """One attempt; the outbox retries. A timeout raises UNAVAILABLE: the caller asks by
        serial number before issuing again."""
        try:
            response = self.client.post(f"{self.endpoint}/{service}", json=self.envelope(business))
        except httpx.TimeoutException as exc:
            raise EInvoiceError(Failure.UNAVAILABLE, "timeout", type(exc).__name__) from exc
        except httpx.HTTPError as exc:
            raise EInvoiceError(Failure.UNAVAILABLE, "network", type(exc).__name__) from exc
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict) or "result" not in answer:
            failure = Failure.UNAVAILABLE if response.status_code >= 500 else Failure.ACCOUNT
            raise EInvoiceError(failure, f"http_{response.status_code}", "not the platform's answer")
        code = str(answer.get("result"))
        try:
            message = signing.decode_data(str(answer.get("message") or "")) if code == OK else None
        except ValueError as exc:
            raise EInvoiceError(Failure.UNAVAILABLE, "bad_answer", "message is not Base64 JSON") from exc
        if code != OK:
            text = _text(answer.get("message"))
            log.warning("e-invoice %s refused: %s", service, code)
            raise EInvoiceError(classify(code), code, text[:300])
        if not isinstance(message, dict):
            raise EInvoiceError(Failure.UNAVAILABLE, "bad_answer", "message is not an object")
        return message

    def _base(self) -> dict[str, str]:
        return {
            "regionCode": self.config.region_code,
            "agencyCode": self.config.agency_code,
            "placeCode": self.config.place_code,
        }

    def issue(self, request: BillRequest) -> Bill:
        service = SERVICES.get(request.kind)
        bill_type = self.config.bill_types.get(request.kind, "")
        if service is None or not bill_type:
            raise EInvoiceError(
                Failure.CONTENT, "no_bill_type", f"no bill type configured for {request.kind}"
            )
        business: dict[str, Any] = {
            **self._base(),
            "busNo": request.serial,
            "billType": bill_type,
            "busDateTime": wire_time(request.issued_for),
            "payer": request.payer,
            "payee": self.config.payee,
            "author": request.operator,
            "totalAmt": yuan(request.total_fen),
            "sex": request.gender,
            "hospitalNo": request.inpatient_no,
            "category": request.department,
            "inHospitalDate": _day(request.admitted_on),
            "outHospitalDate": _day(request.discharged_on),
            "medicalInsuranceType": request.insurance_type,
            "medicalInsuranceID": request.insurance_no,
            "fundPay": yuan(request.fund_fen),
            "otherfundPay": yuan(request.other_fund_fen),
            "accountPay": yuan(request.personal_account_fen),
            "ownPay": yuan(request.cash_fen),
            "selfConceitedAmt": yuan(request.self_pay_fen),
            "prepayAmt": yuan(request.deposit_fen),
            "rechargeAmt": yuan(request.supplementary_fen),
            "refundAmt": yuan(request.refund_fen),
            "chargeDetail": [
                {"chargeCode": g.code, "chargeName": g.name, "number": "1", "amt": yuan(g.amount_fen)}
                for g in request.groups
            ],
            **request.extra,
        }
        answer = self.call(service, business)
        return _bill(answer, request.serial)

    def find_by_serial(self, serial: str) -> BillStatus | None:
        try:
            answer = self.call("getEBillByBusNo", {**self._base(), "busNo": serial})
        except EInvoiceError as exc:
            if exc.failure is Failure.NOT_FOUND:
                return None
            raise
        return _status(answer, serial)

    def status(self, batch_code: str, number: str) -> BillStatus | None:
        try:
            answer = self.call(
                "getEBillStatus", {**self._base(), "billBatchCode": batch_code, "billNo": number}
            )
        except EInvoiceError as exc:
            if exc.failure is Failure.NOT_FOUND:
                return None
            raise
        return _status(answer, str(answer.get("busNo") or ""))

    def red_letter(self, bill: Bill, reason: str, operator: str, at: datetime) -> Bill:
        answer = self.call(
            "writeOffEBill",
            {
                **self._base(),
                "billBatchCode": bill.batch_code,
                "billNo": bill.number,
                "reason": reason[:200],
                "operator": operator,
                "busDateTime": wire_time(at),
            },
        )
        return Bill(
            batch_code=str(answer.get("eScarletBillBatchCode") or ""),
            number=str(answer.get("eScarletBillNo") or ""),
            check_code=str(answer.get("eScarletRandom") or ""),
            issued_at=parse_time(answer.get("createTime")),
            qr_content=str(answer.get("eScarletPictureNetUrl") or ""),
            serial=bill.serial,
        )

    def check(self) -> str:
        probe = f"CHECK{secrets.token_hex(6).upper()}"
        self.find_by_serial(probe)  # signed and answered: the keys and the agency are accepted
        return f"appid {self.config.app_id} accepted for agency {self.config.agency_code}"


def _text(value: object) -> str:
    try:
        return signing.base64_text(str(value or ""))
    except ValueError:
        return str(value or "")


def _bill(answer: dict[str, Any], serial: str) -> Bill:
    bill = Bill(
        batch_code=str(answer.get("billBatchCode") or ""),
        number=str(answer.get("billNo") or ""),
        check_code=str(answer.get("random") or ""),
        issued_at=parse_time(answer.get("createTime")),
        qr_content=str(answer.get("pictureNetUrl") or ""),
        serial=serial,
    )
    if not (bill.batch_code and bill.number and bill.check_code):
        raise EInvoiceError(Failure.UNAVAILABLE, "bad_answer", "the bill's numbers are missing")
    return bill


def _status(answer: dict[str, Any], serial: str) -> BillStatus:
    reversed_ = str(answer.get("state") or "") == "2"
    red = None
    if reversed_ and answer.get("eScarletBillNo"):
        red = Bill(
            batch_code=str(answer.get("eScarletBillBatchCode") or ""),
            number=str(answer.get("eScarletBillNo") or ""),
            check_code=str(answer.get("eScarletRandom") or ""),
            issued_at=parse_time(answer.get("eScarletCreateTime")),
            qr_content=str(answer.get("eScarletPictureNetUrl") or ""),
            serial=serial,
        )
    return BillStatus(bill=_bill(answer, serial), reversed=reversed_, red=red)
