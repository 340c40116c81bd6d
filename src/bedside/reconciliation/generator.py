"""A day's books and channel statement with known injected discrepancies of every class, for
the precision/recall test and the benchmark. Vectorised, so 10M rows are made in seconds."""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl

from bedside.payments.bills import CN, day_bounds
from bedside.payments.bills.wechat_tradebill import HEADER, SUMMARY_HEADER
from bedside.reconciliation.matching import OURS_SCHEMA, THEIRS_SCHEMA
from bedside.reconciliation.states import Kind


@dataclass(frozen=True)
class GeneratedDay:
    bill_date: date
    ours: pl.DataFrame
    theirs: pl.DataFrame
    held: pl.DataFrame  # yesterday's payments in transit
    recorded_cash: dict[str, int]
    counted_cash: dict[str, int]
    expected: frozenset[tuple[str, str]]  # (kind, ref)
    expected_transit: frozenset[str]


def generate(n: int, bill_date: date, fee_rate_bp: int = 20, each: int = 2) -> GeneratedDay:
    """`n` clean payments (and a refund for every tenth), plus `each` injected cases per class."""
    start, end = day_bounds(bill_date)
    base = pl.int_range(0, n, eager=True)
    at = pl.lit(start.astimezone(CN)).dt.convert_time_zone("UTC") + pl.duration(
        seconds=pl.lit((base * 7919) % (86_000 - 400))
    )
    pays = pl.DataFrame({"i": base}).select(
        kind=pl.lit("payment"),
        key=pl.format("BS{}", pl.col("i").cast(pl.String).str.zfill(12)),
        amount_fen=(pl.col("i") * 37 % 900_000 + 100).cast(pl.Int64),
        at=at,
    )
    refunds = pays.gather_every(10).select(
        kind=pl.lit("refund"),
        key=pl.col("key").str.replace("BS", "RF"),
        amount_fen=pl.col("amount_fen") // 2 + 1,
        at=pl.col("at") + pl.duration(seconds=60),
    )
    ours = pl.concat(
        [
            pays.with_columns(state=pl.lit("paid")),
            refunds.with_columns(state=pl.lit("succeeded")),
        ]
    ).select(list(OURS_SCHEMA))
    theirs = pl.concat([pays, refunds]).with_columns(
        channel_trade_no=pl.format("42{}", pl.col("key").str.slice(2)),
        fee_fen=(pl.col("amount_fen") * fee_rate_bp + 5_000) // 10_000,
        status=pl.when(pl.col("kind") == "refund").then(pl.lit("REFUND")).otherwise(pl.lit("SUCCESS")),
    )
    expected: set[tuple[str, str]] = set()
    extra_ours: list[dict[str, object]] = []
    extra_theirs: list[dict[str, object]] = []
    noon = start + timedelta(hours=12)

    def ours_row(kind: str, key: str, fen: int, state: str, when: datetime = noon) -> None:
        extra_ours.append({"kind": kind, "key": key, "amount_fen": fen, "state": state, "at": when})

    def theirs_row(kind: str, key: str, fen: int, status: str = "", fee: int | None = None) -> None:
        status = status or ("REFUND" if kind == "refund" else "SUCCESS")
        cost = (fen * fee_rate_bp + 5_000) // 10_000 if fee is None else fee
        extra_theirs.append(
            {
                "kind": kind,
                "key": key,
                "channel_trade_no": "42X" + key,
                "amount_fen": fen,
                "fee_fen": cost,
                "status": status,
                "at": noon,
            }
        )

    held_rows: list[dict[str, object]] = []
    transit: set[str] = set()
    for j in range(each):
        k = f"{j:04d}"
        theirs_row("payment", f"XO{k}", 5_000)  # 长款: a trade we never heard of
        expected.add((Kind.MISSING_OURS, f"XO{k}"))
        ours_row("payment", f"XC{k}", 6_000, "closed")  # 长款: we closed it, the channel took it
        theirs_row("payment", f"XC{k}", 6_000)
        expected.add((Kind.MISSING_OURS, f"XC{k}"))
        ours_row("payment", f"XM{k}", 7_000, "paid")  # 短款
        expected.add((Kind.MISSING_CHANNEL, f"XM{k}"))
        ours_row("payment", f"XA{k}", 8_000, "paid")
        theirs_row("payment", f"XA{k}", 8_001)
        expected.add((Kind.AMOUNT_DIFFERS, f"XA{k}"))
        ours_row("payment", f"XS{k}", 9_000, "paid")
        theirs_row("payment", f"XS{k}", 9_000, "REVOKED")
        expected.add((Kind.STATUS_DIFFERS, f"XS{k}"))
        ours_row("payment", f"XD{k}", 10_000, "paid")
        theirs_row("payment", f"XD{k}", 10_000)
        theirs_row("payment", f"XD{k}", 10_000)
        expected.add((Kind.DUPLICATE, f"XD{k}"))
        ours_row("refund", f"RM{k}", 1_000, "succeeded")
        expected.add((Kind.REFUND_MISSING, f"RM{k}"))
        theirs_row("refund", f"RE{k}", 1_100)
        expected.add((Kind.REFUND_EXTRA, f"RE{k}"))
        ours_row("payment", f"XF{k}", 50_000, "paid")
        theirs_row("payment", f"XF{k}", 50_000, fee=999)
        expected.add((Kind.FEE_DIFFERS, f"XF{k}"))
        ours_row("payment", f"XT{k}", 12_000, "paid", end - timedelta(seconds=2))  # dated tomorrow
        transit.add(f"XT{k}")
        yesterday = start - timedelta(seconds=1 + j)
        held_rows.append(
            {"kind": "payment", "key": f"XY{k}", "amount_fen": 13_000, "state": "paid", "at": yesterday}
        )
        theirs_row("payment", f"XY{k}", 13_000)  # yesterday's transit arrives: matched
        held_rows.append(
            {"kind": "payment", "key": f"XL{k}", "amount_fen": 14_000, "state": "paid", "at": yesterday}
        )
        expected.add((Kind.MISSING_CHANNEL, f"XL{k}"))  # ... and one never arrives
    recorded = {f"K{j:02d}": 100_000 + j for j in range(each + 2)}
    counted = dict(recorded)
    for j in range(each):
        counted[f"K{j:02d}"] += 5_000
        expected.add((Kind.CASH_MISMATCH, f"K{j:02d}"))
    ours = pl.concat([ours, pl.DataFrame(extra_ours, schema=OURS_SCHEMA)])
    theirs = pl.concat([theirs.select(list(THEIRS_SCHEMA)), pl.DataFrame(extra_theirs, schema=THEIRS_SCHEMA)])
    return GeneratedDay(
        bill_date=bill_date,
        ours=ours,
        theirs=theirs.sort("at", maintain_order=True),
        held=pl.DataFrame(held_rows, schema=OURS_SCHEMA),
        recorded_cash=recorded,
        counted_cash=counted,
        expected=frozenset(expected),
        expected_transit=frozenset(transit),
    )


