"""optarium.solve against raw highspy on the shipped MIP/LP instances.

For every instance in ../shared/data/mip: solve with raw highspy (read + solve)
and with ``optarium.solve`` (read + plan + solve + verify + record in an SQLite
store), in the same process, alternating, best of ``--repeat`` runs each.
Checks every optarium objective against ``reference.csv`` (1e-6 relative) and
reports the wall-time ratio per instance, the median, and the CLI start-up time.

    .venv/bin/python benchmarks/core_overhead.py [--repeat 3] [--quick]

Reads ../shared/data/mip beside the repository (benchmark data, not part of it).
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "mip"
RESULTS = ROOT / "benchmarks" / "results"
QUICK = ["afiro.mps", "adlittle.mps", "p01.mps", "egout.mps", "e226.mps", "gt2.mps", "p0548.mps", "flugpl.mps"]


def raw_highs(path: Path) -> tuple[float, float]:
    import highspy

    started = time.perf_counter()
    solver = highspy.Highs()
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("mip_rel_gap", 0.0)
    solver.readModel(str(path))
    solver.run()
    return time.perf_counter() - started, float(solver.getInfo().objective_function_value)


def with_optarium(path: Path, store: object) -> tuple[float, float | None, bool]:
    import optarium

    started = time.perf_counter()
    solution = optarium.solve(path, solver="highs", store=store, rel_gap=0.0)  # type: ignore[arg-type]
    return time.perf_counter() - started, solution.objective, solution.verified


def cli_startup(repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([str(Path(sys.executable).parent / "optarium"), "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="only the small instances")
    args = parser.parse_args()
    if not DATA.is_dir():
        raise SystemExit(f"benchmark data not found at {DATA}: this benchmark reads ../shared/data/mip beside the repository")
    with open(DATA / "reference.csv") as handle:
        reference = {row["file"]: float(row["optimal_objective"]) for row in csv.DictReader(handle)}
    names = QUICK if args.quick else sorted(reference)

    from optarium.store.base import open_store

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/bench.db")
        raw_highs(DATA / "afiro.mps")  # load libraries before timing
        with_optarium(DATA / "afiro.mps", store)
        for name in names:
            raw_times, ours_times = [], []
            for _ in range(args.repeat):
                seconds, raw_objective = raw_highs(DATA / name)
                raw_times.append(seconds)
                seconds, objective, verified = with_optarium(DATA / name, store)
                ours_times.append(seconds)
            expected = reference[name]
            matches = objective is not None and abs(objective - expected) <= 1e-6 * max(1.0, abs(expected))
            raw, ours = min(raw_times), min(ours_times)
            rows.append({
                "instance": name, "raw_highs_s": raw, "optarium_s": ours, "ratio": ours / raw, "raw_objective": raw_objective,
                "overhead_ms": 1000 * (ours - raw), "objective": objective, "reference": expected,
                "matches_reference": matches, "verified": verified,
            })
            print(f"{name:16s} raw {raw:8.4f}s  optarium {ours:8.4f}s  ratio {ours / raw:6.3f}  "
                  f"+{1000 * (ours - raw):7.1f} ms  match={matches} verified={verified}", flush=True)
    startup = cli_startup()
    ratios = [row["ratio"] for row in rows]
    small = sorted(rows, key=lambda row: row["raw_highs_s"])[:5]
    summary = {
        "instances": len(rows),
        "all_match_reference": all(row["matches_reference"] for row in rows),
        "all_verified": all(row["verified"] for row in rows),
        "median_ratio": statistics.median(ratios),
        "total_ratio": sum(row["optarium_s"] for row in rows) / sum(row["raw_highs_s"] for row in rows),
        "median_overhead_ms_smallest5": statistics.median(row["overhead_ms"] for row in small),
        "cli_help_seconds": startup,
    }
    print(json.dumps(summary, indent=2))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "core_overhead.json").write_text(json.dumps({"summary": summary, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
