"""Bedside's side of the insurance platform at discharge: pre-settlement (2303), settlement
(2304) and its reversal (2305), over the platform's interface and nowhere else. Self-pay
stays never reach the platform; their split is the local all-cash one.

A settlement that fails leaves nothing half-done: a refusal changes nothing on either side; a
timeout may have settled on the platform, so the lost 2304 is revoked by its msgid (2601)
before the patient hears to try again; a settlement whose figures differ from the confirmed
pre-settlement is revoked the same way at once."""

from __future__ import annotations

import logging
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.admissions.models import AdmissionNotice
from bedside.charges.models import ChargeLine
from bedside.core.db import utcnow
from bedside.core.errors import Conflict
from bedside.core.i18n import N_
from bedside.insurance import mechanics, stays
from bedside.insurance.client import HsaPlatform
from bedside.insurance.models import InsuranceSettlement
from bedside.insurance.platform import (
    PlatformError,
    PreSettlementRequest,
    SettlementRequest,
    SettlementResult,
    SettlementReversal,
)

log = logging.getLogger(__name__)


def _platform() -> HsaPlatform:
    platform = stays.client()
    if platform is None:
        raise Conflict(
            N_("This stay cannot be settled by self-service; please go to the discharge window."),
            code="settle_at_window",
        )
    return platform


def _failed(exc: PlatformError) -> Conflict:
    if exc.code == "unavailable":
        return Conflict(
            N_(
                "The insurance platform did not answer; "
                "please try again in a moment or go to the discharge window."
            ),
            code="insurance_unavailable",
        )
    return Conflict(
        N_("The insurance platform refused the settlement; please try again or go to the discharge window."),
        code="platform_refused",
        params={"reason": exc.message[:200]},
    )


def _lines(session: Session, notice: AdmissionNotice) -> list[mechanics.ChargeLine]:
    rows = session.execute(
        select(ChargeLine.insurance_class, ChargeLine.category, ChargeLine.amount_fen).where(
            ChargeLine.notice_id == notice.id
        )
    ).all()
    return [
        mechanics.ChargeLine(
            code=f"{cls}:{category}",
            name=category,
            category=category,
            insurance_class=cast(mechanics.InsuranceClass, cls),
            amount_fen=int(amount),
        )
        for cls, category, amount in rows
    ]


def _split(session: Session, notice: AdmissionNotice, r: SettlementResult) -> dict[str, Any]:
    """The platform's figures under Bedside's split names; the class totals are Bedside's own."""
    by_class = {cls: 0 for cls in mechanics.INSURANCE_CLASSES}
    for line in _lines(session, notice):
        by_class[line.insurance_class] += line.amount_fen
    return {
        "total_fen": r.medfee_sumamt,
        "fund_fen": r.fund_pay_sumamt,
        "personal_account_fen": r.acct_pay,
        "cash_fen": r.psn_cash_pay,
        "class_a_fen": by_class["A"],
        "class_b_fen": by_class["B"],
        "class_c_fen": r.fulamt_ownpay_amt,
        "b_self_fen": r.preselfpay_amt,
        "over_limit_fen": r.overlmt_selfpay,
        "in_policy_fen": r.inscp_scp_amt,
        "deductible_fen": r.act_pay_dedc,
        "pooled_fund_fen": r.hifp_pay,
        "balance_after_fen": r.balc,
    }


def pre_settle(session: Session, notice: AdmissionNotice, request_key: str | None = None) -> dict[str, Any]:
    if not stays.insured(notice):
        split = mechanics.self_pay_split(_lines(session, notice))
        return {k: v for k, v in split.__dict__.items() if isinstance(v, int) and not isinstance(v, bool)}
    platform = _platform()
    try:
        total = stays.sync_fee_details(session, notice, platform)
        v = stays.register(session, notice, platform)  # done by the sync: only reads it back
        request = PreSettlementRequest(psn_no=v.psn_no, mdtrt_id=v.mdtrt_id, medfee_sumamt=total)
        result = platform.pre_settle(request, insutype=v.insutype, medins_setl_id=request_key)
    except PlatformError as exc:
        raise _failed(exc) from exc
    return _split(session, notice, result)


