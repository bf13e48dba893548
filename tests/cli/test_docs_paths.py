"""The commands on the solve, routing, scheduling, formulate, equivalence and black-box pages write their files
(solutions, plots, stores, logs) outside the folder they run in, so following the docs leaves the clone clean."""

from __future__ import annotations

import re
import shlex
from itertools import pairwise
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = ["solve.md", "routing.md", "scheduling.md", "formulate.md", "equivalence.md", "index.md", "blackbox.md"]
WRITES = {"-o", "--output", "--plot", "--out", "--log-file"}


def shown_commands(page: str) -> list[list[str]]:
    """Every `optarium ...` line in the page's code blocks, run (```bash) or shown (```text, after `$ `)."""
    found = []
    for block in re.findall(r"```\w*\n(.*?)```", (DOCS / page).read_text(), flags=re.DOTALL):
        for line in block.splitlines():
            line = line.strip().removeprefix("$ ").split(" #")[0]
            if line.startswith("optarium "):
                found.append(shlex.split(line))
    return found


@pytest.mark.parametrize("page", PAGES)
def test_documented_commands_write_outside_the_working_folder(page: str) -> None:
    for words in shown_commands(page):
        for flag, value in pairwise(words):
            if flag in WRITES:
                assert value.startswith("/"), f"{page}: {' '.join(words)} writes {value} into the working folder"
        for word in words:
            if word.startswith("sqlite:///"):
                assert word.startswith("sqlite:////"), f"{page}: {' '.join(words)} keeps a store in the working folder"


def test_the_check_sees_the_commands_that_write() -> None:
    assert any("--plot" in words for words in shown_commands("scheduling.md"))
    assert any("-o" in words for words in shown_commands("solve.md"))
