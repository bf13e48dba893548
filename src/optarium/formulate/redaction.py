"""Keep secrets out of the sandbox's environment and out of any text that is stored or sent to the LLM.

The sandbox's environment is built from :data:`SAFE_ENV` alone. :func:`redact`
replaces the values of this process's secret-looking environment variables
(API keys, tokens, passwords, ``OPTARIUM_STORE``, database URLs) and the password
of any URL with ``[redacted]``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

# The only variables the sandbox (and its zygote) may inherit.
SAFE_ENV = ("PATH", "LANG", "LC_ALL", "TZ")
MARK = "[redacted]"
_SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSW|PWD|CREDENTIAL|AUTH|COOKIE|DATABASE|_DSN$|^OPTARIUM_STORE$", re.I)
_HARMLESS = frozenset({"PWD", "OLDPWD"})
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]*:)(?P<password>[^\s@/]+)(?P<tail>@)")
# Shorter values would blank out ordinary words.
_MIN_LENGTH = 4


def safe_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variables of :data:`SAFE_ENV` this process has, plus ``extra``."""
    env = {key: os.environ[key] for key in SAFE_ENV if key in os.environ}
    env.update(extra or {})
    return env


def secret_values(environ: Mapping[str, str] | None = None) -> list[str]:
    """The values of secret-looking variables (and URL passwords in any variable), longest first."""
    environ = os.environ if environ is None else environ
    found: set[str] = set()
    for name, value in environ.items():
        if name.upper() not in _HARMLESS and _SECRET_NAME.search(name) and len(value) >= _MIN_LENGTH:
            found.add(value)
        found.update(m.group("password") for m in _URL_PASSWORD.finditer(value) if len(m.group("password")) >= _MIN_LENGTH)
    return sorted(found, key=len, reverse=True)


def redact(text: str, extra: Iterable[str] = ()) -> str:
    """``text`` with every secret value of this process's environment, URL passwords and ``extra`` replaced."""
    if not text:
        return text
    for value in sorted({*secret_values(), *(v for v in extra if v and len(v) >= _MIN_LENGTH)}, key=len, reverse=True):
        text = text.replace(value, MARK)
    return _URL_PASSWORD.sub(lambda m: m.group("head") + MARK + m.group("tail"), text)


def redact_all(value: Any, extra: Iterable[str] = ()) -> Any:
    """``value`` with :func:`redact` applied to every string inside its dicts, lists and tuples."""
    extra = tuple(extra)
    if isinstance(value, str):
        return redact(value, extra)
    if isinstance(value, Mapping):
        return {key: redact_all(item, extra) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_all(item, extra) for item in value)
    return value


def url_password(url: str | None) -> list[str]:
    """The password in a store or endpoint URL, as a list (empty when there is none)."""
    if not url:
        return []
    return [m.group("password") for m in _URL_PASSWORD.finditer(url)]
