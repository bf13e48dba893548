"""Linear bilevel problems with known optima: optarium (KKT, SOS1 on SCIP) against the reference, and PAO.

Reads every problem of ``../shared/data/bilevel/instances`` and its row in
``reference.csv``. A problem counts as matched when optarium's status equals
the reference's ``computed_status`` and, for an optimum, the verified leader
objective is within 1e-6 of ``computed_F``; the headline fraction is over the
problems whose published optimum the collection verified (``verified = yes``).
PAO (Pyomo's bilevel package, ``pao.pyomo.FA``: KKT with its default big-M
of 1e5, on HiGHS) solves the same problems when it is installed, each in its
own process with a time limit; its answers go through optarium's independent
check too. Prints a table and writes ``benchmarks/results/bilevel.json``.

    flock /tmp/optarium-bench.lock .venv/bin/python benchmarks/bilevel.py [--time-limit 10] [--no-pao]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "bilevel"
RESULTS = ROOT / "benchmarks" / "results" / "bilevel.json"
TOLERANCE = 1e-6


def published_tolerance(value: float, text: str) -> float:
    """The tolerance of the collection's README for a printed value: its last printed decimal."""
    decimals = len(text.split(".")[1]) if "." in text else 0
    return max(1e-6 * max(1.0, abs(value)), 0.5 * 10 ** -decimals)


def pao_worker(path: str, time_limit: float) -> None:
    """Solve one problem with PAO's FA solver on HiGHS and print {status, x, y, seconds} as JSON."""
    import numpy as np

    # PAO 1.0.2 still names the infinities NumPy 2 removed
    np.NINF, np.PINF, np.Inf = -np.inf, np.inf, np.inf  # type: ignore[attr-defined]
    import pao
    import pyomo.environ as pe

    from optarium.domains.bilevel.io import read_bilevel

    problem = read_bilevel(path)
    model = pe.ConcreteModel()

    def bounds(lower: Any, upper: Any) -> Any:
        return lambda m, j: (None if not math.isfinite(lower[j]) else float(lower[j]),
                             None if not math.isfinite(upper[j]) else float(upper[j]))

    model.x = pe.Var(range(problem.n_x), bounds=bounds(problem.x_lower, problem.x_upper),
                     within=pe.Integers if problem.x_integer.any() else pe.Reals)
    model.y = pe.Var(range(problem.n_y), bounds=bounds(problem.y_lower, problem.y_upper))

    def linear(cx: Any, cy: Any) -> Any:
        return (sum(float(cx[j]) * model.x[j] for j in range(problem.n_x) if cx[j])
                + sum(float(cy[k]) * model.y[k] for k in range(problem.n_y) if cy[k]))

    model.o = pe.Objective(expr=linear(problem.cx, problem.cy) + problem.c0,
                           sense=pe.minimize if problem.leader_sense == "min" else pe.maximize)
    model.c = pe.ConstraintList()
    for i in range(len(problem.g_lower)):
        model.c.add(pe.inequality(None if not math.isfinite(problem.g_lower[i]) else float(problem.g_lower[i]),
                                  linear(problem.G_x[i], problem.G_y[i]),
                                  None if not math.isfinite(problem.g_upper[i]) else float(problem.g_upper[i])))
    model.L = pao.pyomo.SubModel(fixed=[model.x])
    model.L.o = pe.Objective(expr=linear(problem.dx, problem.dy),
                             sense=pe.minimize if problem.follower_sense == "min" else pe.maximize)
    model.L.c = pe.ConstraintList()
    for i in range(len(problem.a_lower)):
        model.L.c.add(pe.inequality(None if not math.isfinite(problem.a_lower[i]) else float(problem.a_lower[i]),
                                    linear(problem.A_x[i], problem.A_y[i]),
                                    None if not math.isfinite(problem.a_upper[i]) else float(problem.a_upper[i])))
    solver = pao.Solver("pao.pyomo.FA", mip_solver="highs")
    started = time.perf_counter()
    try:
        results = solver.solve(model)
        status = str(results.solver.termination_condition)
        x = [pe.value(model.x[j]) for j in range(problem.n_x)]
        y = [pe.value(model.y[k]) for k in range(problem.n_y)]
        out: dict[str, Any] = {"status": status, "x": x, "y": y}
    except Exception as error:  # PAO raises on anything but an optimal MIP
        out = {"status": "failed", "error": f"{type(error).__name__}: {error}".splitlines()[0][:200]}
    out["seconds"] = time.perf_counter() - started
    print(json.dumps(out))


