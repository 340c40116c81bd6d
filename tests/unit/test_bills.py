from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
import zipfile
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bedside.payments.bills import BillFormatError, StatementLine, fee_fen
from bedside.payments.bills.alipay_bill import (
    DETAIL_COLUMNS,
    member_names,
    parse_alipay_bill,
    read_alipay_bill,
    write_alipay_bill,
)
from bedside.payments.bills.wechat_tradebill import (
    parse_tradebill,
    read_tradebill,
    tradebill_gunzip,
    tradebill_gzip,
    write_tradebill,
)

CN = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 3, 1)
PID = "2088000000000001"
WECHAT_HEADER = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,"
    "货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,"
    "商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
)
WECHAT_SUMMARY_HEADER = (
    "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
)


def _pay(at: datetime, n: int, fen: int, **kw: object) -> StatementLine:
    args: dict = {"payer": "13800138000", "description": "住院预交金", "trade_type": "JSAPI"}
    args.update(kw)
    return StatementLine("payment", at, f"DEP-{n}", f"42000000{n:04d}", fen, **args)


def _refund(at: datetime, n: int, fen: int, refund: int) -> StatementLine:
    return StatementLine(
        "refund",
        at,
        f"DEP-{n}",
        f"42000000{n:04d}",
        fen,
        refund_fen=refund,
        out_refund_no=f"RF-{n}",
        channel_refund_no=f"50300000{n:04d}",
        payer="13800138000",
        description="出院退预交金",
    )


LINES = [
    _pay(datetime(2026, 2, 28, 23, 59, 59, tzinfo=CN), 1, 100),  # the day before
    _pay(datetime(2026, 3, 1, 0, 0, 0, tzinfo=CN), 2, 50000),
    _pay(datetime(2026, 3, 1, 9, 30, tzinfo=CN), 3, 12345, attach="ward=3A"),
    _refund(datetime(2026, 3, 1, 15, 0, tzinfo=CN), 2, 50000, 20000),
    _pay(datetime(2026, 3, 1, 23, 59, 59, tzinfo=CN), 4, 250),
    # 16:00 UTC is midnight in Beijing: the next bill day, whatever the server's zone.
    _pay(datetime(2026, 3, 1, 16, 0, 0, tzinfo=UTC), 5, 999),
    _refund(datetime(2026, 3, 2, 0, 0, 0, tzinfo=CN), 3, 12345, 12345),
]


def _csv(text: str) -> list[list[str]]:
    return [r for r in csv.reader(io.StringIO(text, newline="")) if r]


# --- WeChat -----------------------------------------------------------------------------------


def test_wechat_header_and_shape():
    text = write_tradebill(LINES, DAY, "wx2421b1c4370ec43b", "1900000109", 60)
    lines = text.splitlines()
    assert lines[0] == WECHAT_HEADER
    assert lines[-2] == WECHAT_SUMMARY_HEADER
    records = _csv(text)
    assert len(records) == 1 + 4 + 1 + 1
    for record in records[1:5] + records[-1:]:
        assert all(value.startswith("`") for value in record)
    assert all(len(record) == 27 for record in records[1:5])
    assert len(records[-1]) == 7


def test_wechat_round_trip_and_day_cut():
    rows = parse_tradebill(write_tradebill(LINES, DAY, "wx1", "1900000109", 60))
    assert [(r.kind, r.out_trade_no, r.trade_time) for r in rows] == [
        ("payment", "DEP-2", datetime(2026, 3, 1, 0, 0, 0, tzinfo=CN)),
        ("payment", "DEP-3", datetime(2026, 3, 1, 9, 30, tzinfo=CN)),
        ("refund", "DEP-2", datetime(2026, 3, 1, 15, 0, tzinfo=CN)),
        ("payment", "DEP-4", datetime(2026, 3, 1, 23, 59, 59, tzinfo=CN)),
    ]
    pay, refund = rows[1], rows[2]
    assert (pay.settlement_total_fen, pay.order_total_fen, pay.refund_fen) == (12345, 12345, 0)
    assert (pay.transaction_id, pay.openid, pay.trade_type, pay.attach) == (
        "420000000003",
        "13800138000",
        "JSAPI",
        "ward=3A",
    )
    assert pay.refund_id is None and pay.out_refund_no is None
    assert (refund.trade_state, refund.refund_channel, refund.refund_status) == (
        "REFUND",
        "ORIGINAL",
        "SUCCESS",
    )
    assert (refund.refund_fen, refund.requested_refund_fen, refund.settlement_total_fen) == (20000, 20000, 0)
    assert (refund.refund_id, refund.out_refund_no) == ("503000000002", "RF-2")
    next_day = parse_tradebill(write_tradebill(LINES, DAY + timedelta(days=1), "wx1", "1900000109", 60))
    assert [(r.kind, r.out_trade_no) for r in next_day] == [("payment", "DEP-5"), ("refund", "DEP-3")]
    before = parse_tradebill(write_tradebill(LINES, DAY - timedelta(days=1), "wx1", "1900000109", 60))
    assert [r.out_trade_no for r in before] == ["DEP-1"]


