"""A robust instance that is wrong, read from a file or built in Python: one InvalidModelError naming the file (and line or key)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from optarium.domains.robust import RobustBuilder
from optarium.domains.robust.ccg import RecourseInfeasibleError
from optarium.domains.robust.io import read_file
from optarium.domains.robust.problem import check_recourse
from optarium.errors import InputFileError, InvalidModelError

from .conftest import capital_budgeting_text, knapsack_text
from .problems import short


def _lines(text: str, number: int, replaced: str) -> str:
    lines = text.splitlines()
    lines[number - 1] = replaced
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("name", "text", "words"), [
    ("k.rkp", _lines(knapsack_text(4, 1), 1, "4.5 100 2"), "k.rkp:1: the number of items must be a positive integer, got 4.5"),
    ("k.rkp", _lines(knapsack_text(4, 1), 1, "4 100 -1"), "k.rkp:1: the uncertainty budget must be >= 0, got -1"),
    ("k.rkp", _lines(knapsack_text(4, 1), 3, "nan 1 2 3 4"), "k.rkp:3: expected finite numbers, got 'nan 1 2 3 4'"),
    ("c.rcb", _lines(capital_budgeting_text(3, 2, 0), 5, "0.5 0.25 0.25"),
     "c.rcb:5: mismatched dimensions: expected 2 loadings (one per risk factor), got 3"),
    ("c.rcb", _lines(capital_budgeting_text(3, 2, 0), 2, "1 2"), "c.rcb:2: mismatched dimensions: expected 3 costs, got 2"),
    ("c.rcb", _lines(capital_budgeting_text(3, 2, 0), 1, "0 3 0.5 10 20"),
     "c.rcb:1: the number of risk factors must be a positive integer, got 0.5"),
])
def test_a_bad_text_instance_names_its_line(tmp_path: Path, name: str, text: str, words: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(InvalidModelError) as raised:
        read_file(path)
    assert str(raised.value) == f"{tmp_path / words}"


def _bad_json(data: dict[str, Any], key: str, value: Any) -> None:
    parts = key.split(".")
    target = data
    for part in parts[:-1]:
        target = target[part]
    if value is KeyError:
        del target[parts[-1]]
    else:
        target[parts[-1]] = value


@pytest.mark.parametrize(("key", "value", "words"), [
    ("b", KeyError, "missing key `b`"),
    ("cx", ["one"], "`cx` must be a list of numbers, got ['one']"),
    ("Ay", [[1.0, 2.0]], "mismatched dimensions: `Ay` must have shape (1, 1)"),
    ("first.integer", "yes", "`first.integer` must be a list of true/false, got 'yes'"),
    ("uncertainty.upper", [None], "the uncertainty set is unbounded: 'demand[0]' has lower=0.0, upper=inf"),
    ("uncertainty.gamma", -1, "the uncertainty budget `gamma` must be >= 0, got gamma=-1"),
    ("row_names", "abc", "`row_names` must be a list of strings, got 'abc'"),
    ("row_names", ["a", "b"], "mismatched dimensions: `row_names` must name the 1 rows, got 2"),
    ("c0", "x", "`c0` must be a number, got 'x'"),
])
def test_a_bad_json_instance_names_the_key(tmp_path: Path, key: str, value: Any, words: str) -> None:
    data = short(upper=10).build().to_dict()
    _bad_json(data, key, value)
    path = tmp_path / "p.robust.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InvalidModelError) as raised:
        read_file(path)
    assert str(raised.value).startswith(f"{path}: ") and words in str(raised.value)


def test_a_json_list_and_a_folder_are_refused_plainly(tmp_path: Path) -> None:
    (tmp_path / "list.robust.json").write_text("[1, 2]")
    with pytest.raises(InvalidModelError, match="must hold one JSON object"):
        read_file(tmp_path / "list.robust.json")
    with pytest.raises(InputFileError, match="is a folder, not an instance file"):
        read_file(tmp_path)


def test_check_recourse_names_a_scenario_without_recourse_and_passes_a_good_problem() -> None:
    check_recourse(short(upper=10).build())
    with pytest.raises(RecourseInfeasibleError, match=r"scenario \(demand\[0\]=6\)"):
        check_recourse(short(upper=2).build())


def test_a_name_used_twice_is_refused(tmp_path: Path) -> None:
    data = short(upper=10).build().to_dict()
    data["uncertainty"].update(names=["d", "d"], lower=[0, 0], upper=[1, 1], G=[], h=[])
    path = tmp_path / "p.robust.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InvalidModelError, match="uncertain parameter name 'd' is used twice"):
        read_file(path)


def test_the_builder_refuses_a_second_block_of_variables_under_a_name_already_used() -> None:
    b = RobustBuilder("twice")
    b.first_stage(2, "x")
    with pytest.raises(InvalidModelError, match="variables named 'x' already exist"):
        b.recourse(1, "x")
