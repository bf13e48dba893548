"""Warm starts from solved neighbours against a cold solve: time to a proven optimum on held-out instances.

Usage: benchmarks/learn_warmstart.py [--families a:level,...] [--train 5] [--test 8] [--cap 20] [--jitter 0.1] [--seed 0]
                                     [--solver highs|scip] [--out learn_warmstart.json]

Two settings per family, each with its own scratch store:
- jittered (MIPLearn's setting): one base instance (seed ``seed``); training and
  test instances are the base with every objective coefficient scaled by a seeded
  factor in [1 - jitter, 1 + jitter] (training seeds 0.., test seeds 1000..);
- independent: training instances from base seed ``seed + 100``, test instances
  from ``seed + 1100`` (the generator's own variety, nothing shared).
Training instances are solved by ``solve_warm`` (recorded and remembered); each
test instance is then solved cold (the solver's defaults) and warm (the start its
neighbours predict, through the flow's ``start``), one thread each, in alternating order, the test solves not
recorded. Time to optimality is the solve time of a run that proves optimality;
one that does not counts twice the cap. Every answer is verified. Writes
benchmarks/results/learn_warmstart.json.
"""

from __future__ import annotations

import argparse
import json
import math
import time
import uuid
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
FAMILIES = "multiple_knapsack:easy,combinatorial_auction:medium,generalized_independent_set:easy"


def sgm(seconds: list[float]) -> float:
    return math.exp(sum(math.log(t + 1.0) for t in seconds) / len(seconds)) - 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", default=FAMILIES)
    parser.add_argument("--train", type=int, default=5)
    parser.add_argument("--test", type=int, default=8)
    parser.add_argument("--cap", type=float, default=20.0)
    parser.add_argument("--jitter", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--solver", default="highs")
    parser.add_argument("--out", default="learn_warmstart.json")
    args = parser.parse_args()

    import optarium
    from optarium.learn.generators import generate
    from optarium.learn.warmstart import jittered, predict_start, solve_warm
    from optarium.store.base import open_store

    def cost(solution: optarium.Solution) -> float:  # type: ignore[type-arg]
        return solution.seconds if solution.status == "optimal" and solution.verified else 2 * args.cap

    rows = []
    wrong = 0
    started = time.perf_counter()
    print(f"{'family':28} {'setting':11} {'cold s':>7} {'warm s':>7} {'cold/warm':>9} {'hinted':>7}")
    for spec in args.families.split(","):
        family, level = spec.split(":")
        base = generate(family, args.seed, level)
        settings = {
            "jittered": ([jittered(base, s, args.jitter) for s in range(args.train)],
                         [jittered(base, 1000 + s, args.jitter) for s in range(args.test)]),
            "independent": ([generate(family, args.seed + 100 + s, level) for s in range(args.train)],
                            [generate(family, args.seed + 1100 + s, level) for s in range(args.test)]),
        }
        for setting, (train, test) in settings.items():
            store = open_store(f"memory://warm-{uuid.uuid4().hex}")
            for problem in train:
                solve_warm(problem, store, solver=args.solver, time_limit=args.cap, threads=1)
            cold_costs, warm_costs, hinted, per_instance = [], [], [], []
            for index, problem in enumerate(test):
                start = predict_start(problem, store)
                runs = {}
                order = ("cold", "warm") if index % 2 == 0 else ("warm", "cold")
                for label in order:
                    if label == "cold":
                        runs[label] = optarium.solve(problem, solver=args.solver, time_limit=args.cap, threads=1,
                                                     record=False)
                    else:
                        runs[label] = solve_warm(problem, store, start=start, solver=args.solver, time_limit=args.cap,
                                                 threads=1, record=False)
                for solution in runs.values():
                    wrong += solution.payload is not None and not solution.verified
                if runs["cold"].status == "optimal" and runs["warm"].status == "optimal":
                    objectives = (runs["cold"].objective or 0.0, runs["warm"].objective or 0.0)
                    wrong += abs(objectives[0] - objectives[1]) > 1e-6 * max(1.0, abs(objectives[0]))
                cold_costs.append(cost(runs["cold"]))
                warm_costs.append(cost(runs["warm"]))
                hinted.append(0.0 if start is None else start.share)
                per_instance.append({"instance": problem.name, "cold": cold_costs[-1], "warm": warm_costs[-1],
                                     "hinted_share": hinted[-1], "cold_status": runs["cold"].status,
                                     "warm_status": runs["warm"].status})
            cold, warm = sgm(cold_costs), sgm(warm_costs)
            share = sum(hinted) / len(hinted)
            rows.append({"family": family, "difficulty": level, "setting": setting, "cold_sgm": cold, "warm_sgm": warm,
                         "ratio": cold / warm, "mean_hinted_share": share, "instances": per_instance})
            print(f"{family:28} {setting:11} {cold:7.3f} {warm:7.3f} {cold / warm:9.2f} {100 * share:6.0f}%", flush=True)
    print(f"answers failing verification or disagreeing cold/warm: {wrong}; {time.perf_counter() - started:.0f} s")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / args.out).write_text(json.dumps(
        {"args": vars(args), "rows": rows, "wrong": wrong, "seconds": time.perf_counter() - started},
        indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
