"""Server time of a discharge settlement (`discharge.settle`) of a stay with 2,000 charge lines,
and of its pre-settlement alone, against loading those 2,000 lines alone, printed as ratios.

Runs on a fresh SQLite file, and on a fresh PostgreSQL database too when one answers
(BEDSIDE_BENCH_PG_URL, else the local test server). Per database (untimed): an admitted stay is
built through the services as tests/integration/discharge/conftest.py::admitted does (notice,
bed, details, employee insurance, both assessments, a WeChat deposit paid at the sandbox and
delivered, admission), BENCH_LINES (2,000) charge lines are posted, and the discharge is ordered,
cleared and approved. Timed, BENCH_R (30) rounds after one discarded warm-up round (BENCH_R_PG
on PostgreSQL, default the same), each call in its own session as a request would have: the
lines alone (the baseline), `pre_settle`, then `settle`. Untimed after each settlement: a
cashier reverses it, and the patient pays back the refund the settlement made (a reversal leaves
refunds already made in place, by design), so every round starts with the same balance. Every
settlement must refund what its pre-settlement said and what the first one did; after every
reversal and top-up the cached deposit balance must equal the journal."""

from __future__ import annotations

import base64
import gc
import io
import os
import secrets
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

from benchkit import BenchFailed, drop_pg_database, expect, pg_database

N_LINES = int(os.environ.get("BENCH_LINES", "2000"))
R = int(os.environ.get("BENCH_R", "30"))
# The default run takes about 20 s on 2 cores; a slower machine can lower the PostgreSQL rounds,
# whose calls cost more (row locks, round trips), to stay within the 3 minutes a bench may take.
R_PG = int(os.environ.get("BENCH_R_PG", str(R)))
DEPOSIT_FEN = 500000
TMP = Path(tempfile.mkdtemp(prefix="bedside-bench-"))
SQLITE_URL = f"sqlite:///{TMP / 'bench.sqlite3'}"

# Settings are read from the environment on first use, so they are set before bedside is
# imported (as tests/conftest.py does) and put back afterwards: bench/run.py runs every
# benchmark in one process.
ENV = {
    "BEDSIDE_DATABASE_URL": SQLITE_URL,
    "BEDSIDE_DEMO": "1",
    "BEDSIDE_DISPATCH_IN_PROCESS": "0",
    # The officer approves by hand, as in the discharge tests; the auto-approve rule would
    # already have opened the settlement at the ward's clearance.
    "BEDSIDE_INSURANCE_AUTO_APPROVE": "0",
    "BEDSIDE_LOG_LEVEL": "WARNING",
}
_SAVED_ENV = {k: os.environ.get(k) for k in ENV}
os.environ.update(ENV)

from PIL import Image, ImageDraw  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bedside import dbtools, wiring  # noqa: E402,F401
from bedside.accounts.models import Account, AccountPatient  # noqa: E402
from bedside.admissions import beds, stay  # noqa: E402
from bedside.admissions import service as admissions_service  # noqa: E402
from bedside.admissions.models import AdmissionNotice  # noqa: E402
from bedside.admissions.schemas import NoticeIn  # noqa: E402
from bedside.charges import service as charges  # noqa: E402
from bedside.charges.models import Category  # noqa: E402
from bedside.core import db  # noqa: E402
from bedside.core.audit import SYSTEM, Actor  # noqa: E402
from bedside.core.auth import hash_password  # noqa: E402
from bedside.core.clock import local_today  # noqa: E402
from bedside.core.db import utcnow  # noqa: E402
from bedside.core.resident_id import check_digit  # noqa: E402
from bedside.deposits import service as deposits_service  # noqa: E402
from bedside.discharge import service as discharge  # noqa: E402
from bedside.hospital.models import Bed, Campus, Department, Hospital, Room, Ward  # noqa: E402
from bedside.patients import service as patients_service  # noqa: E402
from bedside.payments import registry, worker  # noqa: E402
from bedside.payments import service as payments  # noqa: E402
from bedside.payments.sandbox import server as sandbox  # noqa: E402
from bedside.settings import get_settings  # noqa: E402
from bedside.staff import service as staff_service  # noqa: E402

