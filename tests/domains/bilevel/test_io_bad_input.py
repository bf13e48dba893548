"""A bilevel file of the wrong types or bytes: one InvalidModelError naming the file and the JSON key, never a guess."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from optarium.domains.bilevel.io import read_bilevel
from optarium.errors import InputFileError, InvalidModelError


def _set(document: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    target: Any = document
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[int(last) if last.isdigit() else last] = value


@pytest.mark.parametrize(("path", "value", "expected"), [
    ("leader.variables.0.integer", "no", "`leader.variables[0].integer` must be true or false, got 'no'"),
    ("leader.variables.0.integer", 2, "`leader.variables[0].integer` must be true or false, got 2"),
    ("leader.variables.0.name", ["a"], "`leader.variables[0].name` must be a string, got ['a']"),
    ("follower.constraints.0.x", [True], "`follower.constraints[0]` coefficients must be finite numbers, got True"),
    ("follower.objective.y", ["1"], "`follower.objective` coefficients must be finite numbers, got '1'"),
    ("follower.objective.sense", "minimise", "`follower.objective.sense` must be 'min' or 'max', got 'minimise'"),
    ("follower.constraints.0.sense", "=<", "`follower.constraints[0].sense` must be one of <=, >=, =, got '=<'"),
    ("follower.constraints.0.rhs", None, "`follower.constraints[0].rhs` must be a finite number, got None"),
    ("leader.variables.0.lb", float("inf"), "variable 'x_1': `lb` must be a number or null, got inf"),
])
def test_a_value_of_the_wrong_type_is_refused_naming_its_key(tmp_path: Path, data: Path, path: str, value: Any,
                                                             expected: str) -> None:
    document = json.loads((data / "bolib_MershaDempe2006Ex2.json").read_text())
    _set(document, path, value)
    file = tmp_path / "bad.json"
    file.write_text(json.dumps(document))
    with pytest.raises(InvalidModelError) as caught:
        read_bilevel(file)
    assert str(caught.value) == f"{file}: {expected}"


def test_zero_and_one_still_read_as_integer_flags(tmp_path: Path, data: Path) -> None:
    document = json.loads((data / "bolib_MershaDempe2006Ex2.json").read_text())
    _set(document, "follower.variables.0.integer", 1)
    file = tmp_path / "p.json"
    file.write_text(json.dumps(document))
    assert read_bilevel(file).y_integer.tolist() == [True]


def test_bytes_that_are_not_text_and_a_folder_are_one_line(tmp_path: Path, data: Path) -> None:
    (tmp_path / "bin.json").write_bytes(b"\x00\xff\xfe")
    with pytest.raises(InvalidModelError, match=r"bin\.json: not a text file"):
        read_bilevel(tmp_path / "bin.json")
    (tmp_path / "p.mps").write_text((data / "moore_bard.mps").read_text())
    (tmp_path / "p.aux").write_bytes(b"\xff\xfe@NUMVARS")
    with pytest.raises(InvalidModelError, match=r"p\.aux: not a text file"):
        read_bilevel(tmp_path / "p.aux")
    with pytest.raises(InputFileError, match="is a folder, not a bilevel file"):
        read_bilevel(tmp_path)


def test_a_variable_name_used_twice_is_refused(tmp_path: Path, data: Path) -> None:
    document = json.loads((data / "basblib_bf_1982_02.json").read_text())
    _set(document, "follower.variables.0.name", document["leader"]["variables"][0]["name"])
    file = tmp_path / "p.json"
    file.write_text(json.dumps(document))
    with pytest.raises(InvalidModelError, match=r"p\.json: variable name 'x_1' is used twice"):
        read_bilevel(file)
