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


def write_market_split(path: Path, seed: int = 7, integer_slacks: bool = False) -> Path:
    """A market-split instance (LP format): tiny, and hard enough to keep a solver busy for a while.

    ``integer_slacks`` bounds the slacks and makes them integer, as CP-SAT needs.
    """
    rng = np.random.default_rng(seed)
    rows, cols = 6, 50
    weights = rng.integers(0, 100, size=(rows, cols))
    lines = ["Minimize", " obj: " + " + ".join(f"s{i} + t{i}" for i in range(rows)), "Subject To"]
    for i in range(rows):
        terms = " + ".join(f"{w} x{j}" for j, w in enumerate(weights[i]))
        lines.append(f" r{i}: {terms} + s{i} - t{i} = {weights[i].sum() // 2}")
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
