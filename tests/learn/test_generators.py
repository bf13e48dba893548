"""Instance families: seeded, shaped as documented, solvable; `optarium generate` writes files and a manifest."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import optarium
from optarium.errors import OptionError
from optarium.learn.generators import FAMILIES, generate, sizes, write_instances
from optarium.problem.io import read_problem

OPTARIUM = str(Path(sys.executable).parent / "optarium")
SMALL = {
    "set_cover": {"n_rows": 30, "n_cols": 50},
    "combinatorial_auction": {"n_items": 15, "n_bids": 30},
    "facility_location": {"n_customers": 6, "n_facilities": 4},
    "independent_set": {"n_nodes": 30},
    "multiple_knapsack": {"n_items": 10, "n_knapsacks": 2},
    "generalized_independent_set": {"n_nodes": 12},
}
# (variables, constraints) of each small instance, where the size alone fixes them
SHAPES = {
    "set_cover": (50, 30),
    "facility_location": (6 * 4 + 4, 6 + 4 + 1 + 6 * 4),
    "multiple_knapsack": (20, 10 + 2),
}


def same(a: optarium.MathProgram, b: optarium.MathProgram) -> bool:
    return a.fingerprint() == b.fingerprint()


def test_the_six_families_are_registered() -> None:
    assert set(SMALL) == set(FAMILIES)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_a_seed_gives_the_same_instance_and_another_seed_another(name: str) -> None:
    first, again, other = (generate(name, seed, **SMALL[name]) for seed in (3, 3, 4))
    assert same(first, again)
    assert not same(first, other)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_small_instance_has_the_expected_shape_and_integrality(name: str) -> None:
    program = generate(name, 1, **SMALL[name])
    if name in SHAPES:
        assert (program.n_vars, program.n_cons) == SHAPES[name]
    if name == "facility_location":
        assert program.is_integer.sum() == 4 and not program.is_integer[:24].any()
    else:
        assert program.is_binary.all()
    assert program.A.nnz > 0


@pytest.mark.parametrize("name", sorted(SMALL))
def test_small_instance_solves_to_a_verified_optimum(name: str) -> None:
    solution = optarium.solve(generate(name, 2, **SMALL[name]), solver="highs", record=False)
    assert solution.status == "optimal" and solution.verified


def test_levels_grow_and_keep_the_classic_sizes_where_they_land() -> None:
    # calibrated by time (docs/learn.md): Gasse et al.'s easy set cover is our hard level, their easy independent set our medium
    assert generate("set_cover", 0).A.shape == (150, 1000)
    assert generate("set_cover", 0, "hard").A.shape == (500, 1000)
    assert generate("combinatorial_auction", 0, "medium").n_vars == 1500
    assert generate("independent_set", 0, "medium").n_vars == 500
    for name in FAMILIES:  # every size grows or stays from level to level, and some size grows
        levels = [sizes(name, level) for level in ("easy", "medium", "hard")]
        for lower, higher in itertools.pairwise(levels):
            assert all(higher[key] >= lower[key] for key in lower) and higher != lower, (name, levels)


def test_unknown_family_or_difficulty_is_refused() -> None:
    with pytest.raises(OptionError, match="family"):
        generate("sudoku", 0)
    with pytest.raises(OptionError, match="difficulty"):
        generate("set_cover", 0, difficulty="brutal")


def test_write_instances_makes_rereadable_files_and_a_manifest(tmp_path: Path) -> None:
    manifest = write_instances("multiple_knapsack", tmp_path / "mk", n=2, seed=5)
    files = sorted((tmp_path / "mk").glob("*.mps"))
    assert len(files) == 2 and [e["file"] for e in manifest["instances"]] == [f.name for f in files]
    entry = manifest["instances"][0]
    reread = read_problem(tmp_path / "mk" / entry["file"])
    assert reread.fingerprint() == generate("multiple_knapsack", entry["seed"]).fingerprint()
    assert json.loads((tmp_path / "mk" / "manifest.json").read_text()) == manifest


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([OPTARIUM, "generate", *args], capture_output=True, text=True, timeout=120)


def test_cli_writes_files_and_manifest(tmp_path: Path) -> None:
    out = tmp_path / "gisp"
    done = cli("generalized_independent_set", "--n", "2", "--seed", "7", "--out", str(out), "--json")
    assert done.returncode == 0, done.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["family"] == "generalized_independent_set" and manifest["difficulty"] == "easy"
    assert manifest["seed"] == 7 and manifest["optarium_version"] == optarium.__version__
    assert len(list(out.glob("*.mps"))) == 2 == len(json.loads(done.stdout)["instances"])
    assert {"n_nodes", "edge_prob"} <= set(manifest["sizes"])


def test_cli_lists_the_families() -> None:
    done = cli("--list", "--json")
    assert done.returncode == 0
    listed = {item["family"]: item for item in json.loads(done.stdout)}
    assert set(listed) == set(FAMILIES)
    assert listed["set_cover"]["sizes"]["easy"]["n_rows"] == 150


def test_cli_refuses_bad_input_with_one_line_and_writes_nothing(tmp_path: Path) -> None:
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    other = tmp_path / "other"
    write_instances("multiple_knapsack", other, n=1)  # a folder already written (by the library: no second process)
    cases = [
        ("sudoku", "--n", "1", "--out", str(tmp_path / "a")),
        ("set_cover", "--n", "0", "--out", str(tmp_path / "b")),
        ("set_cover", "--n", "1", "--out", str(a_file)),
        ("set_cover", "--n", "1", "--out", str(other)),
    ]
    for case in cases:
        done = cli(*case)
        assert done.returncode == 2, (case, done.stderr)
        assert done.stderr.startswith("error:") and len(done.stderr.strip().splitlines()) == 1
        assert "option `--" in done.stderr or "argument FAMILY" in done.stderr  # the flag or argument at fault, as --help names it
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    assert json.loads((other / "manifest.json").read_text())["family"] == "multiple_knapsack"
    assert len(list(other.glob("*.mps"))) == 1
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".generate-")]


def test_a_failure_midway_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from optarium.learn import generators

    calls = []

    def flaky(name: str, seed: int, difficulty: str = "easy") -> optarium.MathProgram:
        calls.append(seed)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return generate(name, seed, difficulty, n_items=5, n_knapsacks=2)

    monkeypatch.setattr(generators, "generate", flaky)
    with pytest.raises(RuntimeError):
        write_instances("multiple_knapsack", tmp_path / "out", n=3)
    assert list(tmp_path.iterdir()) == []
    assert np.array(calls).size == 2
