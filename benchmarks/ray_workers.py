"""Ray workers on one study: N slow black-box evaluations with 1 worker, then with 2, on Ray.

    .venv/bin/python benchmarks/ray_workers.py [--evaluations 200] [--seconds 5] [--workers 1,2]

The "experiment" is waiting (``time.sleep(seconds)``, then a smooth 2-D function), as a lab
robot or a simulation on another machine would be. Each run is ``optimize(...,
n_workers=W, executor="ray")`` on a fresh SQLite store, all runs on one local Ray cluster
started first (its start-up is reported on its own, not inside any run). Reports each
run's wall time, the time per evaluation, trials complete / failed / pending, parameter
sets handed out twice, the most evaluations that ran at once (from the trials' stored
start and finish times), and the ratio of each run's time to the 1-worker run's (target for
2 workers: <= 0.6). Results go to benchmarks/results/ray_workers.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
SPACE = {"x": {"type": "float", "low": -5.0, "high": 5.0}, "y": {"type": "float", "low": -5.0, "high": 5.0}}


def experiment(seconds: float) -> Any:
    """An objective that waits ``seconds`` and returns a shifted sphere with a ripple."""

    def run(params: dict[str, float]) -> float:
        time.sleep(seconds)
        x, y = params["x"] - 1.0, params["y"] + 2.0
        return x * x + y * y + 0.3 * math.sin(3 * x)

    return run


def most_at_once(rows: list[dict[str, Any]]) -> int:
    """The largest number of trials between ask (created) and tell (finished) at one moment."""
    events = []
    for row in rows:
        if row["created_at"] is None or row["finished_at"] is None:
            continue
        events += [(_moment(row["created_at"]), 1), (_moment(row["finished_at"]), -1)]
    level = peak = 0
    for _, step in sorted(events, key=lambda event: (event[0], event[1])):
        level += step
        peak = max(peak, level)
    return peak


def _moment(value: Any) -> float:
    return value.timestamp() if isinstance(value, datetime) else datetime.fromisoformat(str(value)).timestamp()


def one_run(workers: int, evaluations: int, seconds: float, sampler: str, seed: int, folder: Path) -> dict[str, Any]:
    from optarium import optimize

    store = f"sqlite:///{folder / f'ray_workers_{workers}.db'}"
    started = time.perf_counter()
    study = optimize(experiment(seconds), SPACE, budget=evaluations, sampler=sampler, seed=seed, n_workers=workers,
                     executor="ray", store=store, study_name=f"ray-{workers}")
    wall = time.perf_counter() - started
    rows = study.trial_rows()
    states = [row["state"] for row in rows]
    params = [tuple(sorted((k, v) for k, v in row.items() if k.startswith("params_"))) for row in rows]
    best = study.best
    return {
        "workers": workers, "seconds": round(wall, 3), "seconds_per_evaluation": round(wall / evaluations, 4),
        "ideal_seconds": round(math.ceil(evaluations / workers) * seconds, 3),
        "trials": len(rows), "complete": states.count("complete"), "failed": states.count("failed"),
        "pending": states.count("pending"), "duplicate_params": len(params) - len(set(params)),
        "most_at_once": most_at_once(rows), "best_value": None if best is None else best.value,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluations", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds one evaluation waits")
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts; the first is the reference")
    parser.add_argument("--sampler", default="auto")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, default=RESULTS / "ray_workers.json")
    args = parser.parse_args()
    counts = [int(part) for part in args.workers.split(",") if part.strip()]
    if not counts or min(counts) < 1 or args.evaluations < 1 or args.seconds < 0:
        raise SystemExit("--workers must list positive counts, --evaluations be positive and --seconds >= 0")

    import ray

    started = time.perf_counter()
    ray.init(num_cpus=max(os.cpu_count() or 1, max(counts)), include_dashboard=False, logging_level="WARNING")
    cluster_start = time.perf_counter() - started
    print(f"local Ray cluster started in {cluster_start:.1f} s ({ray.__version__}); load average {os.getloadavg()}",
          flush=True)
    runs = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            for workers in counts:
                load_before = os.getloadavg()
                row = one_run(workers, args.evaluations, args.seconds, args.sampler, args.seed, Path(folder))
                row["load_average_before"] = [round(x, 2) for x in load_before]
                row["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
                row["ratio_to_first"] = round(row["seconds"] / runs[0]["seconds"], 4) if runs else 1.0
                runs.append(row)
                print(json.dumps(row), flush=True)
    finally:
        ray.shutdown()

    print(f"\n{args.evaluations} evaluations of {args.seconds:g} s each, sampler {args.sampler}, SQLite store, Ray {ray.__version__}")
    print(f"{'workers':>7} {'seconds':>9} {'ideal':>7} {'ratio':>6} {'complete':>8} {'failed':>6} {'pending':>7} {'dupes':>5} {'at once':>7}")
    for row in runs:
        print(f"{row['workers']:>7} {row['seconds']:>9.1f} {row['ideal_seconds']:>7.0f} {row['ratio_to_first']:>6.3f} "
              f"{row['complete']:>8} {row['failed']:>6} {row['pending']:>7} {row['duplicate_params']:>5} {row['most_at_once']:>7}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({
        "python": sys.version.split()[0], "cpus": os.cpu_count(), "ray": ray.__version__, "evaluations": args.evaluations,
        "seconds_per_evaluation": args.seconds, "sampler": args.sampler, "seed": args.seed,
        "cluster_start_seconds": round(cluster_start, 2), "runs": runs,
    }, indent=2) + "\n")
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
