"""Prompt templates (text files beside this module) and how they are filled in."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_FOLDER = Path(__file__).with_name("prompts")


@cache
def template(name: str) -> str:
    """The text of ``prompts/<name>.txt``."""
    return (_FOLDER / f"{name}.txt").read_text(encoding="utf-8")


def render(name: str, **values: str) -> str:
    """Fill ``{{key}}`` placeholders; braces and dollars elsewhere are left alone."""
    text = template(name)
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return text
