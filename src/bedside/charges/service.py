"""A stay's charges read back by category, by day and line by line. Posting them (the HIS
feed, the demo generator) is charges.posting, re-exported here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bedside.charges.models import ChargeLine
from bedside.charges.posting import MAX_BATCH as MAX_BATCH
from bedside.charges.posting import MAX_LINE_FEN as MAX_LINE_FEN
from bedside.charges.posting import ChargeIn as ChargeIn
from bedside.charges.posting import PostResult as PostResult
from bedside.charges.posting import by_inpatient_no as by_inpatient_no
from bedside.charges.posting import post as post
from bedside.charges.posting import post_to_inpatient as post_to_inpatient


def lines(session: Session, notice_id: int) -> list[ChargeLine]:
    return list(
        session.scalars(
            select(ChargeLine)
            .where(ChargeLine.notice_id == notice_id)
            .order_by(ChargeLine.service_date, ChargeLine.id)
        )
    )


@dataclass(frozen=True)
class Summary:
    total_fen: int
    by_category: dict[str, int]
    by_day: dict[date, int]
    count: int


def summary(session: Session, notice_id: int) -> Summary:
    """Totals by category and by day in one grouped statement, however many lines the stay has."""
    rows = session.execute(
        select(ChargeLine.category, ChargeLine.service_date, func.sum(ChargeLine.amount_fen), func.count())
        .where(ChargeLine.notice_id == notice_id)
        .group_by(ChargeLine.category, ChargeLine.service_date)
    ).all()
    cats: dict[str, int] = {}
    days: dict[date, int] = {}
    count = 0
    for category, day, fen, n in rows:
        cats[category] = cats.get(category, 0) + int(fen or 0)
        days[day] = days.get(day, 0) + int(fen or 0)
        count += int(n)
    by_category = {k: v for k, v in cats.items() if v}
    return Summary(
        total_fen=sum(by_category.values()),
        by_category=by_category,
        by_day=dict(sorted(days.items())),
        count=count,
    )
