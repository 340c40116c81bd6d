"""Daily reconciliation at scale: N statement rows (a WeChat Pay ALL trade bill, gzip on disk)
against N ledger rows (our books, Parquet on disk), from the files to the discrepancy list.

Printed beside bare Polars in the same run: gunzip + read_csv of the same bill + the plain
join on the order number. Each measurement runs in its own process, so its peak memory (max
RSS) is its own. Targets (issue 18): 1M rows <= 1.2x the bare read+join; 10M <= 15 s, <= 8 GB.

    python bench/bench_reconcile.py            # 1M and 10M
    python bench/bench_reconcile.py 100000     # any sizes
"""

from __future__ import annotations

import gzip
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

DAY = date(2026, 12, 6)
SIZES = (1_000_000, 10_000_000)


class BenchFailed(AssertionError):
    pass


def _make(n: int, folder: Path) -> dict[str, object]:
    from bedside.reconciliation import generator

    g = generator.generate(n, DAY, each=5)
    sha1 = generator.write_wechat_bill(g.theirs, folder / "bill.csv.gz")
    g.ours.write_parquet(folder / "ours.parquet")
    g.held.write_parquet(folder / "held.parquet")
    return {"sha1": sha1, "expected": sorted(map(list, g.expected - _cash(g.expected)))}


def _cash(expected: frozenset[tuple[str, str]]) -> set[tuple[str, str]]:
    return {e for e in expected if e[0] == "cash_mismatch"}


def _ours(folder: Path, sha1: str) -> dict[str, object]:
    import polars as pl

    from bedside.payments.bills import day_bounds
    from bedside.reconciliation import matching
    from bedside.reconciliation.imports import wechat

    rows = wechat.read(wechat.gunzip_checked((folder / "bill.csv.gz").read_bytes(), sha1)).rows
    ours = pl.read_parquet(folder / "ours.parquet")
    held = pl.read_parquet(folder / "held.parquet")
    result = matching.match(ours, rows.drop("out_trade_no"), day_bounds(DAY)[1], 20, held)
    return {"found": sorted(map(list, result.discrepancies.select("kind", "ref").iter_rows()))}


def _bare(folder: Path, sha1: str) -> dict[str, object]:
    import polars as pl

    raw = gzip.decompress((folder / "bill.csv.gz").read_bytes())
    text = raw.decode("utf-8")
    detail = text[: text.index("\n总交易单数") + 1]
    theirs = pl.read_csv(io.StringIO(detail), infer_schema=False).select(
        pl.col("商户订单号").str.slice(1).alias("key")
    )
    ours = pl.read_parquet(folder / "ours.parquet")
    joined = ours.join(theirs, on="key", how="full")
    return {"rows": joined.height}


def _child(mode: str, folder: str, sha1: str) -> None:
    import polars  # noqa: F401 - imports are not part of the timing

    from bedside.reconciliation import matching  # noqa: F401
    from bedside.reconciliation.imports import wechat  # noqa: F401

    start = time.perf_counter()
    out = (_ours if mode == "ours" else _bare)(Path(folder), sha1)
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({**out, "seconds": seconds, "peak_mb": peak_kb / 1024}))


def _run(mode: str, folder: Path, sha1: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(folder), sha1],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BenchFailed(f"{mode} failed: {done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main(sizes: tuple[int, ...]) -> None:
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-recon-") as tmp:
            folder = Path(tmp)
            made = _make(n, folder)
            size_mb = (folder / "bill.csv.gz").stat().st_size / 1e6
            bare = _run("bare", folder, str(made["sha1"]))
            ours = _run("ours", folder, str(made["sha1"]))
            if ours["found"] != made["expected"]:
                raise BenchFailed(f"{n} rows: the discrepancy list differs from the injected one")
            ratio = float(ours["seconds"]) / float(bare["seconds"])  # type: ignore[arg-type]
            print(
                f"{n:>11,} rows ({size_mb:.0f} MB gz): reconcile {ours['seconds']:.2f} s, "
                f"peak {ours['peak_mb']:.0f} MB | bare read+join {bare['seconds']:.2f} s, "
                f"peak {bare['peak_mb']:.0f} MB | ratio {ratio:.2f} "
                f"({len(made['expected'])} injected discrepancies found exactly)"  # type: ignore[arg-type]
            )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        main(tuple(int(a) for a in sys.argv[1:]) or SIZES)
