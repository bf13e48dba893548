"""Exit codes and error lines live in the CLI; the library names Python parameters."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from optarium import __version__
from optarium.cli.common import exit_code, message
from optarium.errors import (
    InvalidModelError,
    OptionError,
    SettingsFileError,
    SolveFailedError,
    SolverCapabilityError,
)
from optarium.formulate.errors import LLMConfigError, LLMError, SandboxError

OPTARIUM = str(Path(sys.executable).parent / "optarium")


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (SolveFailedError("no answer"), 1),
        (LLMError("endpoint down"), 1),
        (SandboxError("killed"), 1),
        (InvalidModelError("bad row"), 2),
        (OptionError("time_limit", -1, "positive"), 2),
        (SettingsFileError("s.toml", "threads", "must be int"), 2),
        (LLMConfigError("no URL"), 2),
        (KeyboardInterrupt(), 130),
    ],
)
def test_exit_code_by_error(error: BaseException, code: int) -> None:
    assert exit_code(error) == code


def test_no_error_class_carries_an_exit_code() -> None:
    import optarium.errors as errors

    classes = [value for value in vars(errors).values() if isinstance(value, type) and issubclass(value, Exception)]
    assert classes and not any("exit_code" in vars(cls) for cls in classes)


def test_capability_error_names_the_parameter_and_the_cli_names_the_flag() -> None:
    error = SolverCapabilityError("cpsat", "continuous variables", ["highs"])
    assert "solver='highs'" in str(error) and "--solver" not in str(error)
    assert message(error) == "solver `cpsat` cannot take continuous variables; try --solver highs"


def test_version_prints_the_package_version() -> None:
    done = subprocess.run([OPTARIUM, "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == f"optarium {__version__}"
