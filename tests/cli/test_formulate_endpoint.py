"""`optarium formulate` with an LLM endpoint that is down: one line naming the URL and what to change."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

OPTARIUM = str(Path(sys.executable).parent / "optarium")


def dead_url() -> str:
    """A loopback URL where nothing listens (the port was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def test_a_dead_endpoint_is_one_line_naming_the_url_and_the_setting(tmp_path: Path) -> None:
    question = tmp_path / "q.txt"
    question.write_text("Maximize 3x + 4y subject to 2x + 3y <= 40 and x, y >= 0.\n")
    url = dead_url()
    done = subprocess.run(
        [OPTARIUM, "formulate", str(question), "--llm-url", url, "--llm-model", "m", "--store", f"sqlite:///{tmp_path / 's.db'}"],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1
    assert done.stdout == ""  # no model, no objective, no "solve run None"
    assert done.stderr.count("\n") == 1
    line = done.stderr
    assert line.startswith(f"error: cannot reach LLM endpoint {url}/chat/completions: connection refused")
    assert "--llm-url" in line and "$OPTARIUM_LLM_URL" in line and "Errno" not in line and "None" not in line
