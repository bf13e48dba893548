"""Generated code runs in a limited process: killed on timeout, memory-capped, confined, without secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from optarium.formulate.errors import SandboxError
from optarium.formulate.sandbox import SandboxLimits, run_pyomo

MODEL = """
import pyomo.environ as pyo
model = pyo.ConcreteModel()
model.x = pyo.Var(bounds=(0, 4))
model.obj = pyo.Objective(expr=2 * model.x + 1, sense=pyo.maximize)
"""


def test_pyomo_model_comes_back_as_lp_with_symbolic_names() -> None:
    result = run_pyomo(MODEL)
    assert "max" in result.lp_text and "obj" in result.lp_text and " x" in result.lp_text


def test_infinite_loop_is_killed_at_the_time_limit() -> None:
    with pytest.raises(SandboxError, match="longer than 2 s") as caught:
        run_pyomo("while True:\n    pass\n", SandboxLimits(seconds=2))
    assert caught.value.cause == "timeout"


def test_unbounded_allocation_is_stopped_by_the_memory_limit() -> None:
    with pytest.raises(SandboxError, match="memory") as caught:
        run_pyomo("blocks = []\nwhile True:\n    blocks.append(bytearray(10**8))\n", SandboxLimits(seconds=20, memory_mb=768))
    assert caught.value.cause == "memory"


def test_writing_outside_the_private_folder_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "escaped.txt"
    code = f"open({str(target)!r}, 'w').write('x')\n" + MODEL
    with pytest.raises(SandboxError, match="not allowed") as caught:
        run_pyomo(code)
    assert caught.value.cause == "forbidden" and not target.exists()
    inside = "open('scratch.txt', 'w').write('fine')\n" + MODEL
    assert run_pyomo(inside).lp_text


def test_starting_programs_is_refused() -> None:
    with pytest.raises(SandboxError, match="starting another program"):
        run_pyomo("import os\nos.system('true')\n" + MODEL)


def test_no_secret_reaches_the_generated_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPTARIUM_LLM_API_KEY", "sk-secret")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-other")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws")
    code = (
        "import os\nleaked = [k for k, v in os.environ.items() if 'sk-' in v or 'OPTARIUM' in k or 'KEY' in k]\n"
        "assert not leaked, leaked\nassert os.getcwd() == os.environ['HOME']\n" + MODEL
    )
    assert run_pyomo(code).lp_text


def test_code_without_a_model_says_what_is_missing() -> None:
    with pytest.raises(SandboxError, match="ConcreteModel named `model`") as caught:
        run_pyomo("x = 1\n")
    assert caught.value.cause == "no_model"


def test_limits_are_checked_where_they_are_built() -> None:
    with pytest.raises(ValueError, match="seconds=0"):
        SandboxLimits(seconds=0)
    with pytest.raises(ValueError, match="memory_mb=10"):
        SandboxLimits(memory_mb=10)
