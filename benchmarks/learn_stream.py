"""Bandits over MILP configurations on a stream of one family's instances, against the defaults and the best fixed one.

Usage: benchmarks/learn_stream.py [--family combinatorial_auction] [--size name=value,...] [--n 200]
                                  [--cap 10] [--seed 0] [--screen]

Arms (``optarium.learn.stream.default_configs``): HiGHS defaults, SCIP defaults,
HiGHS with heuristic effort 0.3, HiGHS without presolve; one thread each.

``--screen``: on the training stream (instances from base seed ``seed``) every
arm runs on every instance; the bandit (learning rates 16-4096) and the contextual
bandit (exploration 16-4096) are replayed on that table with 5 draw seeds each,
and their totals reported against the best fixed arm in hindsight. Writes
benchmarks/results/learn_stream_screen.json (and the table, learn_stream_screen_table.json).

Default: the held-out stream (base seed ``seed + 1000``) is solved live by
``optarium.learn.stream.solve_stream`` with the chosen learning rate, every
other arm also running on every instance (``compare``); the contextual bandit
is replayed on that table (``--contextual-live``: solved live again). An unfinished run counts twice the cap.
Writes benchmarks/results/learn_stream.json and learn_stream.png.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"


def problems(args: argparse.Namespace, base: int) -> list:  # type: ignore[type-arg]
    from optarium.learn.generators import generate

    sizes = {key: int(value) for key, value in (item.split("=") for item in args.size.split(",") if item)}
    out = []
    for index in range(args.n):
        program = generate(args.family, base + index, **sizes)
        out.append(program)
    return out


def table(args: argparse.Namespace, stream: list) -> tuple[list[str], np.ndarray]:  # type: ignore[type-arg]
    import optarium
    from optarium.learn.stream import FINISHED, default_configs

    arms = default_configs()
    costs = np.zeros((len(stream), len(arms)))
    for row, problem in enumerate(stream):
        for column, arm in enumerate(arms):
            solution = optarium.solve(problem, solver=arm.solver, time_limit=args.cap, record=False, threads=1,
                                      **arm.params)
            done = solution.status in FINISHED and solution.verified
            costs[row, column] = solution.seconds if done else 2 * args.cap
        if row % 20 == 19:
            print(f"  {row + 1} instances tabled", flush=True)
    return [arm.label for arm in arms], costs


def replay(costs: np.ndarray, policy: str, value: Any, seed: int, contexts: np.ndarray, cap: float) -> float:
    return float(replay_costs(costs, policy, value, seed, contexts, cap).sum())


def replay_costs(costs: np.ndarray, policy: str, value: Any, seed: int, contexts: np.ndarray, cap: float) -> np.ndarray:
    """What the policy's choices cost on a table of every arm on every instance, per instance."""
    from optarium.learn.stream import ConfigBandit, ContextualConfigBandit, ThompsonConfigBandit

    k = costs.shape[1]
    chooser: ConfigBandit | ContextualConfigBandit | ThompsonConfigBandit
    if policy == "thompson":
        warmup, scale = value if isinstance(value, tuple) else (8, 0.1)
        chooser = ThompsonConfigBandit(k, warmup=warmup, scale=scale, seed=seed)
    elif policy == "contextual":
        chooser = ContextualConfigBandit(k, contexts.shape[1], exploration=value, seed=seed)
    else:
        chooser = ConfigBandit(k, learning_rate=value, seed=seed)
    paid = np.zeros(costs.shape[0])
    for row in range(costs.shape[0]):
        arm, probability = chooser.ask(contexts[row])
        paid[row] = costs[row, arm]
        chooser.tell(arm, probability, 1.0 if paid[row] >= 2 * cap else min(paid[row], cap) / cap, contexts[row])
    return paid


