"""Statement formats as the channels deliver them: a WeChat ALL and REFUND trade bill (gzip,
backticks, by header name, SHA1), an Alipay GBK zip with its comment lines, a truncated or
malformed file refused naming the line."""

from __future__ import annotations

import gzip
import hashlib
from datetime import date, datetime

import pytest

from bedside.payments.bills import CN, StatementLine
from bedside.payments.bills.alipay_bill import write_alipay_bill
from bedside.payments.bills.wechat_tradebill import tradebill_gzip, write_tradebill
from bedside.reconciliation.imports import StatementRefused, alipay, wechat

DAY = date(2026, 12, 6)


def _lines() -> list[StatementLine]:
    at = datetime(2026, 12, 6, 9, 30, tzinfo=CN)
    return [
        StatementLine("payment", at, "BS0001", "4200000001", 300000, payer="oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"),
        StatementLine("payment", at.replace(hour=10), "BS0002", "4200000002", 12345, payer="13612345678"),
        StatementLine(
            "refund", at.replace(hour=11), "BS0001", "4200000001", 300000, refund_fen=100000,
            out_refund_no="RF0001", channel_refund_no="5000000001",
        ),
    ]  # fmt: skip


def test_wechat_all_bill_from_the_channels_writer():
    text = write_tradebill(_lines(), DAY, "wx8888888888888888", "1900000109", 60)
    gz, sha1 = tradebill_gzip(text)
    st = wechat.read(wechat.gunzip_checked(gz, sha1))
    rows = st.rows.select("kind", "key", "channel_trade_no", "amount_fen", "fee_fen", "status").rows()
    assert rows == [
        ("payment", "BS0001", "4200000001", 300000, 1800, "SUCCESS"),
        ("payment", "BS0002", "4200000002", 12345, 74, "SUCCESS"),
        ("refund", "RF0001", "4200000001", 100000, 600, "REFUND"),
    ]
    assert st.rows["at"][0] == datetime(2026, 12, 6, 9, 30, tzinfo=CN)  # read as Beijing time, kept in UTC


def test_wechat_sha1_is_checked():
    gz, sha1 = tradebill_gzip(write_tradebill(_lines(), DAY, "wx1", "1900000109", 60))
    with pytest.raises(StatementRefused) as wrong:
        wechat.gunzip_checked(gz, "0" * 40)
    assert "SHA1" in wrong.value.reason
    with pytest.raises(StatementRefused) as cut:
        wechat.gunzip_checked(gz[:-10], sha1)
    assert "gzip" in cut.value.reason


REFUND_HEADER = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,"
    "应结订单金额,代金券金额,退款申请时间,退款成功时间,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,"
    "退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
)


def _refund_bill(rows: list[list[str]], summary: list[str]) -> bytes:
    def tick(values: list[str]) -> str:
        return ",".join("`" + v for v in values)

    out = [REFUND_HEADER, *(tick(r) for r in rows)]
    out += [
        "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额",
        tick(summary),
    ]
    return ("\r\n".join(out) + "\r\n").encode("utf-8")


def _refund_row(no: str, order: str, refund: str, fee: str) -> list[str]:
    return [
        "2026-12-06 11:00:00", "wx1", "1900000109", "0", "", "42" + no, "BS" + no, "o1", "NATIVE", "REFUND",
        "OTHERS", "CNY", order, "0.00", "2026-12-06 11:00:00", "2026-12-06 11:00:05", "50" + no, "RF" + no,
        refund, "0.00", "ORIGINAL", "SUCCESS", "住院预交金", "", fee, "0.60%", order, refund, "",
    ]  # fmt: skip


def test_wechat_refund_bill_is_read_by_header_name():
    raw = _refund_bill(
        [
            _refund_row("01", "3000.00", "1000.00", "-6.00000"),
            _refund_row("02", "20.00", "20.00", "-0.12000"),
        ],
        ["2", "3020.00", "1020.00", "0.00", "-6.12000", "3020.00", "1020.00"],
    )
    rows = wechat.read(raw).rows
    assert rows.select("kind", "key", "out_trade_no", "amount_fen", "fee_fen").rows() == [
        ("refund", "RF01", "BS01", 100000, 600),
        ("refund", "RF02", "BS02", 2000, 12),
    ]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda b: b[: b.index("总交易单数".encode())], "summary header is missing"),
        (lambda b: b.replace(b"`1000.00", b"`1000.0x", 1), "line 2: 退款金额"),
        (lambda b: b.replace(b"`-0.12000", b"-0.12000"), "line 3: a value does not start with a backtick"),
        (lambda b: b.replace(b"`2,`3020.00", b"`3,`3020.00"), "line 5: the summary"),
        (lambda b: b.replace("商户退款单号".encode(), b"X"), "line 1: the header lacks"),
        (
            lambda b: b.replace(b"2026-12-06 11:00:00,`wx1", b"2026-13-06 11:00:00,`wx1", 1),
            "line 2: 交易时间",
        ),
    ],
    ids=["truncated", "amount", "backtick", "summary", "header", "time"],
)
def test_wechat_malformed_bills_are_refused_naming_the_line(mutate, message):
    raw = _refund_bill(
        [
            _refund_row("01", "3000.00", "1000.00", "-6.00000"),
            _refund_row("02", "20.00", "20.00", "-0.12000"),
        ],
        ["2", "3020.00", "1020.00", "0.00", "-6.12000", "3020.00", "1020.00"],
    )
    wechat.read(raw)  # the untouched bill is fine
    with pytest.raises(StatementRefused) as exc:
        wechat.read(mutate(raw))
    assert message in exc.value.reason


def test_alipay_gbk_zip_with_comment_lines_and_masked_accounts():
    data = write_alipay_bill(_lines(), DAY, "2088101122136241", 60)
    st = alipay.read(data)
    assert st.rows.select("kind", "key", "channel_trade_no", "amount_fen", "fee_fen").rows() == [
        ("payment", "BS0001", "4200000001", 300000, 1800),
        ("payment", "BS0002", "4200000002", 12345, 74),
        ("refund", "RF0001", "4200000001", 100000, 600),
    ]
    assert st.sha256 == hashlib.sha256(data).hexdigest()


def test_alipay_truncated_zip_is_refused():
    data = write_alipay_bill(_lines(), DAY, "2088101122136241", 60)
    with pytest.raises(StatementRefused):
        alipay.read(data[: len(data) // 2])


def test_not_utf8_is_refused():
    with pytest.raises(StatementRefused) as exc:
        wechat.read(gzip.decompress(gzip.compress("交易时间".encode("gbk"))))
    assert "UTF-8" in exc.value.reason
