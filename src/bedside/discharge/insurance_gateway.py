"""Bedside's side of the insurance platform at discharge: the split of a stay's charges
(pre-settlement), settlement and its reversal, against the bundled simulated platform whose
books (personal-account balances, the pooled fund's yearly total) live in the sandbox tables.
A hospital's real platform connection replaces the bookkeeping here, not the callers."""

from __future__ import annotations

import secrets
from dataclasses import asdict
from typing import Any, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bedside.admissions.models import AdmissionNotice
from bedside.charges import service as charges_service
from bedside.charges.models import ChargeLine
from bedside.core.db import utcnow
from bedside.core.errors import Conflict
from bedside.core.i18n import N_
from bedside.hospital import service as hospital_service
from bedside.insurance import mechanics, schemes
from bedside.payments.sandbox import wire_insurance
from bedside.payments.sandbox.models import SandboxInsuranceAccount

# Auto-review: a line this large, or a stay with this many class-C (self-paid) lines, is looked at.
REVIEW_LINE_FEN = 2_000_000
REVIEW_CLASS_C_SHARE_BP = 3000


def _lines(session: Session, notice: AdmissionNotice) -> list[mechanics.ChargeLine]:
    """The stay's charges summed by insurance class and category, in the database: the split
    only ever adds amounts by class and by category, so 2,000 lines become at most 33."""
    rows = session.execute(
        select(ChargeLine.insurance_class, ChargeLine.category, func.sum(ChargeLine.amount_fen))
        .where(ChargeLine.notice_id == notice.id)
        .group_by(ChargeLine.insurance_class, ChargeLine.category)
        .order_by(ChargeLine.insurance_class, ChargeLine.category)
    ).all()
    return [
        mechanics.ChargeLine(
            code=f"{cls}:{category}",
            name=category,
            category=category,
            insurance_class=cast(mechanics.InsuranceClass, cls),
            amount_fen=int(total),
        )
        for cls, category, total in rows
        if total
    ]


def _person(session: Session, notice: AdmissionNotice, *, lock: bool = False) -> SandboxInsuranceAccount:
    return wire_insurance.account(session, notice.insurance_no or "", lock=lock)


def _level(session: Session) -> str:
    hospital = hospital_service.get_hospital(session)
    return hospital.level if hospital else "3A"


def pre_settle(session: Session, notice: AdmissionNotice) -> dict[str, Any]:
    lines = _lines(session, notice)
    scheme = schemes.SCHEMES.get(notice.insurance_type or "")
    if scheme is None or not notice.insurance_no:
        split = mechanics.self_pay_split(lines)
    else:
        person = _person(session, notice)
        state = mechanics.PersonState(
            insurance_no=person.insurance_no,
            scheme_code=scheme.code,
            personal_account_fen=person.balance_fen,
            year_fund_paid_fen=person.year_fund_paid_fen,
        )
        try:
            split = mechanics.split(lines, scheme, _level(session), state)
        except ValueError as exc:  # a hospital level the scheme does not configure, or bad netting
            raise Conflict(
                N_("This stay cannot be settled by self-service; please go to the discharge window."),
                code="settle_at_window",
            ) from exc
    return {k: v for k, v in asdict(split).items() if isinstance(v, int) and not isinstance(v, bool)}


def settle(session: Session, notice: AdmissionNotice, split: dict[str, Any], request_key: str) -> str | None:
    if not notice.insurance_no or notice.insurance_type in (None, "self_pay"):
        return None
    person = _person(session, notice, lock=True)
    if person.balance_fen < split["personal_account_fen"]:
        raise Conflict(
            N_("The insurance platform refused the settlement; please try again."), code="platform_refused"
        )
    person.balance_fen -= split["personal_account_fen"]
    person.year_fund_paid_fen += split["fund_fen"]
    return f"S{utcnow():%Y%m%d}{secrets.randbelow(10**10):010d}"


def reverse(session: Session, notice: AdmissionNotice, setl_id: str | None) -> None:
    if setl_id is None:
        return
    from bedside.discharge.models import Settlement

    row = session.scalar(select(Settlement).where(Settlement.setl_id == setl_id))
    if row is None:
        return
    person = _person(session, notice, lock=True)
    person.balance_fen += row.personal_account_fen
    person.year_fund_paid_fen = max(person.year_fund_paid_fen - row.fund_fen, 0)


def review_flags(session: Session, notice: AdmissionNotice) -> list[str]:
    lines = charges_service.lines(session, notice.id)
    flags = []
    if any(c.amount_fen >= REVIEW_LINE_FEN for c in lines):
        flags.append("large_line")
    total = sum(c.amount_fen for c in lines)
    class_c = sum(c.amount_fen for c in lines if c.insurance_class == "C")
    if total > 0 and class_c * 10000 >= total * REVIEW_CLASS_C_SHARE_BP:
        flags.append("high_self_pay_share")
    return flags
