"""Offline optimization from a table: best-of-k percentile when only the worst half is given.

    flock /tmp/optarium-bench.lock .venv/bin/python benchmarks/blackbox_offline.py \
        [--tasks Buchwald_Hartwig,Suzuki_Doyle,Branin,Hartmann6,Ackley4] [--seeds 0,1,2] [--k 10]

The protocol of the offline-optimization literature (Design-Bench; IGNITE, ROOT): each
method sees only the worst half of a table (by objective), proposes k candidates from the
whole space without evaluating anything, and is scored by the best true value among them
as a percentile of the full table (100 = as good as the table's best; a continuous
function's proposal may beat every row). Tasks: the reaction tables in
../shared/data/reactions (candidates: every untried combination) and BoTorch's Branin (2-D),
Hartmann6 and Ackley (4-D), minimised, each as a table of 500 uniform random points per
seed. Methods: optarium's ``batch`` (the default: the greedy expected best of k over
draws from the IGNITE and ROOT surrogates plus a GP's deviation; ``batch-root``,
``batch-ignite`` keep one surrogate and ``batch@0.5`` scales the deviation), ``ignite``
(gradient-norm regularized MLP ensemble), ``root`` (distributional translation by a
Brownian bridge), and the baselines ``naive`` (GP posterior mean, top k) and ``random``
(k untried points). Each record also has Design-Bench's normalized score,
(best - table min) / (table max - table min), which keeps ordering proposals that beat
every row (the percentile ties them at 100). Prints the mean percentile per task and
method, and on how many tasks each method is above both baselines; writes
benchmarks/results/blackbox_offline[-TAG].json (the load average before and after, then
one record per line). The quality numbers do not depend on the machine's load; the
seconds do.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
RESULTS = Path(__file__).resolve().parent / "results"
TASKS = ["Buchwald_Hartwig", "Suzuki_Doyle", "Branin", "Hartmann6", "Ackley4"]
METHODS = ["batch", "ignite", "root", "naive", "random"]
BASELINES = ("naive", "random")


def reaction_task(name: str) -> tuple[Any, list[dict[str, Any]], np.ndarray, Any]:
    from blackbox_reactions import load
    from optarium.blackbox.space import Space

    params, table, _ = load(name)
    space = Space.from_dict({p["name"]: {"type": "categorical", "choices": p["options"]} for p in params})
    rows = [dict(zip([p["name"] for p in params], key, strict=True)) for key in table]
    values = np.array(list(table.values()))

    def truth(proposal: dict[str, Any]) -> float | None:
        return table.get(tuple(str(proposal[p["name"]]) for p in params))

    return space, rows, values, truth


def function_task(name: str, seed: int) -> tuple[Any, list[dict[str, Any]], np.ndarray, Any]:
    import torch
    from botorch.test_functions import synthetic

    from optarium.blackbox.space import Space

    function = {"Branin": lambda: synthetic.Branin(), "Hartmann6": lambda: synthetic.Hartmann(dim=6),
                "Ackley4": lambda: synthetic.Ackley(dim=4)}[name]()
    bounds = function.bounds.numpy()
    space = Space.from_dict({f"x{i}": {"type": "float", "low": float(bounds[0, i]), "high": float(bounds[1, i])}
                             for i in range(function.dim)})
    rng = np.random.default_rng(1000 + seed)
    xs = bounds[0] + rng.random((500, function.dim)) * (bounds[1] - bounds[0])

    def evaluate(x: np.ndarray) -> float:
        with torch.no_grad():
            return -float(function.evaluate_true(torch.as_tensor(x[None, :]))[0])  # maximised

    rows = [{f"x{i}": float(x[i]) for i in range(function.dim)} for x in xs]
    values = np.array([evaluate(x) for x in xs])

    def truth(proposal: dict[str, Any]) -> float | None:
        return evaluate(np.array([proposal[f"x{i}"] for i in range(function.dim)]))

    return space, rows, values, truth


def options(method: str) -> dict[str, Any]:
    """``propose``'s keywords for a method name: ``batch``, ``batch-root`` (the regularizer) and
    ``batch@1.5`` (beta) name variants of the default."""
    name, _, beta = method.partition("@")
    name, _, regularizer = name.partition("-")
    return {"method": name, **({"regularizer": regularizer} if regularizer else {}), **({"beta": float(beta)} if beta else {})}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", default=",".join(TASKS))
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--tag", default="")
    args = parser.parse_args()
    from optarium.blackbox.offline import propose

    records = []
    load_before = os.getloadavg()
    methods = args.methods.split(",")
    for task in args.tasks.split(","):
        for seed in [int(s) for s in args.seeds.split(",")]:
            space, rows, values, truth = reaction_task(task) if "_" in task else function_task(task, seed)
            order = np.argsort(values)
            given = order[: len(order) // 2]
            ranked = np.sort(values)
            for method in methods:
                started = time.perf_counter()
                proposals = propose(space, [rows[i] for i in given], [float(values[i]) for i in given], args.k,
                                    direction="maximize", seed=seed, **options(method))
                seconds = time.perf_counter() - started
                true = [v for v in (truth(p) for p in proposals) if v is not None]
                best = max(true) if true else float("-inf")
                percentile = 100.0 * np.searchsorted(ranked, best, side="right") / len(ranked)
                normalized = (best - ranked[0]) / (ranked[-1] - ranked[0])
                records.append({"task": task, "seed": seed, "method": method, "best": best, "percentile": percentile,
                                "normalized": normalized,
                                "given_best": float(values[given].max()), "found": len(true), "seconds": seconds})
                print(f"{task:17s} seed {seed} {method:7s} percentile {percentile:6.1f}  best {best:9.4g}  "
                      f"(given best {values[given].max():.4g})  {seconds:5.1f} s", flush=True)
    summary: dict[str, Any] = {}
    print("\ntask               " + "".join(f"{m:>12s}" for m in methods) + "   (mean best-of-k percentile over seeds)")
    for task in args.tasks.split(","):
        rows_of = {m: [r for r in records if r["task"] == task and r["method"] == m] for m in methods}
        means = {m: statistics.fmean(r["percentile"] for r in rows_of[m]) for m in methods}
        summary[task] = {"percentile_mean": means,
                         "percentile_median": {m: statistics.median(r["percentile"] for r in rows_of[m]) for m in methods},
                         "normalized_mean": {m: statistics.fmean(r["normalized"] for r in rows_of[m]) for m in methods}}
        print(f"{task:19s}" + "".join(f"{means[m]:12.2f}" for m in methods))
    beats = {}
    if all(b in methods for b in BASELINES):
        for m in methods:
            if m not in BASELINES:
                beats[m] = sum(all(summary[t]["percentile_mean"][m] > summary[t]["percentile_mean"][b] for b in BASELINES)
                               for t in summary)
                print(f"{m}: above both baselines (mean percentile) on {beats[m]} of {len(summary)} tasks")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"blackbox_offline{'-' + args.tag if args.tag else ''}.json"
    head = {"args": vars(args), "loadavg_before": load_before, "loadavg_after": os.getloadavg(),
            "beats_both_baselines": beats, "summary": summary}
    out.write_text(json.dumps(head) [:-1] + ',\n"records": [\n' + ",\n".join(json.dumps(r) for r in records) + "]}\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
