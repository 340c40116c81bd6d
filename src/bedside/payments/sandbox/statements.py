"""The sandbox channels' daily statement files, in each channel's real bill format, written
from the sandbox's own books (what the channel knows, not what Bedside recorded) so that the
reconciliation work can compare the two."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.payments.bills import StatementLine, day_bounds
from bedside.payments.bills.alipay_bill import member_names, write_alipay_bill
from bedside.payments.bills.wechat_tradebill import tradebill_gzip, write_tradebill
from bedside.payments.sandbox import wire_alipay, wire_wechat
from bedside.payments.sandbox.models import SandboxRefund, SandboxTrade

# Fee rates the sandbox charges (hospitals negotiate ~0.2-0.6%).
FEE_RATE_BP = {"wechat": 20, "alipay": 20}


@dataclass(frozen=True)
class StatementFiles:
    bill_date: date
    paths: list[Path]


def lines_for(session: Session, channel: str, bill_date: date) -> list[StatementLine]:
    start, end = day_bounds(bill_date)
    # A day's file also lists refunds of older payments, so the trades are read by number.
    trades = {
        t.out_trade_no: t
        for t in session.scalars(
            select(SandboxTrade).where(
                SandboxTrade.channel == channel, SandboxTrade.transaction_id.is_not(None)
            )
        )
    }
    lines = [
        StatementLine(
            kind="payment",
            at=t.success_time,
            out_trade_no=t.out_trade_no,
            channel_trade_no=t.transaction_id or "",
            amount_fen=t.amount_fen,
            trade_type=t.trade_type,
            description=t.description,
            payer=t.payer or "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        )
        for t in trades.values()
        if t.success_time is not None and start <= t.success_time < end
    ]
    refunds = session.scalars(
        select(SandboxRefund).where(
            SandboxRefund.channel == channel,
            SandboxRefund.created_at >= start,
            SandboxRefund.created_at < end,
        )
    )
    for r in refunds:
        trade = trades.get(r.out_trade_no)
        if trade is None:
            continue
        lines.append(
            StatementLine(
                kind="refund",
                at=r.created_at,
                out_trade_no=r.out_trade_no,
                channel_trade_no=trade.transaction_id or "",
                amount_fen=trade.amount_fen,
                refund_fen=r.amount_fen,
                out_refund_no=r.out_refund_no,
                channel_refund_no=r.refund_id,
                refund_status=r.state,
                trade_type=trade.trade_type,
                description=trade.description,
                payer=trade.payer or "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            )
        )
    return sorted(lines, key=lambda line: line.at)


def write_day(session: Session, bill_date: date, out_dir: Path) -> StatementFiles:
    """Writes the WeChat trade bill (.csv.gz and its .sha1) and the Alipay bill zip of a day."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    text = write_tradebill(
        lines_for(session, "wechat", bill_date),
        bill_date,
        wire_wechat.APPID,
        wire_wechat.MCHID,
        FEE_RATE_BP["wechat"],
    )
    gz, sha1 = tradebill_gzip(text)
    wechat = out_dir / f"wechat_tradebill_{wire_wechat.MCHID}_{bill_date:%Y%m%d}_ALL.csv.gz"
    wechat.write_bytes(gz)
    wechat.with_suffix(".sha1").write_text(sha1 + "\n")
    paths += [wechat, wechat.with_suffix(".sha1")]
    data = write_alipay_bill(
        lines_for(session, "alipay", bill_date), bill_date, wire_alipay.PID, FEE_RATE_BP["alipay"]
    )
    detail, _ = member_names(wire_alipay.PID, bill_date)
    alipay = out_dir / f"{detail.split('_业务明细')[0]}.csv.zip"
    alipay.write_bytes(data)
    paths.append(alipay)
    return StatementFiles(bill_date, paths)


def write_missing(session: Session, today: date, out_dir: Path, days_back: int = 7) -> list[StatementFiles]:
    """Writes the bills of the last days that have none yet (channels publish a day's bill the
    next morning; today's is never written)."""
    written = []
    for n in range(days_back, 0, -1):
        day = today - timedelta(days=n)
        marker = out_dir / f"wechat_tradebill_{wire_wechat.MCHID}_{day:%Y%m%d}_ALL.csv.gz"
        if not marker.exists():
            written.append(write_day(session, day, out_dir))
    return written
