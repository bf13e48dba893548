"""Routing, the daily planner's case: today's instance is yesterday's with a few clients changed.

For each X instance a fixed customer base is the instance itself; "yesterday" serves a
random (1 - churn) of its clients and "today" another random (1 - churn), demands as in
the instance. Yesterday is solved cold and recorded in a fresh store; today is solved
cold (PyVRP alone) and warm (``--warm-start``: the edge policy learned from yesterday's
stored solution, the only one in the store) with the same budget and seed, neither
recorded. Reported per mode: the mean cost above today's cold final cost at a few
times, and the time each run needs to reach that cost, as a fraction of the budget.

    .venv/bin/python benchmarks/routing_daily.py             # 14 instances, 30 s, churn 5%
    .venv/bin/python benchmarks/routing_daily.py --quick     # 3 instances, 10 s

Reads ../shared/data/cvrp beside the repository (benchmark data, not part of it).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

from routing import DATA, QUICK_TEST, RESULTS, best_at

MODES: dict[str, dict[str, Any] | None] = {"cold": None, "warm": {}}


def run_instance(name: str, churn: float, budget: float, seed: int) -> list[dict[str, Any]]:
    """Yesterday cold (recorded), then today in every mode (in a worker process)."""
    import numpy as np

    from optarium.domains.routing import (
        RouteSettings,
        WarmStartOptions,
        read_instance,
        solve_routing,
    )
    from optarium.store.base import open_store

    base = read_instance(DATA / f"{name}.vrp")
    rng = np.random.default_rng(seed)
    clients = np.arange(1, base.num_clients + 1)
    size = round((1 - churn) * base.num_clients)
    yesterday = base.with_clients(sorted(rng.choice(clients, size, replace=False).tolist()), name=f"{name}-yesterday")
    today = base.with_clients(sorted(rng.choice(clients, size, replace=False).tolist()), name=f"{name}-today")
    store = open_store(f"sqlite:///{tempfile.mkdtemp()}/daily.db")
    solve_routing(yesterday, RouteSettings(time_limit=budget, seed=seed), store=store)
    rows = []
    for mode, options in MODES.items():
        settings = RouteSettings(time_limit=budget, seed=seed, warm_start=options is not None,
                                 warm=WarmStartOptions(**(options or {})))
        solution = solve_routing(today, settings, store=store, record=False)
        assert solution.verified, solution.message
        rows.append({"instance": name, "mode": mode, "seed": seed, "cost": solution.objective,
                     "initial_cost": solution.extra["initial_cost"], "trace": solution.extra["trace"],
                     "message": solution.message, "plan_seconds": solution.timings.get("plan")})
    reference = next(row["cost"] for row in rows if row["mode"] == "cold")
    for row in rows:
        reached = next((at for at, cost in row["trace"] if cost <= reference), None)
        row["reference"] = reference
        row["reach_fraction"] = None if reached is None else reached / budget
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 instances, 10 s")
    parser.add_argument("--time-limit", type=float, default=None, help="seconds per solve (default 30, 10 with --quick)")
    parser.add_argument("--churn", type=float, default=0.05, help="share of the clients left out each day")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=1, help="instances run at once (one core each)")
    args = parser.parse_args()
    if not DATA.is_dir():
        raise SystemExit(f"benchmark data not found at {DATA}: this benchmark reads ../shared/data/cvrp beside the repository")
    if not 0 <= args.churn < 0.5:
        parser.error(f"--churn must be in [0, 0.5), got {args.churn}")
    budget = args.time_limit or (10.0 if args.quick else 30.0)
    names = QUICK_TEST if args.quick else sorted(p.stem for p in DATA.glob("X-*.vrp"))
    started = time.perf_counter()
    rows: list[dict[str, Any]] = []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        jobs = [pool.submit(run_instance, name, args.churn, budget, args.seed) for name in names]
        for job in as_completed(jobs):
            found = job.result()
            rows += found
            print(f"{found[0]['instance']}: " + "  ".join(
                f"{r['mode']}={r['cost']:.0f} (reach {r['reach_fraction'] if r['reach_fraction'] is None else round(r['reach_fraction'], 2)})"
                for r in found) + f"  [{time.perf_counter() - started:.0f}s]", file=sys.stderr, flush=True)
    times = sorted({t for t in (1.0, 5.0, 10.0) if t < budget} | {budget})
    summary: dict[str, Any] = {"budget": budget, "churn": args.churn, "instances": len(names), "modes": {}}
    print(f"{'mode':<14}" + "".join(f"{f'above @{t:g}s':>13}" for t in times) + f"{'reach ≤ 0.5':>13}{'median reach':>14}")
    for mode in MODES:
        runs = [r for r in rows if r["mode"] == mode]
        above = []
        for at in times:
            costs = [(best_at(r["trace"], at), r["reference"]) for r in runs]
            above.append(None if any(c is None for c, _ in costs)
                         else statistics.fmean((c - ref) / ref for c, ref in costs if c is not None))
        reach = [r["reach_fraction"] if r["reach_fraction"] is not None else float("inf") for r in runs]
        summary["modes"][mode] = {"mean_above_cold_final": dict(zip([f"{t:g}" for t in times], above, strict=True)),
                                  "reached_in_half": sum(f <= 0.5 for f in reach), "median_reach": statistics.median(reach)}
        print(f"{mode:<14}" + "".join(f"{'-':>13}" if a is None else f"{a:>12.2%} " for a in above)
              + f"{sum(f <= 0.5 for f in reach):>10}/{len(runs)}{statistics.median(reach):>14.2f}")
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / ("routing_daily_quick.json" if args.quick else "routing_daily.json")
    path.write_text(json.dumps({"summary": summary, "runs": rows}, separators=(",", ":")))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
