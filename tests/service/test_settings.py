"""ServiceSettings from a TOML file (``optarium serve --config``): values out of range name the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from optarium.errors import SettingsFileError
from optarium.service.settings import ServiceSettings


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf"])
def test_a_job_stale_time_that_is_not_a_positive_number_names_the_file_and_the_key(tmp_path: Path, value: str) -> None:
    # a heartbeat every quarter of it: zero or less would re-claim every running job at once, nan fails in the worker
    path = tmp_path / "serve.toml"
    path.write_text(f"job_stale_seconds = {value}\n")
    with pytest.raises(SettingsFileError, match=rf"^{path}: setting `job_stale_seconds` must be a positive number of "
                                                rf"seconds, got -?{value.replace('-', '')}"):
        ServiceSettings.from_file(path)


def test_an_upload_limit_below_one_byte_names_max_upload_mb_as_written(tmp_path: Path) -> None:
    path = tmp_path / "serve.toml"
    path.write_text("max_upload_mb = 1e-9\n")
    with pytest.raises(SettingsFileError, match=rf"^{path}: setting `max_upload_mb` must be a positive number of MiB, got 1e-09$"):
        ServiceSettings.from_file(path)


def test_the_file_sets_the_stale_time_and_the_upload_limit_in_mib(tmp_path: Path) -> None:
    path = tmp_path / "serve.toml"
    path.write_text("job_stale_seconds = 30\nmax_upload_mb = 2\n")
    settings = ServiceSettings.from_file(path)
    assert (settings.job_stale_seconds, settings.max_upload_bytes) == (30.0, 2 * 1024 * 1024)
