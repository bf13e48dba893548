"""Errors of the formulate pipeline: the LLM endpoint, the answer it gives, the sandbox."""

from __future__ import annotations

from optarium.errors import OptariumError, SolveFailedError


class LLMError(SolveFailedError):
    """The LLM endpoint could not give an answer (a run failure, not bad input)."""

    cause = "llm"

    def __init__(self, message: str, *, url: str | None = None, status_code: int | None = None):
        super().__init__(message)
        self.url = url
        self.status_code = status_code


class LLMUnavailableError(LLMError, ConnectionError):
    """Nothing answers at the endpoint URL (refused connection, unknown host)."""

    cause = "llm_unavailable"


class LLMTimeoutError(LLMError, TimeoutError):
    """The endpoint took longer than the timeout to answer."""

    cause = "llm_timeout"


class LLMResponseError(LLMError, ValueError):
    """The endpoint answered with an HTTP error or with something that is not a chat completion."""

    cause = "llm_response"


class ReplayMissingError(LLMResponseError):
    """A replay folder holds no answer file for this problem."""

    cause = "no_replay_file"


class LLMConfigError(OptariumError, ValueError):
    """The endpoint URL, model or API key is missing or malformed (bad input, exit code 2).

    ``parameter`` is the name the message gives in backquotes (``url``, ``model``), if any.
    """

    cause = "llm_config"

    def __init__(self, message: str, *, parameter: str | None = None):
        super().__init__(message)
        self.parameter = parameter

    def renamed(self, name: str) -> LLMConfigError:
        """The same error naming ``name`` (a settings field, a CLI flag) instead of ``parameter``."""
        if self.parameter is None:
            return self
        return LLMConfigError(str(self).replace(f"`{self.parameter}`", f"`{name}`"), parameter=name)


class ExtractionError(OptariumError, ValueError):
    """The LLM's answer holds no Pyomo code and no LP model."""

    cause = "extract"


class SandboxError(SolveFailedError):
    """Generated code failed, was killed, or built no model; ``cause`` says which."""

    def __init__(self, message: str, *, cause: str = "execution", output: str = ""):
        super().__init__(message)
        self.cause = cause
        self.output = output


class DatasetError(OptariumError, ValueError):
    """A benchmark or learning dataset file is missing or has a malformed record."""


class ProblemTextError(OptariumError, ValueError):
    """The problem given in words is empty or not text."""
