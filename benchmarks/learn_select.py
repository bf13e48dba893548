"""Per-instance choice among {HiGHS, SCIP} defaults and tuned HiGHS, learned from recorded runs, on held-out instances.

Usage: benchmarks/learn_select.py [--families a:level,...] [--train 6] [--test 8] [--cap 8] [--seed 2000] [--k 0]
       benchmarks/learn_select.py --planner-cost [--runs 10000]

Per family: training instances from base seed ``seed`` and test instances from
``seed + 1000``. The tuned HiGHS configurations are those of
benchmarks/results/learn_tune.json (tuned on base seed 0, so on neither set
here); they are saved in a scratch store with the training instances'
feature centroid, as ``optarium tune`` saves them. Every candidate
configuration runs on every training instance through
``optarium.learn.select.collect`` (recorded in the store, embeddings
remembered); then every candidate runs on every test instance (not recorded),
and the learned selector, the tuned planner, HiGHS defaults and the best single
configuration (chosen on the training runs) are scored by what their choice
took on each test instance. The selector's ``k`` is chosen by leave-one-out on the
training instances (``--k 0``) or given. Cost: shifted geometric mean (shift 1 s), an
unsolved run counted twice the cap. Gap closed: (single best - selector) /
(single best - virtual best). Writes benchmarks/results/learn_select.json.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
FAMILIES = "combinatorial_auction:medium,generalized_independent_set:easy,multiple_knapsack:easy"


def sgm(seconds: list[float]) -> float:
    return math.exp(sum(math.log(t + 1.0) for t in seconds) / len(seconds)) - 1.0


def planner_cost(args: argparse.Namespace) -> None:
    """The selector planner's own cost on an SQLite store with ``runs`` runs of 500 remembered instances."""
    import random
    from dataclasses import replace

    import optarium
    from optarium import kinds
    from optarium.flow import to_run
    from optarium.learn.embed import embed
    from optarium.learn.generators import FAMILIES as KNOWN
    from optarium.learn.generators import generate
    from optarium.learn.select import EMBEDDINGS, SelectorPlanner
    from optarium.store.base import open_store

    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as scratch:
        store = open_store(f"sqlite:///{Path(scratch) / 'store.db'}")
        problem = generate("multiple_knapsack", 1)
        template = to_run(kinds.of(problem), problem, optarium.solve(problem, solver="highs", record=False), "bench", None)
        names = list(KNOWN)
        known = {}
        for index in range(500):
            family = names[index % len(names)]
            known[f"{index:064x}"] = {"name": family, "vector": embed(generate(family, 100 + index))}
        store.save_artifact(EMBEDDINGS, json.dumps(known).encode(), {})
        for number in range(args.runs):
            solver = rng.choice(["highs", "scip"])
            store.record_run(replace(template, fingerprint=f"{number % 500:064x}", solver=solver,
                                     seconds=rng.uniform(0.1, 3.0),
                                     plan={"solver": solver, "params": {}, "reason": "bench", "source": "rules"}))
        problems = [generate(names[k % len(names)], 5000 + k) for k in range(20)]
        for candidate in problems:
            candidate.features()  # the flow computes them for the record anyway
        begun = time.perf_counter()
        SelectorPlanner().plan(problems[0], store)
        build_ms = 1000 * (time.perf_counter() - begun)
        times = []
        for candidate in problems:
            begun = time.perf_counter()
            SelectorPlanner().plan(candidate, store)  # a new planner per solve, as the flow makes one
            times.append(1000 * (time.perf_counter() - begun))
    result = {"runs": args.runs, "remembered": 500, "first_plan_ms": build_ms,
              "mean_ms": sum(times) / len(times), "max_ms": max(times)}
    print(f"{args.runs} runs of 500 remembered instances: first plan (reads the runs) {build_ms:.0f} ms; "
          f"then mean {result['mean_ms']:.1f} ms, max {result['max_ms']:.1f} ms per instance")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "learn_select_planner.json").write_text(json.dumps(result, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", default=FAMILIES)
    parser.add_argument("--train", type=int, default=6)
    parser.add_argument("--test", type=int, default=8)
    parser.add_argument("--cap", type=float, default=8.0)
    parser.add_argument("--seed", type=int, default=2000)
    parser.add_argument("--k", type=int, default=0, help="neighbours that vote (0: chosen by leave-one-out on training)")
    parser.add_argument("--planner-cost", action="store_true", help="only the selector planner's own cost")
    parser.add_argument("--runs", type=int, default=10_000)
    args = parser.parse_args()
    if args.planner_cost:
        planner_cost(args)
        return

    import optarium
    from optarium.learn.generators import write_instances
    from optarium.learn.recognise import COORDINATES, centroid, feature_vector
    from optarium.learn.select import SelectorPlanner, candidate_plans, collect, config_key
    from optarium.plan.tuned import TunedPlanner
    from optarium.solvers import registry
    from optarium.store.base import open_store

    tuned_rows = {row["family"]: row for row in json.loads((RESULTS / "learn_tune.json").read_text())["rows"]}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        store = open_store(f"sqlite:///{Path(scratch) / 'select.db'}")
        train, test = [], []
        for spec in args.families.split(","):
            family, level = spec.split(":")
            for part, base, n, bucket in (("train", args.seed, args.train, train), ("test", args.seed + 1000, args.test, test)):
                folder = Path(scratch) / f"{family}-{part}"
                write_instances(family, folder, n=n, seed=base, difficulty=level)
                bucket.extend((family, optarium.load(file)[0]) for file in sorted(folder.glob("*.mps")))
            params = tuned_rows.get(family, {}).get("tuning", {}).get("params") or {}
            if params:
                vectors = [feature_vector(problem.features()) for name, problem in train if name == family]
                store.save_artifact(f"tuned.highs.{family}", b"{}", {
                    "family": family, "solver": "highs", "solver_version": registry.get("highs").version(),
                    "params": params, "centroid": centroid(vectors), "coordinates": list(COORDINATES)})
        print(f"training: {len(train)} instances x candidates, cap {args.cap} s", flush=True)
        training_rows = collect([problem for _, problem in train], store, time_limit=args.cap, threads=1)
        train_cost: dict[str, list[float]] = {}
        for row in training_rows:
            solved = row["status"] in ("optimal", "infeasible", "unbounded") and row["verified"]
            train_cost.setdefault(row["config"], []).append(row["seconds"] if solved else 2 * args.cap)
        full = max(len(v) for v in train_cost.values())
        single_best = min((key for key, v in train_cost.items() if len(v) == full), key=lambda key: sgm(train_cost[key]))
        print(f"training done in {time.perf_counter() - started:.0f} s; single best on training: {single_best}", flush=True)

        from optarium.learn.select import Selector, leave_one_out

        loo = leave_one_out(Selector.from_store(store).neighbours, (1, 3, 5, 8))
        k = args.k or min(loo, key=lambda value: (loo[value], value))
        print("leave-one-out on training, sgm s by k: " + ", ".join(f"{key}: {value:.3f}" for key, value in loo.items())
              + f"; k = {k}", flush=True)
        selector, tuned_planner = SelectorPlanner(k=k), TunedPlanner()
        per_instance = []
        unverified = 0
        for family, problem in test:
            times: dict[str, float] = {}
            for plan in candidate_plans(problem, store):
                solution = optarium.solve(problem, solver=plan.solver, time_limit=args.cap, record=False, threads=1,
                                          **plan.params)
                unverified += solution.payload is not None and not solution.verified
                solved = solution.status in ("optimal", "infeasible", "unbounded") and solution.verified
                times[config_key(plan.solver, plan.params)] = solution.seconds if solved else 2 * args.cap
            begun = time.perf_counter()
            chosen = selector.plan(problem, store)
            plan_ms = 1000 * (time.perf_counter() - begun)
            tuned = tuned_planner.plan(problem, store)
            pick = config_key(chosen.solver, chosen.params)
            per_instance.append({
                "family": family, "instance": problem.name, "times": times, "selector": pick,
                "selector_source": chosen.source, "reason": chosen.reason, "plan_ms": plan_ms,
                "tuned": config_key(tuned.solver, tuned.params)})
            print(f"{problem.name:48} picked {pick[:40]:40} " + " ".join(f"{t:6.2f}" for t in times.values()), flush=True)
    keys = sorted({key for row in per_instance for key in row["times"]}, key=lambda k: (k.split()[0], len(k)))

    def score(pick: str) -> list[float]:
        return [row["times"].get(row[pick] if pick in ("selector", "tuned") else pick, 2 * args.cap)
                for row in per_instance]

    def fixed(key: str) -> list[float]:
        return [row["times"].get(key, row["times"][config_key("highs", {})]) for row in per_instance]

    summary = {
        "highs defaults": sgm(fixed(config_key("highs", {}))),
        "scip defaults": sgm(fixed(config_key("scip", {}))),
        "tuned planner (per family)": sgm(score("tuned")),
        "single best on training": sgm(fixed(single_best)),
        "learned selector": sgm(score("selector")),
        "virtual best": sgm([min(row["times"].values()) for row in per_instance]),
    }
    hindsight = min(sgm(fixed(key)) for key in keys)
    summary["single best in hindsight (test)"] = hindsight
    base = summary["highs defaults"]
    gap = summary["single best on training"] - summary["virtual best"]
    closed = (summary["single best on training"] - summary["learned selector"]) / gap if gap > 0 else float("nan")
    gap_h = hindsight - summary["virtual best"]
    closed_h = (hindsight - summary["learned selector"]) / gap_h if gap_h > 0 else float("nan")
    print(f"\n{'method':34} {'sgm s':>7} {'highs default / method':>22}")
    for label, value in summary.items():
        print(f"{label:34} {value:7.3f} {base / value:22.2f}")
    print(f"gap closed vs single best on training: {closed:.2f}; vs single best in hindsight: {closed_h:.2f}")
    print(f"unverified answers: {unverified}; selector plan cost: mean "
          f"{sum(r['plan_ms'] for r in per_instance) / len(per_instance):.1f} ms")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "learn_select.json").write_text(json.dumps({
        "args": vars(args), "k": k, "leave_one_out": loo, "summary": summary, "gap_closed": closed, "gap_closed_hindsight": closed_h,
        "single_best_training": single_best, "training_runs": training_rows, "test": per_instance,
        "unverified": unverified, "seconds": time.perf_counter() - started}, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
