"""Clients that answer chat prompts: any OpenAI-compatible endpoint, or files for replay.

:class:`LLMClient` speaks the OpenAI chat-completions protocol over HTTP
(OpenAI, vLLM, Ollama, llama.cpp server, LM Studio). The URL, model and key
come from arguments or from ``OPTARIUM_LLM_URL``, ``OPTARIUM_LLM_MODEL`` and
``OPTARIUM_LLM_API_KEY``. Every call returns an :class:`LLMCall` holding the
prompt, the response, token counts and latency, so the pipeline can record it.
:class:`ReplayClient` answers from ``DIR/<id>.lp`` or ``DIR/<id>.py`` instead.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

from optarium.formulate.errors import (
    LLMConfigError,
    LLMError,
    LLMResponseError,
    LLMTimeoutError,
    LLMUnavailableError,
    ReplayMissingError,
)
from optarium.formulate.redaction import redact_all

URL_ENV = "OPTARIUM_LLM_URL"
MODEL_ENV = "OPTARIUM_LLM_MODEL"
KEY_ENV = "OPTARIUM_LLM_API_KEY"
# Hosted endpoints that always need a key; local servers (Ollama, vLLM, llama.cpp) usually do not.
_NEEDS_KEY = ("api.openai.com", "api.together.xyz", "api.groq.com", "openrouter.ai", "api.deepseek.com", "api.mistral.ai")

Message = dict[str, str]
log = logging.getLogger(__name__)


@dataclass
class LLMCall:
    """One request to a chat model and what came back (``error`` set when it failed)."""

    messages: list[Message]
    response: str = ""
    model: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    error: str = ""
    stage: str = ""
    round: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage, "round": self.round, "model": self.model, "messages": self.messages,
            "response": self.response, "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens, "seconds": self.seconds, "error": self.error,
        }


@contextlib.contextmanager
def timed_call(call: LLMCall, name: str, started: float | None = None) -> Iterator[LLMCall]:
    """Time ``call`` (from ``started``, else now) and log its answer; an :class:`LLMError` raised inside
    gets the call attached, with its message as the call's ``error`` and the seconds until then."""
    started = time.perf_counter() if started is None else started
    try:
        yield call
    except LLMError as error:
        call.error = str(error)
        call.seconds = time.perf_counter() - started
        error.call = call  # type: ignore[attr-defined]
        raise
    call.seconds = time.perf_counter() - started
    log.info("answer from %s: %d prompt + %d completion tokens in %.1f s", name, call.prompt_tokens,
             call.completion_tokens, call.seconds)


class ChatModel(Protocol):
    """Anything that answers a list of chat messages; ``key`` names the problem (used by replay)."""

    name: str
    can_correct: bool

    def chat(self, messages: list[Message], key: str | None = None) -> LLMCall: ...


def _endpoint(url: str) -> str:
    """``http://host:port/v1`` -> ``.../v1/chat/completions``; a full path is kept as given."""
    url = url.rstrip("/")
    return url if url.endswith("/chat/completions") else f"{url}/chat/completions"