T = TypeVar("T")

# The answers tests/integration/admissions/conftest.py gives (REQUIRED_ASSESSMENTS in stay.py).
ASSESSMENTS = {
    "morse_fall": {"history_of_falling": "yes", "secondary_diagnosis": "yes", "ambulatory_aid": "furniture"},
    "padua_vte": {
        "active_cancer": "no",
        "previous_vte": "no",
        "known_thrombophilia": "no",
        "recent_trauma_or_surgery": "no",
        "hormonal_treatment": "no",
    },
}
DETAILS = {
    "address": "湖南省长沙市岳麓区麓山南路 1 号",
    "emergency_name": "张丽",
    "emergency_phone": "13912345678",
    "emergency_relation": "spouse",
    "occupation": "教师",
    "marital_status": "married",
    "allergies": "青霉素",
}
HIS = Actor(kind="his", id=1, label="HIS")


class FullGcWatch:
    """Counts the interpreter's full (generation 2) collections and their pauses: with some
    150,000 tracked objects in the process, one costs about 90 ms here wherever it lands, and
    calls that each keep 2,000 ORM rows alive bring one every few calls; that is what the p95
    of a few dozen calls mostly shows, so it is printed with those pauses taken out too."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.count += 1
            self.seconds += time.perf_counter() - self._start


FULL_GC = FullGcWatch()


@dataclass
class Timing:
    samples: list[float]
    gc_pauses: list[float]  # the full-GC pause inside each sample, 0 for most

    @property
    def gc_count(self) -> int:
        return sum(1 for g in self.gc_pauses if g)

    @property
    def p95_no_gc_ms(self) -> float:
        return Timing([t - g for t, g in zip(self.samples, self.gc_pauses, strict=True)], []).p95_ms

    @property
    def p50_ms(self) -> float:
        return 1000 * statistics.median(self.samples)

    @property
    def p95_ms(self) -> float:
        if len(self.samples) < 2:
            return self.p50_ms
        return 1000 * statistics.quantiles(self.samples, n=20)[-1]

    @property
    def mean_ms(self) -> float:
        return 1000 * statistics.fmean(self.samples)


def clocked(fn: Callable[..., T], *args: object) -> tuple[T, tuple[float, float]]:
    """fn's result, and (wall seconds, seconds of full-GC pause within them)."""
    gc0 = FULL_GC.seconds
    t0 = time.perf_counter()
    result = fn(*args)
    return result, (time.perf_counter() - t0, FULL_GC.seconds - gc0)


def signature() -> str:
    """A small signed box, as the signature pad sends it."""
    img = Image.new("RGB", (300, 100), "white")
    ImageDraw.Draw(img).line([(10, 80), (120, 20), (290, 70)], fill="black", width=3)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


# -- setup (untimed) ------------------------------------------------------------------------------


@dataclass
class Inpatient:
    patient_id: int
    notice_id: int
    account_id: int
    me: Actor
    doctor: Actor
    nurse: Actor
    officer: Actor
    cashier: Actor


def staff(session: db.Session, username: str, role: str, department_id: int | None = None) -> Actor:
    user = staff_service.create_user(
        session,
        SYSTEM,
        username=username,
        full_name=username,
        password="",
        password_hash=hash_password(secrets.token_hex(16)),
        roles=[role],
        department_id=department_id,
    )
    return staff_service.actor_for(user)


def pay(database: db.Database, ip: Inpatient, fen: int, purpose: str, key: str) -> int:
    """One WeChat payment, paid at the sandbox and its notification delivered in process, as the
    discharge tests' `pay` does; returns the payment order's id."""
    with database.session() as s:
        order = payments.start_payment(
            s,
            ip.me,
            patient_id=ip.patient_id,
            notice_id=ip.notice_id,
            purpose=purpose,
            amount_fen=fen,
            channel="wechat",
            trade_type="JSAPI",
            place="phone",
            idempotency_key=key,
        )
        sandbox.pay(s, order.out_trade_no)
        s.commit()
    factory = database.session_factory
    sandbox.deliver_due(factory, worker.deliver_in_process(factory))
    with database.session() as s:
        state = payments.get_order(s, order.id).state
        s.commit()
    expect(state == "paid", f"{purpose} of {fen} fen is {state!r} after delivery, not 'paid'")
    return order.id


