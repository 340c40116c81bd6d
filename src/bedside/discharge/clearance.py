"""The ward-clearance guards: pending orders and charges posted, from the HIS's orders-status
report where the HIS is the record of orders (BEDSIDE_HIS_RECORD includes "orders"), else the
nurse's own checks; and the recorded medication handover. A nurse may clear failing HIS guards
by giving a reason; the caller audits it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.core.errors import Conflict, InvalidInput
from bedside.core.i18n import N_, gettext
from bedside.discharge.models import Discharge
from bedside.integrations.models import HisStayStatus
from bedside.settings import get_settings

MIN_REASON = 4


def his_guards() -> bool:
    return "orders" in get_settings().his_record_set


def his_status(session: Session, notice_id: int) -> HisStayStatus | None:
    return session.scalar(select(HisStayStatus).where(HisStayStatus.notice_id == notice_id))


# What the nurse reads for each missing check, in the refusal.
CHECK_NAMES = {
    "pending_orders": N_("orders are still pending"),
    "charges_not_posted": N_("charges are not all posted"),
    "medication_not_handed_over": N_("the discharge medication is not handed over"),
    "care_bill_unpaid": N_("the companion care bill is not paid"),
}


class ClearanceBlocked(Conflict):
    """ward_clearance_blocked; params["missing"] keeps the check codes, the message names them."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(
            N_("The ward cannot clear the patient yet: %(missing)s."),
            code="ward_clearance_blocked",
            params={"missing": missing},
        )

    def localized(self, locale: str) -> str:
        names = [gettext(locale, CHECK_NAMES.get(code, code)) for code in self.params["missing"]]
        return gettext(locale, self.message, missing=("; " if locale == "en" else "；").join(names))


def medication_handed_over(session: Session, d: Discharge) -> bool:
    """A stay with a discharge-medication order passes once the machine reaches counselled;
    without one, the nurse's recorded handover counts where the doctor flagged medication."""
    from bedside.medication import service as medication  # it reads discharge models

    state = medication.handover(session, d.notice_id)
    if state is not None:
        return state
    return not d.has_medication or d.medication_handed_over


def care_unpaid(session: Session, notice_id: int) -> bool:
    from bedside.companion import bills  # the vendor's bill, apart from the hospital's

    return bills.unpaid_fen(session, notice_id) > 0


@dataclass(frozen=True)
class Passed:
    overridden: tuple[str, ...]  # failing HIS guards the nurse cleared with a reason
    reason: str | None


def check(
    session: Session,
    d: Discharge,
    *,
    no_pending_orders: bool,
    charges_posted: bool,
    override_reason: str | None,
) -> Passed:
    """Raises ward_clearance_blocked naming what is missing, or says what was overridden."""
    from_his = his_guards()
    if from_his:  # the nurse's ticks count for nothing: the HIS knows the orders
        status = his_status(session, d.notice_id)
        no_pending_orders = status is not None and status.pending_orders == 0
        charges_posted = status is not None and status.charges_closed
    missing = [
        name
        for name, ok in (("pending_orders", no_pending_orders), ("charges_not_posted", charges_posted))
        if not ok
    ]
    reason = (override_reason or "").strip()
    overridden: list[str] = []
    if from_his and missing and reason:
        if len(reason) < MIN_REASON:
            raise InvalidInput(
                N_("Give a reason for clearing the ward despite the HIS."),
                code="override_reason_required",
                field="override_reason",
            )
        overridden, missing = missing, []
    if not medication_handed_over(session, d):
        missing.append("medication_not_handed_over")
    if get_settings().care_bill_blocks_settlement and care_unpaid(session, d.notice_id):
        missing.append("care_bill_unpaid")
    if missing:
        raise ClearanceBlocked(missing)
    return Passed(tuple(overridden), reason[:300] if overridden else None)
