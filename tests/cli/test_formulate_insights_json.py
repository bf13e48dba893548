"""`optarium formulate insights add --json` and `insights export --json`: what a script reads back."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from optarium.cli.main import app


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def add(store: str, taxonomy: str, condition: str) -> dict[str, object]:
    code, out, err = invoke("formulate", "insights", "add", "--taxonomy", taxonomy, "--condition", condition,
                            "--explanation", f"Lesson about {condition}.", "--store", store, "--json")
    assert code == 0, err
    row: dict[str, object] = json.loads(out)
    return row


def test_add_json_prints_the_insight_with_its_id(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'lib.db'}"
    first = add(store, "integrality", "number of trucks")
    second = add(store, "objective", "profit per unit")
    assert first["id"] != second["id"]
    assert (second["taxonomy"], second["condition"], second["explanation"]) == ("objective", "profit per unit",
                                                                               "Lesson about profit per unit.")
    assert second["active"] and second["retrieved"] == 0


def test_export_json_prints_one_list_or_with_a_file_what_was_written(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'lib.db'}"
    added = [add(store, "integrality", "number of trucks"), add(store, "units", "tonnes and kilograms")]
    code, out, err = invoke("formulate", "insights", "export", "--store", store, "--json")
    assert code == 0, err
    assert [row["id"] for row in json.loads(out)] == [row["id"] for row in added]
    target = tmp_path / "library.jsonl"
    code, out, err = invoke("formulate", "insights", "export", str(target), "--store", store, "--json")
    assert code == 0, err
    assert json.loads(out) == {"output": str(target), "format": "jsonl", "rows": 2}
    assert [json.loads(line)["condition"] for line in target.read_text().splitlines()] == [
        "number of trucks", "tonnes and kilograms"]


def test_export_to_a_folder_that_cannot_take_the_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'lib.db'}"
    add(store, "integrality", "number of trucks")
    target = tmp_path / "absent" / "library.jsonl"
    code, out, err = invoke("formulate", "insights", "export", str(target), "--store", store, "--json")
    assert (code, out) == (2, "") and err.startswith(f"error: {target}") and err.count("\n") == 1
    assert not target.parent.exists()
