"""``optarium formulate insights import FILE``: a library exported elsewhere joins this one; a bad file changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from optarium.cli.main import app
from optarium.formulate.pipeline import formulate_store


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["formulate", "insights", *args])
    return result.exit_code, result.stdout, result.stderr


def test_an_exported_library_is_imported_once_with_what_is_inactive_kept_inactive(tmp_path: Path) -> None:
    here, there = f"sqlite:///{tmp_path / 'here.db'}", f"sqlite:///{tmp_path / 'there.db'}"
    library = formulate_store(here)
    library.add_insight("integrality", "sandwiches units", "Counts of items are integers.", "", "learned")
    stale = library.add_insight("bounds", "at least", "Read 'at least' as >=.", "x >= 3", "manual")
    library.update_insight(stale, active=False)
    formulate_store(there).add_insight("objective", "profit", "Maximise profit, not revenue.", "", "manual")
    assert invoke("export", "-o", str(tmp_path / "insights.jsonl"), "--store", here)[0] == 0
    code, out, err = invoke("import", str(tmp_path / "insights.jsonl"), "--store", there, "--json")
    assert code == 0, err
    assert json.loads(out) == {"file": str(tmp_path / "insights.jsonl"), "added": 2, "already_there": 0}
    rows = {row["condition"]: row for row in formulate_store(there).list_insights()}
    assert sorted(rows) == ["at least", "profit", "sandwiches units"]
    assert rows["at least"]["active"] is False and rows["at least"]["example"] == "x >= 3"
    assert rows["sandwiches units"]["active"] is True and rows["sandwiches units"]["source"] == "learned"
    code, out, err = invoke("import", str(tmp_path / "insights.jsonl"), "--store", there)
    assert (code, out) == (0, f"imported 0 insights from {tmp_path / 'insights.jsonl'} (2 already there)\n"), err
    assert len(formulate_store(there).list_insights()) == 3


def test_a_bad_line_is_one_line_naming_it_exit_2_and_nothing_is_imported(tmp_path: Path) -> None:
    good = json.dumps({"taxonomy": "bounds", "condition": "at least", "explanation": "Read 'at least' as >=."})
    files = {
        "empty.jsonl": "\n",
        "text.jsonl": f"{good}\nnot json\n",
        "list.jsonl": f"{good}\n[1]\n",
        "no_explanation.jsonl": f"{good}\n" + json.dumps({"taxonomy": "bounds", "condition": "at most"}) + "\n",
        "bad_active.jsonl": json.dumps({"taxonomy": "t", "condition": "c", "explanation": "e", "active": "no"}) + "\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    store_file = tmp_path / "store.db"
    for name in [*files, "missing.jsonl"]:
        code, out, err = invoke("import", str(tmp_path / name), "--store", f"sqlite:///{store_file}")
        assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith(f"error: {tmp_path / name}"), (name, err)
    assert not store_file.exists()


def test_what_export_json_printed_one_json_list_is_imported_too(tmp_path: Path) -> None:
    here, there = f"sqlite:///{tmp_path / 'here.db'}", f"sqlite:///{tmp_path / 'there.db'}"
    formulate_store(here).add_insight("integrality", "sandwiches units", "Counts of items are integers.", "", "manual")
    code, out, _err = invoke("export", "--json", "--store", here)
    (tmp_path / "library.json").write_text(out)
    code, out, err = invoke("import", str(tmp_path / "library.json"), "--store", there)
    assert code == 0 and out == f"imported 1 insight from {tmp_path / 'library.json'}\n", err
    assert [row["condition"] for row in formulate_store(there).list_insights()] == ["sandwiches units"]
