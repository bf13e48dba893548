"""A settings file and the flags are checked together: a rule across two settings sees both."""

from __future__ import annotations

from pathlib import Path

import pytest

from optarium.cli.common import settings_from
from optarium.cli.serve import FLAGS
from optarium.errors import OptionError, SettingsFileError
from optarium.service.settings import ServiceSettings, load_tokens


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.delenv("OPTARIUM_TOKENS", raising=False)
    monkeypatch.delenv("OPTARIUM_TOKENS_FILE", raising=False)
    public = tmp_path / "public.toml"
    public.write_text('host = "0.0.0.0"\nport = 9000\n')
    tokens = tmp_path / "tokens.toml"
    tokens.write_text('[[token]]\nvalue = "a-long-enough-secret-1234"\nscope = "write"\n')
    return public, tokens


def test_a_public_host_from_the_file_is_served_with_tokens_from_the_flag(files: tuple[Path, Path]) -> None:
    public, tokens = files
    settings = settings_from(ServiceSettings, public, FLAGS, tokens=load_tokens(str(tokens)))
    assert (settings.host, settings.port, settings.secured) == ("0.0.0.0", 9000, True)


def test_a_public_host_without_any_token_is_refused_naming_where_it_came_from(files: tuple[Path, Path]) -> None:
    public, _ = files
    with pytest.raises(SettingsFileError, match=r"public\.toml.*host"):
        settings_from(ServiceSettings, public, FLAGS)
    with pytest.raises(OptionError, match="--host"):
        settings_from(ServiceSettings, None, FLAGS, host="0.0.0.0")


def test_a_flag_still_wins_over_the_file(files: tuple[Path, Path]) -> None:
    public, _ = files
    settings = settings_from(ServiceSettings, public, FLAGS, host="127.0.0.1", port=None)
    assert (settings.host, settings.port, settings.secured) == ("127.0.0.1", 9000, False)


BILEVEL = Path(__file__).resolve().parents[1] / "domains" / "bilevel" / "data" / "moore_bard.mps"


def test_a_method_from_the_file_that_cannot_take_the_problem_names_the_file_not_the_flag(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from optarium.cli.main import app

    config = tmp_path / "bilevel.toml"
    config.write_text('method = "kkt"\n')
    result = CliRunner().invoke(app, ["bilevel", str(BILEVEL), "--config", str(config), "--no-record"])
    assert result.exit_code == 2
    assert "bilevel.toml" in result.output and "method" in result.output and "--method" not in result.output
    flagged = CliRunner().invoke(app, ["bilevel", str(BILEVEL), "--method", "kkt", "--no-record"])
    assert flagged.exit_code == 2 and "--method" in flagged.output


def test_an_upload_limit_below_one_byte_names_the_value_given() -> None:
    from typer.testing import CliRunner

    from optarium.cli.main import app

    result = CliRunner().invoke(app, ["serve", "--max-upload-mb", "1e-9", "--port", "0"])
    assert result.exit_code == 2
    assert "--max-upload-mb" in result.output and "1e-09" in result.output and "bytes" not in result.output.split("got")[-1]
