"""kill -9 in the middle of the money: the real server (`bedside serve`) in its own process is
killed inside a payment confirmation or a settlement (a fault point, BEDSIDE_FAULT_POINTS) or
from outside during a burst of notifications, started again, and the books are checked —
nothing lost, nothing doubled, nothing half done, nothing stuck.

Runs on whichever database tests/conftest.py set up (SQLite in WAL mode is as durable across a
process kill as PostgreSQL; only a power cut could lose its last commits)."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bedside.accounts import service as accounts_service
from bedside.accounts.sms import LogSmsGateway
from bedside.admissions import service as admissions_service
from bedside.admissions.models import AdmissionNotice
from bedside.admissions.schemas import NoticeIn
from bedside.charges import service as charges
from bedside.charges.models import ChargeLine
from bedside.core.clock import local_today
from bedside.deposits import service as deposits
from bedside.deposits.models import DepositAccount, EntryKind, LedgerEntry
from bedside.discharge import service as discharge
from bedside.discharge.models import Discharge, Settlement
from bedside.payments import refunds as payment_refunds
from bedside.payments import service as payments
from bedside.payments.models import ChannelNotification, PaymentOrder, PaymentTransition, Refund
from bedside.payments.sandbox import server as sandbox
from bedside.payments.sandbox.models import SandboxTrade
from bedside.payments.states import PaymentState, RefundState
from bedside.staff import service as staff_service
from bedside.web.deps import PHONE_COOKIE
from tests import factories
from tests.conftest import TEST_SIDE
from tests.integration.discharge.conftest import HIS, Inpatient, admitted, line, signature

ROOT = Path(__file__).resolve().parents[2]
KILLED = -signal.SIGKILL  # Popen's returncode for a process that died of SIGKILL
START_TIMEOUT = 120.0  # generous: a loaded CI machine can take half a minute to import the app

CREDIT_KINDS = {EntryKind.DEPOSIT, EntryKind.TOPUP, EntryKind.SUPPLEMENTARY_PAYMENT, EntryKind.FEE_PAYMENT}


# --- the server process ---------------------------------------------------------------------


def _die_with_pytest() -> None:
    """In the child before exec: the kernel kills the server if pytest itself dies (even by
    kill -9), so no server outlives the run whatever happens to it."""
    import ctypes

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """`bedside serve` as production runs it, inheriting the test database settings from
    os.environ; fault points are given to the child only, never to pytest's own process."""

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self, fault_points: str = "") -> None:
        assert self.proc is None or self.proc.poll() is not None, "the previous server still runs"
        env = {k: v for k, v in os.environ.items() if k != "BEDSIDE_FAULT_POINTS"}
        if fault_points:
            env["BEDSIDE_FAULT_POINTS"] = fault_points
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        with self.log_path.open("ab") as log:
            log.write(f"\n--- start on {port}, faults={fault_points!r}\n".encode())
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bedside.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_pytest if sys.platform == "linux" else None,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"server exited with {self.proc.returncode} at start:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"server did not answer /healthz in {START_TIMEOUT}s:\n{self.log()}")

    def wait_dead(self, timeout: float = 15) -> int:
        assert self.proc is not None
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the server should have died and did not:\n{self.log()}")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path / "server.log")
    try:
        yield proc
    finally:
        proc.stop()


# --- the books ------------------------------------------------------------------------------


def _ledger_by_kind(s: Session, account_id: int) -> dict[str, int]:
    rows = s.execute(
        select(LedgerEntry.kind, func.sum(LedgerEntry.amount_fen))
        .where(LedgerEntry.account_id == account_id)
        .group_by(LedgerEntry.kind)
    ).all()
    by_kind: Counter[str] = Counter()
    for kind, total in rows:
        by_kind["paid" if kind in CREDIT_KINDS else kind] += int(total)
    return {k: v for k, v in by_kind.items() if v}


