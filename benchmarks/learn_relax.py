"""Learning to Relax: total SOR iterations over a stream of shifted 2-D Laplacians.

Compares ω = 1 (Gauss-Seidel), the best fixed grid ω in hindsight (every grid ω run
on every instance), the Tsallis-INF bandit, the Thompson-sampling bandit and the ChebCB
contextual bandit (context: the shift c), and the per-instance best grid ω for reference.

Usage:
  benchmarks/learn_relax.py [--instances 1000] [--size 16] [--seed 2]
  benchmarks/learn_relax.py --screen 0,1   # pick learning rates on these stream seeds (no files written)

Writes benchmarks/results/learn_relax.json and learn_relax.png.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from optarium.learn.relax import (
    ContextualOmegaBandit,
    OmegaBandit,
    default_omegas,
    shifted_laplacians,
    sor,
    sor_iterations,
)

RESULTS = Path(__file__).resolve().parent / "results"
SHIFTS = (0.0, 1.0)
MAX_ITERATIONS = 1000
LEARNING_RATES = [4.0, 16.0, 32.0, 64.0, 128.0]
WARMUPS = [1, 2, 4, 8]
CONTEXTUAL = [(degree, exploration) for degree in (2, 4) for exploration in (4.0, 16.0, 64.0, 256.0)]
# chosen by --screen 0,1 (see docs/learn.md)
LEARNING_RATE = 64.0
WARMUP = 1  # Thompson sampling's runs of each ω before it samples; chosen by --screen 0,1
DEGREE, EXPLORATION = 4, 256.0


def table(instances: int, size: int, seed: int, omegas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Iterations of every grid ω on every instance, shape (instances, k), and the shifts (cached in /tmp)."""
    key = hashlib.sha256(repr((instances, size, seed, SHIFTS, MAX_ITERATIONS, omegas.tolist())).encode()).hexdigest()
    cache = Path(tempfile.gettempdir()) / f"optarium-learn-relax-{key[:16]}.npz"
    if cache.exists():
        saved = np.load(cache)
        return saved["counts"], saved["shifts"]
    systems = list(shifted_laplacians(instances, size=size, shifts=SHIFTS, seed=seed))
    counts = np.array([sor_iterations(s.A, s.b, omegas, max_iterations=MAX_ITERATIONS) for s in systems])
    shifts = np.array([s.context for s in systems])
    np.savez(cache, counts=counts, shifts=shifts)
    return counts, shifts


def replay_bandit(counts: np.ndarray, omegas: np.ndarray, rate: float, seed: int, policy: str = "tsallis",
                  warmup: int = WARMUP) -> np.ndarray:
    bandit = OmegaBandit(omegas, max_iterations=MAX_ITERATIONS, learning_rate=rate, policy=policy, warmup=warmup, seed=seed)
    paid = np.empty(len(counts), dtype=np.int64)
    for t, row in enumerate(counts):
        omega = bandit.ask()
        paid[t] = row[int(np.flatnonzero(omegas == omega)[0])]
        bandit.tell(omega, int(paid[t]))
    return paid


def replay_contextual(counts: np.ndarray, shifts: np.ndarray, omegas: np.ndarray, degree: int, exploration: float,
                      seed: int) -> np.ndarray:
    bandit = ContextualOmegaBandit(SHIFTS, omegas, max_iterations=MAX_ITERATIONS, degree=degree,
                                   exploration=exploration, seed=seed)
    paid = np.empty(len(counts), dtype=np.int64)
    for t, (row, shift) in enumerate(zip(counts, shifts, strict=True)):
        omega = bandit.ask(shift)
        paid[t] = row[int(np.flatnonzero(omegas == omega)[0])]
        bandit.tell(shift, omega, int(paid[t]))
    return paid


