"""WeChat Pay v3 trade bills (bill_type ALL and REFUND), read with Polars by header name.

The REFUND bill carries two more columns (退款申请时间, 退款成功时间) than ALL; both are read by
the names below, so the column order and extra columns do not matter. Every value starts with a
backtick; amounts are yuan with two decimals, the fee with five. The summary row must agree
with the detail rows: a truncated download (no summary, or totals that do not add up) is
refused, naming the line."""

from __future__ import annotations

import gzip
import hashlib
import io

import polars as pl

from bedside.payments.bills import CN
from bedside.reconciliation.imports import Statement, StatementRefused, digest

SUMMARY_FIRST = "总交易单数"
NEEDED = (
    "交易时间",
    "微信订单号",
    "商户订单号",
    "交易状态",
    "应结订单金额",
    "商户退款单号",
    "退款金额",
    "手续费",
)
_YUAN = r"^-?\d{1,12}\.\d{2}$"
_FEE = r"^-?\d{1,12}\.\d{2}0{3}$"


def gunzip_checked(data: bytes, sha1_hex: str | None) -> bytes:
    """The download body (gzip) checked against the SHA1 the apply call announced (of the
    uncompressed bill)."""
    try:
        raw = gzip.decompress(data)
    except (OSError, EOFError) as exc:
        raise StatementRefused("the WeChat bill is not a complete gzip stream") from exc
    if (
        sha1_hex is not None
        and hashlib.sha1(raw, usedforsecurity=False).hexdigest() != sha1_hex.strip().lower()
    ):
        raise StatementRefused("the WeChat bill's SHA1 does not match its hash_value")
    return raw


def _fen(column: str, pattern: str, frame: pl.DataFrame, first_line: int) -> pl.Expr:
    bad = frame.select((~pl.col(column).str.contains(pattern)).arg_true()).to_series()
    if bad.len():
        line = int(bad[0]) + first_line
        raise StatementRefused(f"line {line}: {column} is not an amount: {frame[column][int(bad[0])]!r}")
    # "12.34" -> 1234; the fee's 3 trailing zeros are checked by the pattern and dropped.
    return (
        pl.col(column)
        .str.slice(0, pl.col(column).str.len_chars() - (3 if pattern == _FEE else 0))
        .str.replace(".", "", literal=True)
        .cast(pl.Int64)
    )


def read(raw: bytes) -> Statement:
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise StatementRefused("the WeChat bill is not UTF-8") from exc
    split = text.find("\n" + SUMMARY_FIRST)
    if split < 0:
        raise StatementRefused("the summary header is missing: the file is truncated")
    detail, summary = text[: split + 1], text[split + 1 :]
    detail_lines = detail.count("\n")
    try:
        frame = pl.read_csv(io.StringIO(detail), infer_schema=False, quote_char='"')
        tail = pl.read_csv(io.StringIO(summary), infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        raise StatementRefused(f"not a CSV bill: {str(exc).splitlines()[0]}") from exc
    missing = [name for name in NEEDED if name not in frame.columns]
    if missing:
        raise StatementRefused(f"line 1: the header lacks {', '.join(missing)}")
    if tail.height != 1:
        raise StatementRefused(f"line {detail_lines + 2}: expected exactly one summary row")
    frame = frame.select(NEEDED)
    unticked = frame.select(
        pl.any_horizontal(~pl.col(name).fill_null("").str.starts_with("`") for name in NEEDED).arg_true()
    ).to_series()
    if unticked.len():
        raise StatementRefused(f"line {int(unticked[0]) + 2}: a value does not start with a backtick")
    frame = frame.with_columns(pl.col(name).str.slice(1) for name in NEEDED)
    frame = frame.with_columns(t=pl.col("交易时间").str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False))
    bad_time = frame["t"].is_null().arg_true()
    if bad_time.len():
        raise StatementRefused(f"line {int(bad_time[0]) + 2}: 交易时间 is not a time")
    refund = pl.col("交易状态") == "REFUND"
    frame = frame.with_columns(
        settled=_fen("应结订单金额", _YUAN, frame, 2),
        refunded=_fen("退款金额", _YUAN, frame, 2),
        signed_fee=_fen("手续费", _FEE, frame, 2),
    )
    rows = frame.select(
        kind=pl.when(refund).then(pl.lit("refund")).otherwise(pl.lit("payment")),
        key=pl.when(refund).then(pl.col("商户退款单号")).otherwise(pl.col("商户订单号")),
        channel_trade_no=pl.col("微信订单号"),
        amount_fen=pl.when(refund).then(pl.col("refunded")).otherwise(pl.col("settled")),
        fee_fen=pl.col("signed_fee").abs(),
        signed_fee="signed_fee",
        status=pl.col("交易状态"),
        at=pl.col("t").dt.replace_time_zone(str(CN)).dt.convert_time_zone("UTC"),
        out_trade_no=pl.col("商户订单号"),
        settled="settled",
    )
    _check_summary(tail, rows, detail_lines + 2)
    return Statement("wechat", rows.drop("signed_fee", "settled"), digest(raw))


def _check_summary(tail: pl.DataFrame, rows: pl.DataFrame, line: int) -> None:
    values = [str(v or "").removeprefix("`") for v in tail.row(0)]
    names = tail.columns
    try:
        printed = dict(zip(names, values, strict=True))
        count = int(printed["总交易单数"])
        settled = _yuan_fen(printed["应结订单总金额"])
        refunded = _yuan_fen(printed["退款总金额"])
        fee = _yuan_fen(printed["手续费总金额"][:-3])
    except (KeyError, ValueError) as exc:
        raise StatementRefused(f"line {line}: the summary row is malformed") from exc
    ref = rows.filter(pl.col("kind") == "refund")
    # Summed over every row: the REFUND bill prints each refunded order's amount there too.
    computed = (
        rows.height,
        int(rows["settled"].sum() or 0),
        int(ref["amount_fen"].sum() or 0),
        int(rows["signed_fee"].sum() or 0),
    )
    if (count, settled, refunded, fee) != computed:
        raise StatementRefused(
            f"line {line}: the summary {(count, settled, refunded, fee)} disagrees with the rows {computed}"
        )


def _yuan_fen(text: str) -> int:
    whole, _, frac = text.partition(".")
    if len(frac) != 2 or not frac.isdigit():
        raise ValueError(text)
    sign = -1 if whole.startswith("-") else 1
    return sign * (abs(int(whole)) * 100 + int(frac))