def assert_books_balance() -> None:
    """Every account, from three independent sources: the cached balance, the journal, and the
    payment, refund, charge and settlement tables. A credited order has exactly one credit entry
    and one 'credited' notification; an order not credited has none."""
    with TEST_SIDE.session() as s:
        for account in s.scalars(select(DepositAccount)):
            paid = 0
            for order in s.scalars(select(PaymentOrder).where(PaymentOrder.account_id == account.id)):
                credits = s.scalar(
                    select(func.count())
                    .select_from(LedgerEntry)
                    .where(LedgerEntry.payment_order_id == order.id, LedgerEntry.kind.in_(CREDIT_KINDS))
                )
                credited = s.scalar(
                    select(func.count())
                    .select_from(ChannelNotification)
                    .where(
                        ChannelNotification.out_trade_no == order.out_trade_no,
                        ChannelNotification.outcome == "credited",
                    )
                )
                pays = s.scalar(
                    select(func.count())
                    .select_from(PaymentTransition)
                    .where(PaymentTransition.payment_order_id == order.id, PaymentTransition.action == "pay")
                )
                where = f"order {order.out_trade_no} ({order.state})"
                if order.channel_trade_no is None:
                    assert order.state in (PaymentState.CREATED, PaymentState.PAYING), where
                    assert (credits, credited, pays) == (0, 0, 0), where
                else:
                    assert order.state in (
                        PaymentState.PAID,
                        PaymentState.PARTIALLY_REFUNDED,
                        PaymentState.REFUNDED,
                    ), where
                    assert (credits, credited, pays) == (1, 1, 1), where
                    paid += order.amount_fen
            refunded = s.scalar(
                select(func.coalesce(func.sum(Refund.amount_fen), 0)).where(
                    Refund.account_id == account.id, Refund.state != RefundState.REJECTED
                )
            )
            charged = s.scalar(
                select(func.coalesce(func.sum(ChargeLine.amount_fen), 0)).where(
                    ChargeLine.notice_id == account.notice_id
                )
            )
            settled = s.scalars(
                select(Settlement).where(
                    Settlement.notice_id == account.notice_id, Settlement.state == "settled"
                )
            ).all()
            covered = sum(r.fund_fen + r.personal_account_fen for r in settled)
            expected = {"paid": paid, "refund": -refunded, "charge": -charged, "settlement": covered}
            assert _ledger_by_kind(s, account.id) == {k: v for k, v in expected.items() if v}
            cached, derived = deposits.check(s, account.id)
            assert cached == derived == paid - refunded - charged + covered, f"account {account.id}"


# --- (a) a burst of notifications ------------------------------------------------------------

ORDERS = 60
NOTIFY_PATH = {"wechat": "/api/v1/payments/notify/wechat", "alipay": "/api/v1/payments/notify/alipay"}
NOTIFY_OK = {"wechat": 204, "alipay": 200}
KILL_AT_CREDIT = 20
KILL_AFTER_ANSWERS = 40
BUSY = 503  # "not taken now, send again" (load shedding, a lock not had in time)


@dataclass(frozen=True)
class Note:
    channel: str
    out_trade_no: str
    headers: Mapping[str, str]
    body: bytes


def _second_stay(ip: Inpatient) -> tuple[int, int]:
    """A second patient's issued notice, so that credits land on two accounts at once."""
    with TEST_SIDE.session() as s:
        doctor = factories.staff(s, "dr.burst", "doctor", department_id=ip.adm.world.department.id)
        patient = factories.patient(s, name="钱二", phone="13600000022")
        notice = admissions_service.issue(
            s,
            staff_service.actor_for(doctor),
            NoticeIn(
                patient_id=patient.id,
                department_id=ip.adm.world.department.id,
                diagnosis="高血压",
                expected_date=factories.tomorrow(),
            ),
        )
        return patient.id, notice.id


