"""Natural language -> verified solved model through any OpenAI-compatible LLM (see docs/formulate.md).

``optarium.formulate(text)`` calls :func:`optarium.formulate.pipeline.formulate`; the
package itself is callable so that the name works whether or not it was imported.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from optarium.formulate.llm import LLMCall, LLMClient, ReplayClient
from optarium.formulate.local import LocalModel
from optarium.formulate.pipeline import FormulateResult, formulate
from optarium.formulate.sandbox import SandboxLimits
from optarium.formulate.settings import FormulateSettings

__all__ = [
    "FormulateResult", "FormulateSettings", "LLMCall", "LLMClient", "LocalModel", "ReplayClient", "SandboxLimits", "formulate",
]


class _CallablePackage(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> FormulateResult:
        return formulate(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