def admitted(database: db.Database) -> Inpatient:
    """tests/integration/discharge/conftest.py::admitted, through the services (the hospital's
    structure has none, so it is added as tests/factories.py adds it)."""
    with database.session() as s:
        hospital = Hospital(code="B", name="基准医院", level="3A")
        s.add(hospital)
        s.flush()
        campus = Campus(hospital_id=hospital.id, code="MAIN", name="本部")
        department = Department(
            hospital_id=hospital.id,
            code="CARD",
            name="心血管内科",
            name_en="Cardiology",
            suggested_deposit_fen=DEPOSIT_FEN,
        )
        s.add_all([campus, department])
        s.flush()
        ward = Ward(campus_id=campus.id, department_id=department.id, code="W01", name="心内一病区", floor=5)
        s.add(ward)
        s.flush()
        room = Room(ward_id=ward.id, code="501", gender="M")
        s.add(room)
        s.flush()
        bed = Bed(room_id=room.id, ward_id=ward.id, code="501-1")
        s.add(bed)
        s.commit()
        doctor = staff(s, "dr.bench", "doctor", department.id)
        clerk = staff(s, "clerk.bench", "admission_center")
        nurse = staff(s, "nurse.bench", "nurse")
        officer = staff(s, "yb.bench", "insurance_officer")
        cashier = staff(s, "cashier.bench", "cashier")
        first17 = "11010519800517001"  # a man, for the men's room
        patient = patients_service.register(
            s, SYSTEM, name="赵云", resident_id=first17 + check_digit(first17), phone="13600000011"
        )
        account = Account(phone="13600000011", verified_at=utcnow())
        s.add(account)
        s.flush()
        s.add(AccountPatient(account_id=account.id, patient_id=patient.id, relation="self", consent="staff"))
        s.commit()
        notice = admissions_service.issue(
            s,
            doctor,
            NoticeIn(
                patient_id=patient.id,
                department_id=department.id,
                diagnosis="冠心病",
                expected_date=local_today() + timedelta(days=1),
            ),
        )
        me = Actor(kind="account", id=account.id, label="phone")
        stay.request_bed(s, me, notice.id, None, "any")
        stay.save_details(s, me, notice.id, stay.DetailsIn(**DETAILS))
        stay.choose_insurance(s, me, notice.id, "employee", None)
        stay.save_assessment(s, me, notice.id, "morse_fall", ASSESSMENTS["morse_fall"])
        stay.save_assessment(
            s, me, notice.id, "padua_vte", ASSESSMENTS["padua_vte"], height_cm=170, weight_kg=65
        )
        expect(tuple(ASSESSMENTS) == stay.REQUIRED_ASSESSMENTS, "the required assessments changed")
        beds.assign(s, clerk, notice.id, bed.id)
        account_id = deposits_service.account_for_notice(s, patient.id, notice.id).id
        s.commit()
    ip = Inpatient(patient.id, notice.id, account_id, me, doctor, nurse, officer, cashier)
    pay(database, ip, DEPOSIT_FEN, "deposit", "bench-deposit-0001")
    with database.session() as s:
        stay.admit(s, me, notice.id)
        n = s.get(AdmissionNotice, notice.id)
        expect(n is not None and n.state == "admitted", "the stay was not admitted")
        if n is not None and n.admitted_at is not None:
            n.admitted_at = n.admitted_at - timedelta(days=5)  # a stay that started days ago
        s.commit()
    return ip


CATEGORIES = tuple(Category)
QUANTITIES = ("1", "1", "2", "0.5", "1", "3")


