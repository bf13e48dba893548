"""The settings of ``optarium formulate`` and ``bench nl``: built once from --config and the flags
(``cli.common.settings_from``), so a flag replaces the file's value before anything is checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from optarium.cli.formulate import formulate_settings
from optarium.errors import OptionError, SettingsFileError


def test_a_flag_replaces_a_value_of_the_file_that_is_out_of_range(tmp_path: Path) -> None:
    config = tmp_path / "formulate.toml"
    config.write_text("llm_timeout = 0\nrounds = 2\n")
    settings = formulate_settings(config, llm_timeout=5.0, rounds=None)
    assert (settings.llm_timeout, settings.rounds) == (5.0, 2)


def test_a_bad_value_names_the_file_and_key_or_the_flag(tmp_path: Path) -> None:
    config = tmp_path / "formulate.toml"
    config.write_text("llm_timeout = 0\n")
    with pytest.raises(SettingsFileError, match="setting `llm_timeout` must be a positive number of seconds, got 0"):
        formulate_settings(config)
    with pytest.raises(OptionError, match="option `--llm-timeout` must be a positive number of seconds, got -1"):
        formulate_settings(None, llm_timeout=-1.0)
