"""What `optarium formulate` prints for people: the model as the LLM wrote it, every character of it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

OPTARIUM = str(Path(sys.executable).parent / "optarium")


def test_long_lines_of_the_model_and_the_formulation_are_wrapped_not_cut(llm_server: Any, kit: Any, tmp_path: Path) -> None:
    problem = tmp_path / "breakfast.txt"
    problem.write_text(kit.question)
    # the objective line of the code is over 80 characters, and so is this line of the formulation
    sets = "Sets: none, " + "as the problem names no index set at all, " * 3 + "end-of-sets."
    llm_server.script = [{"content": kit.pyomo().replace("Sets: none.", sets)}]
    done = subprocess.run([OPTARIUM, "formulate", str(problem), "--llm-url", llm_server.url, "--llm-model", "m",
                           "--store", f"sqlite:///{tmp_path / 's.db'}"], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "80"})
    assert done.returncode == 0, done.stderr
    assert "sense=pyo.maximize)" in done.stdout and "end-of-sets." in done.stdout, done.stdout