def test_wechat_fee_has_five_decimals_and_refunds_carry_a_negative_fee():
    records = _csv(write_tradebill(LINES, DAY, "wx1", "1900000109", 60))
    fees = {(r[9], r[6]): r[22] for r in records[1:-2]}
    assert fees[("`SUCCESS", "`DEP-2")] == "`3.00000"  # 500.00 x 0.60%
    assert fees[("`SUCCESS", "`DEP-3")] == "`0.74000"  # 0.74070 rounds to the fen
    assert fees[("`SUCCESS", "`DEP-4")] == "`0.02000"  # 0.015 rounds half up
    assert fees[("`REFUND", "`DEP-2")] == "`-1.20000"
    assert records[1][23] == "`0.60%"
    assert records[-1][4] == "`2.56000"


def test_wechat_empty_day_still_has_a_summary():
    text = write_tradebill([], DAY, "wx1", "1900000109", 60)
    assert text.splitlines()[1:] == [WECHAT_SUMMARY_HEADER, "`0,`0.00,`0.00,`0.00,`0.00000,`0.00,`0.00"]
    assert read_tradebill(text).rows == []


def test_wechat_description_with_comma_survives():
    line = _pay(datetime(2026, 3, 1, 12, tzinfo=CN), 7, 100, description="押金, 3A病区")
    assert parse_tradebill(write_tradebill([line], DAY, "wx1", "1", 60))[0].body == "押金, 3A病区"


def test_tradebill_sha1_covers_the_uncompressed_bill():
    text = write_tradebill(LINES, DAY, "wx1", "1900000109", 60)
    gz, sha1 = tradebill_gzip(text)
    raw = text.encode("utf-8")
    assert gzip.decompress(gz) == raw
    assert sha1 == hashlib.sha1(raw, usedforsecurity=False).hexdigest()
    assert sha1 != hashlib.sha1(gz, usedforsecurity=False).hexdigest()
    assert tradebill_gzip(text) == (gz, sha1)  # reproducible
    assert tradebill_gunzip(gz, sha1.upper()) == text
    with pytest.raises(BillFormatError):
        tradebill_gunzip(gz, hashlib.sha1(gz, usedforsecurity=False).hexdigest())
    with pytest.raises(BillFormatError):
        tradebill_gunzip(raw, sha1)


def _wechat_text() -> str:
    return write_tradebill(LINES, DAY, "wx1", "1900000109", 60)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: "",
        lambda t: t.replace("交易时间,", "交易日期,", 1),
        lambda t: t.replace("`DEP-3", "DEP-3", 1),
        lambda t: t.replace("`123.45", "`123.456", 1),
        lambda t: t.replace("`123.45", "`12x.45", 1),
        lambda t: t.replace("`2026-03-01 09:30:00", "`2026-03-01T09:30:00", 1),
        lambda t: t.replace(",`ward=3A", "", 1),
        lambda t: t.replace(WECHAT_SUMMARY_HEADER, "", 1),
        lambda t: t.replace("`4,", "`5,", 1),
        lambda t: t.replace("`2.56000", "`2.57000", 1),
        lambda t: t + "`1,`0.00,`0.00,`0.00,`0.00000,`0.00,`0.00\r\n",
        lambda t: t.replace("`0.74000", "`0.74010", 1),
    ],
)
def test_wechat_malformed_files_raise(mangle):
    text = mangle(_wechat_text())
    with pytest.raises(BillFormatError):
        parse_tradebill(text)


def test_wechat_parser_accepts_bom_and_bare_newlines():
    text = "\ufeff" + _wechat_text().replace("\r\n", "\n")
    assert len(parse_tradebill(text)) == 4


# --- Alipay -----------------------------------------------------------------------------------


def _members(zip_bytes: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(zip_bytes), metadata_encoding="gbk") as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _rezip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:  # zipfile's default: UTF-8 flagged names
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _alipay(**kw: object) -> bytes:
    return write_alipay_bill(LINES, DAY, PID, 60, **kw)  # type: ignore[arg-type]


def test_alipay_archive_names_are_gbk_like_alipays():
    data = _alipay()
    detail, summary = member_names(PID, DAY)
    assert detail == "20880000000000010156_20260301_业务明细.csv"
    assert summary == "20880000000000010156_20260301_业务明细(汇总).csv"
    assert list(_members(data)) == [detail, summary]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        assert all(not info.flag_bits & 0x800 for info in infos)
        assert infos[0].filename.encode("cp437") == detail.encode("gbk")


