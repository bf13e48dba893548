"""Shell completion: the script is printed for a shell, and it completes commands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

OPTARIUM = str(Path(sys.executable).parent / "optarium")


def test_show_completion_prints_a_bash_completion_function() -> None:
    # the shell is found from the calling process, as when a user types it: start it from bash
    # (under a test runner whose parent has gone, nothing would be found)
    done = subprocess.run(["bash", "-c", f"'{OPTARIUM}' --show-completion; exit $?"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "_optarium_completion" in done.stdout and "complete" in done.stdout


def test_completion_offers_the_matching_commands() -> None:
    env = {**os.environ, "_OPTARIUM_COMPLETE": "complete_bash", "COMP_WORDS": "optarium s", "COMP_CWORD": "1"}
    done = subprocess.run([OPTARIUM], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert set(done.stdout.split()) >= {"solve", "schedule", "study"}
