"""``optarium learn import FILE``: what ``learn export`` wrote goes into another store; a bad file changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from optarium.cli.main import app
from optarium.store.base import open_store

TUNED = {"family": "knapsack", "solver": "highs", "params": {"presolve": "off"}}


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["learn", *args])
    return result.exit_code, result.stdout, result.stderr


def test_an_exported_artifact_is_imported_into_another_store_as_its_next_version(tmp_path: Path) -> None:
    here, there = f"sqlite:///{tmp_path / 'here.db'}", f"sqlite:///{tmp_path / 'there.db'}"
    open_store(here).save_artifact("tuned.highs.knapsack", json.dumps(TUNED["params"]).encode(), TUNED)
    open_store(here).save_artifact("routing.edge_policy", b"\x00\xffweights", {"kind": "edge"})
    open_store(there).save_artifact("tuned.highs.knapsack", b"{}", {"family": "knapsack"})
    for name in ("tuned.highs.knapsack", "routing.edge_policy"):
        code, _out, err = invoke("export", name, "-o", str(tmp_path / f"{name}.json"), "--store", here)
        assert code == 0, err
        code, out, err = invoke("import", str(tmp_path / f"{name}.json"), "--store", there, "--json")
        assert code == 0, err
        assert json.loads(out) == {"name": name, "version": 2 if name.startswith("tuned") else 1, "file": str(tmp_path / f"{name}.json")}
    tuned = open_store(there).load_artifact("tuned.highs.knapsack")
    assert tuned is not None and tuned.version == 2 and tuned.meta == TUNED and json.loads(tuned.data) == TUNED["params"]
    policy = open_store(there).load_artifact("routing.edge_policy")
    assert policy is not None and policy.data == b"\x00\xffweights" and policy.meta == {"kind": "edge"}


def test_a_file_that_is_not_an_export_is_one_line_exit_2_and_the_store_is_not_touched(tmp_path: Path) -> None:
    store_file = tmp_path / "store.db"
    good = {"name": "tuned.highs.knapsack", "version": 1, "meta": TUNED, "data": {}}
    files = {
        "empty.json": "",
        "text.json": "not json at all",
        "list.json": "[1, 2]",
        "no_name.json": json.dumps({**good, "name": ""}),
        "no_meta.json": json.dumps({key: value for key, value in good.items() if key != "meta"}),
        "no_data.json": json.dumps({key: value for key, value in good.items() if key != "data"}),
        "bad_base64.json": json.dumps({**{key: value for key, value in good.items() if key != "data"}, "data_base64": "%%%"}),
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "folder.json").mkdir()
    for name in [*files, "folder.json", "missing.json"]:
        code, out, err = invoke("import", str(tmp_path / name), "--store", f"sqlite:///{store_file}")
        assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith(f"error: {tmp_path / name}: "), (name, err)
    assert not store_file.exists()
