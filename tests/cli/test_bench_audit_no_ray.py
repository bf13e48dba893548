"""``optarium bench audit --no-ray``: the records are audited here even where a Ray cluster is named,
on the command line (``--ray-address``) or in the settings file (``ray_address``)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from optarium.bench.settings import AuditSettings
from optarium.cli.main import app

# nothing listens here: a run that tried to join this cluster would fail
NO_CLUSTER = "127.0.0.1:9"


def _dataset(folder: Path) -> Path:
    (folder / "gold.lp").write_text("Maximize\n obj: x + y\nSubject To\n c: x + 2 y <= 4\nBounds\n 0 <= x <= 3\nEnd\n")
    dataset = folder / "set.jsonl"
    dataset.write_text(json.dumps({"id": "one", "answer": 3.5, "gold_model": "gold.lp"}) + "\n")
    return dataset


def test_ray_false_keeps_the_audit_off_ray_even_with_a_ray_address() -> None:
    assert not AuditSettings(ray=False, ray_address=NO_CLUSTER).on_ray
    assert AuditSettings(ray_address=NO_CLUSTER).on_ray
    assert AuditSettings(ray=True).on_ray and not AuditSettings().on_ray


def test_no_ray_with_jobs_is_refused_as_one_after_another_even_with_a_ray_address(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["bench", "audit", str(_dataset(tmp_path)), "--no-ray", "--ray-address",
                                      NO_CLUSTER, "--jobs", "2"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == ("error: option `--jobs` must be 1 without --ray (records are audited one after another "
                             "here), got 2\n")


def test_no_ray_audits_here_when_the_settings_file_names_a_cluster(tmp_path: Path) -> None:
    config = tmp_path / "settings.toml"
    config.write_text(f'solvers = "highs"\nray_address = "{NO_CLUSTER}"\n')
    result = CliRunner().invoke(app, ["bench", "audit", str(_dataset(tmp_path)), "--config", str(config), "--no-ray",
                                      "--json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["solvers"] == ["highs"] and report["records"] == 1
