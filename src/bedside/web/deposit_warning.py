"""The warning on the phone's and the kiosk's deposit pages when the amount chosen leaves the
stay under the department's minimum (the rule is deposits.minimum). It warns and does not
block: the page shows it as the amount changes (bedside.js), before anything is paid."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bedside.admissions.models import AdmissionNotice
from bedside.admissions.states import OPEN_STATES
from bedside.deposits import minimum
from bedside.deposits.models import DepositAccount
from bedside.hospital import service as hospital_service


def minimum_due_fen(session: Session, notice: AdmissionNotice, account: DepositAccount) -> int:
    """What must still be paid before admission can be completed; 0 when nothing is."""
    department = hospital_service.get_department(session, notice.department_id)
    return minimum.due_fen(
        before_admission=notice.state in OPEN_STATES,
        balance_fen=account.balance_fen,
        minimum_fen=department.suggested_deposit_fen,
    )
