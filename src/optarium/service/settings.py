"""What the service runs with: where it listens, which store, how many solve workers, which tokens.

Tokens come from a TOML file (``[[token]]`` tables with ``value`` and ``scope``) or from
``$OPTARIUM_TOKENS`` (``value:scope`` pairs separated by commas); a scope is ``read``
(GET only) or ``write`` (everything). Without any token the service listens on a
loopback address only.

``ServiceSettings.from_file("serve.toml")`` reads ``host``, ``port``, ``root_path``, ``store``,
``workers``, ``max_upload_mb`` (or ``max_upload_bytes``), ``job_stale_seconds`` and ``tokens``, the
path of a tokens file (beside the settings file when relative; without it, the environment's
tokens as above); an unknown key, a wrong type or a value out of range names the file and the key.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from optarium.errors import OptionError, SettingsFileError
from optarium.settings import Settings, positive

TOKENS_ENV_VAR = "OPTARIUM_TOKENS"
TOKENS_FILE_ENV_VAR = "OPTARIUM_TOKENS_FILE"
SCOPES = ("read", "write")
MIN_TOKEN_LENGTH = 16
DEFAULT_MAX_UPLOAD = 32 * 1024 * 1024


@dataclass(frozen=True)
class Token:
    """A bearer token and what it may do: ``read`` (GET) or ``write`` (GET and every change)."""

    value: str = field(repr=False)
    scope: str

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise OptionError("scope", self.scope, "'read' or 'write'")
        if len(self.value) < MIN_TOKEN_LENGTH or any(c.isspace() for c in self.value):
            raise OptionError("token", "<hidden>", f"a string of at least {MIN_TOKEN_LENGTH} characters without spaces")


@dataclass(frozen=True)
class ServiceSettings(Settings):
    """Checked settings of one ``serve``; :meth:`check_host` refuses a public address without tokens."""

    host: str = "127.0.0.1"
    port: int = 8080
    root_path: str = ""
    store: str | None = None
    workers: int = 2
    tokens: tuple[Token, ...] = ()
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD
    job_stale_seconds: float = 60.0

    def __post_init__(self) -> None:
        if isinstance(self.port, bool) or not isinstance(self.port, int) or not 0 <= self.port <= 65535:
            raise OptionError("port", self.port, "an integer in [0, 65535]")
        if isinstance(self.workers, bool) or not isinstance(self.workers, int) or not 0 <= self.workers <= 64:
            raise OptionError("workers", self.workers, "an integer in [0, 64]")
        if self.root_path and (not self.root_path.startswith("/") or self.root_path.endswith("/")):
            raise OptionError("root_path", self.root_path, "empty or a path like /prefix (a leading slash, no trailing one)")
        if self.max_upload_bytes < 1:
            raise OptionError("max_upload_bytes", self.max_upload_bytes, "a positive number of bytes")
        # a job's heartbeat runs every quarter of it: zero or less would re-claim every running job at once
        positive("job_stale_seconds", self.job_stale_seconds, "a positive number of seconds")
        self.check_host()

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "settings",
                  overrides: dict[str, Any] | None = None) -> ServiceSettings:
        """Build from a mapping whose ``tokens`` is the path of a tokens file and whose upload limit may be
        given in MiB as ``max_upload_mb``; without ``tokens``, those of the environment (:func:`load_tokens`).
        ``overrides`` as in :meth:`Settings.from_dict` (``tokens`` there: the tokens themselves)."""
        data = dict(data)
        tokens_file = data.pop("tokens", None)
        if tokens_file is not None and not isinstance(tokens_file, str):
            raise SettingsFileError(source, "tokens", f"must be the path of a tokens file, got {tokens_file!r}")
        if tokens_file is not None and not Path(tokens_file).is_absolute() and Path(source).is_file():
            tokens_file = str(Path(source).parent / tokens_file)
        if "max_upload_mb" in data:
            megabytes = data.pop("max_upload_mb")
            if "max_upload_bytes" in data:
                raise SettingsFileError(source, "max_upload_mb", "and `max_upload_bytes` say the same; give one")
            if (isinstance(megabytes, bool) or not isinstance(megabytes, int | float) or not 0 < megabytes < float("inf")
                    or int(megabytes * 1024 * 1024) < 1):
                raise SettingsFileError(source, "max_upload_mb", f"must be a positive number of MiB, got {megabytes!r}")
            data["max_upload_bytes"] = int(megabytes * 1024 * 1024)
        if "tokens" not in (overrides or {}):  # tokens given on the command line replace the file's
            data["tokens"] = load_tokens(tokens_file)
        return super().from_dict(data, source=source, overrides=overrides)

    @property
    def secured(self) -> bool:
        return bool(self.tokens)

    def check_host(self) -> None:
        """Without tokens only a loopback address may be served: anyone who reaches it may write."""
        if self.secured:
            return
        if not is_loopback(self.host):
            raise OptionError("host", self.host,
                              f"a loopback address (127.0.0.1, ::1, localhost) while no token is configured; "
                              f"set {TOKENS_ENV_VAR} or a tokens file to serve other machines")

    def scope_of(self, presented: str) -> str | None:
        """The scope of a presented token, or None if it is not one of ours."""
        import hmac

        for token in self.tokens:
            if hmac.compare_digest(token.value.encode(), presented.encode()):
                return token.scope
        return None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def load_tokens(path: str | Path | None = None) -> tuple[Token, ...]:
    """Tokens from ``path`` (or ``$OPTARIUM_TOKENS_FILE``) and from ``$OPTARIUM_TOKENS``."""
    tokens: list[Token] = []
    file = path or os.environ.get(TOKENS_FILE_ENV_VAR) or None
    if file is not None:
        tokens.extend(_tokens_file(Path(file)))
    raw = os.environ.get(TOKENS_ENV_VAR, "").strip()
    for position, pair in enumerate(part.strip() for part in raw.split(",") if part.strip()):
        value, _, scope = pair.rpartition(":")
        if not value:
            raise SettingsFileError(f"${TOKENS_ENV_VAR}", None, f"entry {position + 1} must read TOKEN:read or TOKEN:write")
        try:
            tokens.append(Token(value, scope))
        except OptionError as error:
            raise SettingsFileError(f"${TOKENS_ENV_VAR}", None, f"entry {position + 1}: {error}") from None
    return tuple(tokens)


def _tokens_file(path: Path) -> list[Token]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SettingsFileError(str(path), None, f"cannot be read: {error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsFileError(str(path), None, f"is not valid TOML: {error}") from None
    entries = data.get("token")
    unknown = set(data) - {"token"}
    if unknown:
        raise SettingsFileError(str(path), sorted(unknown)[0], "is unknown; write [[token]] tables with value and scope")
    if not isinstance(entries, list) or not entries:
        raise SettingsFileError(str(path), "token", "must be one or more [[token]] tables with value and scope")
    tokens = []
    for position, entry in enumerate(entries):
        if not isinstance(entry, dict) or set(entry) - {"value", "scope", "name"} or "value" not in entry:
            raise SettingsFileError(str(path), f"token[{position}]", "must have `value` and `scope` (and an optional `name`)")
        try:
            tokens.append(Token(str(entry["value"]), str(entry.get("scope", ""))))
        except OptionError as error:
            raise SettingsFileError(str(path), f"token[{position}]", str(error)) from None
    return tokens
