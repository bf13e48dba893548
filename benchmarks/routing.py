"""Routing: cold PyVRP against the learned warm start (after EARLI, 2025) on the X instances.

Phase 1 fills a fresh SQLite store with cold runs of the training instances
(those not under test; in the full run every instance is under test and the
warm start of each one learns from the cold runs of the other thirteen).
Phase 2 solves every test instance with each seed in each mode (cold, the
first warm start, the new warm start with a nearest-neighbour control; see
MODES) for the long budget, and reads the best cost at the short budget from the run's
trace. A warm run never learns from its own instance (its fingerprint is
excluded). Reported: mean gap to the best-known cost (reference.csv) at both
budgets, the warm/cold gap ratios, and the time each run needs to reach the
cold run's final cost, as a fraction of the long budget (target <= 0.5).

    .venv/bin/python benchmarks/routing.py            # 14 instances, seeds 1-5, 10 s and 60 s
    .venv/bin/python benchmarks/routing.py --quick    # 3 instances, seeds 1-2, 5 s and 15 s
    .venv/bin/python benchmarks/routing.py --medium   # 5 instances, seeds 1-3, 10 s and 30 s
    --jobs 2 runs two at a time (one core each; keep the machine otherwise quiet)
    --reuse-cold OLD.json STORE.db runs only the warm modes, against the cold runs of an earlier
      run of the same instances, seeds and budgets (and the store holding them)

Reads ../shared/data/cvrp beside the repository (benchmark data, not part of it).
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import tempfile
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "cvrp"
RESULTS = ROOT / "benchmarks" / "results"
QUICK_TEST = ["X-n101-k25", "X-n139-k10", "X-n176-k26"]
QUICK_TRAIN = ["X-n106-k14", "X-n110-k13", "X-n120-k6", "X-n157-k13"]
MEDIUM_TEST = ["X-n101-k25", "X-n125-k30", "X-n139-k10", "X-n167-k10", "X-n200-k36"]
# cold: PyVRP alone; warm-v1: the first warm start (one learned savings start, PyVRP's 50-nearest
# neighbourhood, 15 candidate edges per client); warm-nearest: the new learned starts with the 30
# nearest clients as neighbourhood (a control: how much is the smaller neighbourhood alone);
# warm: the new learned starts with the learned 30-neighbourhood (the default of --warm-start).
MODES: dict[str, dict[str, Any] | None] = {
    "cold": None,
    "warm-v1": {"neighbourhood": False, "starts": 1, "candidates": 15},
    "warm-nearest": {"nearest": True},
    "warm": {},
}


def best_at(trace: list[tuple[float, float]], seconds: float) -> float | None:
    """Best cost found within ``seconds`` (None if nothing feasible yet)."""
    found = [cost for at, cost in trace if at <= seconds]
    return min(found) if found else None


def mean_gap_curve(rows: list[dict[str, Any]], mode: str, grid: list[float]) -> list[float]:
    """Mean gap to best-known of ``mode``'s runs at each time of ``grid`` (nan before all are feasible)."""
    curve = []
    for at in grid:
        costs = [(best_at(row["trace"], at), row["bks"]) for row in rows if row["mode"] == mode]
        curve.append(float("nan") if any(c is None for c, _ in costs)
                     else statistics.fmean((c - bks) / bks for c, bks in costs if c is not None))
    return curve


def mean_curve_reach(rows: list[dict[str, Any]], mode: str, long: float, steps: int = 600) -> float | None:
    """First time the mean gap curve of ``mode`` is at most the cold runs' mean final gap, or None."""
    grid = [long * (k + 1) / steps for k in range(steps)]
    target = statistics.fmean(row["gap_long"] for row in rows if row["mode"] == "cold")
    return next((at for at, gap in zip(grid, mean_gap_curve(rows, mode, grid), strict=True) if gap <= target + 1e-12), None)