def test_alipay_files_are_gbk_not_utf8():
    for raw in _members(_alipay()).values():
        raw.decode("gbk")
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")


def test_alipay_detail_layout():
    text = _members(_alipay())[member_names(PID, DAY)[0]].decode("gbk")
    lines = text.split("\r\n")
    assert lines[0] == "#支付宝业务明细查询"
    assert lines[1] == "#账号：[20880000000000010156]"
    assert lines[2] == "#起始日期：[2026年03月01日 00:00:00]   终止日期：[2026年03月02日 00:00:00]"
    assert re.fullmatch(r"#-{41}业务明细列表-{40}", lines[3])
    assert lines[4].split(",") == DETAIL_COLUMNS and len(DETAIL_COLUMNS) == 25
    rows = _csv("\r\n".join(lines[5:9]))
    refund = next(r for r in rows if r[2] == "退款\t")
    assert refund[0] == "420000000002\t" and refund[1] == "DEP-2\t" and refund[21] == "RF-2\t"
    assert (refund[11], refund[12], refund[22]) == ("-200.00", "-200.00", "1.20")
    payment = next(r for r in rows if r[1] == "DEP-3\t")
    assert (payment[11], payment[22], payment[10]) == ("123.45", "-0.74", "138******00\t")
    assert lines[9] == "#" + "-" * 41 + "业务明细列表结束" + "-" * 36
    assert lines[12] == "#导出时间：[2026年03月02日 05:30:00]"


def test_alipay_round_trip_and_day_cut():
    rows = parse_alipay_bill(_alipay())
    assert [(r.kind, r.out_trade_no, r.finished_at) for r in rows] == [
        ("payment", "DEP-2", datetime(2026, 3, 1, 0, 0, 0, tzinfo=CN)),
        ("payment", "DEP-3", datetime(2026, 3, 1, 9, 30, tzinfo=CN)),
        ("refund", "DEP-2", datetime(2026, 3, 1, 15, 0, tzinfo=CN)),
        ("payment", "DEP-4", datetime(2026, 3, 1, 23, 59, 59, tzinfo=CN)),
    ]
    refund = rows[2]
    assert (refund.channel_trade_no, refund.out_refund_no) == ("420000000002", "RF-2")
    assert (refund.order_amount_fen, refund.received_fen, refund.fee_fen) == (-20000, -20000, 120)
    assert rows[1].remark == "ward=3A" and rows[1].subject == "住院预交金"
    next_day = parse_alipay_bill(write_alipay_bill(LINES, DAY + timedelta(days=1), PID, 60))
    assert [(r.kind, r.out_trade_no) for r in next_day] == [("payment", "DEP-5"), ("refund", "DEP-3")]


def test_alipay_totals_lines_agree_with_rows():
    data = _alipay()
    text = _members(data)[member_names(PID, DAY)[0]].decode("gbk")
    rows = parse_alipay_bill(data)
    trade = re.search(r"^#交易合计：(\d+)笔，商家实收共([-\d.]+)元，商家优惠共0\.00元\r?$", text, re.M)
    refund = re.search(
        r"^#退款合计：(\d+)笔，商家实收退款共([-\d.]+)元，商家优惠退款共0\.00元\r?$", text, re.M
    )
    assert trade and refund
    assert trade.groups() == ("3", "625.95")
    assert refund.groups() == ("1", "-200.00")
    assert sum(r.received_fen for r in rows if r.kind == "payment") == 62595
    summary = _members(data)[member_names(PID, DAY)[1]].decode("gbk").split("\r\n")
    assert summary[0] == "#支付宝业务汇总查询"
    assert summary[5] == "合计,,3,1,425.95,425.95,0.00,0.00,0.00,-2.56,0.00,423.39"
    totals = read_alipay_bill(data).totals
    assert totals.fee_fen == sum(r.fee_fen for r in rows) == -256


def test_alipay_parser_accepts_utf8_flagged_names():
    assert len(parse_alipay_bill(_rezip(_members(_alipay())))) == 4


def _mangled(detail_change=None, summary_change=None, encoding: str = "gbk") -> bytes:
    members = _members(_alipay())
    detail_name, summary_name = member_names(PID, DAY)
    detail = members[detail_name].decode("gbk")
    summary = members[summary_name].decode("gbk")
    if detail_change:
        detail = detail_change(detail)
    if summary_change:
        summary = summary_change(summary)
    return _rezip({detail_name: detail.encode(encoding), summary_name: summary.encode(encoding)})


