"""The formulate pipeline with replayed gold models, against solving the same gold file directly.

For each dataset with gold models in ../shared/data/nl (NLP4LP, Bench4Opt LP), every
record runs through ``optarium bench nl``'s runner with a replay client (extract ->
read -> solve -> verify -> score, no LLM, no store) and is scored against its label.
Peer, in the same run: ``optarium.solve(gold_file, record=False)`` on the same file,
the least work that gives the same answer. Reports accuracy, median seconds of each
and the ratio pipeline / direct (the pipeline's overhead beyond the solve itself).

Second table: answers given as Pyomo code. The first NLP4LP gold models are
rewritten as Pyomo scripts (what an LLM writes: named variables, one named
constraint per row) and replayed twice in the same run, through the sandbox's
cold path (a fresh ``python -I -B`` per attempt, ``OPTARIUM_SANDBOX=cold``) and its
pre-warmed zygote; reports the median seconds per problem and sandbox run of each
and the ratio cold / warm.

    .venv/bin/python benchmarks/formulate_replay.py [--quick]

Reads ../shared/data/nl beside the repository (benchmark data, not part of it).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from optarium.api import solve
from optarium.bench.nl import run_nl
from optarium.errors import OptariumError
from optarium.formulate import ReplayClient
from optarium.formulate.dataset import load_records
from optarium.formulate.sandbox import run_pyomo
from optarium.problem.io import read_problem
from optarium.problem.program import MathProgram

ROOT = Path(__file__).resolve().parents[1]
NL = ROOT.parent / "shared" / "data" / "nl"
RESULTS = ROOT / "benchmarks" / "results"
SETS = {"nlp4lp": ("nlp4lp.jsonl", "models/nlp4lp"), "bench4opt_lp": ("bench4opt_lp.jsonl", "models/bench4opt_lp")}


def direct_seconds(dataset: Path, limit: int | None) -> dict[str, float]:
    """Seconds of ``optarium.solve`` on each record's gold model (records without one are left out)."""
    seconds: dict[str, float] = {}
    for record in load_records(dataset, limit):
        if not record.get("gold_model"):
            continue
        started = time.perf_counter()
        with contextlib.suppress(OptariumError):
            solve(str(dataset.parent / record["gold_model"]), record=False, time_limit=60)
        seconds[record["id"]] = time.perf_counter() - started
    return seconds


def pyomo_answer(problem: MathProgram) -> str:
    """The problem as the Pyomo script an LLM would write (linear problems only)."""
    names = [re.sub(r"\W", "_", name) or f"x{index}" for index, name in enumerate(problem.var_names)]
    names = [f"v_{name}" if not name[0].isalpha() else name for name in names]
    lines = ["import pyomo.environ as pyo", "", "model = pyo.ConcreteModel()"]
    for index, name in enumerate(names):
        low, high = problem.col_lower[index], problem.col_upper[index]
        bounds = (None if low == -float("inf") else float(low), None if high == float("inf") else float(high))
        domain = "pyo.Integers" if problem.is_integer[index] else "pyo.Reals"
        lines.append(f"model.{name} = pyo.Var(within={domain}, bounds={bounds!r})")

    def linear(coefficients: dict[int, float]) -> str:
        terms = [f"{value!r} * model.{names[index]}" for index, value in coefficients.items() if value]
        return " + ".join(terms) or "0"

    matrix = problem.A.tocsr()
    for row in range(matrix.shape[0]):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        expression = linear(dict(zip(matrix.indices[start:end].tolist(), matrix.data[start:end].tolist(), strict=True)))
        low, high = float(problem.row_lower[row]), float(problem.row_upper[row])
        if low == high:
            rule = f"{expression} == {low!r}"
        elif low == -float("inf"):
            rule = f"{expression} <= {high!r}"
        elif high == float("inf"):
            rule = f"{expression} >= {low!r}"
        else:
            rule = f"pyo.inequality({low!r}, {expression}, {high!r})"
        lines.append(f"model.c{row} = pyo.Constraint(expr={rule})")
    objective = linear(dict(enumerate(problem.c.tolist())))
    offset = f" + {problem.offset!r}" if problem.offset else ""
    sense = "pyo.maximize" if problem.sense == "max" else "pyo.minimize"
    lines.append(f"model.objective = pyo.Objective(expr={objective}{offset}, sense={sense})")
    return "\n".join(lines) + "\n"