def run_one(name: str, mode: str, seed: int, options: dict[str, Any] | None, bks: float,
            short: float, long: float, url: str) -> dict[str, Any]:
    """One run of ``mode`` on one instance (in a worker process); only cold runs are recorded,
    so every warm mode learns from the same stored runs. The trace starts with the search; the
    warm start's policy is learned (or loaded from the store) before it, in ``plan_seconds``."""
    from optarium.domains.routing import (
        RouteSettings,
        WarmStartOptions,
        read_instance,
        solve_routing,
    )
    from optarium.store.base import open_store

    settings = RouteSettings(time_limit=long, seed=seed, warm_start=options is not None,
                             warm=WarmStartOptions(**(options or {})))
    solution = solve_routing(read_instance(DATA / f"{name}.vrp"), settings, store=open_store(url),
                             record=options is None)
    assert solution.verified and solution.objective is not None, solution.message
    trace = [(at, cost) for at, cost in solution.extra["trace"]]
    at_short = best_at(trace, short)
    return {
        "instance": name, "mode": mode, "seed": seed, "bks": bks,
        "initial_cost": solution.extra["initial_cost"], "cost_short": at_short, "cost_long": solution.objective,
        "gap_short": None if at_short is None else (at_short - bks) / bks,
        "gap_long": (solution.objective - bks) / bks, "iterations": solution.extra["iterations"],
        "trace": trace, "message": solution.message, "plan_seconds": solution.timings.get("plan"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 instances, seeds 1-2, 5 s and 15 s")
    parser.add_argument("--medium", action="store_true", help="5 instances, seeds 1-3, 10 s and 30 s")
    parser.add_argument("--train-seconds", type=float, default=None, help="budget of each training run")
    parser.add_argument("--jobs", type=int, default=1, help="runs at once in worker processes (each uses one core)")
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated subset of " + ", ".join(MODES))
    parser.add_argument("--reuse-cold", nargs=2, metavar=("RESULTS_JSON", "STORE_DB"), default=None,
                        help="take the cold runs from an earlier run's results file and the store it recorded them in"
                             " (its temporary folder is printed at the start) instead of running them again")
    args = parser.parse_args()
    if not DATA.is_dir():
        raise SystemExit(f"benchmark data not found at {DATA}: this benchmark reads ../shared/data/cvrp beside the repository")

    from optarium.domains.routing import RouteSettings, read_instance, solve_routing
    from optarium.store.base import open_store

    with open(DATA / "reference.csv") as handle:
        reference = {row["instance"]: float(row["bks_cost"]) for row in csv.DictReader(handle)}
    if args.quick:
        test, train, seeds, short, long = QUICK_TEST, QUICK_TRAIN, [1, 2], 5.0, 15.0
    elif args.medium:
        test, train, seeds, short, long = MEDIUM_TEST, QUICK_TRAIN, [1, 2, 3], 10.0, 30.0
    else:
        test, train, seeds, short, long = sorted(reference), [], [1, 2, 3, 4, 5], 10.0, 60.0
    train_seconds = args.train_seconds or 3.0
    unknown = [mode for mode in args.modes.split(",") if mode not in MODES]
    if unknown or "cold" not in args.modes.split(","):
        parser.error(f"--modes must name cold and any of {', '.join(MODES)}, got {args.modes!r}")
    modes = {mode: MODES[mode] for mode in args.modes.split(",")}

    started = time.perf_counter()
    rows: list[dict[str, Any]] = []
    phases = [["cold"], [mode for mode in modes if mode != "cold"]]
    if args.reuse_cold:
        earlier = json.loads(Path(args.reuse_cold[0]).read_text())
        if (earlier["test"], earlier["seeds"], earlier["short"], earlier["long"]) != (test, seeds, short, long):
            parser.error(f"{args.reuse_cold[0]} is a run of other instances, seeds or budgets")
        rows = [row for row in earlier["runs"] if row["mode"] == "cold"]
        url = f"sqlite:///{Path(args.reuse_cold[1]).resolve()}"
        phases = phases[1:]
        print(f"cold runs from {args.reuse_cold[0]}, stored in {url}", file=sys.stderr)
    else:
        folder = Path(tempfile.mkdtemp(prefix="optarium-routing-bench-"))
        url = f"sqlite:///{folder / 'store.db'}"
        print(f"store: {url}", file=sys.stderr)
        store = open_store(url)
        for name in train:
            solve_routing(read_instance(DATA / f"{name}.vrp"), RouteSettings(time_limit=train_seconds), store=store)
            print(f"trained on {name}", file=sys.stderr)

    # cold runs first (they are recorded), then the warm modes, which learn from them;
    # with --jobs N, N runs of one phase at a time in worker processes
    for phase in phases:
        tasks = [(name, mode, seed) for mode in phase for name in test for seed in seeds]
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            jobs = [pool.submit(run_one, name, mode, seed, modes[mode], reference[name], short, long, url)
                    for name, mode, seed in tasks]
            for job in as_completed(jobs):
                rows.append(job.result())
                row = rows[-1]
                print(f"{row['mode']} {row['instance']} seed {row['seed']}: gap {100 * row['gap_long']:.2f}%"
                      f"  [{time.perf_counter() - started:.0f}s]", file=sys.stderr, flush=True)
    order = {mode: k for k, mode in enumerate(modes)}
    rows.sort(key=lambda r: (order[r["mode"]], r["instance"], r["seed"]))

    cold = {(r["instance"], r["seed"]): r for r in rows if r["mode"] == "cold"}
    pairs = []
    for row in rows:
        base = cold[(row["instance"], row["seed"])]
        pairs.append({"instance": row["instance"], "seed": row["seed"], "mode": row["mode"], "cold_final": base["cost_long"],
                      "seconds_to_cold_final": next((at for at, cost in row["trace"] if cost <= base["cost_long"]), None)})

    def mean(values: list[float | None]) -> float:
        present = [v for v in values if v is not None]
        return statistics.fmean(present) if present else float("nan")

    summary: dict[str, Any] = {}
    for mode in modes:
        chosen = [r for r in rows if r["mode"] == mode]
        reached = [p["seconds_to_cold_final"] for p in pairs if p["mode"] == mode]
        summary[mode] = {
            "mean_initial_gap": mean([None if r["initial_cost"] is None else (r["initial_cost"] - r["bks"]) / r["bks"] for r in chosen]),
            "mean_gap_short": mean([r["gap_short"] for r in chosen]),
            "mean_gap_long": mean([r["gap_long"] for r in chosen]),
            "mean_iterations": mean([r["iterations"] for r in chosen]),
            "reaches_cold_final": sum(r is not None for r in reached), "runs": len(reached),
            # runs that never reach the cold final cost count as the whole budget
            "median_fraction_to_cold_final": statistics.median([long if r is None else r for r in reached]) / long,
            "mean_fraction_to_cold_final": statistics.fmean([long if r is None else r for r in reached]) / long,
        }
        reach = mean_curve_reach(rows, mode, long)
        summary[mode]["mean_curve_fraction_to_cold_final"] = None if reach is None else reach / long

    print()
    print(f"routing benchmark ({'quick' if args.quick else 'medium' if args.medium else 'full'}): {len(test)} instances x seeds {seeds}, "
          f"budgets {short:g} s and {long:g} s, {len(train)} extra training instances")
    print()
    print(f"| start | gap at start | gap at {short:g} s | gap at {long:g} s | ratio to cold at {short:g} s / {long:g} s "
          f"| reaches cold {long:g} s cost | time to it / budget, median (mean) | mean curve reaches it | iterations |")
    print("|---|---|---|---|---|---|---|---|---|")
    for mode in modes:
        m = summary[mode]
        reach = m["mean_curve_fraction_to_cold_final"]
        curve = "never" if reach is None else f"{reach:.2f}"
        ratio = ("" if mode == "cold" else f"{m['mean_gap_short'] / summary['cold']['mean_gap_short']:.2f} / "
                 f"{m['mean_gap_long'] / summary['cold']['mean_gap_long']:.2f}")
        print(f"| {mode} | {100 * m['mean_initial_gap']:.2f}% | {100 * m['mean_gap_short']:.2f}% | {100 * m['mean_gap_long']:.2f}% "
              f"| {ratio} | {m['reaches_cold_final']}/{m['runs']} | {m['median_fraction_to_cold_final']:.2f} "
              f"({m['mean_fraction_to_cold_final']:.2f}) | {curve} | {m['mean_iterations']:.0f} |")
    print()
    print("target: warm reaches the cold run's final cost in at most half the budget (time ratio <= 0.50); "
          "'mean curve': when the mode's mean gap first falls to the cold runs' mean final gap")
    print()
    print("| instance | seed | cold final | " + " | ".join(f"{mode} s to it" for mode in modes) + " |")
    print("|---|---|---|" + "---|" * len(modes))
    for name in test:
        for seed in seeds:
            mine = {p["mode"]: p for p in pairs if p["instance"] == name and p["seed"] == seed}
            cells = ["never" if mine[mode]["seconds_to_cold_final"] is None else f"{mine[mode]['seconds_to_cold_final']:.1f}"
                     for mode in modes]
            print(f"| {name} | {seed} | {mine['cold']['cold_final']:g} | " + " | ".join(cells) + " |")

    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = "routing_quick" if args.quick else "routing_medium" if args.medium else "routing"
    output = {"quick": args.quick, "test": test, "train": train, "seeds": seeds, "short": short, "long": long,
              "summary": summary, "pairs": pairs, "runs": rows, "wall_seconds": time.perf_counter() - started,
              "cold_reused_from": args.reuse_cold[0] if args.reuse_cold else None}
    (RESULTS / f"{stem}.json").write_text(json.dumps(output, separators=(",", ":"), allow_nan=True))
    plot(rows, list(modes), long, RESULTS / f"{stem}.png")
    print(f"\nwrote {RESULTS / f'{stem}.json'} and {RESULTS / f'{stem}.png'}")
    return 0


def plot(rows: list[dict[str, Any]], modes: list[str], long: float, path: Path) -> None:
    """Mean gap to best-known over time, cold against warm."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    grid = np.linspace(0.05, long, 200)
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for mode in modes:
        curves = []
        for row in (r for r in rows if r["mode"] == mode):
            curve = [best_at(row["trace"], t) for t in grid]
            curves.append([np.nan if c is None else 100 * (c - row["bks"]) / row["bks"] for c in curve])
        with warnings.catch_warnings():  # no feasible solution yet at the earliest grid points
            warnings.simplefilter("ignore", RuntimeWarning)
            mean_curve = np.nanmean(np.array(curves, dtype=float), axis=0)
        axes.plot(grid, mean_curve, label=mode)
    axes.set_xlabel("seconds")
    axes.set_ylabel("mean gap to best-known (%)")
    axes.set_yscale("log")
    axes.legend()
    axes.set_title("PyVRP cold vs learned warm start")
    figure.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(figure)


if __name__ == "__main__":
    raise SystemExit(main())
