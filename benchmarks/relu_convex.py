"""Two-layer ReLU regression: the convex program solved by ADMM vs the best of 10 Adam and 10
SGD runs from random starts (torch), same data, same weight-decay objective, in one run.

    flock /tmp/optarium-bench.lock .venv/bin/python benchmarks/relu_convex.py [--quick] [--seed N]

Data sets (a bias column of ones is added to X; y is centred and scaled to unit variance):
- ``spirals40``: two interleaved spirals, n=40, d=2, labels ±1; the convex program over *every*
  activation pattern, so its optimum is the global one, and the dual bound certifies it;
- ``teacher``: n=100, d=5, y from a random 5-neuron ReLU network plus noise, 500 sampled patterns;
- ``diabetes``: scikit-learn's bundled diabetes data (n=442, d=10), 500 sampled patterns.
Objective: ``½|relu(X Uᵀ) α - y|² + β/2 (|U|² + |α|²)``. Adam: full batch, lr 1e-2; SGD:
mini-batches of 16, lr 1e-3, momentum 0.9; both 50 neurons and 3000 steps per run.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from optarium.nonlinear_methods import relu_convex as rc

RESULTS = Path(__file__).resolve().parent / "results"
WIDTH, STEPS, RUNS = 50, 3000, 10


def spirals(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = np.sqrt(rng.uniform(0.05, 1, n // 2)) * 3 * np.pi
    arm = np.c_[t * np.cos(t), t * np.sin(t)] / (3 * np.pi)
    points = np.r_[arm, -arm] + 0.02 * rng.normal(size=(n, 2))
    return points, np.r_[np.ones(n // 2), -np.ones(n // 2)]


def teacher(n: int, d: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    points = rng.normal(size=(n, d))
    hidden = np.maximum(points @ rng.normal(size=(d, 5)), 0.0)
    return points, hidden @ rng.normal(size=5) + 0.1 * rng.normal(size=n)


def diabetes() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_diabetes

    data = load_diabetes()
    points = (data.data - data.data.mean(axis=0)) / data.data.std(axis=0)
    return points, data.target


def prepare(points: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.c_[points, np.ones(len(points))], (target - target.mean()) / target.std()


def torch_run(x: np.ndarray, y: np.ndarray, beta: float, seed: int, optimizer: str) -> float:
    import torch

    torch.set_num_threads(1)
    generator = torch.Generator().manual_seed(seed)
    inputs, targets = torch.tensor(x), torch.tensor(y)
    first = (
        torch.randn(WIDTH, x.shape[1], generator=generator, dtype=torch.float64)
        / np.sqrt(x.shape[1])
    ).requires_grad_()
    second = (
        torch.randn(WIDTH, generator=generator, dtype=torch.float64) / np.sqrt(WIDTH)
    ).requires_grad_()
    if optimizer == "adam":
        opt: Any = torch.optim.Adam([first, second], lr=1e-2)
    else:
        opt = torch.optim.SGD([first, second], lr=1e-3, momentum=0.9)
    n = len(y)
    for _ in range(STEPS):
        rows = (
            torch.arange(n)
            if optimizer == "adam"
            else torch.randint(0, n, (16,), generator=generator)
        )
        opt.zero_grad()
        fit = torch.relu(inputs[rows] @ first.T) @ second - targets[rows]
        scale = (
            1.0 if optimizer == "adam" else n / len(rows)
        )  # an unbiased estimate of the full loss
        loss = 0.5 * scale * (fit**2).sum() + 0.5 * beta * ((first**2).sum() + (second**2).sum())
        loss.backward()
        opt.step()
    return rc.network_objective(x, y, first.detach().numpy(), second.detach().numpy(), beta)


def run(
    name: str,
    x: np.ndarray,
    y: np.ndarray,
    beta: float,
    every_pattern: bool,
    patterns: int,
    max_iter: int,
    seed: int,
) -> dict[str, Any]:
    start = time.perf_counter()
    chosen = rc.all_patterns(x) if every_pattern else rc.sample_patterns(x, patterns, seed)
    result = rc.train(x, y, beta=beta, patterns=chosen, max_iter=max_iter, tol=1e-6, seed=seed)
    convex_seconds = time.perf_counter() - start
    row: dict[str, Any] = {
        "data": name,
        "n": x.shape[0],
        "d": x.shape[1] - 1,
        "beta": beta,
        "patterns": len(chosen),
        "every_pattern": every_pattern,
        "convex_objective": result.objective,
        "convex_seconds": convex_seconds,
        "admm_iterations": result.iterations,
        "admm_converged": result.converged,
        "neurons": len(result.second_layer),
    }
    if every_pattern:
        fitted = np.maximum(x @ result.first_layer.T, 0.0) @ result.second_layer
        row["dual_lower_bound"] = rc.dual_bound(x, y, fitted, beta, chosen)
    for optimizer in ("adam", "sgd"):
        start = time.perf_counter()
        finals = [torch_run(x, y, beta, seed * 1000 + k, optimizer) for k in range(RUNS)]
        row[optimizer] = {
            "best": min(finals),
            "median": float(np.median(finals)),
            "seconds": time.perf_counter() - start,
            "all": finals,
        }
    best = min(row["adam"]["best"], row["sgd"]["best"])
    row["convex_minus_best_local"] = result.objective - best
    print(
        f"{name:9s} P={len(chosen):5d} convex {result.objective:9.4f} ({convex_seconds:6.1f}s, {result.iterations} it)"
        + (f" dual>= {row['dual_lower_bound']:9.4f}" if every_pattern else "")
        + f"  adam best {row['adam']['best']:9.4f} ({row['adam']['seconds']:6.1f}s/10)"
        + f"  sgd best {row['sgd']['best']:9.4f} ({row['sgd']['seconds']:6.1f}s/10)",
        flush=True,
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="spirals and teacher only, fewer ADMM iterations"
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    iterations = 2000 if args.quick else 10000
    import torch  # imported before any clock starts

    torch.set_num_threads(1)
    rows = [
        run("spirals40", *prepare(*spirals(40, args.seed)), 0.1, True, 0, iterations, args.seed),
        run(
            "teacher",
            *prepare(*teacher(100, 5, args.seed)),
            0.1,
            False,
            500,
            iterations // 2,
            args.seed,
        ),
    ]
    if not args.quick:
        rows.append(
            run("diabetes", *prepare(*diabetes()), 1.0, False, 500, iterations // 2, args.seed)
        )
    out = RESULTS / ("relu_convex_quick.json" if args.quick else "relu_convex.json")
    out.write_text(
        json.dumps(
            {"seed": args.seed, "width": WIDTH, "steps": STEPS, "runs": RUNS, "rows": rows},
            indent=1,
        )
    )
    print(f"written {out}")


if __name__ == "__main__":
    main()
