"""Alipay daily trade bill: the zip behind `alipay.data.dataservice.bill.downloadurl.query`.

Two GBK-encoded CSV files, `{account}_{yyyymmdd}_业务明细.csv` and `..._业务明细(汇总).csv`, each
framed by `#` comment lines. ID-like fields carry a trailing tab (so spreadsheets keep them as
text); a refund is its own row with 业务类型 退款 and negative amounts; the service fee is
negative on payments (charged) and positive on refunds (given back)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bedside.payments.bills import (
    CN,
    BillFormatError,
    StatementLine,
    day_bounds,
    fee_fen,
    format_time,
    lines_of_day,
    parse_fen,
    parse_time,
    yuan,
)

DETAIL_TITLE = "#支付宝业务明细查询"
SUMMARY_TITLE = "#支付宝业务汇总查询"
# The dash counts are Alipay's own (and differ between the lines); parsers match on them.
DETAIL_START = "#" + "-" * 41 + "业务明细列表" + "-" * 40
DETAIL_END = "#" + "-" * 41 + "业务明细列表结束" + "-" * 36
SUMMARY_START = "#" + "-" * 41 + "业务汇总列表" + "-" * 40
SUMMARY_END = "#" + "-" * 40 + "业务汇总列表结束" + "-" * 37
DETAIL_COLUMNS = (
    "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,"
    "订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,"
    "券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注"
).split(",")
SUMMARY_COLUMNS = (
    "门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）,商家实收（元）,支付宝优惠（元）,"
    "商家优惠（元）,卡消费金额（元）,服务费（元）,分润（元）,实收净额（元）"
).split(",")
# Columns Alipay writes with a trailing tab, as seen in downloaded files.
_TABBED = frozenset({0, 1, 2, 6, 7, 8, 9, 10, 19, 21})
_LINE_END = "\r\n"
_TRADE_TOTAL = re.compile(r"^#交易合计：(\d+)笔，商家实收共(-?[\d.]+)元，商家优惠共(-?[\d.]+)元$")
_REFUND_TOTAL = re.compile(r"^#退款合计：(\d+)笔，商家实收退款共(-?[\d.]+)元，商家优惠退款共(-?[\d.]+)元$")
_ACCOUNT = re.compile(r"^#账号：\[(\d+)\]$")
_RANGE = re.compile(r"^#起始日期：\[(.+)\]\s+终止日期：\[(.+)\]$")
_EXPORTED = re.compile(r"^#导出时间：\[(.+)\]$")
_CN_TIME = "%Y年%m月%d日 %H:%M:%S"


@dataclass(frozen=True)
class ParsedAlipayRow:
    """One detail row; amounts are signed as printed (refund rows negative, fees on payments negative)."""

    channel_trade_no: str
    out_trade_no: str
    kind: str  # "payment" (交易) or "refund" (退款)
    subject: str
    created_at: datetime
    finished_at: datetime
    store_id: str
    store_name: str
    operator: str
    terminal: str
    counterparty: str
    order_amount_fen: int
    received_fen: int
    red_packet_fen: int
    jifenbao_fen: int
    alipay_discount_fen: int
    merchant_discount_fen: int
    coupon_fen: int
    coupon_name: str
    merchant_red_packet_fen: int
    card_fen: int
    out_refund_no: str | None
    fee_fen: int
    profit_share_fen: int
    remark: str


@dataclass(frozen=True)
class AlipayBillTotals:
    trade_count: int
    trade_received_fen: int
    trade_merchant_discount_fen: int
    refund_count: int
    refund_received_fen: int  # negative, as printed
    refund_merchant_discount_fen: int
    # From the 合计 row of the summary file.
    order_amount_fen: int
    received_fen: int
    alipay_discount_fen: int
    merchant_discount_fen: int
    card_fen: int
    fee_fen: int
    profit_share_fen: int
    net_fen: int


@dataclass(frozen=True)
class AlipayBill:
    account: str
    start: datetime
    end: datetime
    exported_at: datetime
    rows: list[ParsedAlipayRow]
    totals: AlipayBillTotals


def bill_account(pid: str) -> str:
    """The account number Alipay prints in the bill and its file names: a 16-digit `2088` PID
    followed by the account-type suffix `0156`; a 20-digit number is taken as already complete."""
    if re.fullmatch(r"2088\d{12}", pid):
        return pid + "0156"
    if re.fullmatch(r"\d{20}", pid):
        return pid
    raise ValueError(f"not an Alipay PID: {pid!r}")


def mask_counterparty(account: str) -> str:
    """Bills show the buyer account masked: `156******89`, `602***@qq.com`."""
    if not account or "*" in account:
        return account
    if "@" in account:
        local, domain = account.split("@", 1)
        return f"{local[:3]}***@{domain}"
    if len(account) >= 7:
        return f"{account[:3]}{'*' * (len(account) - 5)}{account[-2:]}"
    return f"{account[:1]}***"


def member_names(pid: str, bill_date: date) -> tuple[str, str]:
    stem = f"{bill_account(pid)}_{bill_date:%Y%m%d}_业务明细"
    return f"{stem}.csv", f"{stem}(汇总).csv"


def _cn_time(moment: datetime) -> str:
    return moment.astimezone(CN).strftime(_CN_TIME)


def _detail_values(line: StatementLine, fee_rate_bp: int) -> list[str]:
    refund = line.kind == "refund"
    amount = -line.refund_fen if refund else line.amount_fen
    fee = fee_fen(line.refund_fen, fee_rate_bp) if refund else -fee_fen(line.amount_fen, fee_rate_bp)
    values = [
        line.channel_trade_no,
        line.out_trade_no,
        "退款" if refund else "交易",
        line.description,
        # The bill's 创建时间 is the trade's creation; StatementLine only knows the event time.
        format_time(line.at),
        format_time(line.at),
        "",
        "",
        "",
        "",
        mask_counterparty(line.payer),
        yuan(amount),
        yuan(amount),
        yuan(0),
        yuan(0),
        yuan(0),
        yuan(0),
        yuan(0),
        "",
        yuan(0),
        yuan(0),
        (line.out_refund_no or "") if refund else "",
        yuan(fee),
        yuan(0),
        line.attach,
    ]
    return [value + "\t" if index in _TABBED else value for index, value in enumerate(values)]


def _csv_lines(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator=_LINE_END).writerows(rows)
    return out.getvalue()


class _GbkName(zipfile.ZipInfo):
    """Alipay's archives store member names in GBK without the UTF-8 flag; zipfile would write
    UTF-8 with the flag, so the name encoding is overridden (readers pass metadata_encoding)."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def write_alipay_bill(
    lines: Iterable[StatementLine],
    bill_date: date,
    pid: str,
    fee_rate_bp: int,
    exported_at: datetime | None = None,
) -> bytes:
    """The zip Alipay serves for `bill_date` (00:00-24:00 Beijing time); other lines are left out."""
    if fee_rate_bp < 0:
        raise ValueError("fee_rate_bp must not be negative")
    start, end = day_bounds(bill_date)
    # Alipay generates bills early the next morning; a fixed default keeps the output reproducible.
    exported = exported_at or (end + timedelta(hours=5, minutes=30))
    if exported.tzinfo is None:
        raise ValueError("exported_at must be aware")
    account = bill_account(pid)
    day = lines_of_day(lines, bill_date)
    detail_rows = [_detail_values(line, fee_rate_bp) for line in day]
    parsed = [_row(values, n) for n, values in enumerate(detail_rows, start=6)]
    totals = _totals(parsed)
    head = [
        "#账号：[" + account + "]",
        f"#起始日期：[{_cn_time(start)}]   终止日期：[{_cn_time(end)}]",
    ]
    detail = (
        _LINE_END.join([DETAIL_TITLE, *head, DETAIL_START, ",".join(DETAIL_COLUMNS)])
        + _LINE_END
        + _csv_lines(detail_rows)
        + _LINE_END.join(
            [
                DETAIL_END,
                f"#交易合计：{totals.trade_count}笔，商家实收共{yuan(totals.trade_received_fen)}元，"
                f"商家优惠共{yuan(totals.trade_merchant_discount_fen)}元",
                f"#退款合计：{totals.refund_count}笔，商家实收退款共{yuan(totals.refund_received_fen)}元，"
                f"商家优惠退款共{yuan(totals.refund_merchant_discount_fen)}元",
                f"#导出时间：[{_cn_time(exported)}]",
            ]
        )
        + _LINE_END
    )
    total_row = [
        "合计",
        "",
        str(totals.trade_count),
        str(totals.refund_count),
        *(
            yuan(v)
            for v in (
                totals.order_amount_fen,
                totals.received_fen,
                totals.alipay_discount_fen,
                totals.merchant_discount_fen,
                totals.card_fen,
                totals.fee_fen,
                totals.profit_share_fen,
                totals.net_fen,
            )
        ),
    ]
    summary = (
        _LINE_END.join([SUMMARY_TITLE, *head, SUMMARY_START, ",".join(SUMMARY_COLUMNS)])
        + _LINE_END
        + _csv_lines([total_row])
        + _LINE_END.join([SUMMARY_END, f"#导出时间：[{_cn_time(exported)}]"])
        + _LINE_END
    )
    detail_name, summary_name = member_names(pid, bill_date)
    stamp = exported.astimezone(CN).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in ((detail_name, detail), (summary_name, summary)):
            info = _GbkName(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            # Characters GBK lacks (emoji in a subject) become "?", as in a GBK export.
            archive.writestr(info, text.encode("gbk", errors="replace"))
    return buffer.getvalue()


def _row(raw: list[str], line_no: int) -> ParsedAlipayRow:
    if len(raw) != len(DETAIL_COLUMNS):
        raise BillFormatError(f"detail line {line_no}: {len(raw)} columns, expected {len(DETAIL_COLUMNS)}")
    values = [value.rstrip("\t") for value in raw]

    def fen(index: int) -> int:
        return parse_fen(values[index], what=f"detail line {line_no} {DETAIL_COLUMNS[index]}")

    kinds = {"交易": "payment", "退款": "refund"}
    if values[2] not in kinds:
        raise BillFormatError(f"detail line {line_no}: unknown 业务类型 {values[2]!r}")
    return ParsedAlipayRow(
        channel_trade_no=values[0],
        out_trade_no=values[1],
        kind=kinds[values[2]],
        subject=values[3],
        created_at=parse_time(values[4], f"detail line {line_no} 创建时间"),
        finished_at=parse_time(values[5], f"detail line {line_no} 完成时间"),
        store_id=values[6],
        store_name=values[7],
        operator=values[8],
        terminal=values[9],
        counterparty=values[10],
        order_amount_fen=fen(11),
        received_fen=fen(12),
        red_packet_fen=fen(13),
        jifenbao_fen=fen(14),
        alipay_discount_fen=fen(15),
        merchant_discount_fen=fen(16),
        coupon_fen=fen(17),
        coupon_name=values[18],
        merchant_red_packet_fen=fen(19),
        card_fen=fen(20),
        out_refund_no=values[21] or None,
        fee_fen=fen(22),
        profit_share_fen=fen(23),
        remark=values[24],
    )


def _totals(rows: list[ParsedAlipayRow]) -> AlipayBillTotals:
    trades = [r for r in rows if r.kind == "payment"]
    refunds = [r for r in rows if r.kind == "refund"]
    received = sum(r.received_fen for r in rows)
    fee = sum(r.fee_fen for r in rows)
    profit = sum(r.profit_share_fen for r in rows)
    return AlipayBillTotals(
        trade_count=len(trades),
        trade_received_fen=sum(r.received_fen for r in trades),
        trade_merchant_discount_fen=sum(r.merchant_discount_fen for r in trades),
        refund_count=len(refunds),
        refund_received_fen=sum(r.received_fen for r in refunds),
        refund_merchant_discount_fen=sum(r.merchant_discount_fen for r in refunds),
        order_amount_fen=sum(r.order_amount_fen for r in rows),
        received_fen=received,
        alipay_discount_fen=sum(r.alipay_discount_fen for r in rows),
        merchant_discount_fen=sum(r.merchant_discount_fen for r in rows),
        card_fen=sum(r.card_fen for r in rows),
        fee_fen=fee,
        profit_share_fen=profit,
        net_fen=received + fee + profit,
    )


def _members(zip_bytes: bytes) -> tuple[str, str]:
    try:
        # Names without the UTF-8 flag are GBK in Alipay's archives; flagged names stay UTF-8.
        with zipfile.ZipFile(io.BytesIO(zip_bytes), metadata_encoding="gbk") as archive:
            detail = [n for n in archive.namelist() if n.endswith("_业务明细.csv")]
            summary = [n for n in archive.namelist() if n.endswith("_业务明细(汇总).csv")]
            if len(detail) != 1 or len(summary) != 1:
                raise BillFormatError(f"expected one detail and one summary file, found {archive.namelist()}")
            raw = archive.read(detail[0]), archive.read(summary[0])
    except (zipfile.BadZipFile, zipfile.LargeZipFile, UnicodeDecodeError) as exc:
        raise BillFormatError(f"not an Alipay bill archive: {exc}") from exc
    try:
        return raw[0].decode("gbk"), raw[1].decode("gbk")
    except UnicodeDecodeError as exc:
        raise BillFormatError("the bill files are not GBK") from exc


def _header(lines: list[str], title: str, start_marker: str) -> tuple[str, datetime, datetime]:
    if len(lines) < 5 or lines[0] != title or lines[3] != start_marker:
        raise BillFormatError(f"{title[1:]}: the comment header is not Alipay's")
    account, span = _ACCOUNT.match(lines[1]), _RANGE.match(lines[2])
    if account is None or span is None:
        raise BillFormatError(f"{title[1:]}: account or date range line malformed")
    return account.group(1), _parse_cn_time(span.group(1)), _parse_cn_time(span.group(2))


def _parse_cn_time(text: str) -> datetime:
    try:
        return datetime.strptime(text, _CN_TIME).replace(tzinfo=CN)
    except ValueError as exc:
        raise BillFormatError(f"not a bill time: {text!r}") from exc


def _records(lines: list[str]) -> list[list[str]]:
    try:
        return [r for r in csv.reader(io.StringIO(_LINE_END.join(lines), newline="")) if r]
    except csv.Error as exc:
        raise BillFormatError(f"not CSV: {exc}") from exc


def _trailer_match(lines: list[str], pattern: re.Pattern[str], what: str) -> re.Match[str]:
    for line in lines:
        if (match := pattern.match(line)) is not None:
            return match
    raise BillFormatError(f"the {what} line is missing")


def read_alipay_bill(zip_bytes: bytes) -> AlipayBill:
    """Parse the archive and check the `#` totals lines and the summary file against the rows."""
    detail_text, summary_text = _members(zip_bytes)
    lines = detail_text.splitlines()
    account, start, end = _header(lines, DETAIL_TITLE, DETAIL_START)
    if lines[4].split(",") != DETAIL_COLUMNS:
        raise BillFormatError("the detail header is not Alipay's 25-column header")
    try:
        stop = lines.index(DETAIL_END)
    except ValueError as exc:
        raise BillFormatError("the end-of-detail line is missing") from exc
    rows = [_row(raw, n) for n, raw in enumerate(_records(lines[5:stop]), start=6)]
    totals = _totals(rows)
    trailer = lines[stop + 1 :]
    trade = _trailer_match(trailer, _TRADE_TOTAL, "交易合计")
    refund = _trailer_match(trailer, _REFUND_TOTAL, "退款合计")
    exported = _parse_cn_time(_trailer_match(trailer, _EXPORTED, "导出时间").group(1))
    printed = (
        int(trade.group(1)),
        parse_fen(trade.group(2), what="交易合计"),
        parse_fen(trade.group(3), what="交易合计"),
        int(refund.group(1)),
        parse_fen(refund.group(2), what="退款合计"),
        parse_fen(refund.group(3), what="退款合计"),
    )
    computed = (
        totals.trade_count,
        totals.trade_received_fen,
        totals.trade_merchant_discount_fen,
        totals.refund_count,
        totals.refund_received_fen,
        totals.refund_merchant_discount_fen,
    )
    if printed != computed:
        raise BillFormatError(f"totals lines {printed} disagree with the rows {computed}")
    _check_summary(summary_text, account, totals)
    return AlipayBill(account=account, start=start, end=end, exported_at=exported, rows=rows, totals=totals)


def _check_summary(text: str, account: str, totals: AlipayBillTotals) -> None:
    lines = text.splitlines()
    summary_account, _, _ = _header(lines, SUMMARY_TITLE, SUMMARY_START)
    if summary_account != account:
        raise BillFormatError("the summary file belongs to another account")
    if lines[4].split(",") != SUMMARY_COLUMNS:
        raise BillFormatError("the summary header is not Alipay's")
    try:
        stop = lines.index(SUMMARY_END)
    except ValueError as exc:
        raise BillFormatError("the end-of-summary line is missing") from exc
    total_rows = [r for r in _records(lines[5:stop]) if r and r[0].rstrip("\t") == "合计"]
    if len(total_rows) != 1 or len(total_rows[0]) != len(SUMMARY_COLUMNS):
        raise BillFormatError("the summary needs exactly one 合计 row of 12 columns")
    values = [v.rstrip("\t") for v in total_rows[0]]
    if not (values[2].isdigit() and values[3].isdigit()):
        raise BillFormatError("summary counts are not numbers")
    printed = (int(values[2]), int(values[3]), *(parse_fen(v, what="summary 合计") for v in values[4:]))
    computed = (
        totals.trade_count,
        totals.refund_count,
        totals.order_amount_fen,
        totals.received_fen,
        totals.alipay_discount_fen,
        totals.merchant_discount_fen,
        totals.card_fen,
        totals.fee_fen,
        totals.profit_share_fen,
        totals.net_fen,
    )
    if printed != computed:
        raise BillFormatError(f"summary 合计 {printed} disagrees with the detail rows {computed}")


def parse_alipay_bill(zip_bytes: bytes) -> list[ParsedAlipayRow]:
    return read_alipay_bill(zip_bytes).rows
