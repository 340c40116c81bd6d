"""WeChat Pay v3 daily trade bill (`GET /v3/bill/tradebill`, bill_type=ALL).

A CSV in four parts: the detail header, detail rows, the summary header and one summary row.
Every value in detail and summary rows starts with a backtick (so spreadsheets keep long ids as
text); amounts are yuan, the fee has five decimals. Refund rows are dated by refund acceptance and
carry 0.00 in the order-amount columns, the refund in 退款金额/申请退款金额 and a negative fee."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from bedside.payments.bills import (
    BillFormatError,
    StatementLine,
    fee_fen,
    format_time,
    lines_of_day,
    parse_fen,
    parse_time,
    rate_text,
    yuan,
)

HEADER = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,"
    "付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,"
    "退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
)
SUMMARY_HEADER = (
    "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
)
COLUMNS = HEADER.split(",")
SUMMARY_COLUMNS = SUMMARY_HEADER.split(",")
FEE_PLACES = 5
_LINE_END = "\r\n"


@dataclass(frozen=True)
class ParsedWechatRow:
    trade_time: datetime
    appid: str
    mchid: str
    sub_mchid: str
    device_info: str
    transaction_id: str
    out_trade_no: str
    openid: str
    trade_type: str
    trade_state: str
    bank_type: str
    currency: str
    settlement_total_fen: int
    coupon_fen: int
    refund_id: str | None
    out_refund_no: str | None
    refund_fen: int
    recharge_coupon_refund_fen: int
    refund_channel: str
    refund_status: str
    body: str
    attach: str
    fee_fen: int
    rate: str
    order_total_fen: int
    requested_refund_fen: int
    rate_note: str

    @property
    def kind(self) -> str:
        return "refund" if self.trade_state == "REFUND" else "payment"


@dataclass(frozen=True)
class WechatBillSummary:
    count: int
    settlement_total_fen: int
    refund_fen: int
    recharge_coupon_refund_fen: int
    fee_fen: int
    order_total_fen: int
    requested_refund_fen: int


@dataclass(frozen=True)
class WechatTradeBill:
    rows: list[ParsedWechatRow]
    summary: WechatBillSummary


def _detail_values(line: StatementLine, appid: str, mchid: str, fee_rate_bp: int) -> list[str]:
    refund = line.kind == "refund"
    return [
        format_time(line.at),
        appid,
        mchid,
        "0",  # 特约商户号: "0" for a direct merchant
        "",
        line.channel_trade_no,
        line.out_trade_no,
        line.payer,
        line.trade_type,
        "REFUND" if refund else "SUCCESS",
        "OTHERS",
        "CNY",
        yuan(0 if refund else line.amount_fen),
        yuan(0),
        (line.channel_refund_no or "") if refund else "0",
        (line.out_refund_no or "") if refund else "0",
        yuan(line.refund_fen if refund else 0),
        yuan(0),
        "ORIGINAL" if refund else "",
        line.refund_status if refund else "",
        line.description,
        line.attach,
        yuan(-fee_fen(line.refund_fen, fee_rate_bp) if refund else fee_fen(line.amount_fen, fee_rate_bp), 5),
        rate_text(fee_rate_bp),
        yuan(0 if refund else line.amount_fen),
        yuan(line.refund_fen if refund else 0),
        "",
    ]


def write_tradebill(
    lines: Iterable[StatementLine], bill_date: date, appid: str, mchid: str, fee_rate_bp: int
) -> str:
    """The ALL-type trade bill of `bill_date` (00:00-24:00 Beijing time); other lines are left out."""
    if fee_rate_bp < 0:
        raise ValueError("fee_rate_bp must not be negative")
    rows = [_detail_values(line, appid, mchid, fee_rate_bp) for line in lines_of_day(lines, bill_date)]
    parsed = [_row(values, index) for index, values in enumerate(rows, start=2)]
    summary = _summarise(parsed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=_LINE_END)
    out.write(HEADER + _LINE_END)
    writer.writerows([["`" + value for value in values] for values in rows])
    out.write(SUMMARY_HEADER + _LINE_END)
    writer.writerow(
        [
            f"`{summary.count}",
            f"`{yuan(summary.settlement_total_fen)}",
            f"`{yuan(summary.refund_fen)}",
            f"`{yuan(summary.recharge_coupon_refund_fen)}",
            f"`{yuan(summary.fee_fen, FEE_PLACES)}",
            f"`{yuan(summary.order_total_fen)}",
            f"`{yuan(summary.requested_refund_fen)}",
        ]
    )
    return out.getvalue()


def _sha1(raw: bytes) -> str:
    # SHA1 is the API's integrity check for the download, not a security boundary.
    return hashlib.sha1(raw, usedforsecurity=False).hexdigest()


def tradebill_gzip(csv_text: str) -> tuple[bytes, str]:
    """The download body for tar_type=GZIP and the `hash_value` the apply API publishes.

    The API documents hash_value as the SHA1 of the original bill ("gzip 需要解压缩"), i.e. of
    the uncompressed UTF-8 bytes, not of the .gz stream (wechatpayv3's download_bill returns the
    body and leaves checking to the caller)."""
    raw = csv_text.encode("utf-8")
    # mtime=0 keeps the archive byte-for-byte reproducible for the same bill.
    return gzip.compress(raw, mtime=0), _sha1(raw)


def tradebill_gunzip(data: bytes, sha1_hex: str) -> str:
    """Merchant side of the download: decompress and check the published SHA1."""
    try:
        raw = gzip.decompress(data)
    except (OSError, EOFError) as exc:
        raise BillFormatError("the bill download is not a gzip stream") from exc
    if _sha1(raw) != sha1_hex.lower():
        raise BillFormatError("the bill's SHA1 does not match the published hash_value")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BillFormatError("the bill is not UTF-8") from exc


def _strip(values: list[str], line_no: int) -> list[str]:
    out = []
    for value in values:
        if not value.startswith("`"):
            raise BillFormatError(f"line {line_no}: value {value!r} does not start with a backtick")
        out.append(value[1:])
    return out


def _row(values: list[str], line_no: int) -> ParsedWechatRow:
    if len(values) != len(COLUMNS):
        raise BillFormatError(f"line {line_no}: {len(values)} columns, expected {len(COLUMNS)}")

    def fen(index: int, places: int = 2) -> int:
        return parse_fen(values[index], places, f"line {line_no} {COLUMNS[index]}")

    refund_id, out_refund_no = values[14], values[15]
    return ParsedWechatRow(
        trade_time=parse_time(values[0], f"line {line_no} 交易时间"),
        appid=values[1],
        mchid=values[2],
        sub_mchid=values[3],
        device_info=values[4],
        transaction_id=values[5],
        out_trade_no=values[6],
        openid=values[7],
        trade_type=values[8],
        trade_state=values[9],
        bank_type=values[10],
        currency=values[11],
        settlement_total_fen=fen(12),
        coupon_fen=fen(13),
        # Payment rows print "0" where a refund would carry its numbers.
        refund_id=None if refund_id in ("", "0") else refund_id,
        out_refund_no=None if out_refund_no in ("", "0") else out_refund_no,
        refund_fen=fen(16),
        recharge_coupon_refund_fen=fen(17),
        refund_channel=values[18],
        refund_status=values[19],
        body=values[20],
        attach=values[21],
        fee_fen=fen(22, FEE_PLACES),
        rate=values[23],
        order_total_fen=fen(24),
        requested_refund_fen=fen(25),
        rate_note=values[26],
    )


def _summarise(rows: list[ParsedWechatRow]) -> WechatBillSummary:
    return WechatBillSummary(
        count=len(rows),
        settlement_total_fen=sum(r.settlement_total_fen for r in rows),
        refund_fen=sum(r.refund_fen for r in rows),
        recharge_coupon_refund_fen=sum(r.recharge_coupon_refund_fen for r in rows),
        fee_fen=sum(r.fee_fen for r in rows),
        order_total_fen=sum(r.order_total_fen for r in rows),
        requested_refund_fen=sum(r.requested_refund_fen for r in rows),
    )


def read_tradebill(csv_text: str) -> WechatTradeBill:
    """Parse a trade bill and check its summary row against the detail rows."""
    text = csv_text.removeprefix("\ufeff")
    try:
        records = [record for record in csv.reader(io.StringIO(text, newline="")) if record]
    except csv.Error as exc:
        raise BillFormatError(f"not CSV: {exc}") from exc
    if not records or records[0] != COLUMNS:
        raise BillFormatError("the first line is not the ALL-type trade bill header")
    try:
        split = records.index(SUMMARY_COLUMNS)
    except ValueError as exc:
        raise BillFormatError("the summary header is missing") from exc
    if len(records) != split + 2:
        raise BillFormatError("expected exactly one summary row after the summary header")
    rows = [_row(_strip(values, n), n) for n, values in enumerate(records[1:split], start=2)]
    raw = records[split + 1]
    if len(raw) != len(SUMMARY_COLUMNS):
        raise BillFormatError(f"summary row has {len(raw)} columns, expected {len(SUMMARY_COLUMNS)}")
    values = _strip(raw, split + 2)
    if not values[0].isdigit():
        raise BillFormatError(f"summary 总交易单数 is not a count: {values[0]!r}")
    summary = WechatBillSummary(
        count=int(values[0]),
        settlement_total_fen=parse_fen(values[1], what="summary 应结订单总金额"),
        refund_fen=parse_fen(values[2], what="summary 退款总金额"),
        recharge_coupon_refund_fen=parse_fen(values[3], what="summary 充值券退款总金额"),
        fee_fen=parse_fen(values[4], FEE_PLACES, "summary 手续费总金额"),
        order_total_fen=parse_fen(values[5], what="summary 订单总金额"),
        requested_refund_fen=parse_fen(values[6], what="summary 申请退款总金额"),
    )
    expected = _summarise(rows)
    if summary != expected:
        raise BillFormatError(f"summary row {summary} disagrees with the detail rows {expected}")
    return WechatTradeBill(rows=rows, summary=summary)


def parse_tradebill(csv_text: str) -> list[ParsedWechatRow]:
    return read_tradebill(csv_text).rows
