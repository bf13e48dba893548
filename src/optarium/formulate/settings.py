"""The settings of one formulate request, loadable from TOML (``optarium formulate --config FILE``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from optarium.errors import OptionError
from optarium.settings import Settings, non_negative_int, positive

if TYPE_CHECKING:
    from optarium.formulate.llm import LLMClient
    from optarium.formulate.local import LocalModel
    from optarium.formulate.sandbox import SandboxLimits


@dataclass(frozen=True)
class FormulateSettings(Settings):
    """What a formulate request may be told: the solve, the correction rounds, the LLM, the sandbox.

    ``llm_url`` and ``llm_model`` default to ``$OPTARIUM_LLM_URL`` and
    ``$OPTARIUM_LLM_MODEL``; the API key only ever comes from ``$OPTARIUM_LLM_API_KEY``.
    ``llm_model_file`` (a GGUF file or a transformers model folder) runs a local model in
    this process instead of asking an endpoint (:class:`~optarium.formulate.local.LocalModel`).
    ``llm_timeout`` bounds each LLM request from start to end (the connection is closed
    then, which stops the server's generation; a local model stops generating);
    ``llm_max_tokens`` caps each answer.
    ``unsafe_sandbox`` runs generated code where the machine offers no operating-system
    sandbox, with only resource limits and an audit hook: it can then read the user's
    files (the store included) and reach the network.
    """

    solver: str = "auto"
    time_limit: float | None = 60.0
    rounds: int = 3
    insights: bool = True
    llm_url: str | None = None
    llm_model: str | None = None
    llm_model_file: Path | None = None
    llm_timeout: float = 120.0
    llm_max_tokens: int = 4096
    sandbox_seconds: float = 30.0
    sandbox_memory_mb: int = 2048
    sandbox_file_mb: int = 64
    unsafe_sandbox: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.solver, str) or not self.solver.strip():
            raise OptionError("solver", self.solver, "a backend name or 'auto'")
        positive("time_limit", self.time_limit, "a positive number of seconds")
        non_negative_int("rounds", self.rounds)
        if isinstance(self.llm_model_file, str) and self.llm_model_file.strip():  # a Python caller may give text
            object.__setattr__(self, "llm_model_file", Path(self.llm_model_file))
        if self.llm_model_file is not None and not isinstance(self.llm_model_file, Path):
            raise OptionError("llm_model_file", self.llm_model_file, "the path of a GGUF file or a transformers model folder")
        positive("llm_timeout", self.llm_timeout, "a positive number of seconds")
        if isinstance(self.llm_max_tokens, bool) or not isinstance(self.llm_max_tokens, int) or self.llm_max_tokens < 1:
            raise OptionError("llm_max_tokens", self.llm_max_tokens, "a positive number of tokens")
        positive("sandbox_seconds", self.sandbox_seconds, "a positive number of seconds")
        if isinstance(self.sandbox_memory_mb, bool) or not isinstance(self.sandbox_memory_mb, int) or self.sandbox_memory_mb < 256:
            raise OptionError("sandbox_memory_mb", self.sandbox_memory_mb, "an integer >= 256 (Python and Pyomo need it)")
        if isinstance(self.sandbox_file_mb, bool) or not isinstance(self.sandbox_file_mb, int) or self.sandbox_file_mb < 1:
            raise OptionError("sandbox_file_mb", self.sandbox_file_mb, "an integer >= 1")
        if not isinstance(self.unsafe_sandbox, bool):
            raise OptionError("unsafe_sandbox", self.unsafe_sandbox, "true or false")

    @property
    def sandbox(self) -> SandboxLimits:
        from optarium.formulate.sandbox import SandboxLimits

        return SandboxLimits(self.sandbox_seconds, self.sandbox_memory_mb, self.sandbox_file_mb)

    def client(self) -> LLMClient | LocalModel:
        """The LLM client these settings name: the local model file when one is set, else the endpoint.

        Raises ``LLMConfigError`` when URL or model is missing, or the model file cannot be used.
        """
        from optarium.formulate.errors import LLMConfigError
        from optarium.formulate.llm import LLMClient

        try:
            if self.llm_model_file is not None:
                from optarium.formulate.local import LocalModel

                return LocalModel(self.llm_model_file, timeout=self.llm_timeout, max_tokens=self.llm_max_tokens)
            return LLMClient(self.llm_url, self.llm_model, timeout=self.llm_timeout, max_tokens=self.llm_max_tokens)
        except LLMConfigError as error:
            raise error.renamed(f"llm_{error.parameter}") from None