def charge_lines(n: int) -> list[charges.ChargeIn]:
    """n lines over six days, every category, classes A/B/C about 60/25/15 % by count, ¥0.50 to
    ¥2.50 a unit: about ¥4,200 in all, which the ¥5,000 deposit covers."""
    today = local_today()
    out = []
    for i in range(n):
        unit = 50 + (i * 37) % 200
        quantity = QUANTITIES[i % len(QUANTITIES)]
        if quantity == "0.5":
            unit += unit % 2
        amount = unit * int(float(quantity) * 1000) // 1000
        cls = "A" if i % 20 < 12 else "B" if i % 20 < 17 else "C"
        out.append(
            charges.ChargeIn(
                his_line_id=f"L{i:06d}",
                code=f"X{i % 300:04d}",
                name=f"项目{i % 300}",
                category=CATEGORIES[i % len(CATEGORIES)],
                insurance_class=cls,
                unit_price_fen=unit,
                quantity=quantity,
                amount_fen=amount,
                service_date=today - timedelta(days=i % 6),
            )
        )
    return out


def ready_to_settle(database: db.Database, ip: Inpatient) -> int:
    """Posts the lines and takes the discharge to ready_to_settle; returns the bill total."""
    batch = charge_lines(N_LINES)
    with database.session() as s:
        result = charges.post(s, HIS, ip.notice_id, batch)
        expect(result.created == N_LINES, f"{result.created} lines posted, not {N_LINES}")
        discharge.order(s, ip.doctor, ip.notice_id, local_today())
        discharge.clear_ward(s, ip.nurse, ip.notice_id, no_pending_orders=True, charges_posted=True)
        discharge.review(s, ip.officer, ip.notice_id, "approve")
        state = discharge.get(s, ip.notice_id).state
        s.commit()
    expect(state == "ready_to_settle", f"the discharge is {state!r}, not 'ready_to_settle'")
    return sum(c.amount_fen for c in batch)


# -- the runs -------------------------------------------------------------------------------------


def balance(database: db.Database, account_id: int, when: str) -> int:
    with database.session() as s:
        cached, derived = deposits_service.check(s, account_id)
        s.commit()
    expect(cached == derived, f"{when}: cached balance {cached} != journal {derived}")
    return cached


# Each timed call has a session of its own, opened and closed as a request's is.


def load_lines(database: db.Database, ip: Inpatient) -> int:
    with database.session() as s:
        n = len(charges.lines(s, ip.notice_id))
        s.commit()
    return n


def pre_settle(database: db.Database, ip: Inpatient) -> discharge.PreSettlement:
    with database.session() as s:
        p = discharge.pre_settle(s, ip.notice_id)
        s.commit()
    return p


def settle(database: db.Database, ip: Inpatient, png: str, key: str) -> tuple[int, str]:
    with database.session() as s:
        row = discharge.settle(s, ip.me, ip.notice_id, png, key)
        return row.refund_fen, row.state


