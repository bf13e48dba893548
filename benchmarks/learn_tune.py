"""Tuned HiGHS against default HiGHS on held-out instances of each family, and the tuned planner's own cost.

Usage: benchmarks/learn_tune.py [--families a:level:cap,...] [--train 50] [--test 100] [--budget 120]
                                [--seed 0] [--test-seed 2000] [--threads 1] [--samplers auto,tpe]
       benchmarks/learn_tune.py --plot
       benchmarks/learn_tune.py --planner-cost [--runs 10000] [--artifacts 20]

Per family: ``train`` instances from base seed ``seed`` (split by ``optarium.learn.tune``
into training and validation instances) and ``test`` instances from base seed
``test-seed`` (different seeds, so no file is shared; the test instances are
never seen while tuning). ``optarium.learn.tune`` on the training folder with
``budget`` capped training runs; then default HiGHS and every tuned
configuration on every test instance, in an order that rotates from instance to
instance (so load drifts hit each alike), with a cap of four times the tuning
cap, unsolved counted as twice that cap. Reports the shifted geometric mean
(shift 1 s) of solve time and the ratio default / tuned; every answer is
verified. Writes benchmarks/results/learn_tune.json (learn_tune_samplers.json
with more than one sampler, learn_tune_planner.json for the planner's cost);
``--plot`` draws learn_tune.png from learn_tune.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
FAMILIES = ("set_cover:easy:3,combinatorial_auction:easy:3,facility_location:easy:3,independent_set:easy:3,"
            "multiple_knapsack:easy:3,generalized_independent_set:easy:3")


def sgm(seconds: list[float]) -> float:
    return math.exp(sum(math.log(t + 1.0) for t in seconds) / len(seconds)) - 1.0


def held_out(files: list[Path], configs: dict[str, dict[str, object]], cap: float,
             threads: int | None) -> dict[str, dict[str, object]]:
    """Every configuration on every file, the order rotating per file; per configuration the times and counts."""
    import optarium

    labels = list(configs)
    out: dict[str, dict[str, object]] = {label: {"seconds": [], "unsolved": 0, "unverified": 0} for label in labels}
    for number, file in enumerate(files):
        for label in labels[number % len(labels):] + labels[: number % len(labels)]:
            solution = optarium.solve(file, solver="highs", time_limit=cap, record=False, threads=threads,
                                      **configs[label])
            row = out[label]
            if (solution.payload is not None and not solution.verified) or solution.status == "error":
                row["unverified"] = int(row["unverified"]) + 1  # type: ignore[call-overload]
            solved = solution.status in ("optimal", "infeasible", "unbounded") and solution.verified
            row["unsolved"] = int(row["unsolved"]) + (not solved)  # type: ignore[call-overload]
            row["seconds"].append(solution.seconds if solved else 2 * cap)  # type: ignore[union-attr]
    for row in out.values():
        row["sgm"] = sgm(row["seconds"])  # type: ignore[arg-type]
    return out


def tune_families(args: argparse.Namespace) -> None:
    from optarium.learn.generators import write_instances
    from optarium.learn.tune import tune

    rows = []
    samplers = args.samplers.split(",")
    print(f"{'family':28} {'level':6} {'sampler':7} {'train':>5} {'test':>4} {'runs':>5} {'configs':>7} "
          f"{'default s':>9} {'tuned s':>8} {'ratio':>6}  tuned params")
    for spec in args.families.split(","):
        family, level, cap_text = spec.split(":")
        cap = float(cap_text)
        load_before = os.getloadavg()
        with tempfile.TemporaryDirectory() as scratch:
            train_dir, test_dir = Path(scratch) / "train", Path(scratch) / "test"
            write_instances(family, train_dir, n=args.train, seed=args.seed, difficulty=level)
            write_instances(family, test_dir, n=args.test, seed=args.test_seed, difficulty=level)
            results = {}
            for sampler in samplers:
                started = time.perf_counter()
                results[sampler] = (tune(train_dir, "highs", budget=args.budget, time_cap=cap, seed=args.seed,
                                         store=f"memory://bench-{family}-{sampler}", validation_share=args.validation,
                                         sampler=sampler, threads=args.threads), time.perf_counter() - started)
            configs: dict[str, dict[str, object]] = {"default": {}}
            for sampler, (result, _) in results.items():
                if result.params and result.params not in configs.values():
                    configs[sampler] = result.params
            started = time.perf_counter()
            test = held_out(sorted(test_dir.glob("*.mps")), configs, 4 * cap, args.threads)
            test_seconds = time.perf_counter() - started
        for sampler, (result, tuning_seconds) in results.items():
            label = next((key for key, params in configs.items() if params == result.params), "default")
            default, tuned = test["default"], test[label]
            ratio = float(default["sgm"]) / float(tuned["sgm"])  # type: ignore[arg-type]
            rows.append({"family": family, "difficulty": level, "time_cap": cap, "test_cap": 4 * cap,
                         "sampler": sampler, "threads": args.threads, "tuning": result.to_dict(),
                         "tuning_seconds": tuning_seconds, "test_seconds": test_seconds,
                         "train": args.train, "test": args.test, "train_seed": args.seed, "test_seed": args.test_seed,
                         "test_default": default,
                         "test_tuned": tuned, "ratio": ratio, "load_before": load_before,
                         "load_after": os.getloadavg()})
            print(f"{family:28} {level:6} {sampler:7} {args.train:5d} {args.test:4d} {result.runs:5d} "
                  f"{result.configurations:4d}/{result.stopped_early:<2d} {default['sgm']:9.3f} {tuned['sgm']:8.3f} "
                  f"{ratio:6.2f}  {json.dumps(result.params)}"
                  f"{'  (' + result.kept_default + ')' if result.kept_default else ''}", flush=True)
        save(args, rows)


def save(args: argparse.Namespace, rows: list[dict[str, object]]) -> None:
    """Rows of the `auto` sampler go into learn_tune.json, replacing that family's row there; with more
    than one sampler every row of this run also goes into learn_tune_samplers.json; with ``--out`` every
    row goes into that file only."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.out:
        (RESULTS / args.out).write_text(json.dumps({"args": vars(args), "rows": rows}, indent=2, default=str) + "\n")
        return
    path = RESULTS / "learn_tune.json"
    ours = [row for row in rows if row["sampler"] == "auto"]
    families = {row["family"] for row in ours}
    kept = []
    if path.exists():
        kept = [row for row in json.loads(path.read_text()).get("rows", [])
                if "test_seed" in row and row["family"] not in families]
    path.write_text(json.dumps({"rows": kept + ours, "args": vars(args)}, indent=2, default=str) + "\n")
    if args.samplers != "auto":
        (RESULTS / "learn_tune_samplers.json").write_text(
            json.dumps({"args": vars(args), "rows": rows}, indent=2, default=str) + "\n")