def _paid_orders_awaiting_notification(ip: Inpatient) -> list[Note]:
    """ORDERS orders paid at the (sandbox) channel whose notifications have not been sent."""
    stays = [(ip.adm.patient.id, ip.notice_id), _second_stay(ip)]
    notes = []
    with TEST_SIDE.session() as s:
        for i in range(ORDERS):
            patient_id, notice_id = stays[i % 2]
            channel, trade_type = (("wechat", "NATIVE"), ("alipay", "PRECREATE"))[i // 2 % 2]
            order = payments.start_payment(
                s,
                ip.adm.me,
                patient_id=patient_id,
                notice_id=notice_id,
                purpose="topup",
                amount_fen=10000 + 137 * i,
                channel=channel,
                trade_type=trade_type,
                place="phone",
                idempotency_key=f"burst-order-{i:04d}",
            )
            sandbox.pay(s, order.out_trade_no, mode="missing")
            trade = s.scalar(select(SandboxTrade).where(SandboxTrade.out_trade_no == order.out_trade_no))
            note = sandbox.notification_for(s, trade)
            assert note is not None
            notes.append(Note(channel, order.out_trade_no, dict(note[0]), note[1]))
        s.commit()
    return notes


def _deliver(url: str, notes: list[Note], on_answer: Callable[[], None] | None = None) -> list[int | None]:
    """Posts every notification at once from 24 threads; None where no answer came back."""

    def post(note: Note) -> int | None:
        try:
            status = client.post(NOTIFY_PATH[note.channel], content=note.body, headers=dict(note.headers))
        except httpx.TransportError:
            return None
        if on_answer is not None:
            on_answer()
        return status.status_code

    with httpx.Client(base_url=url, timeout=30) as client, ThreadPoolExecutor(max_workers=24) as pool:
        return list(pool.map(post, notes))


def _redeliver_until_accepted(url: str, notes: list[Note]) -> None:
    """As a channel does: whatever was not acknowledged is sent again a little later."""
    waiting = notes
    for _ in range(5):
        answers = _deliver(url, waiting)
        assert set(answers) <= {204, 200, BUSY}, answers
        waiting = [n for n, status in zip(waiting, answers, strict=True) if status != NOTIFY_OK[n.channel]]
        if not waiting:
            return
        time.sleep(1)
    pytest.fail(f"{len(waiting)} notifications never acknowledged")


def _credited_orders() -> int:
    with TEST_SIDE.session() as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(PaymentOrder)
                .where(PaymentOrder.purpose == "topup", PaymentOrder.channel_trade_no.is_not(None))
            )
            or 0
        )


def _assert_cut_off(server: ServerProcess, burst: list[Note], answers: list[int | None]) -> None:
    assert server.wait_dead() == KILLED, server.log()
    assert None in answers  # requests were cut off mid-way, and the rest found no server
    for note, status in zip(burst, answers, strict=True):
        assert status in (None, BUSY, NOTIFY_OK[note.channel]), (note, status, server.log())


