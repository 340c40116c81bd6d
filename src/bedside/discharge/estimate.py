"""The bill's figure after insurance: what the patient will get back or still owe once the
insurance has paid its part, from the platform's pre-settlement (2303) of the charges so far —
not the raw deposit minus charges, which overstates what an insured patient owes. A settled
stay shows its settlement's figures instead."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bedside.admissions.models import AdmissionNotice
from bedside.core.errors import DomainError
from bedside.discharge import service as discharge_service

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Estimate:
    charges_fen: int
    insurance_fen: int  # pooled fund + personal account
    patient_fen: int  # the patient's cash share
    paid_fen: int  # deposits and supplementary payments, net of refunds already made
    refund_fen: int
    due_fen: int
    settled: bool


def after_insurance(session: Session, notice: AdmissionNotice) -> Estimate | None:
    """None when the platform cannot say just now: the bill then shows charges and deposit."""
    done = discharge_service.current_settlement(session, notice.id)
    if done is not None:
        return Estimate(
            charges_fen=done.total_fen,
            insurance_fen=done.fund_fen + done.personal_account_fen,
            patient_fen=done.cash_fen,
            paid_fen=done.paid_before_fen,
            refund_fen=done.refund_fen,
            due_fen=0,
            settled=True,
        )
    try:
        pre = discharge_service.pre_settle(session, notice.id)
    except (DomainError, ValueError) as exc:  # unavailable platform, or charges that do not net yet
        log.info("no after-insurance estimate for notice %s: %s", notice.id, exc)
        return None
    return Estimate(
        charges_fen=pre.total_fen,
        insurance_fen=pre.fund_fen + pre.personal_account_fen,
        patient_fen=pre.cash_fen,
        paid_fen=pre.paid_fen,
        refund_fen=pre.refund_fen,
        due_fen=pre.supplementary_fen,
        settled=False,
    )