def screen(seeds: list[int], instances: int, size: int, omegas: np.ndarray) -> None:
    tables = [table(instances, size, seed, omegas) for seed in seeds]
    best = [counts.sum(axis=0).min() for counts, _ in tables]
    print("Tsallis-INF: total / best fixed per screening seed")
    for rate in LEARNING_RATES:
        ratios = [replay_bandit(c, omegas, rate, seed).sum() / b for (c, _), b, seed in zip(tables, best, seeds, strict=True)]
        print(f"  learning_rate {rate:5}: " + "  ".join(f"{r:.3f}" for r in ratios))
    print("Thompson sampling: total / best fixed (second half / best fixed) per screening seed")
    for warmup in WARMUPS:
        paid = [replay_bandit(c, omegas, LEARNING_RATE, seed, "thompson", warmup) for (c, _), seed in zip(tables, seeds, strict=True)]
        halves = [c[len(c) // 2:].sum(axis=0).min() for c, _ in tables]
        print(f"  warmup {warmup}: " + "  ".join(f"{q.sum() / b:.3f} ({q[len(q) // 2:].sum() / h:.3f})"
                                               for q, b, h in zip(paid, best, halves, strict=True)))
    print("ChebCB: total / best fixed per screening seed")
    for degree, exploration in CONTEXTUAL:
        ratios = [replay_contextual(c, s, omegas, degree, exploration, seed).sum() / b
                  for (c, s), b, seed in zip(tables, best, seeds, strict=True)]
        print(f"  degree {degree} exploration {exploration:5}: " + "  ".join(f"{r:.3f}" for r in ratios))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--size", type=int, default=16, help="grid side; systems have size**2 unknowns")
    parser.add_argument("--seed", type=int, default=2, help="stream and bandit seed of the reported run")
    parser.add_argument("--screen", default=None, help="comma-separated stream seeds to screen learning rates on")
    args = parser.parse_args()
    omegas = default_omegas()
    if args.screen:
        screen([int(s) for s in args.screen.split(",")], args.instances, args.size, omegas)
        return
    started = time.perf_counter()
    counts, _ = table(args.instances, args.size, args.seed, omegas)
    table_seconds = time.perf_counter() - started
    # the bandits solve each system live with the ω they chose
    systems = list(shifted_laplacians(args.instances, size=args.size, shifts=SHIFTS, seed=args.seed))
    bandit = OmegaBandit(omegas, max_iterations=MAX_ITERATIONS, learning_rate=LEARNING_RATE, seed=args.seed)
    thompson = OmegaBandit(omegas, max_iterations=MAX_ITERATIONS, policy="thompson", warmup=WARMUP, seed=args.seed)
    contextual = ContextualOmegaBandit(SHIFTS, omegas, max_iterations=MAX_ITERATIONS, degree=DEGREE,
                                       exploration=EXPLORATION, seed=args.seed)
    paid: dict[str, list[int]] = {"bandit": [], "thompson": [], "contextual": []}
    chosen: dict[str, list[float]] = {"bandit": [], "thompson": [], "contextual": []}
    for system in systems:
        omega = thompson.ask()
        used = sor(system.A, system.b, omega, max_iterations=MAX_ITERATIONS).iterations
        thompson.tell(omega, used)
        paid["thompson"].append(used)
        chosen["thompson"].append(omega)
        omega = bandit.ask()
        used = sor(system.A, system.b, omega, max_iterations=MAX_ITERATIONS).iterations
        bandit.tell(omega, used)
        paid["bandit"].append(used)
        chosen["bandit"].append(omega)
        omega = contextual.ask(system.context)
        used = sor(system.A, system.b, omega, max_iterations=MAX_ITERATIONS).iterations
        contextual.tell(system.context, omega, used)
        paid["contextual"].append(used)
        chosen["contextual"].append(omega)
    default_arm = int(np.flatnonzero(omegas == 1.0)[0])
    best_arm = int(np.argmin(counts.sum(axis=0)))
    curves = {
        "default (omega=1)": counts[:, default_arm],
        f"best fixed in hindsight (omega={omegas[best_arm]:.3f})": counts[:, best_arm],
        "bandit (Tsallis-INF)": np.array(paid["bandit"]),
        "bandit (Thompson sampling)": np.array(paid["thompson"]),
        "contextual bandit (ChebCB)": np.array(paid["contextual"]),
        "per-instance best grid omega": counts.min(axis=1),
    }
    best_total = int(counts[:, best_arm].sum())
    totals = {name: int(curve.sum()) for name, curve in curves.items()}
    print(f"{args.instances} systems of {args.size ** 2} unknowns, seed {args.seed}, grid of {omegas.size} omegas "
          f"in [1, {omegas[-1]}], hindsight table {table_seconds:.0f} s")
    print(f"{'method':52} {'total iterations':>17} {'/ best fixed':>13}")
    for name, total in totals.items():
        print(f"{name:52} {total:17d} {total / best_total:13.3f}")
    second_half = {name: int(curve[len(curve) // 2:].sum()) for name, curve in curves.items()}
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {
        "instances": args.instances, "size": args.size, "seed": args.seed, "shifts": SHIFTS,
        "max_iterations": MAX_ITERATIONS, "tol": 1e-8, "omegas": omegas.tolist(), "best_fixed_omega": float(omegas[best_arm]),
        "learning_rate": LEARNING_RATE, "warmup": WARMUP, "degree": DEGREE, "exploration": EXPLORATION,
        "totals": totals, "ratio_to_best_fixed": {k: v / best_total for k, v in totals.items()},
        "second_half_totals": second_half, "per_omega_totals": counts.sum(axis=0).tolist(),
        "final_bandit_probabilities": bandit.probabilities.tolist(),
    }
    (RESULTS / "learn_relax.json").write_text(json.dumps(result, indent=2) + "\n")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 4.5))
    for name, curve in curves.items():
        axis.plot(np.arange(1, len(curve) + 1), np.cumsum(curve), label=name,
                  linestyle=":" if name.startswith("per-instance") else "-")
    axis.set_xlabel("instance")
    axis.set_ylabel("cumulative SOR iterations")
    axis.set_title(f"Learning to Relax: shifted {args.size}x{args.size} Laplacians, seed {args.seed}")
    axis.legend()
    figure.tight_layout()
    figure.savefig(RESULTS / "learn_relax.png", dpi=120)


if __name__ == "__main__":
    main()
