"""FormulateSettings: checked, frozen, read from TOML; errors name the Python field and the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from optarium.errors import OptionError, SettingsFileError
from optarium.formulate import FormulateSettings, formulate
from optarium.formulate.errors import LLMConfigError


def test_settings_file_table_is_read_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "optarium.toml"
    path.write_text('[formulate]\nsolver = "highs"\ntime_limit = 5\nrounds = 1\nllm_model = "qwen"\nsandbox_memory_mb = 1024\n')
    settings = FormulateSettings.from_file(path, table="formulate")
    assert (settings.solver, settings.time_limit, settings.rounds, settings.llm_model) == ("highs", 5.0, 1, "qwen")
    assert settings.sandbox.memory_mb == 1024 and settings.insights is True
    assert settings.replace(rounds=2, llm_url=None).rounds == 2


@pytest.mark.parametrize(("text", "key", "problem"), [
    ("round = 2\n", "round", "is not a setting"),
    ('rounds = "two"\n', "rounds", "must be int"),
    ("rounds = -1\n", "rounds", "must be a non-negative integer"),
    ("llm_timeout = 0\n", "llm_timeout", "must be a positive number of seconds"),
    ("sandbox_memory_mb = 64\n", "sandbox_memory_mb", "must be an integer >= 256"),
])
def test_bad_settings_file_names_the_file_and_the_key(tmp_path: Path, text: str, key: str, problem: str) -> None:
    path = tmp_path / "formulate.toml"
    path.write_text(text)
    with pytest.raises(SettingsFileError) as caught:
        FormulateSettings.from_file(path)
    assert str(path) in str(caught.value) and f"`{key}` {problem}" in str(caught.value)


def test_library_errors_name_parameters_never_flags(llm_server: Any, kit: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(OptionError, match="option `rounds` must be") as caught:
        formulate(kit.question, object(), rounds=-1, record=False)  # type: ignore[arg-type]
    assert "--" not in str(caught.value)
    for name in ("OPTARIUM_LLM_URL", "OPTARIUM_LLM_MODEL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(LLMConfigError, match="give `llm_url` or set OPTARIUM_LLM_URL"):
        formulate(kit.question, record=False)
    with pytest.raises(LLMConfigError, match="give `llm_model` or set OPTARIUM_LLM_MODEL"):
        formulate(kit.question, settings=FormulateSettings(llm_url=llm_server.url), record=False)
    assert llm_server.requests == []


def test_settings_name_the_llm_and_keyword_options_override_them(llm_server: Any, kit: Any) -> None:
    buggy = {"content": kit.pyomo(bug=" + oops")}
    llm_server.script = [buggy, buggy, {"content": kit.pyomo()}]
    settings = FormulateSettings(llm_url=llm_server.url, llm_model="from-settings", rounds=0, insights=False)
    assert formulate(kit.question, settings=settings, record=False).status == "error"
    result = formulate(kit.question, settings=settings, rounds=1, record=False)
    assert result.status == "optimal" and result.rounds == 1
    assert {request["model"] for request in llm_server.requests} == {"from-settings"}