def settle(session: Session, notice: AdmissionNotice, split: dict[str, Any], request_key: str) -> str | None:
    """2304 for the figures the patient confirmed; returns the platform's setl_id."""
    if not stays.insured(notice):
        return None
    platform = _platform()
    v = stays.visit(session, notice.id)
    if v is None:  # pre_settle registers; without it there is nothing to settle
        raise Conflict(N_("This stay is not ready to settle."), code="not_ready_to_settle")
    request = SettlementRequest(
        psn_no=v.psn_no, mdtrt_id=v.mdtrt_id, medfee_sumamt=split["total_fen"], request_id=request_key
    )
    msgid = platform.new_msgid()
    try:
        result = platform.settle(request, insutype=v.insutype, msgid=msgid)
    except PlatformError as exc:
        if exc.code in ("unavailable", "bad_answer"):
            _revoke(platform, v.psn_no, msgid)
        raise _failed(exc) from exc
    setl_id = result.setl_id or ""  # the client refuses a 2304 answer without one
    confirmed = (split["fund_fen"], split["personal_account_fen"], split["cash_fen"])
    if (result.fund_pay_sumamt, result.acct_pay, result.psn_cash_pay) != confirmed:
        # The platform split differently from what the patient signed for: revoked (2601, which
        # unlike 2305 keeps the visit's details on file, as this transaction's rollback assumes).
        _revoke(platform, v.psn_no, msgid)
        raise Conflict(
            N_("The insurance amounts changed; please review the settlement again."),
            code="settlement_changed",
        )
    row = session.scalar(select(InsuranceSettlement).where(InsuranceSettlement.setl_id == setl_id))
    if row is None:
        session.add(
            InsuranceSettlement(
                notice_id=notice.id,
                mdtrt_id=v.mdtrt_id,
                setl_id=setl_id,
                medins_setl_id=request_key,
                msgid=msgid,
                medfee_sumamt_fen=result.medfee_sumamt,
                fund_fen=result.fund_pay_sumamt,
                personal_account_fen=result.acct_pay,
                cash_fen=result.psn_cash_pay,
                balance_fen=result.balc,
                output=_split(session, notice, result),
            )
        )
        session.flush()
    return setl_id


def _revoke(platform: HsaPlatform, psn_no: str, msgid: str) -> None:
    """The lost 2304 may have settled: 2601 undoes it (or confirms there is nothing to undo)."""
    try:
        platform.revoke(psn_no, msgid, "2304")
    except PlatformError as exc:
        # Still unknown: the retry's 2304 carries the same medins_setl_id, which the platform
        # answers with the first settlement rather than a second one.
        log.error("insurance 2601 for msgid %s failed: %s", msgid, exc.code)


def reverse(session: Session, notice: AdmissionNotice, setl_id: str | None) -> None:
    """2305 for the stay's settlement; the platform drops the visit's fee details with it."""
    if setl_id is None:
        return
    row = session.scalar(select(InsuranceSettlement).where(InsuranceSettlement.setl_id == setl_id))
    if row is None or row.state != "settled":
        return
    platform = _platform()
    v = stays.register(session, notice, platform)  # registered when it settled
    try:
        answer = platform.reverse_settlement(
            SettlementReversal(
                psn_no=v.psn_no, mdtrt_id=v.mdtrt_id, setl_id=setl_id, request_id=f"rev:{setl_id}"
            )
        )
    except PlatformError as exc:
        raise Conflict(
            N_("The insurance platform did not reverse the settlement; please try again."),
            code="insurance_reversal_failed",
        ) from exc
    row.state, row.reversal_setl_id, row.reversed_at = "reversed", answer.setl_id, utcnow()
    stays.forget_details(session, notice.id)