def pyomo_rows(count: int) -> list[dict[str, Any]]:
    """Replay ``count`` NLP4LP problems as Pyomo code, cold path and zygote, in the same run."""
    dataset = NL / "nlp4lp.jsonl"
    with tempfile.TemporaryDirectory(prefix="optarium-pyomo-replay-") as folder:
        for record in load_records(dataset, count):
            if record.get("gold_model"):
                problem = read_problem(dataset.parent / record["gold_model"])
                if problem.Q is None:
                    (Path(folder) / f"{record['id']}.py").write_text(pyomo_answer(problem))
        codes = [path.read_text() for path in sorted(Path(folder).glob("*.py"))]
        rows = []
        for mode in ("cold", "warm"):
            os.environ["OPTARIUM_SANDBOX"] = mode
            sandbox = []
            for code in codes:
                started = time.perf_counter()
                run_pyomo(code)
                sandbox.append(time.perf_counter() - started)
            report = run_nl(dataset, ReplayClient(folder), limit=count, record=False, equivalence=False)
            summary = report.summary()
            rows.append({
                "mode": mode, "problems": summary["problems"], "pyomo_answers": len(codes),
                "accuracy_1e-6": summary["accuracy"]["1e-06"],
                "median_problem_s": statistics.median(case.seconds for case in report.cases if case.cause != "no_replay_file"),
                "median_sandbox_s": statistics.median(sandbox),
            })
        os.environ.pop("OPTARIUM_SANDBOX", None)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="first 60 records of each set")
    args = parser.parse_args()
    if not NL.is_dir():
        raise SystemExit(f"benchmark data not found at {NL}: this benchmark reads ../shared/data/nl beside the repository")
    limit = 60 if args.quick else None
    rows = []
    for name, (file, models) in SETS.items():
        dataset = NL / file
        direct = direct_seconds(dataset, limit)
        report = run_nl(dataset, ReplayClient(NL / models), limit=limit, record=False, equivalence=False)
        summary = report.summary()
        pipeline = {case.id: case.seconds for case in report.cases if case.id in direct}
        ratios = [pipeline[key] / direct[key] for key in pipeline if direct[key] > 0]
        rows.append({
            "set": name, "problems": summary["problems"], "accuracy_1e-6": summary["accuracy"]["1e-06"],
            "accuracy_1e-4": summary["accuracy"]["0.0001"], "accuracy_5%": summary["accuracy"]["0.05"],
            "execution_rate": summary["execution_rate"],
            "median_pipeline_s": statistics.median(pipeline.values()),
            "median_direct_solve_s": statistics.median(direct.values()),
            "median_ratio": statistics.median(ratios),
            "failures": [{"id": case.id, "cause": case.cause, "detail": case.error[:160]} for case in report.failures()],
        })
    header = f"{'set':<14}{'problems':>9}{'acc≤1e-6':>10}{'acc≤1e-4':>10}{'acc≤5%':>8}{'executed':>10}{'pipeline s':>12}{'direct s':>10}{'ratio':>7}"
    print(header)
    for row in rows:
        print(f"{row['set']:<14}{row['problems']:>9}{row['accuracy_1e-6']:>10.1%}{row['accuracy_1e-4']:>10.1%}"
              f"{row['accuracy_5%']:>8.1%}{row['execution_rate']:>10.1%}{row['median_pipeline_s']:>12.4f}"
              f"{row['median_direct_solve_s']:>10.4f}{row['median_ratio']:>7.2f}")
    for row in rows:
        for failure in row["failures"]:
            print(f"  {row['set']} {failure['id']}: {failure['cause']}: {failure['detail']}")
    pyomo = pyomo_rows(12 if args.quick else 40)
    print(f"\nNLP4LP answers as Pyomo code\n{'sandbox':<8}{'problems':>9}{'acc≤1e-6':>10}{'per problem s':>15}{'per run s':>11}")
    for row in pyomo:
        print(f"{row['mode']:<8}{row['problems']:>9}{row['accuracy_1e-6']:>10.1%}{row['median_problem_s']:>15.4f}{row['median_sandbox_s']:>11.4f}")
    speedup = pyomo[0]["median_sandbox_s"] / pyomo[1]["median_sandbox_s"]
    print(f"cold / warm per sandbox run: {speedup:.1f}x; per problem: {pyomo[0]['median_problem_s'] / pyomo[1]['median_problem_s']:.1f}x")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / ("formulate_replay_quick.json" if args.quick else "formulate_replay.json")
    out.write_text(json.dumps({"quick": args.quick, "rows": rows, "pyomo": pyomo, "pyomo_cold_over_warm": speedup}, indent=2))
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