def _yuan(column: str, places: int = 2) -> pl.Expr:
    fen = pl.col(column)
    text = pl.format(
        "{}.{}", (fen.abs() // 100).cast(pl.String), (fen.abs() % 100).cast(pl.String).str.zfill(2)
    )
    text = pl.when(fen < 0).then(pl.concat_str(pl.lit("-"), text)).otherwise(text)
    return text + pl.lit("0" * (places - 2)) if places > 2 else text


def write_wechat_bill(theirs: pl.DataFrame, path: Path, mchid: str = "1900000109") -> str:
    """The statement as a WeChat ALL trade bill (.csv.gz) and its .sha1; returns the SHA1."""
    refund = pl.col("kind") == "refund"
    zero = pl.lit("0.00")
    out_trade = pl.when(refund).then(pl.col("key").str.replace("RF", "BS")).otherwise(pl.col("key"))
    signed_fee = pl.when(refund).then(-pl.col("fee_fen")).otherwise(pl.col("fee_fen"))
    cols = {
        "交易时间": pl.col("at").dt.convert_time_zone(str(CN)).dt.strftime("%Y-%m-%d %H:%M:%S"),
        "公众账号ID": pl.lit("wx8888888888888888"),
        "商户号": pl.lit(mchid),
        "特约商户号": pl.lit("0"),
        "设备号": pl.lit(""),
        "微信订单号": pl.col("channel_trade_no"),
        "商户订单号": out_trade,
        "用户标识": pl.lit("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"),
        "交易类型": pl.lit("NATIVE"),
        "交易状态": pl.col("status"),
        "付款银行": pl.lit("OTHERS"),
        "货币种类": pl.lit("CNY"),
        "应结订单金额": pl.when(refund).then(zero).otherwise(_yuan("amount_fen")),
        "代金券金额": zero,
        "微信退款单号": pl.when(refund).then(pl.format("50{}", pl.col("key"))).otherwise(pl.lit("0")),
        "商户退款单号": pl.when(refund).then(pl.col("key")).otherwise(pl.lit("0")),
        "退款金额": pl.when(refund).then(_yuan("amount_fen")).otherwise(zero),
        "充值券退款金额": zero,
        "退款类型": pl.when(refund).then(pl.lit("ORIGINAL")).otherwise(pl.lit("")),
        "退款状态": pl.when(refund).then(pl.lit("SUCCESS")).otherwise(pl.lit("")),
        "商品名称": pl.lit("住院预交金"),
        "商户数据包": pl.lit(""),
        "手续费": _yuan("signed_fee", 5),
        "费率": pl.lit("0.20%"),
        "订单金额": pl.when(refund).then(zero).otherwise(_yuan("amount_fen")),
        "申请退款金额": pl.when(refund).then(_yuan("amount_fen")).otherwise(zero),
        "费率备注": pl.lit(""),
    }
    if list(cols) != HEADER.split(","):
        raise RuntimeError("the bill columns drifted from the WeChat header")
    body = theirs.with_columns(signed_fee=signed_fee).select(
        pl.concat_str([pl.lit("`") + expr for expr in cols.values()], separator=",").alias("line")
    )
    pay = theirs.filter(~refund)
    ref = theirs.filter(refund)
    fees = int(pay["fee_fen"].sum() or 0) - int(ref["fee_fen"].sum() or 0)
    totals = (
        pl.DataFrame(
            {"a": [int(pay["amount_fen"].sum() or 0)], "r": [int(ref["amount_fen"].sum() or 0)], "f": [fees]}
        )
        .select(_yuan("a").alias("a"), _yuan("r").alias("r"), _yuan("f", 5).alias("f"))
        .row(0)
    )
    summary = f"`{theirs.height},`{totals[0]},`{totals[1]},`0.00,`{totals[2]},`{totals[0]},`{totals[1]}"
    text = "\r\n".join([HEADER, *body.to_series().to_list(), SUMMARY_HEADER, summary]) + "\r\n"
    raw = text.encode("utf-8")
    path.write_bytes(gzip.compress(raw, compresslevel=1, mtime=0))
    sha1 = hashlib.sha1(raw, usedforsecurity=False).hexdigest()
    path.with_suffix(".sha1").write_text(sha1 + "\n")
    return sha1
