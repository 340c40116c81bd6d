"""The day's summary per channel and its discrepancies as tables, exported as CSV or XLSX
(xlsxwriter); money columns are yuan text from integer fen, never floats."""

from __future__ import annotations

import csv
import io
from typing import Any

import xlsxwriter  # type: ignore[import-untyped]

from bedside.core.money import format_yuan
from bedside.reconciliation.models import Discrepancy, ReconDay

SUMMARY_COLUMNS = ("channel", "count", "amount", "refund_count", "refunds", "fees", "net", "matched")
DISCREPANCY_COLUMNS = (
    "id", "channel", "kind", "ref", "channel_trade_no", "ours", "theirs", "our_state", "their_state",
    "suggested_action", "state", "assignee", "resolution", "approved_by", "notes",
)  # fmt: skip


def _yuan(fen: int | None) -> str:
    return "" if fen is None else format_yuan(fen).replace("¥", "").replace(",", "")


def summary_rows(day: ReconDay) -> list[list[Any]]:
    rows = []
    for channel, s in sorted((day.summary or {}).items()):
        rows.append(
            [
                channel,
                s.get("count", 0),
                _yuan(s.get("amount_fen", 0)),
                s.get("refund_count", 0),
                _yuan(s.get("refund_fen", 0)),
                _yuan(s.get("fee_fen", 0)),
                _yuan(s.get("net_fen", 0)),
                s.get("matched", 0),
            ]
        )
    return rows


def discrepancy_rows(items: list[Discrepancy]) -> list[list[Any]]:
    return [
        [
            d.id,
            d.channel,
            d.kind,
            d.ref,
            d.channel_trade_no or "",
            _yuan(d.ours_fen),
            _yuan(d.theirs_fen),
            d.our_state or "",
            d.their_state or "",
            d.suggested_action,
            d.state,
            d.assignee or "",
            d.resolution or "",
            d.approved_by or "",
            d.notes,
        ]  # fmt: skip
        for d in items
    ]


def _safe(value: Any) -> Any:
    # A cell starting with = + - @ is a formula to a spreadsheet: statement text must stay text.
    if (
        isinstance(value, str)
        and value[:1] in ("=", "+", "-", "@")
        and not value.lstrip("-").replace(".", "").isdigit()
    ):
        return "'" + value
    return value


def to_csv(day: ReconDay, items: list[Discrepancy]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", day.bill_date.isoformat(), "state", day.state])
    writer.writerow(SUMMARY_COLUMNS)
    writer.writerows([[_safe(v) for v in row] for row in summary_rows(day)])
    writer.writerow([])
    writer.writerow(DISCREPANCY_COLUMNS)
    writer.writerows([[_safe(v) for v in row] for row in discrepancy_rows(items)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


def to_xlsx(day: ReconDay, items: list[Discrepancy]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
    )
    bold = book.add_format({"bold": True})
    for title, columns, rows in (
        ("summary", SUMMARY_COLUMNS, summary_rows(day)),
        ("discrepancies", DISCREPANCY_COLUMNS, discrepancy_rows(items)),
    ):
        sheet = book.add_worksheet(title)
        sheet.write_row(0, 0, columns, bold)
        for n, row in enumerate(rows, start=1):
            sheet.write_row(n, 0, row)
    book.close()
    return buffer.getvalue()


def month_totals(days: list[ReconDay]) -> list[dict[str, Any]]:
    """Per day: statement amount and net over all channels, open/closed, for the month view."""
    out: list[dict[str, Any]] = []
    for d in days:
        amount = sum(int(s.get("amount_fen", 0)) for s in (d.summary or {}).values())
        net = sum(int(s.get("net_fen", 0)) for s in (d.summary or {}).values())
        out.append({"day": d, "amount_fen": amount, "net_fen": net})
    peak = max((int(row["amount_fen"]) for row in out), default=0) or 1
    for row in out:
        row["bar"] = round(100 * row["amount_fen"] / peak)  # percent of the tallest day, for the chart
    return out
