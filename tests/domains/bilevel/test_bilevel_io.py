"""Reading bilevel problems: the JSON/YAML form and the MibS form (name- and index-based auxiliary files)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from optarium.domains.bilevel.io import read_bilevel, read_json, read_mibs, to_dict
from optarium.domains.bilevel.problem import BilevelProblem
from optarium.errors import InputFileError, InvalidModelError


def test_json_problem_keeps_bounds_rows_senses_and_published_values(data: Path) -> None:
    problem = read_json(data / "bolib_MershaDempe2006Ex2.json")
    assert problem.name == "bolib_MershaDempe2006Ex2" and problem.x_names == ("x_1",) and problem.y_names == ("y_1",)
    assert problem.x_lower.tolist() == [float("-inf")] and problem.y_upper.tolist() == [float("inf")]
    assert problem.leader_row_names == ("G1", "G2") and problem.g_lower.tolist() == [-12, -14]
    assert problem.A_x.tolist() == [[3], [-3]] and problem.A_y.tolist() == [[-1], [-1]]
    assert problem.dy.tolist() == [-1] and problem.follower_sense == "min"
    assert problem.reference["F"] == -20.0


def test_yaml_reads_as_the_same_problem(data: Path, tmp_path: Path) -> None:
    yaml = pytest.importorskip("yaml")
    problem = read_json(data / "basblib_bf_1982_02.json")
    path = tmp_path / "bf.yaml"
    path.write_text(yaml.safe_dump(json.loads((data / "basblib_bf_1982_02.json").read_text())))
    assert read_bilevel(path).fingerprint() == problem.fingerprint()


def test_mibs_name_and_index_auxiliary_files_give_the_builder_s_problem(data: Path) -> None:
    built = BilevelProblem.build(
        ([-1], [-10]), ([0], [1]), x_integer=[True], y_integer=[True],
        follower_constraints=[([-25], [20], "<=", 30), ([1], [2], "<=", 10), ([2], [-1], "<=", 15), ([2], [10], ">=", 15)])
    by_name = read_bilevel(data / "moore_bard.aux")
    beside = read_bilevel(data / "moore_bard.mps")
    by_index = read_mibs(data / "moore_bard.mps", data / "moore_bard_index.aux")
    assert by_name.fingerprint() == beside.fingerprint() == by_index.fingerprint() == built.fingerprint()
    assert by_name.x_names == ("x",) and by_name.y_names == ("y",) and by_name.follower_row_names == ("R0", "R1", "R2", "R3")


def test_mibs_follower_maximising_and_leader_rows(tmp_path: Path, data: Path) -> None:
    mps = tmp_path / "p.mps"
    mps.write_text((data / "moore_bard.mps").read_text())
    (tmp_path / "p.aux").write_text("@NUMVARS\n1\n@NUMCONSTRS\n2\n@VARSBEGIN\ny -1\n@VARSEND\n@CONSTRSBEGIN\nR0\nR1\n"
                                    "@CONSTRSEND\n@OBJSENSE\nMAX\n")
    problem = read_bilevel(mps)
    assert problem.follower_sense == "max" and problem.dy.tolist() == [-1]
    assert problem.leader_row_names == ("R2", "R3") and problem.follower_row_names == ("R0", "R1")


@pytest.mark.parametrize(
    ("aux", "expected"),
    [
        ("@NUMVARS\n1\n@NUMCONSTRS\n1\n@VARSBEGIN\nz 1\n@VARSEND\n@CONSTRSBEGIN\nR0\n@CONSTRSEND\n",
         "names variable 'z', which the MPS file does not have"),
        ("@NUMVARS\n2\n@NUMCONSTRS\n1\n@VARSBEGIN\ny 1\n@VARSEND\n@CONSTRSBEGIN\nR0\n@CONSTRSEND\n",
         "announces 2 follower variables but lists 1"),
        ("N 1\nM 1\nLC 5\nLR 0\nLO 1\nOS 1\n", "names variable index 5, but the MPS file has 2"),
        ("N 1\nM 1\nLC 1\nLR 0\nLO one\n", "p.aux:5: cannot read 'LO one'"),
        ("@VARSBEGIN\n@VARSEND\n", "names no follower variables"),
    ],
)
def test_bad_auxiliary_files_say_what_is_wrong(tmp_path: Path, data: Path, aux: str, expected: str) -> None:
    (tmp_path / "p.mps").write_text((data / "moore_bard.mps").read_text())
    (tmp_path / "p.aux").write_text(aux)
    with pytest.raises(InvalidModelError) as caught:
        read_bilevel(tmp_path / "p.mps")
    assert expected in str(caught.value)


def test_missing_files_name_the_file(tmp_path: Path, data: Path) -> None:
    (tmp_path / "alone.mps").write_text((data / "moore_bard.mps").read_text())
    with pytest.raises(InputFileError, match=r"alone\.aux: no auxiliary file"):
        read_bilevel(tmp_path / "alone.mps")
    with pytest.raises(InputFileError, match=r"absent\.json: no such file"):
        read_bilevel(tmp_path / "absent.json")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["follower"]["constraints"][0].update(x=[1, 2]), "`follower.constraints[0]` (g1) must have 1 x and 1 y"),
        (lambda d: d["leader"]["objective"].update(y=[]), "`leader.objective` has 1 x and 0 y coefficients"),
        (lambda d: d["leader"]["variables"][0].update(lb="zero"), "variable 'x_1': `lb` must be a number or null"),
        (lambda d: d.pop("follower"), "missing `follower` object"),
    ],
)
def test_bad_json_names_the_part(tmp_path: Path, data: Path, change: object, expected: str) -> None:
    document = json.loads((data / "bolib_MershaDempe2006Ex2.json").read_text())
    change(document)  # type: ignore[operator]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    with pytest.raises(InvalidModelError) as caught:
        read_bilevel(path)
    assert expected in str(caught.value) and "bad.json" in str(caught.value)


def test_to_dict_writes_ranged_rows_as_two_rows(tmp_path: Path) -> None:
    problem = BilevelProblem.build(([1], [1]), ([0], [1]), follower_constraints=[([1], [1], ">=", 1), ([1], [1], "<=", 4)])
    document = to_dict(problem)
    assert [c["sense"] for c in document["follower"]["constraints"]] == [">=", "<="]
    path = tmp_path / "p.json"
    path.write_text(json.dumps(document))
    assert read_json(path).fingerprint() == problem.fingerprint()