class LLMClient:
    """An OpenAI-compatible chat-completions endpoint.

    ``timeout`` bounds each request from start to last byte (seconds): the answer is
    asked for as a stream, and at the deadline the connection is closed, which stops
    the server's generation (a server that ignores ``stream`` and answers in one piece
    works too). ``max_tokens`` is sent with every request. ``retries`` repeats a request
    that failed with a connection error or an HTTP 5xx/429 answer; a timed-out request
    is not repeated (it would queue behind one the server may still be finishing). An
    answer longer than :func:`response_limit` bytes is closed and raises.
    Raises :class:`LLMConfigError` for a missing URL/model, a bad timeout or token limit,
    or a missing key for a hosted endpoint that needs one; :class:`LLMError` subclasses
    for everything the endpoint does wrong.
    """

    can_correct = True

    def __init__(
        self,
        url: str | None = None,
        model: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float = 120.0,
        temperature: float = 0.0,
        max_tokens: int | None = 4096,
        retries: int = 1,
    ):
        url = url or os.environ.get(URL_ENV)
        model = model or os.environ.get(MODEL_ENV)
        if not url:
            raise LLMConfigError(f"no LLM endpoint: give `url` or set {URL_ENV} (e.g. http://localhost:11434/v1 for Ollama)", parameter="url")
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise LLMConfigError(f"`url` must look like http://host:port/v1, got {url!r}", parameter="url")
        if not model:
            raise LLMConfigError(f"no LLM model: give `model` or set {MODEL_ENV}", parameter="model")
        if timeout <= 0:
            raise LLMConfigError(f"`timeout` must be > 0 seconds, got {timeout!r}", parameter="timeout")
        if max_tokens is not None and (isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1):
            raise LLMConfigError(f"`max_tokens` must be a positive integer, got {max_tokens!r}", parameter="max_tokens")
        self.api_key = api_key if api_key is not None else os.environ.get(KEY_ENV)
        if not self.api_key and parsed.hostname in _NEEDS_KEY:
            raise LLMConfigError(f"{parsed.hostname} needs an API key: set {KEY_ENV}")
        self.url = _endpoint(url)
        self.model = model
        self.name = f"{model}@{parsed.netloc}"
        self.timeout = timeout
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.retries = max(0, retries)

    def chat(self, messages: list[Message], key: str | None = None) -> LLMCall:
        """Send one chat request; raise an :class:`LLMError` (with the call attached) on failure.

        The values of secret-looking environment variables are redacted from the messages first.
        """
        messages = redact_all(messages)
        call = LLMCall(messages=messages, model=self.model)
        body: dict[str, Any] = {"model": self.model, "messages": messages, "temperature": self.temperature,
                                # streamed, so that closing the connection at the deadline stops the generation
                                "stream": True, "stream_options": {"include_usage": True}}
        if self.max_tokens:
            body["max_tokens"] = self.max_tokens
        log.info("asking %s at %s (max_tokens %s, timeout %g s)", self.model, self.url, self.max_tokens, self.timeout)
        with timed_call(call, self.model):
            for attempt in range(self.retries + 1):
                try:
                    payload = self._post(body)
                    break
                except LLMError as error:
                    transient = isinstance(error, LLMUnavailableError) or _retryable(error.status_code)
                    if attempt == self.retries or not transient:
                        raise
                    log.info("%s; trying again (%d of %d)", error, attempt + 1, self.retries)
                time.sleep(min(2.0, 0.25 * 2**attempt))
            call.response, call.prompt_tokens, call.completion_tokens = _parse(payload, self.url)
        return call

    def _post(self, body: dict[str, Any]) -> Any:
        """Send ``body``; the answer as one chat-completion mapping, from a stream or from one JSON document."""
        import httpx

        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        deadline = time.monotonic() + self.timeout
        timed_out = LLMTimeoutError(
            f"LLM endpoint {self.url} did not answer within {self.timeout:g} s"
            f"{f' (max_tokens {self.max_tokens})' if self.max_tokens else ''}; the request was closed", url=self.url)
        closer: threading.Timer | None = None
        try:
            with httpx.Client(timeout=httpx.Timeout(self.timeout)) as client, \
                    client.stream("POST", self.url, json=body, headers=headers) as response:
                # the headers came in time; a body that stalls is cut off at the deadline
                closer = threading.Timer(max(0.0, deadline - time.monotonic()), _hang_up, (response,))
                closer.daemon = True
                closer.start()
                streamed = response.headers.get("content-type", "").startswith("text/event-stream")
                pieces: list[bytes] = []
                size, limit = 0, response_limit(self.max_tokens)
                for piece in response.iter_bytes():
                    pieces.append(piece)
                    size += len(piece)
                    if time.monotonic() > deadline:
                        raise timed_out
                    if size > limit:  # a broken or hostile endpoint: no answer of max_tokens is this long
                        raise LLMResponseError(
                            f"LLM endpoint {self.url} answered more than {limit // MIB} MiB"
                            f"{f' (max_tokens {self.max_tokens})' if self.max_tokens else ''}; the request was closed",
                            url=self.url)
                status, text = response.status_code, b"".join(pieces).decode("utf-8", errors="replace")
        except httpx.TimeoutException:
            raise timed_out from None
        except httpx.TransportError as error:
            if time.monotonic() >= deadline:
                raise timed_out from None
            raise LLMUnavailableError(f"cannot reach LLM endpoint {self.url}: {_reason(error)}", url=self.url) from None
        finally:
            if closer is not None:
                closer.cancel()
        if status in (401, 403):
            hint = f"set {KEY_ENV}" if not self.api_key else f"check the key in {KEY_ENV}"
            raise LLMResponseError(
                f"LLM endpoint {self.url} refused the request (HTTP {status}): {hint}", url=self.url, status_code=status,
            )
        if status >= 400:
            raise LLMResponseError(
                f"LLM endpoint {self.url} answered HTTP {status}: {_snippet(text)}", url=self.url, status_code=status,
            )
        if streamed:
            return _from_stream(text, self.url)
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            raise LLMResponseError(
                f"LLM endpoint {self.url} answered with malformed JSON: {_snippet(text)}", url=self.url, status_code=status,
            ) from None


