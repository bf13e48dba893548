"""-v, --log-level and --log-file: the standard `logging` module under the `optarium` logger, anywhere on the line."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

OPTARIUM = str(Path(sys.executable).parent / "optarium")


@pytest.fixture
def model(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.lp"
    path.write_text("Minimize\n obj: x + y\nSubject To\n c: x + y >= 1\nEnd\n")
    return path


def optarium(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([OPTARIUM, *args], capture_output=True, text=True, timeout=120)


def test_by_default_only_warnings_reach_stderr(model: Path) -> None:
    done = optarium("solve", str(model), "--no-record")
    assert done.returncode == 0 and done.stderr == ""


@pytest.mark.parametrize("where", ["before", "after"])
def test_verbose_logs_the_plan_the_backend_and_the_verification_on_stderr(model: Path, where: str) -> None:
    args = ["-v", "solve", str(model), "--no-record"] if where == "before" else ["solve", str(model), "--no-record", "-v"]
    done = optarium(*args)
    assert done.returncode == 0, done.stderr
    assert "INFO optarium.flow: plan for tiny (math_program): highs" in done.stderr
    assert "highs finished: optimal" in done.stderr and "verified: objective 1" in done.stderr
    assert "DEBUG" not in done.stderr
    assert "optimal" in done.stdout  # the answer itself stays on stdout


def test_two_v_and_log_level_debug_show_debug_lines(model: Path) -> None:
    for args in (["-vv"], ["--log-level", "DEBUG"], ["--log-level=debug"]):
        done = optarium("solve", str(model), "--no-record", "--param", "presolve=off", *args)
        assert done.returncode == 0, done.stderr
        debug = [line for line in done.stderr.splitlines() if line.startswith("DEBUG optarium.flow: plan parameters")]
        assert debug and "'presolve': 'off'" in debug[0], args


def test_log_level_error_hides_info(model: Path) -> None:
    done = optarium("--log-level", "error", "-v", "solve", str(model), "--no-record")
    assert done.returncode == 0 and "INFO" not in done.stderr


def test_log_file_gets_info_with_times_and_stderr_stays_quiet(model: Path, tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    done = optarium("solve", str(model), "--store", f"sqlite:///{tmp_path / 's.db'}", "--log-file", str(log))
    assert done.returncode == 0 and done.stderr == ""
    text = log.read_text()
    assert "INFO optarium.flow: plan for tiny" in text and "recorded run 1 in sqlite:///" in text
    assert text[:2] == "20"  # each line starts with its date and time


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--log-level", "loud", "solve", "x.lp"], "`--log-level` must be one of debug, info, warning, error, critical, got 'loud'"),
        (["solve", "x.lp", "--log-level"], "option '--log-level' requires an argument"),
        (["--log-file", "/nonexistent/folder/run.log", "solve", "x.lp"], "`--log-file` must be a file that can be written"),
    ],
)
def test_a_bad_level_or_log_file_is_one_line_and_exit_2(args: list[str], fragment: str) -> None:
    done = optarium(*args)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and fragment in done.stderr


def test_the_library_logs_under_its_module_names(model: Path, caplog: pytest.LogCaptureFixture) -> None:
    import optarium

    with caplog.at_level(logging.INFO, logger="optarium"):
        optarium.solve(model, record=False)
    names = {record.name for record in caplog.records}
    assert "optarium.flow" in names
    assert any(record.getMessage().startswith("verified") for record in caplog.records)
