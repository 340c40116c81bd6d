"""The insurance review (医保审核) of an insured stay once the ward has cleared it: the rules
flag lines (review_rules), the officer goes through them line by line — marks a line self-pay,
returns it to the ward with a reason, or accepts it — the ward (nurse or doctor) answers a
returned line, and the officer approves the stay only when no line waits for the ward. The
discharge machine's approve step calls `approve`; its clearance calls `open_for`, which
auto-approves only when no rule fires.

A line marked self-pay is billed as class C from then on (its HIS class is kept on the review
line and restored if the officer reinstates it); at approval its fee detail on the platform is
cancelled (2302) so the next sync uploads it as class C before the pre-settlement."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.admissions.models import AdmissionNotice
from bedside.charges.models import ChargeLine
from bedside.core import audit
from bedside.core.audit import SYSTEM, Actor
from bedside.core.db import utcnow
from bedside.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.core.states import InvalidTransition
from bedside.discharge.models import Discharge
from bedside.insurance import review_rules as rules
from bedside.insurance import stays
from bedside.insurance.models import InsuranceFeeDetail
from bedside.insurance.platform import CHRGITM_LV, FeeDetailCancel, PlatformError
from bedside.insurance.review_models import CatalogueItem, InsuranceReview, ReviewLine
from bedside.insurance.review_states import (
    LINE_MACHINE,
    OFFICER_ACTIONS,
    REVIEW_MACHINE,
    WARD_ACTIONS,
    LineState,
    ReviewState,
)

MAX_TEXT = 300


def _who(actor: Actor) -> str:
    return f"{actor.kind}:{actor.id or actor.label}"[:100]


def catalogue(session: Session) -> dict[str, rules.Item]:
    return {
        c.code: rules.Item(c.code, c.insurance_class, c.max_daily_milli, tuple(c.indication_keywords or ()))
        for c in session.scalars(select(CatalogueItem))
    }


def find(session: Session, notice_id: int) -> InsuranceReview | None:
    return session.scalar(select(InsuranceReview).where(InsuranceReview.notice_id == notice_id))


def get(session: Session, notice_id: int, *, lock: bool = False) -> InsuranceReview:
    stmt = select(InsuranceReview).where(InsuranceReview.notice_id == notice_id)
    row = session.scalar(stmt.with_for_update() if lock else stmt)
    if row is None:
        raise NotFound(N_("This stay has no insurance review yet."), code="review_not_found")
    return row


def _charge_lines(session: Session, notice_id: int) -> list[ChargeLine]:
    return list(
        session.scalars(select(ChargeLine).where(ChargeLine.notice_id == notice_id).order_by(ChargeLine.id))
    )


def _review_lines(session: Session, review_id: int) -> dict[int, ReviewLine]:
    return {
        r.charge_line_id: r
        for r in session.scalars(select(ReviewLine).where(ReviewLine.review_id == review_id))
    }


def _findings(
    session: Session, notice: AdmissionNotice, lines: list[ChargeLine], reviewed: dict[int, ReviewLine]
) -> rules.Findings:
    # The HIS's class, not the self-pay mark: a decision must not change what the rules saw.
    facts = [
        rules.Line(
            c.id,
            c.code,
            c.category,
            reviewed[c.id].original_class if c.id in reviewed else c.insurance_class,
            c.quantity_milli,
            c.unit_price_fen,
            c.amount_fen,
            c.service_date,
            c.reverses_id,
        )
        for c in lines
    ]
    return rules.check(rules.Stay(facts, catalogue(session), notice.diagnosis or ""))


def flag_codes(session: Session, notice: AdmissionNotice) -> list[str]:
    """The rules that fire for the stay; empty means nothing needs a person."""
    review = find(session, notice.id)
    reviewed = _review_lines(session, review.id) if review else {}
    return _findings(session, notice, _charge_lines(session, notice.id), reviewed).codes


def _move(
    session: Session,
    row: InsuranceReview | ReviewLine,
    action: str,
    actor: Actor,
    notice: AdmissionNotice,
    **detail: object,
) -> None:
    old = row.state
    kind = "insurance_review" if isinstance(row, InsuranceReview) else "insurance_review_line"
    try:
        new: str = (
            REVIEW_MACHINE.next_state(ReviewState(old), action)
            if isinstance(row, InsuranceReview)
            else LINE_MACHINE.next_state(LineState(old), action)
        )
    except InvalidTransition as exc:
        raise Conflict(
            N_("This review cannot do that now."), code="review_invalid_transition", params={"state": old}
        ) from exc
    row.state = new
    audit.record(
        session,
        actor,
        f"{kind}.{action}",
        kind,
        row.id,
        patient_id=notice.patient_id,
        old=old,
        new=new,
        **detail,
    )


def open_for(session: Session, notice: AdmissionNotice, *, auto_approve: bool) -> bool:
    """Opens (or brings up to date) the stay's review as the ward clears it: every line gets a
    review line with what the rules found. Returns True when it auto-approved: allowed, and no
    rule fired."""
    review = find(session, notice.id)
    if review is None:
        review = InsuranceReview(notice_id=notice.id, state=ReviewState.IN_REVIEW)
        session.add(review)
        session.flush()
        audit.record(
            session,
            SYSTEM,
            "insurance_review.open",
            "insurance_review",
            review.id,
            patient_id=notice.patient_id,
        )
    elif review.state != ReviewState.IN_REVIEW:
        _move(session, review, "reopen", SYSTEM, notice)
    lines = _charge_lines(session, notice.id)
    reviewed = _review_lines(session, review.id)
    for c in lines:
        if c.id not in reviewed:
            row = ReviewLine(review_id=review.id, charge_line_id=c.id, original_class=c.insurance_class)
            session.add(row)
            reviewed[c.id] = row
    found = _findings(session, notice, lines, reviewed)
    for c in lines:
        reviewed[c.id].flags = found.by_line.get(c.id, [])
        if reviewed[c.id].state in (LineState.RETURNED, LineState.ANSWERED):
            _move(session, reviewed[c.id], "reopen", SYSTEM, notice)
    review.flags = found.stay
    review.decided_at = review.decided_by = None
    session.flush()
    if auto_approve and not found.codes:
        _move(session, review, "approve", SYSTEM, notice, reason="no rule fired")
        review.decided_at, review.decided_by = utcnow(), _who(SYSTEM)
        return True
    return False


def _discharge_in_review(session: Session, notice_id: int) -> None:
    d = session.scalar(select(Discharge).where(Discharge.notice_id == notice_id))
    if d is None or d.state != "ward_cleared":
        raise Conflict(N_("This stay is not waiting for the insurance review."), code="review_not_open")


def act(
    session: Session, actor: Actor, notice: AdmissionNotice, line_id: int, action: str, text: str = ""
) -> ReviewLine:
    """One act on one line: the officer's (mark_self_pay, return_to_ward, accept, reinstate) or
    the ward's (answer)."""
    if action in OFFICER_ACTIONS:
        if not actor.has_role("insurance_officer"):
            raise Forbidden(N_("Only insurance officers review stays."), code="insurance_officer_only")
    elif action in WARD_ACTIONS:
        if not actor.has_role("nurse", "doctor"):
            raise Forbidden(N_("Only the ward answers a returned line."), code="ward_only")
    else:
        raise InvalidInput(N_("Unknown action."), code="invalid_action")
    text = (text or "").strip()[:MAX_TEXT]
    if action in ("mark_self_pay", "return_to_ward", "answer") and not text:
        raise InvalidInput(N_("Give a reason."), code="reason_required", field="reason")
    _discharge_in_review(session, notice.id)
    review = get(session, notice.id, lock=True)
    row = session.scalar(
        select(ReviewLine)
        .where(ReviewLine.review_id == review.id, ReviewLine.id == line_id)
        .with_for_update()
    )
    if row is None:
        raise NotFound(N_("No such line on this stay."), code="review_line_not_found")
    _move(session, row, action, actor, notice, charge_line_id=row.charge_line_id, text=text)
    if action == "answer":
        row.answer, row.answered_by, row.answered_at = text, _who(actor), utcnow()
        session.flush()
        if review.state == ReviewState.WITH_WARD and not _returned(session, review.id):
            _move(session, review, "ward_answered", actor, notice)
        return row
    row.decided_by = _who(actor)
    if action in ("mark_self_pay", "return_to_ward"):
        row.reason = text
    if action == "return_to_ward":
        _move(session, review, "return_line", actor, notice, line=row.id)
    if action in ("mark_self_pay", "reinstate"):
        _set_class(session, row, "C" if action == "mark_self_pay" else row.original_class)
    session.flush()
    return row


