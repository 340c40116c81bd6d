"""The interface Bedside settles through, shaped after the national medical insurance
platform's inpatient transactions:

    2401 admission registration   → mdtrt_id (the visit on the platform's side)
    2301 fee detail upload        (feedetl_sn unique in the visit; negative lines reverse)
    2302 fee detail cancel
    2303 pre-settlement           (the split, nothing recorded)
    2304 settlement               → setl_id; debits the personal account
    2305 settlement reversal      (credits the account back; a new 2304 may follow)
    2402 discharge registration

Field names are the platform's wherever FORMATS.md gives them (psn_no, mdtrt_id, setl_id,
feedetl_sn, medfee_sumamt, hifp_pay, acct_pay, psn_cash_pay, …); fields that exist only for
Bedside are named plainly and noted.

Amounts: every amount field here is integer fen (`Fen`), although the platform speaks yuan
with two decimals. A real adapter converts at the wire and nowhere else: it decodes answers
with `json.loads(text, parse_float=Decimal)` (a float would round 0.29 to 0.28999…) and
`yuan_to_fen`, and encodes requests with `fen_to_yuan`, which gives a two-place Decimal to
serialise as a JSON number. Unit prices finer than a fen (drugs priced per tablet) do not fit
and are the adapter's concern; the line total det_item_fee_sumamt is the amount that counts.

Times are timezone-aware datetimes; an adapter formats them "yyyy-MM-dd HH:mm:ss" in the
hospital's local time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Final, Protocol, TypeAlias

from bedside.insurance.mechanics import ChargeLine, InsuranceClass, Split

Fen: TypeAlias = int

_CENT = Decimal("0.01")

# The platform's 收费项目等级 for the catalogue classes, as a 2301 answer reports them.
CHRGITM_LV: Final[dict[str, str]] = {"A": "01", "B": "02", "C": "03"}


def fen_to_yuan(fen: Fen) -> Decimal:
    """12345 → Decimal('123.45'), for the wire."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError("amounts are integer fen")
    return (Decimal(fen) / 100).quantize(_CENT)


def yuan_to_fen(value: Decimal | str | int) -> Fen:
    """A yuan amount from the wire → fen. Floats are refused (decode with parse_float=Decimal)
    and so is anything finer than a fen, rather than rounding money silently."""
    if isinstance(value, bool) or not isinstance(value, Decimal | str | int):
        raise TypeError(f"a yuan amount must be Decimal, str or int, got {type(value).__name__}")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValueError(f"not a yuan amount: {value!r}") from None
    if not amount.is_finite() or amount != amount.quantize(_CENT):
        raise ValueError(f"not a yuan amount with at most two decimals: {value!r}")
    return int(amount * 100)


def _aware(value: datetime | None, what: str) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{what} must be timezone-aware")


class PlatformError(Exception):
    """The platform refused a transaction. `code` is stable (callers branch on it); the
    message is for logs and staff, not for patients."""

    def __init__(self, code: str, message: str = "") -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"unknown platform error code {code!r}")
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message or ERROR_CODES[code]


ERROR_CODES: Final[dict[str, str]] = {
    "unknown_person": "the platform has no insured person with this psn_no",
    "already_admitted": "the person has an unsettled admission with another inpatient number",
    "not_registered": "no admission registration with this mdtrt_id for this person",
    "already_discharged": "the visit was discharged at another time",
    "invalid_detail": "a fee detail is malformed (sign, reversal of an unknown or other item, …)",
    "detail_conflict": "a feedetl_sn was uploaded before with different content",
    "already_settled": "the visit has a settlement; reverse it before changing or settling again",
    # The platform's guard against the details changing between the pre-settlement the patient
    # confirmed and the settlement: both carry the total the caller believes was uploaded.
    "total_mismatch": "medfee_sumamt differs from the total of the uploaded details",
    "no_such_settlement": "no settlement with this setl_id for this visit",
    "already_reversed": "the settlement was reversed already",
    "request_id_reused": "the request id was used before for a different request",
    "invalid_request": "the request contradicts what is on file (e.g. discharge before admission)",
    # Only real adapters raise this (timeout, no sign-in, 5xx): the outcome is unknown, so the
    # caller retries with the same request id, or queries, and never starts a new settlement.
    "unavailable": "the platform could not be reached or did not answer",
    # A real adapter's infcode other than 0: the platform's err_msg is free text, so it is
    # carried in the message and the caller treats the refusal as one kind.
    "refused": "the platform answered with an error (infcode not 0)",
    "bad_answer": "the platform's answer was malformed or did not add up",
}