def plot() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = json.loads((RESULTS / "learn_tune.json").read_text())["rows"]
    names = [row["family"].replace("_", " ") for row in rows]
    default = [row["test_default"]["sgm"] for row in rows]
    tuned = [row["test_tuned"]["sgm"] for row in rows]
    figure, axis = plt.subplots(figsize=(8, 3.6))
    positions = range(len(rows))
    axis.bar([p - 0.2 for p in positions], default, 0.4, label="default HiGHS")
    axis.bar([p + 0.2 for p in positions], tuned, 0.4, label="tuned HiGHS")
    for p, row in zip(positions, rows, strict=True):
        axis.text(p + 0.2, tuned[p], f"{row['ratio']:.2f}x", ha="center", va="bottom", fontsize=8)
    axis.set_xticks(list(positions), names, rotation=20, ha="right", fontsize=8)
    axis.set_ylabel("shifted geometric mean s (shift 1 s)")
    axis.set_title(f"held-out test instances ({rows[0]['tuning']['budget']} training runs per family)", fontsize=9)
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(RESULTS / "learn_tune.png", dpi=120)


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
    parser.add_argument("--train", type=int, default=50, help="instances to tune on (training and validation)")
    parser.add_argument("--test", type=int, default=100, help="held-out test instances")
    parser.add_argument("--budget", type=int, default=120, help="capped training runs per family and sampler")
    parser.add_argument("--validation", type=float, default=0.25, help="share of training instances for validation")
    parser.add_argument("--seed", type=int, default=0, help="base seed of the training instances and of tuning")
    parser.add_argument("--test-seed", type=int, default=2000, help="base seed of the test instances")
    parser.add_argument("--threads", type=int, default=None, help="HiGHS threads in every run (default: HiGHS's choice)")
    parser.add_argument("--plot", action="store_true", help="draw learn_tune.png from learn_tune.json")
    parser.add_argument("--out", default="", help="write every row into this file under results/ instead")
    parser.add_argument("--samplers", default="auto",
                        help="study samplers to tune with at the same budget, comma-separated (auto, random, sobol, ...); "
                             "more than auto writes learn_tune_samplers.json")
    parser.add_argument("--planner-cost", action="store_true")
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--artifacts", type=int, default=20)
    args = parser.parse_args()
    if args.planner_cost:
        planner_cost(args)
    elif args.plot:
        plot()
    else:
        tune_families(args)


if __name__ == "__main__":
    main()
