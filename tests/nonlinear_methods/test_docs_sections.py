"""The examples of docs/nonlinear.md's "Our own methods" sections run and print what they say."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "nonlinear.md"


def examples() -> list[str]:
    text = PAGE.read_text() if PAGE.exists() else ""
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    return [code for code in blocks if "nonlinear_methods" in code]


def test_every_method_has_an_example() -> None:
    codes = examples()
    for module in ("eal", "relu_convex", "notears_swaps"):
        assert any(f"import {module}" in code for code in codes), module


@pytest.mark.parametrize("code", examples(), ids=lambda code: re.findall(r"import (\w+)", code)[-1])
def test_example_runs_and_prints_what_its_comments_say(code: str, tmp_path: Path) -> None:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    printed = [line for line in code.splitlines() if line.startswith("print(")]
    output = done.stdout.splitlines()
    assert len(output) == len(printed)
    for line, shown in zip(printed, output, strict=True):
        if "  # " in line:
            assert shown == line.split("  # ", 1)[1]
