"""``--store`` through real subprocesses: malformed URLs, read-only store files, mistyped paths."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import optarium
from optarium.blackbox.study import Study

OPTARIUM = str(Path(sys.executable).parent / "optarium")
ROOT = Path(__file__).resolve().parents[2]
KNAPSACK = ROOT / "examples" / "knapsack.lp"
SPACE = ROOT / "examples" / "space.yaml"
NOBODY = 65534
READING = [
    ("runs", "list"), ("runs", "show", "1"), ("study", "show", "s"), ("study", "best", "s"),
    ("study", "plot", "s", "--output", "{out}/best.png"), ("formulate", "insights", "list"),
]


def optarium_cli(*args: str, cwd: Path, env: dict[str, str] | None = None, user: list[str] | None = None
                 ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*(user or []), OPTARIUM, *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    return lines[0]


@pytest.mark.parametrize("url", ["postgresql:/user:s3cret@host/db", "::::", "postgres:user:s3cret@host", "results"])
@pytest.mark.parametrize("command", [("runs", "list"), ("study", "create", "s", "--space", str(SPACE)),
                                     ("solve", str(KNAPSACK))])
def test_a_store_that_is_neither_a_url_nor_a_store_file_is_one_line_exit_2_creating_nothing(
    url: str, command: tuple[str, ...], tmp_path: Path
) -> None:
    done = optarium_cli(*command, "--store", url, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    line = one_line(done)
    assert "sqlite:///path/to/store.db" in line and ".sqlite3" in line
    assert "s3cret" not in done.stderr + done.stdout
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder every user may enter (pytest's own tmp folders are private to their owner)."""
    folder = Path(tempfile.mkdtemp(prefix="optarium-ro-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path in [folder, *folder.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(folder)


def as_unprivileged() -> list[str]:
    """A command prefix that runs the child as ``nobody`` when the tests run as root (root may write any file)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: a read-only file cannot be tested")
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


def test_every_reading_command_works_on_a_read_only_store_file_and_changes_nothing(shared_folder: Path) -> None:
    stores = shared_folder / "stores"
    stores.mkdir()
    path = stores / "lab.db"
    url = f"sqlite:///{path}"
    optarium.solve(KNAPSACK, store=url)
    study = Study.create("s", {"x": {"type": "float", "low": 0.0, "high": 1.0}}, sampler="sobol", seed=1, store=url)
    for trial in study.ask(3):
        study.tell(trial, trial.params["x"])
    del study
    from optarium.store.core import SqlStore

    for engine in SqlStore._engines.values():  # close this process's connections: nothing is left to checkpoint
        engine.dispose()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    path.chmod(0o444)
    stores.chmod(0o555)
    out = shared_folder / "out"
    out.mkdir()
    out.chmod(0o777)
    for command in READING:
        args = [part.format(out=out) for part in command]
        done = optarium_cli(*args, "--store", url, cwd=out, env={"MPLCONFIGDIR": str(out), "HOME": str(out)},
                            user=as_unprivileged())
        assert done.returncode == 0, (args, done.stderr)
    assert sorted(p.name for p in stores.iterdir()) == ["lab.db"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    refused = optarium_cli("study", "ask", "s", "--store", url, cwd=out, user=as_unprivileged())
    assert refused.returncode == 2 and "read-only" in one_line(refused)


def test_a_reading_command_on_a_mistyped_store_path_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "nonexistent_dir" / "x.db"
    for command in READING:
        args = [part.format(out=tmp_path) for part in command]
        done = optarium_cli(*args, "--store", f"sqlite:///{missing}", cwd=tmp_path)
        assert done.returncode == 2, (args, done.stderr)
        assert one_line(done) == f"error: no store at {missing}; check the path, or create it with a command that writes"
        assert not missing.parent.exists()
    created = optarium_cli("study", "create", "s", "--space", str(SPACE), "--store", f"sqlite:///{missing}", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    assert missing.is_file()