def run_pao(path: Path, time_limit: float) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, __file__, "--pao-worker", str(path), "--time-limit", str(time_limit)],
                              capture_output=True, text=True, timeout=time_limit + 30)
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "seconds": time.perf_counter() - started}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"status": "failed", "error": (done.stderr.strip().splitlines() or ["no output"])[-1][:200]}
    return dict(json.loads(lines[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per problem (default 10)")
    parser.add_argument("--no-pao", action="store_true", help="leave PAO out")
    parser.add_argument("--pao-worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pao_worker:
        pao_worker(args.pao_worker, args.time_limit)
        return

    from optarium.domains.bilevel.io import read_bilevel
    from optarium.domains.bilevel.solve import solve_bilevel
    from optarium.domains.bilevel.verify import verify_bilevel

    with (DATA / "reference.csv").open() as handle:
        reference = list(csv.DictReader(handle))
    solve_bilevel(read_bilevel(DATA / reference[0]["file"]), record=False)  # warm-up: imports SCIP once, untimed
    pao_installed = not args.no_pao and subprocess.run(
        [sys.executable, "-c", "import importlib.util, sys; sys.exit(importlib.util.find_spec('pao') is None)"]).returncode == 0
    rows = []
    for ref in reference:
        problem = read_bilevel(DATA / ref["file"])
        started = time.perf_counter()
        solution = solve_bilevel(problem, record=False, time_limit=args.time_limit)
        seconds = time.perf_counter() - started
        expected_status = ref["computed_status"]
        expected = float(ref["computed_F"]) if ref["computed_F"] else None
        matched = solution.status == expected_status and (
            expected is None or (solution.verified and solution.objective is not None
                                 and abs(solution.objective - expected) <= TOLERANCE))
        published = float(ref["published_F"]) if ref["published_F"] else None
        row: dict[str, Any] = {
            "problem": Path(ref["file"]).stem, "verified_reference": ref["verified"] == "yes",
            "reference_status": expected_status, "reference_F": expected, "published_F": published,
            "status": solution.status, "F": solution.objective, "bound": solution.bound,
            "verified": solution.verified, "seconds": round(seconds, 4), "matched": matched,
            "agrees_with_published": None if published is None or solution.objective is None else
            abs(solution.objective - published) <= published_tolerance(published, ref["published_F"]),
        }
        if pao_installed:
            pao = run_pao(DATA / ref["file"], args.time_limit)
            if "x" in pao and None not in pao["x"] + pao["y"]:
                check = verify_bilevel(problem, {"x": pao["x"], "y": pao["y"]})
                pao.update(F=check.objective, verified=check.verified,
                           violation=None if check.verified else check.violations[0][:160])
                pao["matched"] = bool(check.verified and expected is not None and abs(check.objective - expected) <= TOLERANCE) \
                    if check.objective is not None else False
            else:
                pao["matched"] = expected_status != "optimal" and pao.get("status") in ("unbounded", "infeasible")
            pao.pop("x", None)
            pao.pop("y", None)
            row["pao"] = pao
        rows.append(row)
        print(f"{row['problem']:34s} {row['status']:10s} F={row['F']!s:22s} ref={expected!s:14s} "
              f"{'match' if matched else 'MISS':5s} {seconds:6.2f}s"
              + (f"  | pao {row['pao'].get('status')!s:10s} F={row['pao'].get('F')!s:22s} "
                 f"{'match' if row['pao']['matched'] else 'MISS'} {row['pao'].get('seconds', 0):.2f}s" if "pao" in row else ""))
    known = [row for row in rows if row["verified_reference"]]
    summary = {
        "problems": len(rows), "known_optima": len(known),
        "matched_known": sum(row["matched"] for row in known), "matched_all": sum(row["matched"] for row in rows),
        "fraction_matched_known": sum(row["matched"] for row in known) / len(known),
        "max_seconds": max(row["seconds"] for row in rows),
        "median_seconds": sorted(row["seconds"] for row in rows)[len(rows) // 2],
        "all_within_time": all(row["seconds"] <= args.time_limit for row in rows),
    }
    if pao_installed:
        summary["pao_matched_known"] = sum(row["pao"]["matched"] for row in known)
        summary["pao_matched_all"] = sum(row["pao"]["matched"] for row in rows)
        summary["pao_fraction_matched_known"] = summary["pao_matched_known"] / len(known)
    print(json.dumps(summary, indent=2))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "command": "flock /tmp/optarium-bench.lock .venv/bin/python benchmarks/bilevel.py" + (
            f" --time-limit {args.time_limit:g}" if args.time_limit != 10 else "") + (" --no-pao" if args.no_pao else ""),
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "processor": platform.processor()},
        "time_limit": args.time_limit, "tolerance": TOLERANCE, "summary": summary, "rows": rows,
    }, indent=2) + "\n")


if __name__ == "__main__":
    main()
