"""``optarium learn export -o FILE`` where FILE cannot be written: one line, exit 2, no partial file left behind."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from optarium.cli.main import app
from optarium.store.base import open_store


def test_an_output_that_cannot_be_written_is_one_line_and_leaves_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    open_store(url).save_artifact("tuned.highs.knapsack", b"{}", {"family": "knapsack", "solver": "highs", "params": {}})
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "tuned.json").mkdir()  # a folder where the file should go
    for target, reason in ((tmp_path / "out" / "tuned.json", "Is a directory"),
                           (tmp_path / "nowhere" / "tuned.json", "No such file or directory")):
        result = CliRunner().invoke(app, ["learn", "export", "tuned.highs.knapsack", "-o", str(target), "--store", url])
        assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"error: {target}: cannot write: {reason}\n")
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["tuned.json"]
    assert not (tmp_path / "nowhere").exists()