def bench_database(url: str, rounds: int) -> dict[str, Timing]:
    dbtools.upgrade(url)
    database = db.configure(url)
    registry.reset()  # the adapters read the sandbox keys from the database in use
    try:
        t0 = time.perf_counter()
        ip = admitted(database)
        total = ready_to_settle(database, ip)
        setup = time.perf_counter() - t0
        start_balance = balance(database, ip.account_id, "before settling")
        expect(start_balance == DEPOSIT_FEN - total, f"balance {start_balance}, expected deposit - bill")
        png = signature()
        reference: discharge.PreSettlement | None = None
        times: dict[str, list[tuple[float, float]]] = {"lines": [], "pre_settle": [], "settle": []}
        t0 = time.perf_counter()
        for i in range(rounds + 1):  # round 0 warms up and is not counted
            n, t_lines = clocked(load_lines, database, ip)
            expect(n == N_LINES, f"loaded {n} lines, not {N_LINES}")
            p, t_pre = clocked(pre_settle, database, ip)
            reference = reference or p
            expect(p == reference, f"round {i}: the pre-settlement changed: {p} != {reference}")
            expect(p.refund_fen > 0 and p.supplementary_fen == 0, f"no refund due: {p}")
            (refund, state), t_settle = clocked(settle, database, ip, png, f"bench-settle-{i:04d}")
            expect(state == "settled", f"round {i}: settlement is {state!r}")
            expect(
                refund == p.refund_fen,
                f"round {i}: settlement refunded {refund}, pre-settlement {p.refund_fen}",
            )
            expect(balance(database, ip.account_id, f"round {i} settled") == 0, f"round {i}: balance left")
            if i:
                times["lines"].append(t_lines)
                times["pre_settle"].append(t_pre)
                times["settle"].append(t_settle)
            with database.session() as s:
                discharge.reverse(s, ip.cashier, ip.notice_id, "bench")
            balance(database, ip.account_id, f"round {i} reversed")
            # The refund stays made after a reversal; the patient pays it back in.
            pay(database, ip, refund, "topup", f"bench-topup-{i:04d}")
            after = balance(database, ip.account_id, f"round {i} topped up")
            expect(after == start_balance, f"round {i}: balance {after} after top-up, not {start_balance}")
        loop = time.perf_counter() - t0
        name = make_url(url).get_backend_name()
        if reference is None:
            raise BenchFailed("no round ran")
        print(
            f"  ({name}: setup {setup:.1f}s, {rounds}+1 rounds {loop:.1f}s; bill {total} fen,"
            f" insurance {reference.fund_fen + reference.personal_account_fen} fen,"
            f" refund {reference.refund_fen} fen)",
            flush=True,
        )
        return {k: Timing([t for t, _ in v], [g for _, g in v]) for k, v in times.items()}
    finally:
        registry.reset()
        database.dispose()


ROWS = (
    ("settle", "settle (server time)"),
    ("pre_settle", "pre_settle alone"),
    ("lines", f"baseline: load {N_LINES} lines"),
)


def report(label: str, r: dict[str, Timing]) -> None:
    for key, title in ROWS:
        t = r[key]
        print(
            f"{label:<10} {title:<28} {t.p50_ms:8.1f} {t.p95_ms:8.1f} {t.mean_ms:8.1f}"
            f" {t.p95_no_gc_ms:9.1f} {t.gc_count:4d}/{len(t.samples)}"
        )
    base = r["lines"]
    print(
        f"{label:<10} {'ratio to baseline':<28} settle p50 {r['settle'].p50_ms / base.p50_ms:.2f}x"
        f" p95 {r['settle'].p95_ms / base.p95_ms:.2f}x"
        f" p95 no-GC {r['settle'].p95_no_gc_ms / base.p95_no_gc_ms:.2f}x"
        f"  pre_settle p50 {r['pre_settle'].p50_ms / base.p50_ms:.2f}x"
    )


def main() -> None:
    get_settings.cache_clear()
    gc.callbacks.append(FULL_GC)
    try:
        results = {"sqlite": bench_database(SQLITE_URL, R)}
        rounds = {"sqlite": R}
        pg = pg_database()
        if pg is not None:
            admin_url, url, name = pg
            try:
                results["postgresql"] = bench_database(url, R_PG)
                rounds["postgresql"] = R_PG
            finally:
                drop_pg_database(admin_url, name)
        title = f"ms per call ({N_LINES} lines)"
        print(
            f"{'database':<10} {title:<28} {'p50':>8} {'p95':>8} {'mean':>8} {'p95 no-GC':>9} {'full GCs':>8}"
        )
        for label, r in results.items():
            report(label, r)
        reduced = " (fewer on PostgreSQL: BENCH_R_PG)" if rounds.get("postgresql", R) < R else ""
        print("rounds: " + ", ".join(f"{k} R={v}" for k, v in rounds.items()) + reduced)
    finally:
        for key, value in _SAVED_ENV.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        gc.callbacks.remove(FULL_GC)
        get_settings.cache_clear()
        shutil.rmtree(TMP, ignore_errors=True)


if __name__ == "__main__":
    main()
