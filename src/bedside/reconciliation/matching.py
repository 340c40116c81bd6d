"""Matching our books against a channel's statement, vectorised with Polars.

Both sides arrive as frames of one row per payment or refund:
  kind ("payment" | "refund"), key (our out_trade_no, or out_refund_no for a refund),
  amount_fen (i64, positive), state / status (str), at (aware datetime),
  and on the channel's side channel_trade_no and fee_fen.
Rows are joined on a 64-bit hash of the key (an integer join); a hash collision, which would
pair two different keys, is detected and the pair re-joined on the text key.

No Python loop touches a row: a day of millions of lines stays a few joins and filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl

from bedside.reconciliation.states import Kind

PAID_STATES = ("paid", "partially_refunded", "refunded")
REFUND_DONE = ("succeeded",)
CHANNEL_PAID = ("SUCCESS",)
# A payment we recorded this close to midnight may be dated the next day by the channel.
TRANSIT_WINDOW = timedelta(minutes=5)

OURS_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "kind": pl.String,
    "key": pl.String,
    "amount_fen": pl.Int64,
    "state": pl.String,
    "at": pl.Datetime("us", "UTC"),
}
THEIRS_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "kind": pl.String,
    "key": pl.String,
    "channel_trade_no": pl.String,
    "amount_fen": pl.Int64,
    "fee_fen": pl.Int64,
    "status": pl.String,
    "at": pl.Datetime("us", "UTC"),
}
RESULT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "kind": pl.String,
    "ref": pl.String,
    "channel_trade_no": pl.String,
    "ours_fen": pl.Int64,
    "theirs_fen": pl.Int64,
    "our_state": pl.String,
    "their_state": pl.String,
}


@dataclass(frozen=True)
class MatchResult:
    discrepancies: pl.DataFrame  # RESULT_SCHEMA
    in_transit: pl.DataFrame  # key, amount_fen, at: held for the next day's file
    matched: int


def ours_frame(rows: list[dict[str, object]] | None = None) -> pl.DataFrame:
    return pl.DataFrame(rows or [], schema=OURS_SCHEMA)


def theirs_frame(rows: list[dict[str, object]] | None = None) -> pl.DataFrame:
    return pl.DataFrame(rows or [], schema=THEIRS_SCHEMA)


def _hashed(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col("key").hash(seed=18).alias("h"))


def _join(ours: pl.DataFrame, theirs: pl.DataFrame) -> pl.DataFrame:
    joined = _hashed(ours).join(_hashed(theirs), on="h", how="full", suffix="_c", coalesce=False)
    collided = joined.filter(
        pl.col("key").is_not_null() & pl.col("key_c").is_not_null() & (pl.col("key") != pl.col("key_c"))
    )
    if collided.height:  # practically never: fall back to the exact text join
        return ours.join(theirs, on="key", how="full", suffix="_c", coalesce=False)
    return joined.drop("h", "h_c")


def _out(frame: pl.DataFrame, kind: str, **columns: pl.Expr) -> pl.DataFrame:
    exprs = {name: columns.get(name, pl.lit(None, dtype=dtype)) for name, dtype in RESULT_SCHEMA.items()}
    exprs["kind"] = pl.lit(kind, dtype=pl.String)
    return frame.select(**{name: expr.cast(RESULT_SCHEMA[name]) for name, expr in exprs.items()})


def _sides() -> dict[str, pl.Expr]:
    return {
        "ref": pl.coalesce("key", "key_c"),
        "channel_trade_no": pl.col("channel_trade_no"),
        "ours_fen": pl.col("amount_fen"),
        "theirs_fen": pl.col("amount_fen_c"),
        "our_state": pl.col("state"),
        "their_state": pl.col("status"),
    }


def match(
    ours: pl.DataFrame,
    theirs: pl.DataFrame,
    day_end: datetime,
    fee_rate_bp: int,
    held: pl.DataFrame | None = None,
) -> MatchResult:
    """`ours`: our payments paid this day and every order or refund the statement names;
    `held`: yesterday's payments in transit (same columns as ours), matched here first."""
    if held is not None and held.height:
        ours = pl.concat([ours, held.select(ours.columns)]).unique("key", keep="first")
    parts: list[pl.DataFrame] = []
    matched = 0
    in_transit = pl.DataFrame(schema={"key": pl.String, "amount_fen": pl.Int64, "at": OURS_SCHEMA["at"]})
    for kind in ("payment", "refund"):
        mine = ours.filter(pl.col("kind") == kind)
        theirs_kind = theirs.filter(pl.col("kind") == kind)
        dupes = theirs_kind.filter(pl.col("key").is_duplicated()).unique("key", keep="first")
        parts.append(
            _out(
                dupes,
                Kind.DUPLICATE,
                ref=pl.col("key"),
                channel_trade_no=pl.col("channel_trade_no"),
                theirs_fen=pl.col("amount_fen"),
                their_state=pl.col("status"),
            )
        )
        joined = _join(mine, theirs_kind.unique("key", keep="first", maintain_order=True))
        only_theirs = joined.filter(pl.col("key").is_null())
        only_ours = joined.filter(pl.col("key_c").is_null())
        both = joined.filter(pl.col("key").is_not_null() & pl.col("key_c").is_not_null())
        sides = _sides()
        if kind == "payment":
            parts.append(_out(only_theirs, Kind.MISSING_OURS, **sides))
            paid = only_ours.filter(pl.col("state").is_in(PAID_STATES))
            late = pl.col("at") >= pl.lit(day_end - TRANSIT_WINDOW).dt.convert_time_zone("UTC")
            in_transit = paid.filter(late).select("key", "amount_fen", "at")
            parts.append(_out(paid.filter(~late), Kind.MISSING_CHANNEL, **sides))
            we_paid = pl.col("state").is_in(PAID_STATES)
            they_paid = pl.col("status").is_in(CHANNEL_PAID)
            # Money the channel took that our ledger never credited is 长款 like an unknown trade.
            parts.append(_out(both.filter(~we_paid & they_paid), Kind.MISSING_OURS, **sides))
            parts.append(_out(both.filter(we_paid & ~they_paid), Kind.STATUS_DIFFERS, **sides))
            agree = both.filter(we_paid & they_paid)
        else:
            parts.append(_out(only_theirs, Kind.REFUND_EXTRA, **sides))
            done = pl.col("state").is_in(REFUND_DONE)
            parts.append(_out(only_ours.filter(done), Kind.REFUND_MISSING, **sides))
            parts.append(_out(both.filter(~done), Kind.STATUS_DIFFERS, **sides))
            agree = both.filter(done)
        amount_off = pl.col("amount_fen") != pl.col("amount_fen_c")
        parts.append(_out(agree.filter(amount_off), Kind.AMOUNT_DIFFERS, **sides))
        # The fee is charged on each transaction, rounded half up to the fen (bills.fee_fen).
        expected_fee = (pl.col("amount_fen_c") * fee_rate_bp + 5_000) // 10_000
        fee_off = agree.filter(~amount_off & (pl.col("fee_fen") != expected_fee))
        parts.append(
            _out(
                fee_off,
                Kind.FEE_DIFFERS,
                **{**sides, "ours_fen": expected_fee, "theirs_fen": pl.col("fee_fen")},
            )
        )
        matched += agree.filter(~amount_off).height
    result = pl.concat(parts).unique(["kind", "ref"], keep="first", maintain_order=True)
    return MatchResult(discrepancies=result, in_transit=in_transit, matched=matched)


def summary(theirs: pl.DataFrame) -> dict[str, int]:
    """The day per channel as the statement says: count, amount, refunds, fees, net settlement."""
    pay = theirs.filter(pl.col("kind") == "payment")
    ref = theirs.filter(pl.col("kind") == "refund")
    amount = int(pay["amount_fen"].sum() or 0)
    refunds = int(ref["amount_fen"].sum() or 0)
    fees = int(pay["fee_fen"].sum() or 0) - int(ref["fee_fen"].sum() or 0)
    return {
        "count": pay.height,
        "refund_count": ref.height,
        "amount_fen": amount,
        "refund_fen": refunds,
        "fee_fen": fees,
        "net_fen": amount - refunds - fees,
    }


def cash_discrepancies(recorded: dict[str, int], counted: dict[str, int]) -> list[dict[str, object]]:
    """Counted in the box vs the notes the kiosk reported, per kiosk (few rows: plain Python)."""
    out: list[dict[str, object]] = []
    for kiosk in sorted(counted):
        ours = recorded.get(kiosk, 0)
        if counted[kiosk] != ours:
            out.append(
                {"kind": Kind.CASH_MISMATCH, "ref": kiosk, "ours_fen": ours, "theirs_fen": counted[kiosk]}
            )
    return out
