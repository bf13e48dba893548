"""The model is found in an LLM answer whether it is Pyomo code or an LP model."""

from __future__ import annotations

import pytest

from optarium.formulate.errors import ExtractionError
from optarium.formulate.extract import extract_model


def test_last_python_block_wins_and_prose_before_it_is_the_formulation() -> None:
    text = "Variables: x.\n```python\nprint('draft')\n```\nFinal:\n```python\nimport pyomo.environ as pyo\nmodel = pyo.ConcreteModel()\n```"
    found = extract_model(text)
    assert found.kind == "pyomo" and "ConcreteModel" in found.code and "draft" not in found.code
    assert found.formulation.startswith("Variables: x.")


def test_lp_block_tagged_or_untagged_and_bare_lp_text() -> None:
    lp = "Maximize\n obj: x\nSubject To\n c: x <= 1\nEnd"
    assert extract_model(f"```lp\n{lp}\n```").kind == "lp"
    assert extract_model(f"```\n{lp}\n```").kind == "lp"
    assert extract_model(lp).kind == "lp"


def test_unclosed_fence_from_a_truncated_answer_is_still_read() -> None:
    found = extract_model("```python\nimport pyomo.environ as pyo\nmodel = pyo.ConcreteModel()\n")
    assert found.kind == "pyomo"


@pytest.mark.parametrize("text", ["", "Make 20 regular sandwiches.", "```json\n{\"x\": 1}\n```"])
def test_answers_without_a_model_are_refused(text: str) -> None:
    with pytest.raises(ExtractionError):
        extract_model(text)
