"""The examples of docs/nonlinear.md (the kind's sections) run as written, in one folder, in order."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PAGE = ROOT / "docs" / "nonlinear.md"


def test_the_python_and_command_line_examples_run(tmp_path: Path) -> None:
    text = PAGE.read_text()
    # the methods' sections of the page (optarium.nonlinear_methods) have examples of their own
    codes = [code for code in re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL) if "nonlinear_methods" not in code]
    assert len(codes) >= 2
    for code in codes:
        done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        for line in code.splitlines():  # each printed result shown in a comment is what it prints
            if line.startswith("print(") and "  # " in line:
                assert line.split("  # ", 1)[1] in done.stdout
    env = {**os.environ, "OPTARIUM_STORE": f"sqlite:///{tmp_path / 's.db'}",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    console = "\n".join(re.findall(r"```console\n(.*?)```", text, flags=re.DOTALL)).splitlines()
    commands = [(k, line[2:]) for k, line in enumerate(console) if line.startswith("$ optarium solve")]
    assert commands
    for k, command in commands:
        shown = console[k + 1] if k + 1 < len(console) else ""
        done = subprocess.run(shlex.split(command), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        if shown.startswith("error: "):
            assert done.returncode == 2 and done.stderr.strip() == shown, done.stderr
        else:
            assert done.returncode == 0, done.stderr
            assert done.stdout.splitlines()[0] == shown