@pytest.mark.parametrize(
    "data",
    [
        lambda: b"not a zip",
        lambda: _rezip({"x.csv": b"a,b"}),
        lambda: _rezip({member_names(PID, DAY)[0]: _members(_alipay())[member_names(PID, DAY)[0]]}),
        lambda: _mangled(encoding="utf-8"),
        lambda: _mangled(lambda t: t.replace("#支付宝业务明细查询", "#业务明细", 1)),
        lambda: _mangled(lambda t: t.replace("订单金额（元）", "订单金额(元)", 1)),
        lambda: _mangled(lambda t: t.replace("123.45,123.45", "123.45,123.456", 1)),
        lambda: _mangled(lambda t: t.replace("退款\t", "冻结\t", 1)),
        lambda: _mangled(lambda t: t.replace("#交易合计：3笔", "#交易合计：4笔", 1)),
        lambda: _mangled(lambda t: t.replace("商家实收退款共-200.00元", "商家实收退款共-100.00元", 1)),
        lambda: _mangled(lambda t: re.sub(r"#退款合计：.*\r\n", "", t)),
        lambda: _mangled(lambda t: re.sub(r"#-+业务明细列表结束-+", "", t)),
        lambda: _mangled(lambda t: t.replace(",138******00\t", "", 1)),
        lambda: _mangled(lambda t: t.replace("2026-03-01 09:30:00", "2026-03-01 9:30", 1)),
        lambda: _mangled(summary_change=lambda t: t.replace("-2.56", "-2.55", 1)),
        lambda: _mangled(summary_change=lambda t: t.replace("20880000000000010156", "20880000000000020156")),
    ],
)
def test_alipay_malformed_files_raise(data):
    with pytest.raises(BillFormatError):
        parse_alipay_bill(data())


def test_alipay_pid_must_look_like_one():
    with pytest.raises(ValueError):
        write_alipay_bill(LINES, DAY, "not-a-pid", 60)


# --- shared -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount, bp, fee", [(0, 60, 0), (1, 60, 0), (84, 60, 1), (83, 60, 0), (10000, 38, 38)]
)
def test_fee_rounds_half_up_to_the_fen(amount, bp, fee):
    assert fee_fen(amount, bp) == fee


def test_statement_line_validation():
    at = datetime(2026, 3, 1, 12, tzinfo=CN)
    with pytest.raises(ValueError):
        StatementLine("payment", datetime(2026, 3, 1, 12), "a", "b", 100)  # noqa: DTZ001 - the point
    with pytest.raises(ValueError):
        StatementLine("refund", at, "a", "b", 100, refund_fen=101, out_refund_no="r")
    with pytest.raises(TypeError):
        StatementLine("payment", at, "a", "b", 1.5)  # type: ignore[arg-type]


_moments = st.integers(min_value=0, max_value=86_399).map(
    lambda s: datetime(2026, 3, 1, tzinfo=CN) + timedelta(seconds=s)
)


@st.composite
def _lines(draw: st.DrawFn) -> list[StatementLine]:
    out = []
    for n in range(draw(st.integers(min_value=0, max_value=12))):
        amount = draw(st.integers(min_value=1, max_value=99_999_999))
        if draw(st.booleans()):
            out.append(_pay(draw(_moments), n, amount))
        else:
            out.append(_refund(draw(_moments), n, amount, draw(st.integers(min_value=1, max_value=amount))))
    return out


@settings(max_examples=60, deadline=None)
@given(lines=_lines(), bp=st.integers(min_value=0, max_value=1000))
def test_property_summary_totals_equal_the_rows(lines, bp):
    payments = [line for line in lines if line.kind == "payment"]
    refunds = [line for line in lines if line.kind == "refund"]
    wechat = read_tradebill(write_tradebill(lines, DAY, "wx1", "1900000109", bp))
    summary = wechat.summary
    assert summary.count == len(wechat.rows) == len(lines)
    assert summary.settlement_total_fen == sum(r.settlement_total_fen for r in wechat.rows)
    assert summary.settlement_total_fen == sum(line.amount_fen for line in payments)
    assert (
        summary.refund_fen
        == sum(r.refund_fen for r in wechat.rows)
        == sum(line.refund_fen for line in refunds)
    )
    assert summary.fee_fen == sum(r.fee_fen for r in wechat.rows)
    assert summary.fee_fen == sum(fee_fen(p.amount_fen, bp) for p in payments) - sum(
        fee_fen(r.refund_fen, bp) for r in refunds
    )

    alipay = read_alipay_bill(write_alipay_bill(lines, DAY, PID, bp))
    totals = alipay.totals
    assert totals.trade_count == len(payments) and totals.refund_count == len(refunds)
    assert totals.trade_received_fen == sum(line.amount_fen for line in payments)
    assert totals.refund_received_fen == -sum(line.refund_fen for line in refunds)
    assert totals.received_fen == sum(r.received_fen for r in alipay.rows)
    assert totals.fee_fen == sum(r.fee_fen for r in alipay.rows) == -summary.fee_fen
    assert totals.net_fen == totals.received_fen + totals.fee_fen