def screen(args: argparse.Namespace) -> None:
    from optarium.learn.recognise import feature_vector

    if args.reuse_table:
        saved = json.loads((RESULTS / "learn_stream_screen_table.json").read_text())
        labels, costs, contexts = saved["labels"], np.array(saved["costs"]), np.array(saved["contexts"])
    else:
        stream = problems(args, args.seed)
        contexts = np.array([feature_vector(p.features()) for p in stream])
        labels, costs = table(args, stream)
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "learn_stream_screen_table.json").write_text(json.dumps({"labels": labels, "costs": costs.tolist(),
                                                                             "contexts": contexts.tolist()}) + "\n")
    best = costs.sum(axis=0).min()
    after = costs[50:].sum(axis=0).min()
    rows: dict[str, Any] = {"labels": labels, "totals": costs.sum(axis=0).tolist(), "bandit": {}, "contextual": {},
                            "thompson": {}}
    for warmup in (3, 5, 8, 12):
        for scale in (0.05, 0.1, 0.2, 0.3, 0.5):
            paid = [replay_costs(costs, "thompson", (warmup, scale), seed, contexts, args.cap) for seed in range(40)]
            ratios = [float(p.sum() / best) for p in paid]
            later = [float(p[50:].sum() / after) for p in paid]
            rows["thompson"][f"{warmup},{scale}"] = {"all": ratios, "after_50": later}
            print(f"thompson warm-up {warmup:2}, scale {scale:4}: / best fixed {np.mean(ratios):.3f}; instances 51+: "
                  f"{np.mean(later):.3f} (90% of seeds below {np.quantile(later, 0.9):.3f}, max {max(later):.3f})", flush=True)
    print("fixed totals: " + ", ".join(f"{label} {total:.1f}" for label, total in zip(labels, costs.sum(axis=0), strict=True)))
    for policy, grid in (("bandit", (16, 64, 256, 1024, 4096)), ("contextual", (16, 64, 256, 1024, 4096))):
        for value in grid:
            ratios = [replay(costs, policy, value, seed, contexts, args.cap) / best for seed in range(5)]
            rows[policy][str(value)] = ratios
            print(f"{policy:10} {value:4}: / best fixed {np.mean(ratios):.3f} (seeds {min(ratios):.3f}-{max(ratios):.3f})",
                  flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.reuse_table:  # why Tsallis-INF misses: fewer arms, and no instance-to-instance noise at all
        diagnosis: dict[str, Any] = {}
        for label, table_costs in (("highs and scip defaults only", costs[:, :2]),
                                   ("every instance at its arm's mean time", np.tile(costs.mean(axis=0), (len(costs), 1)))):
            best_here, after_here = table_costs.sum(axis=0).min(), table_costs[50:].sum(axis=0).min()
            for rate in (64, 256):
                paid = [replay_costs(table_costs, "bandit", rate, seed, contexts, args.cap) for seed in range(10)]
                diagnosis[f"{label}, tsallis {rate}"] = [float(np.mean([p.sum() / best_here for p in paid])),
                                                         float(np.mean([p[50:].sum() / after_here for p in paid]))]
                print(f"{label}, Tsallis-INF {rate}: / best fixed {diagnosis[f'{label}, tsallis {rate}'][0]:.3f}; "
                      f"instances 51+: {diagnosis[f'{label}, tsallis {rate}'][1]:.3f}", flush=True)
        rows["diagnosis"] = diagnosis
    name = "learn_stream_screen_thompson.json" if args.reuse_table else "learn_stream_screen.json"
    (RESULTS / name).write_text(json.dumps({"args": vars(args), **rows}, indent=1) + "\n")


def held_out(args: argparse.Namespace) -> None:
    from optarium.learn.stream import solve_stream

    if args.learning_rate <= 0 or args.exploration <= 0:  # the best mean ratio of the last screen
        screened = json.loads((RESULTS / "learn_stream_screen.json").read_text())
        for policy, attribute in (("bandit", "learning_rate"), ("contextual", "exploration")):
            if getattr(args, attribute) <= 0:
                grid = screened[policy]
                setattr(args, attribute, float(min(grid, key=lambda value: np.mean(grid[value]))))
        print(f"from the screen: learning rate {args.learning_rate:g}, exploration {args.exploration:g}", flush=True)
    stream = problems(args, args.seed + 1000 if args.held_out < 0 else args.held_out)
    started = time.perf_counter()
    live = solve_stream(stream, args.policy, store=f"memory://stream-{uuid.uuid4().hex}", time_cap=args.cap, threads=1,
                        seed=args.seed, learning_rate=args.learning_rate, compare=True)
    summary = live.to_dict()
    labels = list(summary["totals"])
    costs = np.array([[row["all"][label] for label in labels] for row in live.rows])
    chosen = np.array([row["cost"] for row in live.rows])
    contextual_rows: list = []  # type: ignore[type-arg]
    if args.contextual_live:
        contextual = solve_stream(stream, "contextual", store=f"memory://stream-{uuid.uuid4().hex}", time_cap=args.cap,
                                  threads=1, seed=args.seed, exploration=args.exploration)
        contextual_rows = contextual.rows
        chosen_ctx = np.array([row["cost"] for row in contextual.rows])
    else:
        from optarium.learn.recognise import feature_vector

        contexts = np.array([feature_vector(p.features()) for p in stream])
        chosen_ctx = replay_costs(costs, "contextual", args.exploration, args.seed, contexts, args.cap)
    best_index = int(np.argmin(costs.sum(axis=0)))
    after = slice(50, None)
    from optarium.learn.recognise import feature_vector

    all_contexts = np.array([feature_vector(p.features()) for p in stream])
    replayed = {policy: [replay_costs(costs, policy, value, seed, all_contexts, args.cap) for seed in range(5)]
                for policy, value in (("bandit", args.learning_rate), ("thompson", (8, 0.1))) if policy != args.policy}
    replayed_report = {policy: {"vs_best": [float(p.sum() / costs[:, best_index].sum()) for p in paid],
                                "after_50_vs_best": [float(p[after].sum() / costs[after, best_index].sum()) for p in paid]}
                       for policy, paid in replayed.items()}
    report = {
        "instances": len(stream),
        "totals": dict(zip(labels, costs.sum(axis=0).tolist(), strict=True)),
        "bandit": float(chosen.sum()), "contextual": float(chosen_ctx.sum()),
        "best_fixed": labels[best_index], "default": labels[0],
        "bandit_vs_best": float(chosen.sum() / costs[:, best_index].sum()),
        "bandit_vs_default": float(chosen.sum() / costs[:, 0].sum()),
        "contextual_vs_best": float(chosen_ctx.sum() / costs[:, best_index].sum()),
        "after_50": {
            "bandit_vs_best": float(chosen[after].sum() / costs[after, best_index].sum()),
            "contextual_vs_best": float(chosen_ctx[after].sum() / costs[after, best_index].sum()),
            "best_fixed_after_50": labels[int(np.argmin(costs[after].sum(axis=0)))],
        },
        "virtual_best": float(costs.min(axis=1).sum()),
        "choices": {label: sum(row["config"] == label for row in live.rows) for label in labels},
        "choices_after_50": {label: sum(row["config"] == label for row in live.rows[50:]) for label in labels},
        "seconds": time.perf_counter() - started,
        "policy": args.policy, "replayed_5_seeds": replayed_report,
    }
    print(f"{'method':28} {'total s':>9} {'/ best fixed':>12} {'instances 51+: / best':>22}")
    for index, label in enumerate(labels):
        print(f"fixed {label:22} {costs[:, index].sum():9.1f} {costs[:, index].sum() / costs[:, best_index].sum():12.3f} "
              f"{costs[after, index].sum() / costs[after, best_index].sum():22.3f}")
    for policy, paid in replayed.items():
        print(f"{policy + ', replayed (5 seeds)':28} {np.mean([p.sum() for p in paid]):9.1f} "
              f"{np.mean(replayed_report[policy]['vs_best']):12.3f} {np.mean(replayed_report[policy]['after_50_vs_best']):22.3f}")
    for label, values in ((f"{args.policy}, live", chosen), ("contextual (SquareCB)" + ("" if args.contextual_live else ", replayed"), chosen_ctx)):
        print(f"{label:28} {values.sum():9.1f} {values.sum() / costs[:, best_index].sum():12.3f} "
              f"{values[after].sum() / costs[after, best_index].sum():22.3f}")
    print(f"virtual best                 {report['virtual_best']:9.1f}; bandit choices {report['choices']}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.out}.json").write_text(json.dumps({"args": vars(args), **report, "rows": live.rows,
                                                           "contextual_rows": contextual_rows,
                                                           "contextual_live": args.contextual_live},
                                                          separators=(",", ":"), default=str) + "\n")  # 200 rows: compact
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    figure, axis = plt.subplots(figsize=(6, 4))
    steps = np.arange(1, len(stream) + 1)
    axis.plot(steps, np.cumsum(costs[:, 0]), label=f"default ({labels[0]})")
    axis.plot(steps, np.cumsum(costs[:, best_index]), label=f"best fixed ({labels[best_index]})")
    axis.plot(steps, np.cumsum(chosen), label=f"{args.policy} (live)")
    if "bandit" in replayed:
        axis.plot(steps, np.cumsum(replayed["bandit"][0]), label="Tsallis-INF (replayed)")
    axis.plot(steps, np.cumsum(chosen_ctx), label="contextual bandit")
    axis.set_xlabel("instance")
    axis.set_ylabel("cumulative seconds")
    axis.legend()
    figure.tight_layout()
    figure.savefig(RESULTS / f"{args.out}.png", dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", default="combinatorial_auction")
    parser.add_argument("--size", default="", help="sizes as name=value,... (default: the family's easy level)")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--cap", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--learning-rate", type=float, default=0.0, help="0: the best of the last --screen")
    parser.add_argument("--exploration", type=float, default=0.0, help="0: the best of the last --screen")
    parser.add_argument("--screen", action="store_true")
    parser.add_argument("--reuse-table", action="store_true", help="--screen on the saved table of the last screen")
    parser.add_argument("--policy", default="thompson", help="the policy solved live on the held-out stream")
    parser.add_argument("--out", default="learn_stream", help="name of the held-out results (.json, .png)")
    parser.add_argument("--held-out", type=int, default=-1, help="base seed of the held-out stream (default seed + 1000)")
    parser.add_argument("--contextual-live", action="store_true",
                        help="solve the stream again live with the contextual bandit (default: replay it on the table)")
    args = parser.parse_args()
    screen(args) if args.screen else held_out(args)


if __name__ == "__main__":
    main()
