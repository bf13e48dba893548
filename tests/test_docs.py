"""The examples in the docs run as written."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# pages whose every ```bash line starting with `optarium` and every ```python block is run
PAGES = [
    "architecture.md", "solve.md", "blackbox.md", "equivalence.md", "formulate.md", "routing.md", "scheduling.md", "learn.md",
    "robust.md", "bilevel.md", "nonlinear.md", "service.md", "ray.md",
]


def blocks(page: str, language: str) -> list[str]:
    text = (ROOT / "docs" / page).read_text()
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


def commands(page: str) -> list[str]:
    lines = [line.split("#")[0].strip() for block in blocks(page, "bash") for line in block.splitlines()]
    return [line for line in lines if line.startswith("optarium ")]


def test_every_capability_page_is_checked() -> None:
    pages = {path.name for path in (ROOT / "docs").glob("*.md")} - {"index.md"}
    assert pages <= set(PAGES), f"add {sorted(pages - set(PAGES))} to PAGES"


def workspace(tmp_path: Path) -> Path:
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    return tmp_path


@pytest.mark.parametrize("page", [page for page in PAGES if commands(page)])
def test_shell_examples_run(page: str, tmp_path: Path) -> None:
    cwd = workspace(tmp_path)
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    for line in commands(page):
        done = subprocess.run(shlex.split(line), cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"{line}\n{done.stderr}"


# pages whose every ```python block a test of their own runs, and checks what it prints (each block runs once)
CHECKED_BY_THEIR_OWN_TEST = {
    "nonlinear.md": "tests/domains/nonlinear/test_docs_page.py, tests/nonlinear_methods/test_docs_sections.py",
}


@pytest.mark.parametrize("page", [page for page in PAGES if blocks(page, "python") and page not in CHECKED_BY_THEIR_OWN_TEST])
def test_python_examples_run(page: str, tmp_path: Path) -> None:
    cwd = workspace(tmp_path)
    for code in blocks(page, "python"):
        done = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
