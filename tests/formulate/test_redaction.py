"""Secrets of the environment and URL passwords are replaced in text; the sandbox inherits none."""

from __future__ import annotations

import pytest

from optarium.formulate.redaction import (
    MARK,
    redact,
    redact_all,
    safe_environment,
    secret_values,
    url_password,
)


def test_values_of_secret_looking_variables_are_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPTARIUM_LLM_API_KEY", "sk-abc-123456")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_tokenvalue")
    monkeypatch.setenv("OPTARIUM_STORE", "/home/me/optarium.db")
    monkeypatch.setenv("LANG", "C.UTF-8")
    text = redact("key sk-abc-123456 token ghp_tokenvalue store /home/me/optarium.db lang C.UTF-8")
    assert text == f"key {MARK} token {MARK} store {MARK} lang C.UTF-8"


def test_url_passwords_are_redacted_wherever_they_appear(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOME_SERVICE", "postgresql://bob:hunter22@db/x")
    assert "hunter22" in secret_values()
    assert redact("connect postgresql://alice:s3cret@host:5432/db now") == f"connect postgresql://alice:{MARK}@host:5432/db now"
    assert url_password("postgresql://alice:s3cret@host/db") == ["s3cret"] and url_password("sqlite:///x.db") == []


def test_extra_secrets_and_nested_records_are_redacted() -> None:
    record = {"error": "pw is pa55word", "calls": [{"messages": [{"content": "pa55word"}]}], "tokens": 3}
    assert redact_all(record, ["pa55word"]) == {
        "error": f"pw is {MARK}", "calls": [{"messages": [{"content": MARK}]}], "tokens": 3,
    }


def test_short_values_and_harmless_names_are_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_KEY", "ab")
    monkeypatch.setenv("PWD", "/work/main")
    assert redact("ab /work/main") == "ab /work/main"


def test_the_sandbox_environment_holds_only_the_allowed_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPTARIUM_LLM_API_KEY", "sk-secret")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@h/d")
    monkeypatch.setenv("PATH", "/usr/bin")
    env = safe_environment({"HOME": "/"})
    assert env["PATH"] == "/usr/bin" and env["HOME"] == "/"
    assert set(env) <= {"PATH", "LANG", "LC_ALL", "TZ", "HOME"}
