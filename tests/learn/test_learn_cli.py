"""`optarium learn show|reset|export` on an SQLite store: what was learned, removed, written as JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from optarium.store.base import open_store

OPTARIUM = str(Path(sys.executable).parent / "optarium")


def learn(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([OPTARIUM, "learn", *args], capture_output=True, text=True)


def test_show_reset_and_export_round_trip_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    store = open_store(url)
    store.save_artifact("tuned.highs.knapsack", json.dumps({"history": [1]}).encode(),
                        {"family": "knapsack", "solver": "highs", "params": {"presolve": "off"}})
    store.save_artifact("tuned.highs.knapsack", b"{}", {"family": "knapsack", "solver": "highs", "params": {}})
    store.save_artifact("jobshop.rule", b"\x00\xff", {"rule": "spt"})

    shown = learn("show", "--store", url, "--json")
    assert shown.returncode == 0, shown.stderr
    assert [(r["name"], r["version"]) for r in json.loads(shown.stdout)] == [
        ("jobshop.rule", 1), ("tuned.highs.knapsack", 1), ("tuned.highs.knapsack", 2)]
    assert "tuned.highs.knapsack v1" in learn("show", "tuned.", "--store", url).stdout

    out = tmp_path / "knapsack.json"
    exported = learn("export", "tuned.highs.knapsack", "--version", "1", "-o", str(out), "--store", url)
    assert exported.returncode == 0, exported.stderr
    document = json.loads(out.read_text())
    assert document["version"] == 1 and document["meta"]["params"] == {"presolve": "off"}
    assert document["data"] == {"history": [1]}
    binary = json.loads(learn("export", "jobshop.rule", "--store", url).stdout)
    assert binary["data_base64"] == "AP8="

    reset = learn("reset", "tuned.highs.knapsack", "--store", url, "--json")
    assert reset.returncode == 0 and json.loads(reset.stdout) == {"name": "tuned.highs.knapsack", "removed_versions": 2}
    assert [r["name"] for r in json.loads(learn("show", "--store", url, "--json").stdout)] == ["jobshop.rule"]


def test_a_missing_artifact_or_store_is_one_line_and_exit_two(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    open_store(url).save_artifact("jobshop.rule", b"x")
    for args in (("reset", "nothing"), ("export", "nothing"), ("export", "jobshop.rule", "--version", "9")):
        done = learn(*args, "--store", url)
        assert done.returncode == 2 and done.stderr.startswith("error: ") and done.stderr.count("\n") == 1
    missing = tmp_path / "none.db"
    assert learn("reset", "jobshop.rule", "--store", f"sqlite:///{missing}").returncode == 2
    assert not missing.exists()
