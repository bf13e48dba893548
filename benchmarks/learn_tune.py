"""Tuned HiGHS against default HiGHS on held-out instances of a few families, and the tuned planner's own cost.

Usage: benchmarks/learn_tune.py [--families a:level:cap,...] [--train 8] [--test 12] [--configs 5] [--seed 0]
                                [--samplers auto,random]
       benchmarks/learn_tune.py --planner-cost [--runs 10000] [--artifacts 20]

Per family: training instances from base seed ``seed`` and test instances from
``seed + 1000`` (different seeds, so no file is shared); ``optarium.learn.tune``
on the training folder with a budget of ``configs`` times the training
instances (capped runs); then default and tuned HiGHS on every test instance
with a cap of four times the tuning cap, unsolved counted as twice that cap.
With several ``--samplers`` each tunes on the same training folder with the
same budget and is tested on the same test instances (the defaults' test runs
are shared). Reports the shifted geometric mean (shift 1 s) of solve time and the ratio
default / tuned; every answer is verified. Writes
benchmarks/results/learn_tune.json (and learn_tune_planner.json).
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
FAMILIES = "combinatorial_auction:medium:3,generalized_independent_set:easy:5,multiple_knapsack:easy:3"


def sgm(seconds: list[float]) -> float:
    return math.exp(sum(math.log(t + 1.0) for t in seconds) / len(seconds)) - 1.0


def held_out(files: list[Path], params: dict[str, object], cap: float) -> dict[str, object]:
    import optarium

    seconds, unverified, unsolved = [], 0, 0
    for file in files:
        solution = optarium.solve(file, solver="highs", time_limit=cap, record=False, **params)
        if (solution.payload is not None and not solution.verified) or solution.status == "error":
            unverified += 1
        solved = solution.status in ("optimal", "infeasible", "unbounded") and solution.verified
        unsolved += not solved
        seconds.append(solution.seconds if solved else 2 * cap)
    return {"sgm": sgm(seconds), "seconds": seconds, "unsolved": unsolved, "unverified": unverified}


def tune_families(args: argparse.Namespace) -> None:
    from optarium.learn.generators import write_instances
    from optarium.learn.tune import tune

    rows = []
    print(f"{'family':28} {'level':6} {'sampler':7} {'train':>5} {'test':>4} {'budget':>6} {'default s':>9} {'tuned s':>8} {'ratio':>6}  tuned params")
    for spec in args.families.split(","):
        family, level, cap_text = spec.split(":")
        cap = float(cap_text)
        with tempfile.TemporaryDirectory() as scratch:
            train_dir, test_dir = Path(scratch) / "train", Path(scratch) / "test"
            write_instances(family, train_dir, n=args.train, seed=args.seed, difficulty=level)
            write_instances(family, test_dir, n=args.test, seed=args.seed + 1000, difficulty=level)
            test_files = sorted(test_dir.glob("*.mps"))
            default = held_out(test_files, {}, 4 * cap)
            for sampler in args.samplers.split(","):
                started = time.perf_counter()
                result = tune(train_dir, "highs", budget=args.configs * args.train, time_cap=cap, seed=args.seed,
                              store=f"memory://bench-{family}-{sampler}", validation_share=args.validation,
                              sampler=sampler)
                tuning_seconds = time.perf_counter() - started
                tuned = held_out(test_files, result.params, 4 * cap) if result.params else default
                ratio = float(default["sgm"]) / float(tuned["sgm"])  # type: ignore[arg-type]
                rows.append({"family": family, "difficulty": level, "time_cap": cap, "sampler": sampler,
                             "tuning": result.to_dict(), "tuning_seconds": tuning_seconds,
                             "test_seeds_base": args.seed + 1000, "test_default": default, "test_tuned": tuned,
                             "ratio": ratio})
                print(f"{family:28} {level:6} {sampler:7} {args.train:5d} {args.test:4d} {result.budget:6d} "
                      f"{default['sgm']:9.3f} {tuned['sgm']:8.3f} {ratio:6.2f}  {json.dumps(result.params)}"
                      f"{'  (' + result.kept_default + ')' if result.kept_default else ''}", flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "learn_tune.json" if args.samplers == "auto" else "learn_tune_samplers.json"
    (RESULTS / name).write_text(json.dumps({"args": vars(args), "rows": rows}, indent=2, default=str) + "\n")


def planner_cost(args: argparse.Namespace) -> None:
    import random
    from dataclasses import replace

    import optarium
    from optarium import kinds
    from optarium.flow import to_run
    from optarium.learn.generators import FAMILIES as KNOWN
    from optarium.learn.generators import generate
    from optarium.learn.recognise import COORDINATES, feature_vector
    from optarium.plan.rules import MathRules
    from optarium.plan.tuned import TunedPlanner
    from optarium.solvers import registry
    from optarium.store.base import open_store

    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as scratch:
        store = open_store(f"sqlite:///{Path(scratch) / 'store.db'}")
        problem = generate("multiple_knapsack", 1)
        solution = optarium.solve(problem, solver="highs", record=False)
        template = to_run(kinds.of(problem), problem, solution, "bench", None)
        started = time.perf_counter()
        for number in range(args.runs):
            store.record_run(replace(template, fingerprint=f"{number:064x}"))
        filling = time.perf_counter() - started
        version = registry.get("highs").version()
        names = list(KNOWN)
        for number in range(args.artifacts):
            family = names[number % len(names)]
            centroid = [value + rng.uniform(-0.5, 0.5) for value in feature_vector(generate(family, number).features())]
            store.save_artifact(f"tuned.highs.{family}_{number}", b"{}", {
                "family": family, "solver": "highs", "solver_version": version, "params": {"presolve": "off"},
                "centroid": centroid, "coordinates": list(COORDINATES)})
        problems = [generate(names[k % len(names)], 5000 + k) for k in range(20)]
        for candidate in problems:
            candidate.features()  # the flow computes them for the record anyway
        timings = {}
        for label, make in (("rules", MathRules), ("tuned", TunedPlanner)):
            times = []
            for candidate in problems:
                begun = time.perf_counter()
                make().plan(candidate, store)  # a new planner per solve, as the math kind makes one
                times.append(time.perf_counter() - begun)
            timings[label] = {"mean_ms": 1000 * sum(times) / len(times), "max_ms": 1000 * max(times)}
        print(f"store: {store.count_runs()} runs, {len(store.list_artifacts())} artifacts (filled in {filling:.1f} s)")
        for label, values in timings.items():
            print(f"{label:6} planner: mean {values['mean_ms']:.2f} ms, max {values['max_ms']:.2f} ms per instance")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "learn_tune_planner.json").write_text(json.dumps(
        {"runs": args.runs, "artifacts": args.artifacts, "timings": timings}, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", default=FAMILIES, help="family:level:tuning cap in seconds, comma-separated")
    parser.add_argument("--train", type=int, default=8)
    parser.add_argument("--test", type=int, default=12)
    parser.add_argument("--configs", type=int, default=5, help="budget in training runs per training instance")
    parser.add_argument("--validation", type=float, default=0.25, help="share of training instances for validation")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--samplers", default="auto",
                        help="study samplers to tune with at the same budget, comma-separated (auto, random, sobol, ...); "
                             "more than auto writes learn_tune_samplers.json")
    parser.add_argument("--planner-cost", action="store_true")
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--artifacts", type=int, default=20)
    args = parser.parse_args()
    if args.planner_cost:
        planner_cost(args)
    else:
        tune_families(args)


if __name__ == "__main__":
    main()
