"""Per-instance choice among {HiGHS, SCIP} defaults and tuned HiGHS, learned from recorded runs, on held-out instances.

Usage: benchmarks/learn_select.py [--families a:level,...] [--train 20] [--test 10] [--cap 5] [--seed 4000]
       benchmarks/learn_select.py --planner-cost [--runs 10000]

Per family: training instances from base seed ``seed`` and test instances from
``seed + 1000`` (the generator's instance seeds of each; the sizes of each level are
written to the results). The tuned HiGHS configurations are those of
benchmarks/results/learn_tune.json (tuned on base seed 0, so on neither set
here); they are saved in a scratch store with the training instances'
feature centroid, as ``optarium tune`` saves them. Every candidate
configuration runs on every training instance through
``optarium.learn.select.collect`` (recorded in the store, embeddings
remembered); then every candidate runs on every test instance (not recorded),
and the learned selector (both methods), the tuned planner, HiGHS defaults and the best single
configuration (chosen on the training runs) are scored by what their choice
took on each test instance. Screened on the training instances only: the vote's
``k`` by leave-one-out, the ridge selector's margin, agreement and alpha by
5-fold cross-validation. Cost: shifted geometric mean (shift 1 s), an
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
FAMILIES = ("set_cover:easy,combinatorial_auction:easy,facility_location:easy,independent_set:easy,"
            "multiple_knapsack:easy,generalized_independent_set:easy")


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
    parser.add_argument("--train", type=int, default=20)
    parser.add_argument("--test", type=int, default=10)
    parser.add_argument("--cap", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=4000)
    parser.add_argument("--planner-cost", action="store_true", help="only the selector planner's own cost")
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--out", default="learn_select.json")
    args = parser.parse_args()
    if args.planner_cost:
        planner_cost(args)
        return

    import itertools

    import optarium
    from optarium.learn.generators import generate, instance_seeds, sizes
    from optarium.learn.recognise import COORDINATES, centroid, feature_vector
    from optarium.learn.select import (
        Selector,
        SelectorPlanner,
        candidate_plans,
        collect,
        config_key,
        cross_validate,
        leave_one_out,
    )
    from optarium.plan.tuned import TunedPlanner
    from optarium.solvers import registry
    from optarium.store.base import open_store

    tuned_rows = {row["family"]: row for row in json.loads((RESULTS / "learn_tune.json").read_text())["rows"]}
    started = time.perf_counter()
    levels: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        store = open_store(f"sqlite:///{Path(scratch) / 'select.db'}")
        train, test = [], []
        for spec in args.families.split(","):
            family, level = spec.split(":")
            levels[family] = {"level": level, **sizes(family, level)}
            for base, n, bucket in ((args.seed, args.train, train), (args.seed + 1000, args.test, test)):
                bucket.extend((family, generate(family, s, level)) for s in instance_seeds(base, n))
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

        neighbours = Selector.from_store(store).neighbours
        loo = leave_one_out(neighbours, (1, 3, 5, 8))
        k = min(loo, key=lambda value: (loo[value], value))
        screen = {}
        for margin, agreement, alpha in itertools.product((0.0, 0.05, 0.1, 0.2), (0.6, 0.8), (0.1, 1.0, 10.0)):
            screen[(margin, agreement, alpha)] = cross_validate(neighbours, folds=5, seed=args.seed, k=5, method="ridge",
                                                                margin=margin, agreement=agreement, alpha=alpha)
        margin, agreement, alpha = min(screen, key=lambda key: (screen[key], -key[0], -key[1], -key[2]))
        print("leave-one-out on training, vote sgm s by k: " + ", ".join(f"{key}: {value:.3f}" for key, value in loo.items())
              + f"; k = {k}; ridge 5-fold CV best: margin {margin}, agreement {agreement}, alpha {alpha} "
              f"({screen[(margin, agreement, alpha)]:.3f} s; defaults {screen[(0.1, 0.8, 1.0)]:.3f} s)", flush=True)
        planners = {"vote": SelectorPlanner(k=k, method="vote"),
                    "ridge": SelectorPlanner(k=5, method="ridge", margin=margin, agreement=agreement, alpha=alpha)}
        tuned_planner = TunedPlanner()
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
            row = {"family": family, "instance": problem.name, "times": times}
            for name, planner in planners.items():
                begun = time.perf_counter()
                chosen = planner.plan(problem, store)
                row[f"{name}_ms"] = 1000 * (time.perf_counter() - begun)
                row[name], row[f"{name}_reason"] = config_key(chosen.solver, chosen.params), chosen.reason
            tuned = tuned_planner.plan(problem, store)
            row["tuned"] = config_key(tuned.solver, tuned.params)
            per_instance.append(row)
            print(f"{problem.name:44} ridge {row['ridge'][:24]:24} vote {row['vote'][:24]:24} "
                  + " ".join(f"{t:6.2f}" for t in times.values()), flush=True)

    def score(rows: list[dict[str, object]], pick: str) -> list[float]:
        return [row["times"].get(row[pick], 2 * args.cap) for row in rows]  # type: ignore[attr-defined, index]

    def fixed(rows: list[dict[str, object]], key: str) -> list[float]:
        return [row["times"].get(key, row["times"][config_key("highs", {})]) for row in rows]  # type: ignore[attr-defined, index]

    def summarise(rows: list[dict[str, object]]) -> dict[str, float]:
        return {
            "highs defaults": sgm(fixed(rows, config_key("highs", {}))),
            "scip defaults": sgm(fixed(rows, config_key("scip", {}))),
            "tuned planner (per family)": sgm(score(rows, "tuned")),
            "single best on training": sgm(fixed(rows, single_best)),
            "learned selector: vote": sgm(score(rows, "vote")),
            "learned selector: ridge": sgm(score(rows, "ridge")),
            "virtual best": sgm([min(row["times"].values()) for row in rows]),  # type: ignore[attr-defined]
        }

    summary = summarise(per_instance)  # type: ignore[arg-type]
    gap = summary["single best on training"] - summary["virtual best"]
    closed = {name: (summary["single best on training"] - summary[f"learned selector: {name}"]) / gap if gap > 0 else float("nan")
              for name in ("vote", "ridge")}
    by_family = {family: summarise([row for row in per_instance if row["family"] == family])  # type: ignore[arg-type]
                 for family in levels}
    base = summary["highs defaults"]
    print(f"\n{'method':34} {'sgm s':>7} {'highs default / method':>22}")
    for label, value in summary.items():
        print(f"{label:34} {value:7.3f} {base / value:22.2f}")
    print(f"gap to the virtual best closed (vs single best on training): vote {closed['vote']:.2f}, ridge {closed['ridge']:.2f}")
    for family, values in by_family.items():
        print(f"{family:30} " + " ".join(f"{label.split(':')[-1].strip()[:10]} {value:.3f}" for label, value in values.items()))
    picks = {name: {key: sum(row[name] == key for row in per_instance) for key in {row[name] for row in per_instance}}
             for name in ("vote", "ridge")}
    print(f"unverified answers: {unverified}; picks: {picks}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / args.out).write_text(json.dumps({
        "args": vars(args), "levels": levels, "k": k, "leave_one_out": loo,
        "ridge_screen": [{"margin": m, "agreement": a, "alpha": al, "cv_sgm": v} for (m, a, al), v in screen.items()],
        "ridge_settings": {"margin": margin, "agreement": agreement, "alpha": alpha},
        "summary": summary, "by_family": by_family, "gap_closed": closed, "picks": picks,
        "single_best_training": single_best, "training_runs": training_rows, "test": per_instance,
        "unverified": unverified, "seconds": time.perf_counter() - started},
        separators=(",", ":"), default=str) + "\n")  # hundreds of per-instance rows: compact


if __name__ == "__main__":
    main()
