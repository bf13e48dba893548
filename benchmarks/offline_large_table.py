"""Time of offline proposals from a large table: the IGNITE ensemble trained on every row against on 5,000 drawn rows.

    flock /tmp/optarium-bench.lock .venv/bin/python benchmarks/offline_large_table.py [--rows 20000] [--repeats 1]

A seeded table of ``--rows`` rows (two floats, an integer and a categorical; the objective a smooth
function of them) is read by ``read_table`` and given to ``propose(k=3, method="ignite")``; ``all rows``
runs the same code with the ensemble's row cap lifted (what it did before the cap), ``capped`` as
committed. Reports wall times, their ratio and the best predicted value of each; writes
``benchmarks/results/offline_large_table.json`` with the load average before and after.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import tempfile
import time
from pathlib import Path

from optarium.blackbox import offline
from optarium.blackbox.table import read_table

RESULTS = Path(__file__).resolve().parent / "results"


def write_table(path: Path, rows: int) -> None:
    draw = random.Random(0)
    with open(path, "w") as handle:
        handle.write("a,b,c,s,y\n")
        for _ in range(rows):
            a, b, c, s = draw.random(), draw.random(), draw.randint(1, 50), draw.choice("xyz")
            handle.write(f"{a},{b},{c},{s},{a * b + c / 50 + (s == 'y')}\n")


def timed(table: Path, cap: bool) -> tuple[float, float]:
    """(seconds, best predicted value) of reading ``table`` and proposing 3 candidates by IGNITE."""
    original = offline._ensemble
    if not cap:
        offline._ensemble = functools.partial(original, max_rows=10**12)  # type: ignore[assignment]
    try:
        start = time.perf_counter()
        space, rows, values = read_table(table)
        proposals = offline.propose(space, rows, values, 3, method="ignite")
        return time.perf_counter() - start, max(p["predicted"] for p in proposals)
    finally:
        offline._ensemble = original  # type: ignore[assignment]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    load_before = os.getloadavg()
    out: dict[str, list[list[float]]] = {"all_rows": [], "capped": []}
    with tempfile.TemporaryDirectory() as folder:
        table = Path(folder) / "big.csv"
        write_table(table, args.rows)
        for repeat in range(args.repeats):
            for cap in ((False, True) if repeat % 2 == 0 else (True, False)):
                seconds, best = timed(table, cap)
                out["capped" if cap else "all_rows"].append([seconds, best])
                print(f"{'capped' if cap else 'all rows':8s} {seconds:7.1f} s  best predicted {best:.4f}", flush=True)
    ratio = min(s for s, _ in out["capped"]) / min(s for s, _ in out["all_rows"])
    print(f"capped / all rows: {ratio:.2f}")
    result = {"rows": args.rows, "repeats": args.repeats, "load_before": load_before, "load_after": os.getloadavg(),
              "seconds_and_best": out, "ratio": ratio}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "offline_large_table.json").write_text(json.dumps(result, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