def test_notification_burst_killed_twice_credits_every_order_exactly_once(server, session):
    ip = admitted(session)
    with TEST_SIDE.session() as s:
        charges.post(s, HIS, ip.notice_id, [line("1", "A", 120000, "bed"), line("2", "C", 35000, "lab")])
    notes = _paid_orders_awaiting_notification(ip)
    rng = random.Random(7)

    def burst() -> list[Note]:
        copies = [n for n in notes for _ in range(rng.randint(2, 5))]  # the channel's retries
        rng.shuffle(copies)
        assert len(copies) > 150
        return copies

    # Killed inside the transaction of the KILL_AT_CREDIT-th credit.
    first = burst()
    server.start(f"payments.credit.before_commit@{KILL_AT_CREDIT}")
    _assert_cut_off(server, first, _deliver(server.url, first))
    credited = _credited_orders()
    # That credit died before its commit; the earlier ones could commit or die too, never
    # land twice; and nothing else is half done.
    assert 1 <= credited < KILL_AT_CREDIT
    assert_books_balance()

    # Killed from outside, wherever each request happens to be: verifying a signature, inside
    # its transaction, committing, answering.
    second = burst()
    server.start()
    answered = 0
    lock = threading.Lock()

    def kill_after_some_answers() -> None:
        nonlocal answered
        with lock:
            answered += 1
            if answered == KILL_AFTER_ANSWERS:
                server.kill()

    _assert_cut_off(server, second, _deliver(server.url, second, kill_after_some_answers))
    assert _credited_orders() >= credited  # what was committed stays committed
    assert_books_balance()

    # Restarted with no fault: the channel sends everything again, twice over.
    server.start()
    _redeliver_until_accepted(server.url, notes + notes[::-1])
    server.stop()

    assert _credited_orders() == ORDERS
    assert_books_balance()
    with TEST_SIDE.session() as s:
        outcomes = Counter(
            s.scalars(
                select(ChannelNotification.outcome).where(
                    ChannelNotification.out_trade_no.in_([n.out_trade_no for n in notes])
                )
            )
        )
        assert outcomes["credited"] == ORDERS
        assert set(outcomes) <= {"credited", "duplicate"}
        topups = s.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount_fen), 0)).where(
                LedgerEntry.kind == EntryKind.TOPUP
            )
        )
        assert topups == sum(10000 + 137 * i for i in range(ORDERS))


# --- (b) a settlement -----------------------------------------------------------------------

SETTLE_KEY = "crash-settle-key-0001"


def _ready_to_settle(session) -> Inpatient:  # type: ignore[no-untyped-def]
    """The employee-insured stay of tests/integration/discharge, worked out by hand there:
    charges 1,250,000; fund 901,000; personal account 299,000; paid 800,000 by WeChat and
    Alipay; 750,000 to refund to them."""
    ip = admitted(session, deposits=((("wechat", "JSAPI"), 500000), (("alipay", "PRECREATE"), 300000)))
    with TEST_SIDE.session() as s:
        charges.post(
            s,
            HIS,
            ip.notice_id,
            [
                line("1", "A", 600000, "bed"),
                line("2", "A", 400000, "western_drug", unit_price_fen=200000, quantity="2"),
                line("3", "B", 200000, "material"),
                line("4", "C", 50000, "lab"),
            ],
        )
        discharge.order(s, ip.doctor, ip.notice_id, local_today())
        discharge.clear_ward(s, ip.nurse, ip.notice_id, no_pending_orders=True, charges_posted=True)
        discharge.review(s, ip.officer, ip.notice_id, "approve")
        pre = discharge.pre_settle(s, ip.notice_id)  # also opens the person's insurance account
        s.commit()
        assert (pre.fund_fen, pre.personal_account_fen, pre.refund_fen) == (901000, 299000, 750000)
    return ip


def _phone_cookie(sms: LogSmsGateway, ip: Inpatient) -> str:
    """A phone session got the normal way; the code is read from the in-process SMS gateway,
    which the server process cannot share."""
    phone = ip.adm.account.phone
    with TEST_SIDE.session() as s:
        accounts_service.send_code(s, phone)
        _, token = accounts_service.login(s, phone, sms.last_code(phone) or "")
    return token


def _post_settle(url: str, token: str, notice_id: int, key: str) -> httpx.Response:
    with httpx.Client(base_url=url, cookies={PHONE_COOKIE: token}, timeout=30) as client:
        # Once settled, the settle page sends the patient on to the settled one.
        page = client.get(f"/phone/stays/{notice_id}/settle", follow_redirects=True)
        assert page.status_code == 200, page.text
        return client.post(
            f"/phone/stays/{notice_id}/settle",
            data={"signature": signature(), "request_key": key, "csrf_token": factories.csrf_of(page.text)},
        )