@dataclass(frozen=True, kw_only=True)
class AdmissionRegistration:
    """2401 input. Field names follow integrators' code, not FORMATS.md, which lists none."""

    psn_no: str
    insutype: str  # 险种: "310" employee, "390" resident
    ipt_no: str  # inpatient_no
    begntime: datetime
    mdtrt_cert_type: str = "03"  # 就诊凭证类型: "01" e-voucher, "02" resident ID, "03" insurance card
    mdtrt_cert_no: str = ""
    med_type: str = "21"  # 医疗类别: ordinary inpatient
    adm_dept_codg: str = ""
    adm_dept_name: str = ""
    adm_diag_dscr: str = ""

    def __post_init__(self) -> None:
        if not self.psn_no or not self.ipt_no:
            raise ValueError("psn_no and ipt_no are required")
        _aware(self.begntime, "begntime")


@dataclass(frozen=True)
class AdmissionRegistered:
    mdtrt_id: str
    psn_no: str
    ipt_no: str


@dataclass(frozen=True, kw_only=True)
class DischargeRegistration:
    """2402 input."""

    mdtrt_id: str
    psn_no: str
    endtime: datetime
    dscg_way: str = "1"  # 离院方式: "1" discharged on the doctor's order
    dscg_dept_codg: str = ""
    dscg_dept_name: str = ""

    def __post_init__(self) -> None:
        _aware(self.endtime, "endtime")


@dataclass(frozen=True)
class DischargeRegistered:
    mdtrt_id: str
    endtime: datetime


@dataclass(frozen=True, kw_only=True)
class FeeDetail:
    """One 2301 fee detail. A reversal has negative cnt and det_item_fee_sumamt and names
    the line it reverses in init_feedetl_sn.

    `item_name`, `category` and `insurance_class` are Bedside's: the real platform takes
    neither name nor receipt group and decides the class itself from med_list_codg against
    its catalogue, answering it as chrgitm_lv; an adapter drops the first two and should
    prefer the platform's class over Bedside's mapping when they differ."""

    feedetl_sn: str
    med_list_codg: str  # national catalogue code
    medins_list_codg: str  # the hospital's own item code
    item_name: str
    category: str
    insurance_class: InsuranceClass
    det_item_fee_sumamt: Fen
    cnt: Decimal
    pric: Fen
    fee_ocur_time: datetime
    init_feedetl_sn: str | None = None
    drord_no: str = ""
    bilg_dept_codg: str = ""
    bilg_dept_name: str = ""
    bilg_dr_codg: str = ""
    bilg_dr_name: str = ""
    hosp_appr_flag: bool = True  # the hospital approved the item for insurance payment
    dscg_tkdrug_flag: bool = False  # discharge_medication
    memo: str = ""

    def __post_init__(self) -> None:
        if not self.feedetl_sn:
            raise ValueError("feedetl_sn is required")
        _aware(self.fee_ocur_time, "fee_ocur_time")
        if not isinstance(self.cnt, Decimal) or not self.cnt.is_finite():
            raise ValueError("cnt must be a finite Decimal")
        # Building the line validates the class and that the amount is integer fen.
        self.charge_line()

    def charge_line(self) -> ChargeLine:
        return ChargeLine(
            code=self.med_list_codg,
            name=self.item_name,
            category=self.category,
            insurance_class=self.insurance_class,
            amount_fen=self.det_item_fee_sumamt,
        )


