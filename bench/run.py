"""Runs every benchmark under bench/ and prints each figure next to its baseline."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


# The benchmarks import their shared helpers (benchkit) from this folder.
sys.path.insert(0, str(HERE))


def main() -> int:
    names = sys.argv[1:] or sorted(p.stem for p in HERE.glob("bench_*.py"))
    for name in names:
        print(f"== {name}", flush=True)
        runpy.run_path(str(HERE / f"{name}.py"), run_name="__main__")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