def _returned(session: Session, review_id: int) -> list[ReviewLine]:
    return list(
        session.scalars(
            select(ReviewLine).where(
                ReviewLine.review_id == review_id, ReviewLine.state == LineState.RETURNED
            )
        )
    )


def _set_class(session: Session, row: ReviewLine, cls: str) -> None:
    """The line and its reversals move together, so the classes still net to zero."""
    for c in session.scalars(
        select(ChargeLine).where(
            (ChargeLine.id == row.charge_line_id) | (ChargeLine.reverses_id == row.charge_line_id)
        )
    ):
        c.insurance_class = cls


def approve(session: Session, actor: Actor, notice: AdmissionNotice) -> InsuranceReview:
    """The approve step of the discharge: refused while a line waits for the ward."""
    review = find(session, notice.id)
    if review is None:  # cleared before reviews were kept: open it now
        open_for(session, notice, auto_approve=False)
        review = get(session, notice.id)
    if review.state == ReviewState.WITH_WARD:
        raise Conflict(
            N_("Some lines are still with the ward; approve once the ward has answered."),
            code="review_lines_with_ward",
        )
    _move(session, review, "approve", actor, notice)
    review.decided_at, review.decided_by = utcnow(), _who(actor)
    _resync(session, notice)
    return review


def _resync(session: Session, notice: AdmissionNotice) -> None:
    """Fee details on file under a class the review changed are cancelled (2302); the
    pre-settlement's sync uploads them again under the line's class now."""
    changed = [
        detail
        for detail, line in session.execute(
            select(InsuranceFeeDetail, ChargeLine)
            .join(ChargeLine, ChargeLine.id == InsuranceFeeDetail.charge_line_id)
            .where(InsuranceFeeDetail.notice_id == notice.id, InsuranceFeeDetail.on_file.is_(True))
        ).all()
        if detail.chrgitm_lv != CHRGITM_LV.get(line.insurance_class)
    ]
    if not changed:
        return
    platform, v = stays.client(), stays.visit(session, notice.id)
    if platform is not None and v is not None:
        try:
            platform.cancel_fee_details(
                FeeDetailCancel(v.mdtrt_id, v.psn_no, tuple(d.feedetl_sn for d in changed))
            )
        except PlatformError as exc:
            raise Conflict(
                N_("The insurance platform did not answer; please try again in a moment."),
                code="insurance_unavailable",
            ) from exc
    for detail in changed:
        session.delete(detail)
    session.flush()


