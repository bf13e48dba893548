"""docs/architecture.md's example of adding a kind runs as written, and its quote of the policy is the code's."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
import types
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from optarium import kinds
from optarium.flow import solve_problem
from optarium.solution import settle
from optarium.store.base import open_store

PAGE = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"


def fenced(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", PAGE.read_text(), flags=re.DOTALL)


def example_code() -> str:
    """The page's one Python block: the whole assignment kind."""
    blocks = fenced("python")
    assert len(blocks) == 1, "docs/architecture.md should hold exactly one Python block, the example kind"
    return blocks[0]


@pytest.fixture
def example() -> Iterator[types.ModuleType]:
    """The example kind, registered from the page's code as a module; unregistered after."""
    module = types.ModuleType("architecture_example")
    sys.modules[module.__name__] = module
    try:
        exec(compile(example_code(), str(PAGE), "exec"), module.__dict__)
        yield module
    finally:
        kinds.unregister("assignment")
        del sys.modules[module.__name__]


def crew(tmp_path: Path) -> Path:
    path = tmp_path / "crew.assign"
    path.write_text("# 3 workers, 3 tasks\n4 1 3\n2 0 5\n3 2 2\n")
    return path


def memory_store() -> str:
    return f"memory://architecture-{uuid.uuid4().hex}"


def test_the_kind_reads_solves_verifies_and_records(example: types.ModuleType, tmp_path: Path) -> None:
    path = crew(tmp_path)
    problem, reader = kinds.read(path)
    assert isinstance(problem, example.Assignment) and reader.name == "assignment-text"
    assert problem.fingerprint() == kinds.read(path)[0].fingerprint()
    url = memory_store()
    solution = solve_problem(problem, store=url, source=str(path), reader=reader.name)
    assert solution.status == "optimal" and solution.objective == 5.0 and solution.payload == (1, 0, 2)
    assert solution.verified and solution.verification is not None and solution.verification.reader == "assignment-text"
    assert solution.plan is not None and solution.plan.source == "rules" and solution.solver == "brute_force"
    store = open_store(url)
    [row] = store.list_runs(kind="assignment")
    assert row["id"] == solution.run_id and row["status"] == "optimal"
    run = store.get_run(row["id"])
    assert run["plan"]["reason"] == "3 workers: try every permutation" and run["extra"]["tasks"] == [1, 0, 2]


def test_a_second_kind_with_the_same_name_is_refused(example: types.ModuleType) -> None:
    with pytest.raises(ValueError, match="already registered"):
        kinds.register(example.SPEC)


@pytest.mark.parametrize(
    ("tasks", "claimed", "why"),
    [((0, 0, 2), 3.0, "not one task per worker"), ((0, 1, 2), 1.0, "reported cost 1.0 but the assignment costs 6.0")],
)
def test_a_lying_backend_comes_back_as_error(
    example: types.ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    tasks: tuple[int, ...], claimed: float, why: str,
) -> None:
    class Liar:
        name = "liar"

        def version(self) -> str:
            return "0"

        def solve(self, problem: Any, options: Any, plan: Any) -> kinds.RawResult:
            return kinds.RawResult("optimal", claimed, claimed, payload=tasks)

    monkeypatch.setitem(example.BACKENDS, "liar", Liar)
    problem, _ = kinds.read(crew(tmp_path))
    url = memory_store()
    solution = solve_problem(problem, solver="liar", store=url)
    assert solution.status == "error" and not solution.verified
    assert solution.payload == tasks and why in solution.message
    [row] = open_store(url).list_runs(kind="assignment")
    assert row["status"] == "error" and not row["verified"]


def test_the_page_example_runs_as_a_script() -> None:
    done = subprocess.run([sys.executable, "-c", example_code()], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "optimal 5.0 (1, 0, 2) True"


def test_the_page_quotes_the_verification_policy_as_the_code_has_it() -> None:
    quoted = next(block for block in fenced("text") if "failed verification" in block)
    assert quoted.strip() in inspect.getsource(settle)
