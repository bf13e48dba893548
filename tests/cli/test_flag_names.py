"""The same flag, spelled and explained the same way on every command that takes it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from typer.main import get_command

from optarium.cli.main import app


def commands(group: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    """Every leaf command under ``group`` with its name as typed (``study ask``)."""
    for name, sub in getattr(group, "commands", {}).items():
        if getattr(sub, "commands", None):
            yield from commands(sub, (*path, name))
        else:
            yield " ".join((*path, name)), sub


def options(flag: str) -> dict[str, Any]:
    found = {}
    for name, command in commands(get_command(app)):
        for param in command.params:
            if flag in getattr(param, "opts", []):
                found[name] = param
    return found


def test_store_is_explained_alike_on_every_command_that_takes_it() -> None:
    helps = {name: param.help for name, param in options("--store").items()}
    assert len(helps) > 20
    assert len(set(helps.values())) == 1, helps


@pytest.mark.parametrize(("flag", "short"), [("--quiet", "-q"), ("--time-limit", "-t"), ("--output", "-o"), ("--solver", "-s"),
                                            ("--method", "-m")])
def test_a_flag_has_the_same_short_form_everywhere(flag: str, short: str) -> None:
    found = options(flag)
    assert found
    assert {name: short in param.opts for name, param in found.items()} == dict.fromkeys(found, True)