MIB = 1 << 20


def response_limit(max_tokens: int | None) -> int:
    """The most bytes read from one answer: 2 KiB a token (a streamed chunk of one token is a few hundred
    bytes), at least 1 MiB; 64 MiB with no ``max_tokens``."""
    return 64 * MIB if not max_tokens else max(MIB, 2048 * max_tokens)


def _hang_up(response: Any) -> None:
    """Shut the response's socket: a read blocked on it returns, and the server sees the client gone."""
    import contextlib
    import socket

    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if sock is not None:
        with contextlib.suppress(OSError):  # already closed
            sock.shutdown(socket.SHUT_RDWR)


def _from_stream(text: str, url: str) -> dict[str, Any]:
    """Server-sent chat-completion chunks joined into one answer: ``choices[0].message.content`` and ``usage``."""
    content: list[str] = []
    usage: dict[str, Any] = {}
    for line in text.splitlines():
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if not data or data == "[DONE]":
            continue
        try:
            chunk = json.loads(data)
        except json.JSONDecodeError:
            raise LLMResponseError(f"LLM endpoint {url} streamed malformed JSON: {_snippet(data)}", url=url) from None
        if isinstance(chunk, dict) and isinstance(chunk.get("error"), dict | str):
            raise LLMResponseError(f"LLM endpoint {url} stopped with an error: {_snippet(json.dumps(chunk['error']))}", url=url)
        choices = (chunk.get("choices") or []) if isinstance(chunk, dict) else []
        for choice in choices:
            delta = choice.get("delta") or choice.get("message") or {}
            if isinstance(delta.get("content"), str):
                content.append(delta["content"])
        if isinstance(chunk, dict) and isinstance(chunk.get("usage"), dict):
            usage = chunk["usage"]
    return {"choices": [{"message": {"role": "assistant", "content": "".join(content)}}], "usage": usage}


def _reason(error: Exception) -> str:
    """``[Errno 111] Connection refused`` -> ``connection refused``; the error's type when it says nothing."""
    import re

    text = re.sub(r"^\[Errno -?\d+\]\s*", "", str(error)).strip()
    return (text[:1].lower() + text[1:]) if text else type(error).__name__


def _retryable(status_code: int | None) -> bool:
    return status_code is not None and (status_code == 429 or status_code >= 500)


def _snippet(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return (text[:limit] + "...") if len(text) > limit else (text or "(empty body)")


def _parse(payload: Any, url: str) -> tuple[str, int, int]:
    """The assistant's text and token counts from a chat-completions answer."""
    try:
        content = payload["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise LLMResponseError(
            f"LLM endpoint {url} answered JSON without choices[0].message.content: {_snippet(json.dumps(payload))}", url=url
        ) from None
    if not isinstance(content, str) or not content.strip():
        raise LLMResponseError(f"LLM endpoint {url} answered with an empty message", url=url)
    usage = payload.get("usage") if isinstance(payload, dict) else None
    usage = usage if isinstance(usage, dict) else {}
    return content, int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)


class ReplayClient:
    """Answers with a stored model file ``DIR/<key>.lp`` or ``DIR/<key>.py`` instead of an LLM.

    It has one answer per problem, so the pipeline runs no correction rounds with it.
    ``aliases`` maps a key to another file stem to try (e.g. a record's gold-model file name).
    """

    can_correct = False

    def __init__(self, folder: str | os.PathLike[str], aliases: dict[str, str] | None = None):
        self.folder = Path(folder)
        self.aliases = dict(aliases or {})
        if not self.folder.is_dir():
            raise LLMConfigError(f"replay folder {self.folder} does not exist")
        self.name = f"replay:{self.folder}"

    def path(self, key: str) -> Path | None:
        for stem in (key, self.aliases.get(key)):
            for suffix in (".lp", ".py"):
                candidate = self.folder / f"{stem}{suffix}"
                if stem and candidate.is_file():
                    return candidate
        return None

    def chat(self, messages: list[Message], key: str | None = None) -> LLMCall:
        started = time.perf_counter()
        call = LLMCall(messages=messages, model="replay")
        found = self.path(key) if key else None
        if found is None:
            call.error = f"no replay file {key}.lp or {key}.py in {self.folder}"
            error = ReplayMissingError(call.error)
            error.call = call  # type: ignore[attr-defined]
            raise error
        fence = "lp" if found.suffix == ".lp" else "python"
        call.response = f"```{fence}\n{found.read_text(encoding='utf-8', errors='replace')}\n```\n"
        call.seconds = time.perf_counter() - started
        call.extra["replay_file"] = str(found)
        return call
