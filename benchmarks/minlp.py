"""SCIP through optarium against SCIP alone on the MINLPLib instances of ../shared/data/minlp.

For every instance: SCIP alone (pyscipopt reads the ``.nl`` file and solves) and
``optarium.solve`` (our ``.nl`` reader, the planner, SCIP on the file as the planner
has it, the numpy check of the answer against our graph, the record in a ``memory://``
store), in the same process, the same time limit, alternating which goes first, best of
``--repeat`` each. With ``--graph`` (the default) a third run has SCIP's model built from
our expression graph (``scip_input="graph"``), as for Python and Pyomo models.
Checks both objectives against MINLPLib's published optimum (1e-6 relative) and
reports the total wall-time ratio and how many answers are proven globally optimal.

    flock /tmp/optarium-bench.lock .venv/bin/python benchmarks/minlp.py [--time-limit 60] [--repeat 1]

Reads ../shared/data/minlp beside the repository (benchmark data, not part of it);
writes benchmarks/results/minlp.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "minlp"
RESULTS = ROOT / "benchmarks" / "results"


def close(value: float | None, reference: float) -> bool:
    return value is not None and abs(value - reference) <= 1e-6 * max(1.0, abs(reference), abs(value))


def scip_alone(path: Path, time_limit: float) -> dict[str, Any]:
    import pyscipopt

    started = time.perf_counter()
    with quiet_stdout():
        model = pyscipopt.Model()
        model.hideOutput()
        model.readProblem(str(path))
        model.setParam("limits/time", time_limit)
        model.optimize()
    seconds = time.perf_counter() - started
    objective = float(model.getObjVal()) if model.getNSols() else None
    return {"seconds": seconds, "status": str(model.getStatus()), "objective": objective}


def with_optarium(path: Path, time_limit: float, store: Any, **params: Any) -> dict[str, Any]:
    import optarium

    started = time.perf_counter()
    with quiet_stdout():
        solution = optarium.solve(str(path), time_limit=time_limit, store=store, **params)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "status": solution.status, "objective": solution.objective, "bound": solution.bound,
            "gap": solution.gap, "verified": solution.verified, "solver": solution.solver,
            "plan_reason": solution.plan_reason, "timings": {k: round(v, 4) for k, v in solution.timings.items()}}


class quiet_stdout:
    """SCIP's LP solver prints notes on the C streams; keep them out of the table."""

    def __enter__(self) -> None:
        sys.stdout.flush()
        self.saved = os.dup(1), os.dup(2)
        self.sink = tempfile.TemporaryFile()
        os.dup2(self.sink.fileno(), 1)
        os.dup2(self.sink.fileno(), 2)

    def __exit__(self, *exc: object) -> None:
        import ctypes

        ctypes.CDLL(None).fflush(None)
        os.dup2(self.saved[0], 1)
        os.dup2(self.saved[1], 2)
        for handle in self.saved:
            os.close(handle)
        self.sink.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--graph", action=argparse.BooleanOptionalAction, default=True,
                        help="also solve with SCIP's model built from the expression graph")
    parser.add_argument("--only", nargs="*", default=None, help="instance names (default: all)")
    parser.add_argument("--out", type=Path, default=RESULTS / "minlp.json")
    args = parser.parse_args()

    import pyscipopt

    from optarium.store.base import open_store

    store = open_store("memory://minlp-bench")
    rows = list(csv.DictReader((DATA / "reference.csv").open()))
    if args.only:
        rows = [row for row in rows if Path(row["file"]).stem in args.only]
    results = []
    print(f"{'instance':14s} {'kind':5s} {'published':>16s} {'alone s':>8s} {'optarium s':>10s} {'ratio':>6s}  alone/optarium")
    for index, row in enumerate(rows):
        path = DATA / row["file"]
        published = float(row["published_objective"])
        alone_runs, ours_runs = [], []
        for repeat in range(args.repeat):
            first_alone = (index + repeat) % 2 == 0
            if first_alone:
                alone_runs.append(scip_alone(path, args.time_limit))
            ours_runs.append(with_optarium(path, args.time_limit, store))
            if not first_alone:
                alone_runs.append(scip_alone(path, args.time_limit))
        alone = min(alone_runs, key=lambda run: run["seconds"])
        ours = min(ours_runs, key=lambda run: run["seconds"])
        alone["correct"] = close(alone["objective"], published)
        ours["correct"] = close(ours["objective"], published)
        alone_solved = alone["status"] == "optimal" and alone["seconds"] <= args.time_limit
        result = {"instance": path.stem, "kind": row["kind"], "published": published,
                  "alone_solved": alone_solved, "alone": alone, "optarium": ours}
        graph_note = ""
        if args.graph:
            graph = with_optarium(path, args.time_limit, store, scip_input="graph")
            graph["correct"] = close(graph["objective"], published)
            result["optarium_graph"] = graph
            graph_note = f"  graph {graph['seconds']:.2f}s {'ok' if graph['correct'] else 'WRONG'} {graph['status']}"
        results.append(result)
        mark = lambda run: ("ok" if run["correct"] else "WRONG") + f" {run['status']}"  # noqa: E731
        print(f"{path.stem:14s} {row['kind']:5s} {published:16.8g} {alone['seconds']:8.2f} {ours['seconds']:10.2f} "
              f"{ours['seconds'] / max(alone['seconds'], 1e-9):6.2f}  {mark(alone)} / {mark(ours)}{graph_note}", flush=True)
    solved = [r for r in results if r["alone_solved"]]
    total_alone = sum(r["alone"]["seconds"] for r in solved)
    total_ours = sum(r["optarium"]["seconds"] for r in solved)
    summary = {
        "instances": len(results),
        "solved_by_scip_alone": len(solved),
        "scip_alone_correct": sum(r["alone"]["correct"] for r in solved),
        "optarium_correct_where_alone_solved": sum(r["optarium"]["correct"] for r in solved),
        "optarium_wrong": [r["instance"] for r in solved if not r["optarium"]["correct"]],
        "scip_alone_wrong": [r["instance"] for r in solved if not r["alone"]["correct"]],
        "optarium_proven_optimal": sum(r["optarium"]["status"] == "optimal" and r["optarium"]["verified"] for r in results),
        "optarium_verified": sum(r["optarium"]["verified"] for r in results),
        "total_seconds_alone": round(total_alone, 3),
        "total_seconds_optarium": round(total_ours, 3),
        "time_ratio": round(total_ours / total_alone, 4) if total_alone else None,
        "time_ratio_without_largest": _without_largest(solved),
    }
    if args.graph:
        total_graph = sum(r["optarium_graph"]["seconds"] for r in solved)
        summary["graph"] = {
            "correct_where_alone_solved": sum(r["optarium_graph"]["correct"] for r in solved),
            "wrong": [r["instance"] for r in solved if not r["optarium_graph"]["correct"]],
            "proven_optimal": sum(r["optarium_graph"]["status"] == "optimal" and r["optarium_graph"]["verified"] for r in results),
            "total_seconds": round(total_graph, 3),
            "time_ratio": round(total_graph / total_alone, 4) if total_alone else None,
        }
    print(json.dumps(summary, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "command": "flock /tmp/optarium-bench.lock .venv/bin/python benchmarks/minlp.py " + " ".join(sys.argv[1:]),
        "time_limit": args.time_limit, "repeat": args.repeat, "scip": str(pyscipopt.Model().version()),
        "pyscipopt": pyscipopt.__version__, "machine": f"{platform.machine()} {os.cpu_count()} cores",
        "load_average_at_end": os.getloadavg(), "summary": summary, "instances": results,
    }, indent=2))
    print(f"wrote {args.out}")
    return 0


def _without_largest(solved: list[dict[str, Any]]) -> float | None:
    """The ratio over all but the instance that takes SCIP alone longest (one instance can dominate)."""
    if len(solved) < 2:
        return None
    largest = max(solved, key=lambda r: r["alone"]["seconds"])
    rest = [r for r in solved if r is not largest]
    alone = sum(r["alone"]["seconds"] for r in rest)
    return round(sum(r["optarium"]["seconds"] for r in rest) / alone, 4) if alone else None


if __name__ == "__main__":
    raise SystemExit(main())
