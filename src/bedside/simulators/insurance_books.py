"""The insurance platform's own books, for the bundled peer (`insurance_platform` serves
them over HTTP): the inpatient transactions of `platform.Platform` with the split of
`mechanics`, state in a `Store` (in memory by default). It never touches Bedside's tables.

Rules it enforces, as a real platform would:
- one unsettled admission per person; registering the same inpatient number again returns
  the same mdtrt_id (a retried 2401);
- fee details are idempotent per feedetl_sn (same content: accepted again as a duplicate;
  other content: detail_conflict); a batch is stored whole or not at all; a reversal line
  (negative cnt and amount) must name its original in init_feedetl_sn, match its catalogue
  code, class and receipt group, and not reverse more than was charged; an original cannot
  be cancelled while reversal lines of it remain;
- pre-settlement and settlement carry the total the caller believes it uploaded and are
  refused with total_mismatch when the details say otherwise;
- settlement is idempotent on its request id (a replay answers the first result, even when
  that settlement has been reversed since), debits the personal account and adds the fund
  payment to the person's annual total; nothing about the visit changes after it;
- a reversal credits the account and takes the fund payment off the annual total exactly,
  and drops the visit's fee details: a settlement is usually reversed because the charges
  were wrong, so the corrected details are uploaded again before the next settlement.

Out-of-region persons settle here like anyone else; sending them to a staffed window is
Bedside's decision (`Scheme.needs_window`), not the platform's. The annual total is not reset
at the turn of the year."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Protocol

from bedside.insurance.mechanics import PersonState, Split, split
from bedside.insurance.platform import (
    CHRGITM_LV,
    AdmissionRegistered,
    AdmissionRegistration,
    DischargeRegistered,
    DischargeRegistration,
    FeeDetail,
    FeeDetailAccepted,
    FeeDetailCancel,
    FeeDetailsCancelled,
    FeeDetailUpload,
    FeeDetailUploaded,
    Platform,
    PlatformError,
    PreSettlementRequest,
    SettlementRequest,
    SettlementResult,
    SettlementReversal,
    SettlementReversed,
    result_from_split,
)
from bedside.insurance.schemes import SCHEMES, Scheme


@dataclass(frozen=True)
class Visit:
    """An admission registration (就诊) as the platform keeps it."""

    mdtrt_id: str
    admission: AdmissionRegistration
    discharge: DischargeRegistration | None = None
    setl_id: str | None = None  # the settlement in force; None before one and after a reversal

    @property
    def psn_no(self) -> str:
        return self.admission.psn_no

    @property
    def ipt_no(self) -> str:
        return self.admission.ipt_no


@dataclass(frozen=True)
class SettlementRecord:
    setl_id: str
    mdtrt_id: str
    psn_no: str
    request: SettlementRequest
    result: SettlementResult
    details: tuple[FeeDetail, ...]  # what was settled, for the settlement list and audits
    reversal_request: SettlementReversal | None = None
    reversal: SettlementReversed | None = None


class Store(Protocol):
    """The simulator's state. Each simulator call reads and writes through it in sequence and
    never commits: a database-backed store runs one call inside one transaction and locks the
    rows asked for with for_update, so two processes cannot settle the same visit or spend
    the same account balance twice. Records are immutable; put_* replaces by key."""

    def next_serial(self, kind: str) -> int:
        """A new number, unique per kind ("mdtrt", "setl"), for the platform's ids."""
        ...

    def get_person(self, psn_no: str, *, for_update: bool = False) -> PersonState | None: ...
    def put_person(self, person: PersonState) -> None: ...
    def get_visit(self, mdtrt_id: str, *, for_update: bool = False) -> Visit | None: ...

    def open_visit(self, psn_no: str) -> Visit | None:
        """The person's visit without a settlement in force, if any (at most one exists)."""
        ...

    def put_visit(self, visit: Visit) -> None: ...

    def visit_by_ipt(self, psn_no: str, ipt_no: str) -> Visit | None:
        """The person's visit registered under this inpatient number, settled or not."""
        ...

    def details(self, mdtrt_id: str) -> list[FeeDetail]:
        """The visit's fee details on file, in upload order."""
        ...

    def put_detail(self, mdtrt_id: str, detail: FeeDetail) -> None: ...
    def delete_details(self, mdtrt_id: str, feedetl_sns: Iterable[str]) -> None: ...
    def get_settlement(self, setl_id: str) -> SettlementRecord | None: ...

    def settlement_by_request(self, request_id: str) -> SettlementRecord | None:
        """The settlement whose settle or reversal request carried this request id."""
        ...

    def put_settlement(self, record: SettlementRecord) -> None: ...

    def forget_request(self, request_id: str) -> None:
        """Frees a request id (a 2601 revocation: the settlement is as if never requested)."""
        ...


