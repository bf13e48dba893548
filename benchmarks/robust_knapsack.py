"""Two-stage robust problems: the exact method (CCG) against published results.

knapsack: instances with at most ``--max-items`` items of the Arslan & Detienne
robust knapsack set, each solved with the exact method for ``--time-limit``
seconds and its decision verified (worst case recomputed); compared with the
published branch-and-price values (ResultsForBranchAndPrice.csv): matched when
our run proved optimality and the verified worst case equals the published
optimum within 1e-6 relative (the file prints 6 significant digits, so "equal
as printed" is reported too). Published times come from another machine.

learned: the same comparison for the learned method on 50-80 items (relative error
against the best published value, proved or not; training time counted).

capital: capital budgeting instances (``--sizes``, seeds ``--seeds``) against
reference.csv: the fraction where our verified worst case (minimisation form)
is at most the published K-adaptability objective (best of K = 2, 5, 10).

    flock /tmp/optarium-bench.lock .venv/bin/python benchmarks/robust_knapsack.py knapsack --max-items 20 --time-limit 10
    flock /tmp/optarium-bench.lock .venv/bin/python benchmarks/robust_knapsack.py capital --sizes 10 --seeds 1-10 --time-limit 20
    flock /tmp/optarium-bench.lock .venv/bin/python benchmarks/robust_knapsack.py knapsack --method learned --min-items 50 --max-items 80 --every 36 --time-limit 30 --label learned
    .venv/bin/python benchmarks/robust_knapsack.py report    # the tables from the JSON files written

Writes benchmarks/results/robust_<part>_<label>.json. Reads ../shared/data beside the repository.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import re
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "benchmarks" / "results"


def _solve(path: Path, time_limit: float, method: str = "exact") -> dict[str, Any]:
    from optarium.domains.robust import read_file, solve_robust
    from optarium.errors import OptariumError

    problem = read_file(path)
    started = time.perf_counter()
    try:
        solution = solve_robust(problem, method, time_limit=time_limit, record=False)
    except OptariumError as error:
        return {"instance": path.name, "status": "bad_input", "message": str(error)}
    return {
        "instance": path.name, "status": solution.status, "verified": solution.verified,
        "objective": solution.objective, "bound": solution.bound, "gap": solution.gap,
        "method_objective": solution.extra.get("method_objective"), "iterations": solution.extra.get("iterations"),
        "solve_seconds": round(solution.seconds, 3), "verify_seconds": round(solution.timings.get("verify", 0.0), 3),
        "train_seconds": round(solution.timings.get("plan", 0.0), 3), "method": method,
        "total_seconds": round(time.perf_counter() - started, 3), "message": solution.message,
        "algorithm": solution.extra.get("algorithm", "ccg" if method == "exact" else "neur2ro"),
        "nodes": solution.extra.get("nodes"),
    }


def _printed_equal(ours: float, published: float) -> bool:
    """Equal to 6 significant digits (how the published file prints its values)."""
    if published == 0:
        return abs(ours) < 5e-6
    unit = 10 ** (math.floor(math.log10(abs(published))) - 5)
    return abs(ours - published) <= unit / 2 + 1e-9


def knapsack(args: argparse.Namespace) -> None:
    folder = DATA / "robust_knapsack"
    with open(folder / "ResultsForBranchAndPrice.csv", encoding="utf-8-sig") as handle:
        published = {row["File name"]: row for row in csv.DictReader(handle)}
    names = sorted(name for name in published
                   if args.min_items <= int(re.search(r"_n(\d+)_", name).group(1)) <= args.max_items)  # type: ignore[union-attr]
    names = names[args.start:args.stop:args.every]
    if args.only:
        names = [name for name in names if name in set(args.only)]
    if args.sample:
        import random

        names = sorted(random.Random(args.seed).sample(names, args.sample))
    rows = []
    loadavg_start = [round(v, 2) for v in os.getloadavg()]
    for name in names:
        row = _solve(folder / "TwoStageRobustKnapsackInstances" / name, args.time_limit, args.method)
        row["loadavg"] = round(os.getloadavg()[0], 2)
        ref = published[name]
        row["published"] = float(ref["Best primal bound"])
        row["published_optimal"] = ref["Solved to optimality"].strip() == "1"
        row["published_seconds"] = None if ref["Time"].strip() == "TIME_LIMIT" else float(ref["Time"])
        ours = row.get("objective")
        row["match_1e6"] = bool(row["status"] == "optimal" and ours is not None and row["published_optimal"]
                                and abs(ours - row["published"]) <= 1e-6 * max(1.0, abs(row["published"])))
        row["match_printed"] = bool(row["status"] == "optimal" and ours is not None and row["published_optimal"]
                                    and _printed_equal(ours, row["published"]))
        row["relative_error"] = None if ours is None else (row["published"] - ours) / abs(row["published"])
        rows.append(row)
        print(f"{name:48s} {row['status']:10s} ours {ours!s:>20} pub {row['published']:>10} "
              f"{'opt' if row['published_optimal'] else '   '} gap {row.get('gap')!s:>22} "
              f"{row.get('train_seconds')}s train + {row.get('solve_seconds')}s (+{row.get('verify_seconds')}s verify) "
              f"pub {row['published_seconds']}s", flush=True)
    _write(f"robust_knapsack_{args.label}.json", {"part": "knapsack", "method": args.method, "time_limit": args.time_limit,
                                                  "loadavg_start": loadavg_start, "rows": rows})


def capital(args: argparse.Namespace) -> None:
    folder = DATA / "robust_capital_budgeting"
    with open(folder / "reference.csv") as handle:
        reference = {row["instance"]: row for row in csv.DictReader(handle)}
    low, high = (int(v) for v in args.seeds.split("-"))
    rows = []
    for size in args.sizes:
        for seed in range(low, high + 1):
            name = f"CB_n{size}_xi4_s{seed}"
            row = _solve(folder / "eval_instances" / name, args.time_limit)
            ref = reference.get(name, {})
            kadapt = [float(ref[f"kadapt_obj_K{k}"]) for k in (2, 5, 10) if ref.get(f"kadapt_obj_K{k}")]
            row["kadapt_best"] = min(kadapt) if kadapt else None
            row["ml_scen_eval"] = float(ref["scen_eval_obj_ml"]) if ref.get("scen_eval_obj_ml") else None
            row["ml_seconds"] = float(ref["ml_seconds"]) if ref.get("ml_seconds") else None
            ours = None if row.get("objective") is None else -row["objective"]  # minimisation form, as published
            row["ours_min_form"] = ours
            row["at_least_kadapt"] = None if ours is None or row["kadapt_best"] is None or not row.get("verified") else bool(
                ours <= row["kadapt_best"] + 1e-9)
            rows.append(row)
            print(f"{name:18s} {row['status']:10s} ours {ours!s:>22} kadapt {row['kadapt_best']!s:>22} "
                  f"ml(scen) {row['ml_scen_eval']!s:>22} {row.get('solve_seconds')}s (+{row.get('verify_seconds')}s)", flush=True)
    _write(f"robust_capital_{args.label}.json", {"part": "capital", "time_limit": args.time_limit, "rows": rows})


def _write(name: str, data: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    data["command"] = " ".join(sys.argv)
    data["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    data["loadavg_end"] = [round(v, 2) for v in os.getloadavg()]
    data["code"] = _code()
    rows = data.pop("rows")
    head = json.dumps(data, separators=(",", ":"))[:-1]
    body = ",\n".join(json.dumps(row, separators=(",", ":")) for row in rows)
    (RESULTS / name).write_text(f'{head},"rows":[\n{body}\n]}}\n')
    print(f"wrote {RESULTS / name}")


def _code() -> str:
    """Which optarium ran (its source folder, e.g. an older revision's worktree on PYTHONPATH) and that tree's commit."""
    import subprocess

    import optarium

    folder = Path(optarium.__file__).resolve().parents[2]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=folder, capture_output=True, text=True,
                            check=False).stdout.strip()
    return f"{folder}@{commit or 'unknown'}"


def _finished(path: Path, data: dict[str, Any]) -> float:
    """When a results file was written: its ``finished`` field, else its last commit, else its modification time."""
    if data.get("finished"):
        return datetime.fromisoformat(data["finished"]).timestamp()
    import subprocess

    committed = subprocess.run(["git", "log", "-1", "--format=%ct", "--", str(path)], cwd=ROOT, capture_output=True,
                               text=True, check=False).stdout.strip()
    return float(committed) if committed else path.stat().st_mtime


def report(args: argparse.Namespace) -> None:
    paths = ([RESULTS / f"robust_knapsack_{label}.json" for label in args.labels] if args.labels
             else sorted(RESULTS.glob("robust_knapsack_*.json")))
    missing = [path.name for path in paths if not path.exists()]
    if missing:
        print(f"no results file {', '.join(missing)} in {RESULTS}", file=sys.stderr)
        sys.exit(2)
    loaded = {path: json.loads(path.read_text()) for path in paths if "_peer" not in path.name}
    # newest first: where an instance was run more than once (same algorithm), the newest run is the one reported
    files = dict(sorted(loaded.items(), key=lambda item: _finished(*item), reverse=True))
    print("knapsack results from (newest first): " + ", ".join(path.name for path in files) + "\n")
    knap, seen = [], set()
    for data in files.values():
        for row in data["rows"] if data.get("method", "exact") == "exact" else []:
            if (row["instance"], row.get("algorithm", "ccg")) not in seen:
                seen.add((row["instance"], row.get("algorithm", "ccg")))
                knap.append(row)
    learned = [row for data in files.values() if data.get("method") == "learned" for row in data["rows"]]
    if learned:
        errors = [r["relative_error"] for r in learned if r["relative_error"] is not None]
        times = [r["train_seconds"] + r["solve_seconds"] for r in learned if r.get("solve_seconds") is not None]
        verify = [r["verify_seconds"] for r in learned if r.get("verify_seconds") is not None]
        print(f"learned: {len(learned)} instances, verified {sum(bool(r.get('verified')) for r in learned)}, median relative "
              f"error {100 * statistics.median(errors):.2f}% (max {100 * max(errors):.2f}%), median train+solve "
              f"{statistics.median(times):.1f} s (max {max(times):.1f} s), median verification {statistics.median(verify):.1f} s\n")
    if knap:
        _classes(knap)
        proved = [r for r in knap if r["published_optimal"]]
        print("| items | algorithm | instances | B&P proved | ours optimal | matched 1e-6 | matched as printed | median rel. error | "
              "median time (ours / B&P) |")
        print("|---|---|---|---|---|---|---|---|---|")
        for n, algorithm in sorted({(int(re.search(r"_n(\d+)_", r["instance"]).group(1)), r.get("algorithm", "ccg"))  # type: ignore[union-attr]
                                    for r in knap}):
            group = [r for r in knap if f"_n{n}_" in r["instance"] and r.get("algorithm", "ccg") == algorithm]
            errors = [r["relative_error"] for r in group if r["relative_error"] is not None]
            ours_t = [r["solve_seconds"] + r["verify_seconds"] for r in group if r.get("solve_seconds") is not None]
            pub_t = [r["published_seconds"] for r in group if r["published_seconds"] is not None]
            print(f"| {n} | {algorithm} | {len(group)} | {sum(r['published_optimal'] for r in group)} | "
                  f"{sum(r['status'] == 'optimal' for r in group)} | {sum(r['match_1e6'] for r in group)} | "
                  f"{sum(r['match_printed'] for r in group)} | {100 * statistics.median(errors):.2f}% | "
                  f"{statistics.median(ours_t):.1f} s / {statistics.median(pub_t) if pub_t else float('nan'):.1f} s |")
        for algorithm in sorted({r.get("algorithm", "ccg") for r in knap}):
            mine = [r for r in proved if r.get("algorithm", "ccg") == algorithm]
            print(f"\n{algorithm}: {sum(r['match_printed'] for r in mine)} of {len(mine)} proved optima matched as printed; "
                  f"verified {sum(bool(r.get('verified')) for r in knap if r.get('algorithm', 'ccg') == algorithm)} of "
                  f"{sum(r.get('algorithm', 'ccg') == algorithm for r in knap)}")
    cap = [row for path in sorted(RESULTS.glob("robust_capital_*.json")) for row in json.loads(path.read_text())["rows"]]
    if cap:
        print("\n| items | instances | verified | optimal | at least as good as K-adaptability | median time (s) |")
        print("|---|---|---|---|---|---|")
        for n in sorted({int(re.search(r"_n(\d+)_", r["instance"]).group(1)) for r in cap}):  # type: ignore[union-attr]
            group = [r for r in cap if f"_n{n}_" in r["instance"]]
            compared = [r for r in group if r["at_least_kadapt"] is not None]
            times = [r["solve_seconds"] + r["verify_seconds"] for r in group if r.get("solve_seconds") is not None]
            print(f"| {n} | {len(group)} | {sum(bool(r.get('verified')) for r in group)} | "
                  f"{sum(r['status'] == 'optimal' for r in group)} | "
                  f"{sum(r['at_least_kadapt'] for r in compared)}/{len(compared)} | {statistics.median(times):.1f} |")


def _classes(knap: list[dict[str, Any]]) -> None:
    """Per item count, algorithm and instance class: proved, matched, and our time against the published one."""
    print("| items | algorithm | class | instances | B&P proved | ours proved | matched 1e-6 (of B&P proved) | "
          "median time ours / B&P | ours faster |")
    print("|---|---|---|---|---|---|---|---|---|")
    keys = sorted({(int(re.search(r"_n(\d+)_", r["instance"]).group(1)), r.get("algorithm", "ccg"),  # type: ignore[union-attr]
                    r["instance"].split("_")[1]) for r in knap})
    for n, algorithm, kind in keys:
        group = [r for r in knap if f"_{kind}_n{n}_" in r["instance"] and r.get("algorithm", "ccg") == algorithm]
        ours_t = [r["solve_seconds"] + r["verify_seconds"] for r in group if r.get("solve_seconds") is not None]
        pub_t = [r["published_seconds"] if r["published_seconds"] is not None else float("inf") for r in group]
        faster = sum(r["status"] == "optimal" and r["published_seconds"] is not None
                     and r["solve_seconds"] + r["verify_seconds"] < r["published_seconds"] for r in group)
        print(f"| {n} | {algorithm} | {kind} | {len(group)} | {sum(r['published_optimal'] for r in group)} | "
              f"{sum(r['status'] == 'optimal' for r in group)} | {sum(r['match_1e6'] for r in group)} | "
              f"{statistics.median(ours_t):.1f} s / {statistics.median(pub_t):.1f} s | {faster} |")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parts = parser.add_subparsers(dest="part", required=True)
    k = parts.add_parser("knapsack")
    k.add_argument("--max-items", type=int, default=30)
    k.add_argument("--min-items", type=int, default=0)
    k.add_argument("--every", type=int, default=1, help="take every k-th instance of the sorted list")
    k.add_argument("--method", choices=("exact", "learned"), default="exact")
    k.add_argument("--time-limit", type=float, default=10.0)
    k.add_argument("--start", type=int, default=0)
    k.add_argument("--stop", type=int, default=None)
    k.add_argument("--sample", type=int, default=0, help="a random sample of this many of the selected instances")
    k.add_argument("--seed", type=int, default=0, help="the seed of --sample")
    k.add_argument("--only", nargs="+", default=[], help="only these instance names (of those selected)")
    k.add_argument("--label", default="exact")
    k.set_defaults(run=knapsack)
    c = parts.add_parser("capital")
    c.add_argument("--sizes", type=int, nargs="+", default=[10])
    c.add_argument("--seeds", default="1-10")
    c.add_argument("--time-limit", type=float, default=20.0)
    c.add_argument("--label", default="exact")
    c.set_defaults(run=capital)
    r = parts.add_parser("report")
    r.add_argument("--labels", nargs="+", default=[], help="only these knapsack result files (robust_knapsack_<label>.json)")
    r.set_defaults(run=report)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