@dataclass(frozen=True)
class LineView:
    review_line: ReviewLine
    charge: ChargeLine


def lines(
    session: Session,
    review: InsuranceReview,
    *,
    cls: str = "",
    category: str = "",
    flag: str = "",
    state: str = "",
) -> list[LineView]:
    """The review's lines, filtered by the HIS class, category, rule code and state."""
    stmt = (
        select(ReviewLine, ChargeLine)
        .join(ChargeLine, ChargeLine.id == ReviewLine.charge_line_id)
        .where(ReviewLine.review_id == review.id)
        .order_by(ChargeLine.service_date, ChargeLine.id)
    )
    if cls:
        stmt = stmt.where(ReviewLine.original_class == cls)
    if category:
        stmt = stmt.where(ChargeLine.category == category)
    if state:
        stmt = stmt.where(ReviewLine.state == state)
    found = [LineView(r, c) for r, c in session.execute(stmt).all()]
    if flag == "any":
        return [v for v in found if v.review_line.flags]
    if flag:  # flags are JSON lists; filtered here rather than per dialect
        return [v for v in found if flag in (v.review_line.flags or [])]
    return found


def pending(session: Session, *, with_ward: bool = False) -> list[tuple[InsuranceReview, AdmissionNotice]]:
    """Reviews waiting for someone: the officer's (in review or with the ward) or the ward's."""
    states = [ReviewState.WITH_WARD] if with_ward else [ReviewState.IN_REVIEW, ReviewState.WITH_WARD]
    rows = session.execute(
        select(InsuranceReview, AdmissionNotice)
        .join(AdmissionNotice, AdmissionNotice.id == InsuranceReview.notice_id)
        .join(Discharge, Discharge.notice_id == InsuranceReview.notice_id)
        .where(InsuranceReview.state.in_(states), Discharge.state == "ward_cleared")
        .order_by(InsuranceReview.opened_at, InsuranceReview.id)
        .limit(200)
    ).all()
    return [(r, n) for r, n in rows]


def load_catalogue(session: Session, items: list[dict[str, object]]) -> int:
    """Adds or updates catalogue items by code (code, name, insurance_class, max_daily_milli,
    indication, indication_keywords); returns how many were written."""
    known = {c.code: c for c in session.scalars(select(CatalogueItem))}
    for item in items:
        code = str(item["code"])
        row = known.get(code) or CatalogueItem(code=code)
        row.name = str(item["name"])
        row.insurance_class = str(item["insurance_class"])
        dose = item.get("max_daily_milli")
        row.max_daily_milli = int(dose) if isinstance(dose, int) else None
        row.indication = str(item["indication"]) if item.get("indication") else None
        keywords = item.get("indication_keywords") or []
        row.indication_keywords = [str(k) for k in keywords] if isinstance(keywords, list | tuple) else []
        if code not in known:
            session.add(row)
            known[code] = row
    session.flush()
    return len(items)
