"""The source tree of a git revision, unpacked for a side-by-side timing of two revisions."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def extract(rev: str, into: Path) -> Path:
    """Unpack ``src/`` of ``rev`` into ``into`` and return the folder to put on PYTHONPATH."""
    archive = subprocess.run(["git", "archive", rev, "src"], cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def run_on(src: Path, argv: list[str], label: str) -> Any:
    """Run ``python ARGV`` with ``src`` first on PYTHONPATH (one thread) and return the JSON it prints;
    a failed run ends the benchmark, naming ``label`` and the end of its stderr."""
    env = {**os.environ, "PYTHONPATH": str(src), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, *argv], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{label}: exit {done.returncode}: {done.stderr.strip()[-400:]}")
    return json.loads(done.stdout)
