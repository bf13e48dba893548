"""Reading a table of past experiments: the space it implies, and one clear error for each kind of bad table."""

from __future__ import annotations

from pathlib import Path

import pytest

from optarium.blackbox.errors import TableError
from optarium.blackbox.table import read_table


def _table(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "past.csv"
    path.write_text(text)
    return path


def test_columns_become_parameters_and_the_last_is_the_objective(tmp_path: Path) -> None:
    space, rows, values = read_table(_table(tmp_path, "t,solvent,yield\n50,water,3\n60.5,THF,4\n"))
    assert space.names == ["t", "solvent"] and values == [3.0, 4.0]
    assert rows == [{"t": 50.0, "solvent": "water"}, {"t": 60.5, "solvent": "THF"}]


@pytest.mark.parametrize(("text", "words"), [
    ("t,solvent,yield\n50,water,3\n,THF,4\n70,water,5\n", "column 't' has no value in row 3"),
    ("t,t,yield\n50,1,3\n60,2,4\n", "has the column 't' more than once"),
    ("yield\n3\n4\n", "has no parameter column besides the objective 'yield'"),
    ("t,yield\n50,3\n60,high\n", "objective 'yield' in row 3 is not a number: 'high'"),
    ("t,yield\n50,3\n60,nan\n", "objective 'yield' in row 3 is not finite"),
    ("", "needs a header row and at least two data rows"),
    ("t,solvent,yield\n50,water,3\nn/a,THF,4\n70,water,5\n",
     "column 't' holds numbers, but row 3 holds 'n/a'; fix the cell, or give a space that makes 't' categorical"),
    ("t,yield\n50,3\ninf,4\n70,5\n", "column 't' in row 3 is not finite: 'inf'"),
    (",t,yield\n0,50,3\n1,60,4\n", "column 1 has no name in the header; name it, or if it is a saved index "
                                     "(pandas), write the table without it (index=False)"),
    ("t,yield\n50,3\n60,4\nNaN,5\n", "column 't' in row 4 is not finite: 'NaN'"),
])
def test_a_bad_table_is_one_error_naming_the_file_and_what_is_wrong(tmp_path: Path, text: str, words: str) -> None:
    with pytest.raises(TableError) as raised:
        read_table(_table(tmp_path, text))
    assert str(raised.value).startswith(str(tmp_path / "past.csv") + ": ") and words in str(raised.value)


def test_a_spreadsheet_byte_order_mark_is_not_part_of_the_first_column_name(tmp_path: Path) -> None:
    path = tmp_path / "past.csv"
    path.write_bytes("t,yield\n50,3\n60,4\n".encode("utf-8-sig"))
    space, _, _ = read_table(path)
    assert space.names == ["t"]


def test_a_semicolon_separated_table_is_named_as_such(tmp_path: Path) -> None:
    with pytest.raises(TableError, match="is not comma-separated"):
        read_table(_table(tmp_path, "t;yield\n50;3\n60;4\n"))


def test_a_fraction_in_an_integer_parameter_of_the_given_space_is_refused_not_cut(tmp_path: Path) -> None:
    from optarium.blackbox.space import Space

    space = Space.from_dict({"n": {"type": "int", "low": 1, "high": 5}})
    with pytest.raises(TableError, match=r"row 3: parameter `n` must be an integer in \[1, 5\], got 2.5"):
        read_table(_table(tmp_path, "n,yield\n1,3\n2.5,4\n3,5\n"), space=space)
    assert read_table(_table(tmp_path, "n,yield\n1,3\n2.0,4\n"), space=space)[1] == [{"n": 1}, {"n": 2}]


def test_a_column_of_mostly_text_stays_categorical_with_its_number_like_labels(tmp_path: Path) -> None:
    space, rows, _ = read_table(_table(tmp_path, "ligand,yield\nXPhos,3\n2,4\nSPhos,5\n"))
    assert space.to_dict() == {"ligand": {"type": "categorical", "choices": ["2", "SPhos", "XPhos"]}}
    assert [row["ligand"] for row in rows] == ["XPhos", "2", "SPhos"]


def test_a_given_space_may_make_a_column_of_numbers_and_text_categorical(tmp_path: Path) -> None:
    from optarium.blackbox.space import Space

    given = Space.from_dict({"t": {"type": "categorical", "choices": ["50", "n/a", "70"]}})
    _, rows, _ = read_table(_table(tmp_path, "t,yield\n50,3\nn/a,4\n70,5\n"), space=given)
    assert [row["t"] for row in rows] == ["50", "n/a", "70"]


def test_an_unnamed_empty_column_of_a_spreadsheet_is_left_out(tmp_path: Path) -> None:
    space, rows, values = read_table(_table(tmp_path, "t,solvent,yield,\n50,water,3,\n60.5,THF,4,\n"))
    assert space.names == ["t", "solvent"] and values == [3.0, 4.0]
    assert rows == [{"t": 50.0, "solvent": "water"}, {"t": 60.5, "solvent": "THF"}]


def test_a_study_export_reads_as_its_complete_feasible_trials(tmp_path: Path) -> None:
    from optarium.blackbox.study import Study

    store = f"sqlite:///{tmp_path / 's.db'}"
    study = Study.create("past", {"t": {"type": "float", "low": 20, "high": 120},
                                  "solvent": {"type": "categorical", "choices": ["water", "THF"]}},
                         sampler="random", seed=1, store=store)
    trials = study.ask(5)
    for trial, value in zip(trials[:3], [3.0, 5.0, 4.0], strict=True):
        study.tell(trial, value)
    study.tell(trials[3], 9.0, feasibility=1.0)  # infeasible: not a result to learn the objective from
    study.tell(trials[4], failed=True)
    study.ask()  # pending
    from optarium.cli.runs import write_rows

    write_rows(study.trial_rows(), tmp_path / "past.csv", "csv")
    space, rows, values = read_table(tmp_path / "past.csv")
    assert space.names == ["t", "solvent"] and values == [3.0, 5.0, 4.0]
    assert rows == [trial.params for trial in trials[:3]]
    with pytest.raises(TableError, match="has no objective column 'value_1'"):
        read_table(tmp_path / "past.csv", objective="value_1")
