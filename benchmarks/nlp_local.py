"""The local NLP backends against SCIP's global optimum on the continuous MINLPLib instances.

For every NLP of ../shared/data/minlp: ``optarium.solve`` with Ipopt, with SciPy's SLSQP and
with SCIP (global, its model built from the expression graph), in the same process. Reports each local backend's status, objective
and time, and how often its (verified) local optimum equals the global one (1e-6 relative
to MINLPLib's published optimum).

    flock /tmp/optarium-bench.lock .venv/bin/python benchmarks/nlp_local.py [--time-limit 60]

Reads ../shared/data/minlp beside the repository; writes benchmarks/results/minlp_nlp_local.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from minlp import DATA, RESULTS, close, quiet_stdout  # noqa: E402

SOLVERS = ("ipopt", "slsqp", "scip")


def run(path: Path, solver: str, time_limit: float) -> dict[str, Any]:
    import optarium

    # SCIP's model built from the expression graph, as for a Python or Pyomo model
    params = {"scip_input": "graph"} if solver == "scip" else {}
    started = time.perf_counter()
    with quiet_stdout():
        solution = optarium.solve(str(path), solver=solver, time_limit=time_limit, record=False, **params)
    return {"seconds": time.perf_counter() - started, "status": solution.status, "objective": solution.objective,
            "verified": solution.verified, "message": solution.message}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--out", type=Path, default=RESULTS / "minlp_nlp_local.json")
    args = parser.parse_args()
    rows = [row for row in csv.DictReader((DATA / "reference.csv").open()) if row["kind"] == "NLP"]
    results = []
    print(f"{'instance':10s} {'global':>14s} " + " ".join(f"{s + ' status':>16s} {s + ' obj':>14s} {s + ' s':>7s}" for s in SOLVERS))
    for row in rows:
        path = DATA / row["file"]
        published = float(row["published_objective"])
        runs = {solver: run(path, solver, args.time_limit) for solver in SOLVERS}
        for outcome in runs.values():
            outcome["equals_global"] = bool(outcome["verified"] and close(outcome["objective"], published))
        results.append({"instance": path.stem, "published": published, **runs})
        cells = " ".join(f"{runs[s]['status']:>16s} {_number(runs[s]['objective']):>14s} {runs[s]['seconds']:7.3f}" for s in SOLVERS)
        print(f"{path.stem:10s} {published:14.8g} {cells}", flush=True)
    summary: dict[str, Any] = {"instances": len(results)}
    for solver in SOLVERS:
        outcomes = [r[solver] for r in results]
        summary[solver] = {
            "equals_global": sum(o["equals_global"] for o in outcomes),
            "verified_answers": sum(o["verified"] for o in outcomes),
            "statuses": {status: sum(o["status"] == status for o in outcomes) for status in sorted({o["status"] for o in outcomes})},
            "total_seconds": round(sum(o["seconds"] for o in outcomes), 3),
            "median_seconds": round(statistics.median(o["seconds"] for o in outcomes), 4),
        }
    print(json.dumps(summary, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "command": "flock /tmp/optarium-bench.lock .venv/bin/python benchmarks/nlp_local.py " + " ".join(sys.argv[1:]),
        "time_limit": args.time_limit, "machine": f"{os.cpu_count()} cores", "load_average_at_end": os.getloadavg(),
        "summary": summary, "instances": results,
    }, indent=2))
    print(f"wrote {args.out}")
    return 0


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.8g}"


if __name__ == "__main__":
    raise SystemExit(main())
