"""Help pages read like a CLI's: `--seed INTEGER`, `MODEL...`, never typer's `<int>`, `<list[str]>` or `{model}`."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

OPTARIUM = str(Path(sys.executable).parent / "optarium")
PLACEHOLDER = re.compile(r"<(?:str|int|float|bool|path|list\[[^\]]*\]|int range|float range)>|\{[a-z_]+\}")


def pages() -> Iterator[tuple[str, str]]:
    """Every command's help page as the `optarium` entry point renders it."""
    from typer._click import Context
    from typer.main import get_command

    from optarium.cli.main import _plain_help, app

    def walk(command: Any, parent: Context | None, path: str) -> Iterator[tuple[str, str]]:
        context = Context(command, info_name=path.split()[-1], parent=parent)
        yield path, command.get_help(context)
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, context, f"{path} {name}")

    yield from walk(_plain_help(get_command(app)), None, "optarium")


def test_no_help_page_shows_a_typer_placeholder() -> None:
    seen = dict(pages())
    assert {"optarium solve", "optarium runs show", "optarium bench audit", "optarium formulate run"} <= set(seen)
    for path, text in seen.items():
        usage_and_options = "\n".join(line for line in text.splitlines() if line.startswith(("Usage:", "  -", "  --", "  ")))
        found = PLACEHOLDER.findall(usage_and_options)
        assert not found, f"{path}: {found}"


def test_solve_help_names_the_argument_and_value_types() -> None:
    done = subprocess.run([OPTARIUM, "solve", "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert "Usage: optarium solve [OPTIONS] MODEL..." in done.stdout
    assert "--seed INTEGER" in done.stdout and "-t, --time-limit NUMBER" in done.stdout
    assert "-p, --param TEXT" in done.stdout and "-o, --output PATH" in done.stdout
    assert "<" not in done.stdout.split("Options:")[1].replace("<=", "")


def test_a_missing_argument_is_named_as_the_help_shows_it() -> None:
    done = subprocess.run([OPTARIUM, "route"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stderr == "error: missing argument 'FILE'.\n"
