"""What several CLI test files share: a hard little integer program, and a pseudo-terminal runner."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

OPTARIUM = str(Path(sys.executable).parent / "optarium")


def market_split_rows(rows: int = 6, columns: int = 50, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``weights @ x == targets`` over binary x: no solver finds a point of them in a fraction of a second."""
    weights = np.random.default_rng(seed).integers(0, 100, size=(rows, columns))
    return weights, weights.sum(axis=1) // 2


def market_split_lp() -> str:
    """The rows of :func:`market_split_rows` alone (LP format): a time limit of a fraction of a second ends with no point."""
    weights, targets = market_split_rows()
    columns = weights.shape[1]
    lines = ["Minimize", " obj: " + " + ".join(f"x{j}" for j in range(columns)), "Subject To"]
    lines += [f" r{i}: " + " + ".join(f"{w} x{j}" for j, w in enumerate(row)) + f" = {target}"
              for i, (row, target) in enumerate(zip(weights, targets, strict=True))]
    lines += ["Binary", " " + " ".join(f"x{j}" for j in range(columns)), "End"]
    return "\n".join(lines) + "\n"


def write_market_split(path: Path, seed: int = 7, integer_slacks: bool = False) -> Path:
    """A market-split instance with slacks (LP format): always feasible, and hard enough to keep a solver busy
    for a while (its optimum, no slack, is the hard part).

    ``integer_slacks`` bounds the slacks and makes them integer, as CP-SAT needs.
    """
    weights, targets = market_split_rows(seed=seed)
    rows, cols = weights.shape
    lines = ["Minimize", " obj: " + " + ".join(f"s{i} + t{i}" for i in range(rows)), "Subject To"]
    for i in range(rows):
        terms = " + ".join(f"{w} x{j}" for j, w in enumerate(weights[i]))
        lines.append(f" r{i}: {terms} + s{i} - t{i} = {targets[i]}")
    if integer_slacks:
        lines += ["Bounds", *(f" 0 <= s{i} <= 10000\n 0 <= t{i} <= 10000" for i in range(rows))]
        lines += ["General", " " + " ".join(f"s{i} t{i}" for i in range(rows))]
    lines += ["Binary", " " + " ".join(f"x{j}" for j in range(cols)), "End"]
    path.write_text("\n".join(lines) + "\n")
    return path


def run_with_stderr_on_a_terminal(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run ``optarium ARGS`` with stderr on a pseudo-terminal: exit code, stdout, what the terminal showed."""
    import pty
    import select

    leader, follower = pty.openpty()
    process = subprocess.Popen([OPTARIUM, *args], env={**os.environ, **(env or {})},
                               stdout=subprocess.PIPE, stderr=follower, text=True)
    os.close(follower)
    screen = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            screen += chunk
        elif process.poll() is not None:
            break
    out = process.stdout.read() if process.stdout else ""
    os.close(leader)
    return process.wait(), out, screen.decode(errors="replace")


@pytest.fixture
def market_split() -> Callable[..., Path]:
    return write_market_split


@pytest.fixture
def on_terminal() -> Callable[..., tuple[int, str, str]]:
    return run_with_stderr_on_a_terminal