class InMemoryStore(Store):
    """Dictionaries; state lives as long as the object."""

    def __init__(self) -> None:
        self._serials: dict[str, int] = {}
        self._people: dict[str, PersonState] = {}
        self._visits: dict[str, Visit] = {}
        self._details: dict[str, dict[str, FeeDetail]] = {}
        self._settlements: dict[str, SettlementRecord] = {}
        self._requests: dict[str, str] = {}  # request id → setl_id

    def next_serial(self, kind: str) -> int:
        self._serials[kind] = self._serials.get(kind, 0) + 1
        return self._serials[kind]

    def get_person(self, psn_no: str, *, for_update: bool = False) -> PersonState | None:
        return self._people.get(psn_no)

    def put_person(self, person: PersonState) -> None:
        self._people[person.insurance_no] = person

    def get_visit(self, mdtrt_id: str, *, for_update: bool = False) -> Visit | None:
        return self._visits.get(mdtrt_id)

    def open_visit(self, psn_no: str) -> Visit | None:
        return next((v for v in self._visits.values() if v.psn_no == psn_no and v.setl_id is None), None)

    def put_visit(self, visit: Visit) -> None:
        self._visits[visit.mdtrt_id] = visit

    def visit_by_ipt(self, psn_no: str, ipt_no: str) -> Visit | None:
        return next((v for v in self._visits.values() if (v.psn_no, v.ipt_no) == (psn_no, ipt_no)), None)

    def details(self, mdtrt_id: str) -> list[FeeDetail]:
        return list(self._details.get(mdtrt_id, {}).values())

    def put_detail(self, mdtrt_id: str, detail: FeeDetail) -> None:
        self._details.setdefault(mdtrt_id, {})[detail.feedetl_sn] = detail

    def delete_details(self, mdtrt_id: str, feedetl_sns: Iterable[str]) -> None:
        on_file = self._details.get(mdtrt_id, {})
        for sn in feedetl_sns:
            on_file.pop(sn, None)

    def get_settlement(self, setl_id: str) -> SettlementRecord | None:
        return self._settlements.get(setl_id)

    def settlement_by_request(self, request_id: str) -> SettlementRecord | None:
        setl_id = self._requests.get(request_id)
        return self._settlements.get(setl_id) if setl_id is not None else None

    def forget_request(self, request_id: str) -> None:
        self._requests.pop(request_id, None)

    def put_settlement(self, record: SettlementRecord) -> None:
        self._settlements[record.setl_id] = record
        self._requests[record.request.request_id] = record.setl_id
        if record.reversal_request is not None:
            self._requests[record.reversal_request.request_id] = record.setl_id


def _utcnow() -> datetime:
    return datetime.now(UTC)