@dataclass(frozen=True)
class FeeDetailUpload:
    """2301 input: a batch is accepted or refused as a whole."""

    mdtrt_id: str
    psn_no: str
    details: tuple[FeeDetail, ...]


@dataclass(frozen=True)
class FeeDetailAccepted:
    feedetl_sn: str
    det_item_fee_sumamt: Fen
    chrgitm_lv: str  # "01" class A, "02" class B, "03" class C
    duplicate: bool  # Bedside's: the same detail was already on file (a retried upload)


@dataclass(frozen=True)
class FeeDetailUploaded:
    mdtrt_id: str
    results: tuple[FeeDetailAccepted, ...]


@dataclass(frozen=True)
class FeeDetailCancel:
    """2302 input. `feedetl_sns` None cancels every detail of the visit (the platform's
    feedetl_sn "0000")."""

    mdtrt_id: str
    psn_no: str
    feedetl_sns: tuple[str, ...] | None = None


@dataclass(frozen=True)
class FeeDetailsCancelled:
    mdtrt_id: str
    cancelled: tuple[str, ...]  # what was on file and is gone now


@dataclass(frozen=True, kw_only=True)
class PreSettlementRequest:
    """2303 input. medfee_sumamt is the total the caller believes it uploaded."""

    psn_no: str
    mdtrt_id: str
    medfee_sumamt: Fen
    acct_used_flag: bool = True  # the patient agrees to pay from the personal account
    mdtrt_cert_type: str = "03"
    mdtrt_cert_no: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.medfee_sumamt, bool) or not isinstance(self.medfee_sumamt, int):
            raise ValueError("medfee_sumamt must be integer fen")


@dataclass(frozen=True, kw_only=True)
class SettlementRequest(PreSettlementRequest):
    """2304 input. `request_id` is Bedside's idempotency key: the same id returns the same
    settlement, so a retry after a timeout cannot settle twice."""

    request_id: str

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.request_id:
            raise ValueError("request_id is required")


@dataclass(frozen=True, kw_only=True)
class SettlementResult:
    """2303/2304 output. Platform identities (checked by `check`):
    medfee_sumamt = fulamt_ownpay_amt + overlmt_selfpay + preselfpay_amt + inscp_scp_amt;
    fund_pay_sumamt = hifp_pay + hifmi_pay + hifob_pay + maf_pay;
    psn_part_amt = medfee_sumamt − fund_pay_sumamt = acct_pay + psn_cash_pay."""

    setl_id: str | None  # None for a pre-settlement
    mdtrt_id: str
    psn_no: str
    medfee_sumamt: Fen
    fulamt_ownpay_amt: Fen  # class C
    overlmt_selfpay: Fen  # above an item's price cap
    preselfpay_amt: Fen  # class B first self-pay share
    inscp_scp_amt: Fen  # in policy
    act_pay_dedc: Fen  # deductible
    hifp_pay: Fen  # pooled fund
    hifmi_pay: Fen  # serious-illness insurance
    hifob_pay: Fen  # large-amount fund
    maf_pay: Fen  # medical assistance
    fund_pay_sumamt: Fen
    psn_part_amt: Fen
    acct_pay: Fen
    psn_cash_pay: Fen
    balc: Fen  # personal account balance after the settlement
    setl_time: datetime | None
    # Bedside's own breakdown, when the split was computed here (simulator); a real
    # adapter has only the platform's figures and leaves it None.
    split: Split | None = field(default=None, compare=False)

    def check(self) -> None:
        """Raises ValueError when an answer does not add up: a real adapter calls this on
        every answer before Bedside shows or books anything."""
        problems = []
        if self.medfee_sumamt != (
            self.fulamt_ownpay_amt + self.overlmt_selfpay + self.preselfpay_amt + self.inscp_scp_amt
        ):
            problems.append("medfee_sumamt")
        if self.fund_pay_sumamt != self.hifp_pay + self.hifmi_pay + self.hifob_pay + self.maf_pay:
            problems.append("fund_pay_sumamt")
        if self.psn_part_amt != self.medfee_sumamt - self.fund_pay_sumamt:
            problems.append("psn_part_amt")
        if self.acct_pay + self.psn_cash_pay != self.psn_part_amt:
            problems.append("acct_pay + psn_cash_pay")
        if problems:
            raise ValueError(f"settlement answer does not add up: {', '.join(problems)}")


