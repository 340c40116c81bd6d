"""The stay's itemized bill (住院清单) as a kiosk pages through it: the totals by category,
then the lines of one category (or all) with quantity, unit price and amount, a page at a time
so a long stay never renders thousands of rows on one screen."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bedside.charges.models import ChargeLine
from bedside.charges.service import Summary, summary

PER_PAGE = 12
MAX_PAGE = 10_000


@dataclass(frozen=True)
class Line:
    service_date: object
    name: str
    spec: str
    category: str
    insurance_class: str
    quantity: str  # as printed: "2", "0.5", "-1" for a reversal
    unit_price_fen: int
    amount_fen: int


@dataclass(frozen=True)
class Page:
    summary: Summary
    category: str | None
    lines: tuple[Line, ...]
    page: int
    pages: int
    count: int  # lines in the chosen category (or all)
    amount_fen: int  # their total


def quantity_text(milli: int) -> str:
    whole, frac = divmod(abs(milli), 1000)
    text = f"{whole}.{frac:03d}".rstrip("0").rstrip(".")
    return f"-{text}" if milli < 0 else text


def page(session: Session, notice_id: int, category: str | None = None, number: int = 1) -> Page:
    """One page of lines, oldest first. An unknown category reads as all; a page past the end
    shows the last one."""
    totals = summary(session, notice_id)
    chosen = category if category in totals.by_category else None
    where = [ChargeLine.notice_id == notice_id]
    if chosen:
        where.append(ChargeLine.category == chosen)
    count, amount = session.execute(
        select(func.count(), func.coalesce(func.sum(ChargeLine.amount_fen), 0)).where(*where)
    ).one()
    pages = max(1, -(-int(count) // PER_PAGE))
    number = min(max(1, number), pages)
    rows = session.scalars(
        select(ChargeLine)
        .where(*where)
        .order_by(ChargeLine.service_date, ChargeLine.id)
        .offset((number - 1) * PER_PAGE)
        .limit(PER_PAGE)
    )
    lines = tuple(
        Line(
            service_date=r.service_date,
            name=r.name,
            spec=r.spec or "",
            category=r.category,
            insurance_class=r.insurance_class,
            quantity=quantity_text(r.quantity_milli),
            unit_price_fen=r.unit_price_fen,
            amount_fen=r.amount_fen,
        )
        for r in rows
    )
    return Page(totals, chosen, lines, number, pages, int(count), int(amount))
