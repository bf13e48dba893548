"""The formulate pipeline with replayed gold models, against solving the same gold file directly.

For each dataset with gold models in ../shared/data/nl (NLP4LP, Bench4Opt LP), every
record runs through ``optarium bench nl``'s runner with a replay client (extract ->
read -> solve -> verify -> score, no LLM, no store) and is scored against its label.
Peer, in the same run: ``optarium.solve(gold_file, record=False)`` on the same file,
the least work that gives the same answer. Reports accuracy, median seconds of each
and the ratio pipeline / direct (the pipeline's overhead beyond the solve itself).

    .venv/bin/python benchmarks/formulate_replay.py [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import time
from pathlib import Path

from optarium.api import solve
from optarium.bench.nl import run_nl
from optarium.errors import OptariumError
from optarium.formulate import ReplayClient
from optarium.formulate.dataset import load_records

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="first 60 records of each set")
    args = parser.parse_args()
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
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / ("formulate_replay_quick.json" if args.quick else "formulate_replay.json")
    out.write_text(json.dumps({"quick": args.quick, "rows": rows}, indent=2))
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