class PlatformSimulator(Platform):
    """The platform as one hospital (of `hospital_level`) sees it. Calls are serialised within
    the process; across processes the store's row locks do that (see `Store`)."""

    def __init__(
        self,
        store: Store | None = None,
        *,
        hospital_level: str = "3A",
        schemes: Mapping[str, Scheme] = SCHEMES,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        for code, scheme in schemes.items():
            if code != scheme.code:
                raise ValueError(f"scheme {scheme.code!r} is filed under {code!r}")
            scheme.rule(hospital_level)  # an unconfigured level fails now, not at a settlement
        self.store: Store = store if store is not None else InMemoryStore()
        self.hospital_level = hospital_level
        self.schemes = dict(schemes)
        self._clock = clock
        self._lock = threading.RLock()

    # -- the simulator's own services (a real platform has its own enrolment) --

    def enroll(self, person: PersonState) -> None:
        """Puts an insured person on file, or replaces their balances."""
        if person.scheme_code not in self.schemes:
            raise ValueError(f"no scheme {person.scheme_code!r} configured")
        with self._lock:
            self.store.put_person(person)

    def person(self, psn_no: str) -> PersonState:
        found = self.store.get_person(psn_no)
        if found is None:
            raise PlatformError("unknown_person", psn_no)
        return found

    # -- Platform --

    def register_admission(self, request: AdmissionRegistration) -> AdmissionRegistered:
        with self._lock:
            self._person(request.psn_no)
            # A retried 2401 finds its visit even once settled (the hospital lost its answer).
            same = self.store.visit_by_ipt(request.psn_no, request.ipt_no)
            if same is not None:
                return AdmissionRegistered(same.mdtrt_id, same.psn_no, same.ipt_no)
            open_visit = self.store.open_visit(request.psn_no)
            if open_visit is not None:
                if open_visit.ipt_no == request.ipt_no:
                    return AdmissionRegistered(open_visit.mdtrt_id, open_visit.psn_no, open_visit.ipt_no)
                raise PlatformError("already_admitted", f"open visit {open_visit.mdtrt_id}")
            mdtrt_id = f"MDT{self.store.next_serial('mdtrt'):012d}"
            self.store.put_visit(Visit(mdtrt_id=mdtrt_id, admission=request))
            return AdmissionRegistered(mdtrt_id, request.psn_no, request.ipt_no)

    def upload_fee_details(self, request: FeeDetailUpload) -> FeeDetailUploaded:
        with self._lock:
            visit = self._unsettled_visit(request.mdtrt_id, request.psn_no)
            known = {d.feedetl_sn: d for d in self.store.details(visit.mdtrt_id)}
            reversed_fen = _reversed_so_far(known.values())
            new: list[FeeDetail] = []
            results: list[FeeDetailAccepted] = []
            for detail in request.details:
                duplicate = detail.feedetl_sn in known
                if duplicate:
                    if known[detail.feedetl_sn] != detail:
                        raise PlatformError("detail_conflict", detail.feedetl_sn)
                else:
                    _check_detail(detail, known, reversed_fen)
                    known[detail.feedetl_sn] = detail
                    new.append(detail)
                    if detail.init_feedetl_sn is not None:
                        sn = detail.init_feedetl_sn
                        reversed_fen[sn] = reversed_fen.get(sn, 0) - detail.det_item_fee_sumamt
                results.append(
                    FeeDetailAccepted(
                        feedetl_sn=detail.feedetl_sn,
                        det_item_fee_sumamt=detail.det_item_fee_sumamt,
                        chrgitm_lv=CHRGITM_LV[detail.insurance_class],
                        duplicate=duplicate,
                    )
                )
            # Only now that the whole batch is known to be acceptable does anything get stored.
            for detail in new:
                self.store.put_detail(visit.mdtrt_id, detail)
            return FeeDetailUploaded(visit.mdtrt_id, tuple(results))

    def cancel_fee_details(self, request: FeeDetailCancel) -> FeeDetailsCancelled:
        with self._lock:
            visit = self._unsettled_visit(request.mdtrt_id, request.psn_no)
            on_file = self.store.details(visit.mdtrt_id)
            wanted = None if request.feedetl_sns is None else set(request.feedetl_sns)
            going = [d.feedetl_sn for d in on_file if wanted is None or d.feedetl_sn in wanted]
            staying_reversals = [
                d for d in on_file if d.feedetl_sn not in going and d.init_feedetl_sn in going
            ]
            if staying_reversals:
                raise PlatformError(
                    "invalid_detail",
                    f"cancel the reversal lines {[d.feedetl_sn for d in staying_reversals]} first",
                )
            self.store.delete_details(visit.mdtrt_id, going)
            return FeeDetailsCancelled(visit.mdtrt_id, tuple(going))

    def pre_settle(self, request: PreSettlementRequest) -> SettlementResult:
        with self._lock:
            visit = self._unsettled_visit(request.mdtrt_id, request.psn_no)
            person = self._person(request.psn_no)
            the_split = self._split(visit, person, request)
            return result_from_split(
                the_split,
                setl_id=None,
                mdtrt_id=visit.mdtrt_id,
                psn_no=person.insurance_no,
                balance_before_fen=person.personal_account_fen,
                setl_time=None,
            )

    def settle(self, request: SettlementRequest) -> SettlementResult:
        with self._lock:
            earlier = self.store.settlement_by_request(request.request_id)
            if earlier is not None:
                if earlier.request != request:
                    raise PlatformError("request_id_reused", request.request_id)
                return earlier.result
            visit = self._unsettled_visit(request.mdtrt_id, request.psn_no, for_update=True)
            person = self._person(request.psn_no, for_update=True)
            the_split = self._split(visit, person, request)
            setl_id = f"SET{self.store.next_serial('setl'):012d}"
            result = result_from_split(
                the_split,
                setl_id=setl_id,
                mdtrt_id=visit.mdtrt_id,
                psn_no=person.insurance_no,
                balance_before_fen=person.personal_account_fen,
                setl_time=self._clock(),
            )
            self.store.put_person(
                replace(
                    person,
                    personal_account_fen=person.personal_account_fen - the_split.personal_account_fen,
                    year_fund_paid_fen=person.year_fund_paid_fen + the_split.fund_fen,
                )
            )
            self.store.put_settlement(
                SettlementRecord(
                    setl_id=setl_id,
                    mdtrt_id=visit.mdtrt_id,
                    psn_no=person.insurance_no,
                    request=request,
                    result=result,
                    details=tuple(self.store.details(visit.mdtrt_id)),
                )
            )
            self.store.put_visit(replace(visit, setl_id=setl_id))
            return result

    def reverse_settlement(self, request: SettlementReversal) -> SettlementReversed:
        with self._lock:
            earlier = self.store.settlement_by_request(request.request_id)
            if earlier is not None:
                if earlier.reversal_request != request or earlier.reversal is None:
                    raise PlatformError("request_id_reused", request.request_id)
                return earlier.reversal
            visit = self._visit(request.mdtrt_id, request.psn_no, for_update=True)
            record = self.store.get_settlement(request.setl_id)
            if record is None or record.mdtrt_id != visit.mdtrt_id:
                raise PlatformError("no_such_settlement", request.setl_id)
            if record.reversal is not None:
                raise PlatformError("already_reversed", request.setl_id)
            person = self._person(request.psn_no, for_update=True)
            restored = replace(
                person,
                personal_account_fen=person.personal_account_fen + record.result.acct_pay,
                year_fund_paid_fen=person.year_fund_paid_fen - record.result.hifp_pay,
            )
            result = record.result
            reversal = SettlementReversed(
                setl_id=f"SET{self.store.next_serial('setl'):012d}",
                init_setl_id=record.setl_id,
                mdtrt_id=visit.mdtrt_id,
                psn_no=person.insurance_no,
                medfee_sumamt=-result.medfee_sumamt,
                hifp_pay=-result.hifp_pay,
                fund_pay_sumamt=-result.fund_pay_sumamt,
                acct_pay=-result.acct_pay,
                psn_cash_pay=-result.psn_cash_pay,
                balc=restored.personal_account_fen,
                setl_time=self._clock(),
            )
            self.store.put_person(restored)
            self.store.put_settlement(replace(record, reversal_request=request, reversal=reversal))
            self.store.delete_details(
                visit.mdtrt_id, [d.feedetl_sn for d in self.store.details(visit.mdtrt_id)]
            )
            self.store.put_visit(replace(visit, setl_id=None))
            return reversal

    def register_discharge(self, request: DischargeRegistration) -> DischargeRegistered:
        with self._lock:
            visit = self._visit(request.mdtrt_id, request.psn_no, for_update=True)
            if visit.discharge is not None:
                if visit.discharge.endtime != request.endtime:
                    raise PlatformError("already_discharged", f"at {visit.discharge.endtime.isoformat()}")
                return DischargeRegistered(visit.mdtrt_id, visit.discharge.endtime)
            if request.endtime < visit.admission.begntime:
                raise PlatformError("invalid_request", "discharge before admission")
            self.store.put_visit(replace(visit, discharge=request))
            return DischargeRegistered(visit.mdtrt_id, request.endtime)

    # -- helpers --

    def _person(self, psn_no: str, *, for_update: bool = False) -> PersonState:
        found = self.store.get_person(psn_no, for_update=for_update)
        if found is None:
            raise PlatformError("unknown_person", psn_no)
        return found

    def _visit(self, mdtrt_id: str, psn_no: str, *, for_update: bool = False) -> Visit:
        visit = self.store.get_visit(mdtrt_id, for_update=for_update)
        # Another person's visit is reported as unknown: the caller has no business with it.
        if visit is None or visit.psn_no != psn_no:
            raise PlatformError("not_registered", mdtrt_id)
        return visit

    def _unsettled_visit(self, mdtrt_id: str, psn_no: str, *, for_update: bool = False) -> Visit:
        visit = self._visit(mdtrt_id, psn_no, for_update=for_update)
        if visit.setl_id is not None:
            raise PlatformError("already_settled", visit.setl_id)
        return visit

    def _split(self, visit: Visit, person: PersonState, request: PreSettlementRequest) -> Split:
        lines = [d.charge_line() for d in self.store.details(visit.mdtrt_id)]
        the_split = split(
            lines,
            self.schemes[person.scheme_code],
            self.hospital_level,
            person,
            use_personal_account=request.acct_used_flag,
        )
        if the_split.total_fen != request.medfee_sumamt:
            raise PlatformError(
                "total_mismatch", f"uploaded {the_split.total_fen} fen, request says {request.medfee_sumamt}"
            )
        return the_split


def _reversed_so_far(details: Iterable[FeeDetail]) -> dict[str, int]:
    """How much of each original has been reversed already, as a positive number of fen."""
    out: dict[str, int] = {}
    for d in details:
        if d.init_feedetl_sn is not None:
            out[d.init_feedetl_sn] = out.get(d.init_feedetl_sn, 0) - d.det_item_fee_sumamt
    return out


def _check_detail(detail: FeeDetail, known: Mapping[str, FeeDetail], reversed_fen: Mapping[str, int]) -> None:
    amount = detail.det_item_fee_sumamt
    if (amount < 0) != (detail.cnt < 0) or detail.pric < 0:
        raise PlatformError("invalid_detail", f"{detail.feedetl_sn}: cnt, pric and amount disagree in sign")
    if amount >= 0:
        if detail.init_feedetl_sn is not None:
            raise PlatformError("invalid_detail", f"{detail.feedetl_sn}: init_feedetl_sn is for reversals")
        return
    if detail.init_feedetl_sn is None:
        raise PlatformError("invalid_detail", f"{detail.feedetl_sn}: a reversal needs init_feedetl_sn")
    original = known.get(detail.init_feedetl_sn)
    if original is None or original.det_item_fee_sumamt <= 0:
        raise PlatformError(
            "invalid_detail", f"{detail.feedetl_sn}: no original charge {detail.init_feedetl_sn}"
        )
    same_item = (original.med_list_codg, original.insurance_class, original.category) == (
        detail.med_list_codg,
        detail.insurance_class,
        detail.category,
    )
    if not same_item:
        raise PlatformError("invalid_detail", f"{detail.feedetl_sn}: reverses a different item")
    if reversed_fen.get(original.feedetl_sn, 0) - amount > original.det_item_fee_sumamt:
        raise PlatformError("invalid_detail", f"{detail.feedetl_sn}: reverses more than was charged")