def _insurance_person(platform, ip: Inpatient) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """The person's books on the insurance platform peer (personal account, fund paid)."""
    with TEST_SIDE.session() as s:
        psn_no = s.get(AdmissionNotice, ip.notice_id).insurance_no
    return platform.person(psn_no)


def _settlement_state(notice_id: int) -> tuple[str, int, int, int]:
    """(discharge state, settlements, settlement entries, refunds committed to)."""
    with TEST_SIDE.session() as s:
        return (
            s.scalar(select(Discharge.state).where(Discharge.notice_id == notice_id)) or "",
            int(s.scalar(select(func.count()).select_from(Settlement)) or 0),
            int(
                s.scalar(
                    select(func.count())
                    .select_from(LedgerEntry)
                    .where(LedgerEntry.kind == EntryKind.SETTLEMENT)
                )
                or 0
            ),
            int(s.scalar(select(func.coalesce(func.sum(Refund.amount_fen), 0))) or 0),
        )


def test_settlement_killed_mid_way_is_all_or_nothing_and_settles_once(server, session, sms, platform):
    ip = _ready_to_settle(session)
    token = _phone_cookie(sms, ip)
    before = _insurance_person(platform, ip)
    after = (before[0] - 299000, before[1] + 901000)

    # Killed inside the settlement's transaction: nothing of it may remain.
    server.start("settlement.before_commit")
    with pytest.raises(httpx.TransportError):  # no answer: the server died under the request
        _post_settle(server.url, token, ip.notice_id, SETTLE_KEY)
    assert server.wait_dead() == KILLED, server.log()
    assert _settlement_state(ip.notice_id) == ("ready_to_settle", 0, 0, 0)
    # The platform is another system: its 2304 answered before Bedside died, so it holds the
    # settlement, under Bedside's key (medins_setl_id) — the retry below adopts it, never a second.
    assert _insurance_person(platform, ip) == after
    assert_books_balance()

    # The patient tries again with the same key and the server dies after the commit, before
    # the answer: all of it must remain.
    server.start("settlement.after_commit")
    with pytest.raises(httpx.TransportError):
        _post_settle(server.url, token, ip.notice_id, SETTLE_KEY)
    assert server.wait_dead() == KILLED, server.log()
    assert _settlement_state(ip.notice_id) == ("settled", 1, 1, 750000)
    assert _insurance_person(platform, ip) == after
    assert_books_balance()

    server.start()
    for _ in range(2):  # and again: the retries find the settlement made
        r = _post_settle(server.url, token, ip.notice_id, SETTLE_KEY)
        assert r.status_code == 303, r.text
        assert r.headers["location"] == f"/phone/stays/{ip.notice_id}/settled"
    # A fresh key (a reloaded page) cannot settle the stay a second time either.
    r = _post_settle(server.url, token, ip.notice_id, "crash-settle-key-0002")
    assert r.status_code == 409, r.text
    with httpx.Client(base_url=server.url, cookies={PHONE_COOKIE: token}, timeout=30) as client:
        assert client.get(f"/phone/stays/{ip.notice_id}/settled").status_code == 200
    server.stop()

    assert _settlement_state(ip.notice_id) == ("settled", 1, 1, 750000)
    assert _insurance_person(platform, ip) == after
    with TEST_SIDE.session() as s:
        row = s.scalar(select(Settlement))
        assert (row.request_key, row.refund_fen) == (SETTLE_KEY, 750000)
        # The worker sends the refunds to the original routes; the stay ends at zero.
        assert payment_refunds.process_refunds(s) == {"succeeded": 2}
        refunded = Counter(
            {t.channel: t.refunded_fen for t in s.scalars(select(SandboxTrade)) if t.refunded_fen}
        )
        assert refunded == {"alipay": 300000, "wechat": 450000}
    assert_books_balance()
    with TEST_SIDE.session() as s:
        account = deposits.account_for_notice(s, ip.adm.patient.id, ip.notice_id)
        assert deposits.check(s, account.id) == (0, 0)
