"""Pull the model (Pyomo code or a CPLEX LP model) and the formulation out of an LLM answer.

The answer is expected to hold the five-element formulation in prose followed by
one fenced block. The last fenced block that is Pyomo code or an LP model wins;
an answer with no fences is accepted when it is, as a whole, one of the two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from optarium.formulate.errors import ExtractionError

ModelKind = Literal["pyomo", "lp"]

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_LP_FIRST = re.compile(r"^\s*(maximi[sz]e|minimi[sz]e|maximum|minimum|max|min)\s*$", re.IGNORECASE)
_PYTHON_TAGS = {"python", "py", "python3", "pyomo"}
_LP_TAGS = {"lp", "cplex", "cplex-lp", "lp-format"}


@dataclass(frozen=True)
class ModelText:
    """A model found in an answer: ``kind`` 'pyomo' (Python source) or 'lp' (CPLEX LP text)."""

    kind: ModelKind
    code: str
    formulation: str

    @property
    def fence(self) -> str:
        return "python" if self.kind == "pyomo" else "lp"


def _looks_like_lp(code: str) -> bool:
    for line in code.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("\\"):
            continue
        return bool(_LP_FIRST.match(stripped))
    return False


def _looks_like_python(code: str) -> bool:
    return "ConcreteModel" in code or re.search(r"^\s*(import|from)\s+pyomo", code, re.MULTILINE) is not None


def _classify(tag: str, code: str) -> ModelKind | None:
    tag = tag.lower()
    if tag in _LP_TAGS or (tag not in _PYTHON_TAGS and _looks_like_lp(code)):
        return "lp"
    if tag in _PYTHON_TAGS or _looks_like_python(code):
        return "pyomo" if _looks_like_python(code) or tag in _PYTHON_TAGS else None
    return None


def extract_model(text: str) -> ModelText:
    """The last model block in ``text``; raise :class:`ExtractionError` when there is none."""
    if not text or not text.strip():
        raise ExtractionError("the LLM answer is empty")
    found: tuple[ModelKind, str, int] | None = None
    for match in _FENCE.finditer(text):
        code = match.group(2).strip("\n")
        kind = _classify(match.group(1), code)
        if kind is not None and code.strip():
            found = (kind, code, match.start())
    if found is None:
        whole = text.strip()
        if _looks_like_lp(whole):
            return ModelText("lp", whole + "\n", "")
        if _looks_like_python(whole) and "```" not in whole:
            return ModelText("pyomo", whole + "\n", "")
        raise ExtractionError(
            "the LLM answer holds no model: expected Pyomo code in a ```python block or an LP model in an ```lp block"
        )
    kind, code, start = found
    return ModelText(kind, code.rstrip() + "\n", text[:start].strip())
