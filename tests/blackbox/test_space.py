"""Space: checked at construction (errors name the bad value), unit-cube encoding, YAML files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from optarium.blackbox.errors import SpaceError
from optarium.blackbox.space import CategoricalParam, FloatParam, IntParam, Space

MIXED = {
    "lr": {"type": "float", "low": 1e-5, "high": 0.1, "log": True},
    "temperature": {"type": "float", "low": 20.0, "high": 120.0},
    "n": {"type": "int", "low": 1, "high": 10},
    "width": {"type": "int", "low": 1, "high": 1024, "log": True},
    "solvent": {"type": "categorical", "choices": ["water", "ethanol", "None"]},
}


@pytest.mark.parametrize(
    ("definition", "fragment"),
    [
        ({"x": {"type": "float", "low": 2.0, "high": 1.0}}, "low=2.0, high=1.0"),
        ({"x": {"type": "float", "low": 0.0, "high": 1.0, "log": True}}, "low=0.0"),
        ({"x": {"type": "int", "low": -1, "high": 5, "log": True}}, "low=-1"),
        ({"x": {"type": "categorical", "choices": []}}, "[]"),
        ({"x": {"type": "categorical", "choices": ["a", "a"]}}, "'a' appears twice"),
        ({"x": {"type": "floaty", "low": 0, "high": 1}}, "'floaty'"),
        ({"x": {"type": "int", "low": 0.5, "high": 3}}, "0.5"),
        ({"x": {"type": "float", "low": 0, "high": "big"}}, "'big'"),
        ({"x": {"type": "float", "low": 0, "high": 1, "step": 2}}, "'step'"),
        ({"x": {"type": "float", "low": 0, "high": float("inf")}}, "inf"),
        ({}, "{}"),
    ],
)
def test_impossible_space_is_rejected_naming_the_bad_value(definition: dict, fragment: str) -> None:
    with pytest.raises(SpaceError, match=None) as caught:
        Space.from_dict(definition)
    assert fragment in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_parameters_are_checked_when_built_directly() -> None:
    with pytest.raises(SpaceError, match="low=3"):
        IntParam("k", 3, 2)
    with pytest.raises(SpaceError, match="log scale"):
        FloatParam("lr", -1.0, 1.0, log=True)
    with pytest.raises(SpaceError, match="unique"):
        Space([FloatParam("a", 0, 1), CategoricalParam("a", ("x",))])


def test_decode_of_any_cube_point_is_valid_and_encode_round_trips() -> None:
    space = Space.from_dict(MIXED)
    rng = np.random.default_rng(0)
    for point in rng.random((200, space.dim)):
        params = space.decode(point)
        assert 1e-5 <= params["lr"] <= 0.1
        assert isinstance(params["n"], int) and 1 <= params["n"] <= 10
        assert isinstance(params["width"], int) and 1 <= params["width"] <= 1024
        assert params["solvent"] in ("water", "ethanol", "None")
        assert space.decode(space.encode(params)) == params


def test_log_float_is_uniform_in_the_exponent() -> None:
    space = Space.from_dict({"lr": MIXED["lr"]})
    assert space.decode([0.5])["lr"] == pytest.approx(10 ** -3.0)


def test_every_integer_is_reachable_with_equal_width() -> None:
    space = Space.from_dict({"n": {"type": "int", "low": 1, "high": 4}})
    assert [space.decode([u])["n"] for u in (0.0, 0.26, 0.51, 0.76, 1.0)] == [1, 2, 3, 4, 4]


def test_check_rejects_values_outside_the_space() -> None:
    space = Space.from_dict(MIXED)
    good = space.decode([0.5] * space.dim)
    with pytest.raises(SpaceError, match="'methanol'"):
        space.check({**good, "solvent": "methanol"})
    with pytest.raises(SpaceError, match="200"):
        space.check({**good, "temperature": 200})
    with pytest.raises(SpaceError, match="'n'"):
        space.check({k: v for k, v in good.items() if k != "n"})


def test_yaml_file_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "space.yaml"
    path.write_text(
        "lr: {type: float, low: 1.0e-5, high: 0.1, log: true}\n"
        "n: {type: int, low: 1, high: 10}\n"
        "solvent: {type: categorical, choices: [water, ethanol]}\n"
    )
    space = Space.from_yaml(path)
    assert space.names == ["lr", "n", "solvent"]
    assert Space.from_dict(space.to_dict()) == space


def test_yaml_error_names_the_file_and_parameter(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("x: {type: float, low: 5, high: 1}\n")
    with pytest.raises(SpaceError, match=r"bad.yaml: parameter `x`"):
        Space.from_yaml(path)