def result_from_split(
    split: Split,
    *,
    setl_id: str | None,
    mdtrt_id: str,
    psn_no: str,
    balance_before_fen: Fen,
    setl_time: datetime | None,
) -> SettlementResult:
    """The platform's view of a split computed by `mechanics.split`: the funds this module does
    not model (price caps, serious-illness, large-amount, medical assistance) are zero."""
    result = SettlementResult(
        setl_id=setl_id,
        mdtrt_id=mdtrt_id,
        psn_no=psn_no,
        medfee_sumamt=split.total_fen,
        fulamt_ownpay_amt=split.class_c_fen,
        overlmt_selfpay=0,
        preselfpay_amt=split.b_self_fen,
        inscp_scp_amt=split.in_policy_fen,
        act_pay_dedc=split.deductible_fen,
        hifp_pay=split.fund_fen,
        hifmi_pay=0,
        hifob_pay=0,
        maf_pay=0,
        fund_pay_sumamt=split.fund_fen,
        psn_part_amt=split.patient_share_fen,
        acct_pay=split.personal_account_fen,
        psn_cash_pay=split.cash_fen,
        balc=balance_before_fen - split.personal_account_fen,
        setl_time=setl_time,
        split=split,
    )
    result.check()
    return result


@dataclass(frozen=True, kw_only=True)
class SettlementReversal:
    """2305 input. `request_id` makes a retried reversal return the first answer."""

    psn_no: str
    mdtrt_id: str
    setl_id: str
    request_id: str

    def __post_init__(self) -> None:
        if not self.request_id:
            raise ValueError("request_id is required")


@dataclass(frozen=True, kw_only=True)
class SettlementReversed:
    """2305 output: the reversal is a settlement of its own, with negated amounts."""

    setl_id: str  # the reversal's own id
    init_setl_id: str  # the settlement it reverses
    mdtrt_id: str
    psn_no: str
    medfee_sumamt: Fen
    hifp_pay: Fen
    fund_pay_sumamt: Fen
    acct_pay: Fen
    psn_cash_pay: Fen
    balc: Fen  # personal account balance after the account was credited back
    setl_time: datetime


class Platform(Protocol):
    """What Bedside needs of the insurance platform for an inpatient stay. Every method
    raises PlatformError with a code from ERROR_CODES when the platform refuses."""

    def register_admission(self, request: AdmissionRegistration) -> AdmissionRegistered:
        """2401. Registering the same psn_no and ipt_no again returns the same mdtrt_id."""
        ...

    def upload_fee_details(self, request: FeeDetailUpload) -> FeeDetailUploaded:
        """2301. Idempotent per feedetl_sn; refused once the visit is settled."""
        ...

    def cancel_fee_details(self, request: FeeDetailCancel) -> FeeDetailsCancelled:
        """2302. Serial numbers not on file count as cancelled already."""
        ...

    def pre_settle(self, request: PreSettlementRequest) -> SettlementResult:
        """2303. The split the settlement would make now; records nothing."""
        ...

    def settle(self, request: SettlementRequest) -> SettlementResult:
        """2304. Settles the uploaded details; idempotent on request.request_id."""
        ...

    def reverse_settlement(self, request: SettlementReversal) -> SettlementReversed:
        """2305. Undoes a settlement and its account and annual-cap effects."""
        ...

    def register_discharge(self, request: DischargeRegistration) -> DischargeRegistered:
        """2402. Repeating it with the same endtime is a no-op."""
        ...
