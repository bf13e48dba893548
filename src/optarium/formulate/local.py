"""A chat model that runs a local model file in this process: no server, nothing sent over the network.

:class:`LocalModel` answers with llama-cpp-python when it is installed and the file is a
GGUF model, else with Hugging Face ``transformers`` on torch: a GGUF file (transformers
dequantizes it, which needs the ``gguf`` and ``accelerate`` packages) or a folder written
by ``save_pretrained``. The model loads on the first call and stays loaded for the
process; generation is greedy, so the same prompt gets the same answer. The tokenizer and
configuration that transformers reads out of a GGUF file (two of its three passes over the
file) are kept in the cache folder (``OPTARIUM_CACHE_DIR``, else ``$XDG_CACHE_HOME/optarium``
or ``~/.cache/optarium``), so later processes load the same file faster.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import io
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any, Protocol

from optarium.formulate.errors import LLMConfigError, LLMResponseError, LLMTimeoutError
from optarium.formulate.llm import LLMCall, Message, timed_call
from optarium.formulate.redaction import redact_all

GGUF_MAGIC = b"GGUF"
BACKENDS = ("auto", "llama_cpp", "transformers")
# what each backend imports, and the line that installs it
_NEEDS = {
    "llama_cpp": (("llama_cpp",), "pip install llama-cpp-python"),
    "transformers": (("torch", "transformers"), "pip install transformers"),
    "transformers_gguf": (("torch", "transformers", "gguf", "accelerate"), "pip install transformers gguf accelerate"),
}

log = logging.getLogger(__name__)


class _Engine(Protocol):
    """A loaded model: the answer to ``messages``, its token counts, and whether the deadline cut it short."""

    def generate(self, messages: list[Message], max_tokens: int, deadline: float) -> tuple[str, int, int, bool]: ...


# loaded models by (backend, file, size, mtime), shared by every LocalModel of the process, each with the lock
# that lets one answer be generated at a time (llama.cpp's model is not thread-safe; bench nl runs threads)
_LOADED: dict[tuple[str, str, int, int], tuple[_Engine, threading.Lock]] = {}
_LOADING = threading.Lock()


class LocalModel:
    """A model file on this machine answering chat prompts (the :class:`~optarium.formulate.llm.ChatModel` protocol).

    ``path`` is a GGUF file or a transformers model folder. ``backend`` is ``"auto"``
    (llama-cpp-python for a GGUF file when it is installed, else transformers), ``"llama_cpp"``
    or ``"transformers"``. ``max_tokens`` caps each answer; ``timeout`` bounds each answer's
    generation in seconds (loading the model and waiting for another thread's answer are not
    counted): at the deadline generation stops and :class:`LLMTimeoutError` is raised with the
    partial answer on its call. One answer is generated at a time per loaded model.
    Raises :class:`LLMConfigError` at once for a missing or unreadable file, a bad option or a
    missing library; nothing is imported until the first :meth:`chat`.
    """

    can_correct = True

    def __init__(
        self, path: str | os.PathLike[str], *, timeout: float = 120.0, max_tokens: int | None = 4096, backend: str = "auto",
    ):
        if timeout <= 0:
            raise LLMConfigError(f"`timeout` must be > 0 seconds, got {timeout!r}", parameter="timeout")
        if max_tokens is not None and (isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1):
            raise LLMConfigError(f"`max_tokens` must be a positive integer, got {max_tokens!r}", parameter="max_tokens")
        if backend not in BACKENDS:
            raise LLMConfigError(f"`backend` must be one of {', '.join(BACKENDS)}, got {backend!r}", parameter="backend")
        self.path = Path(path).expanduser()
        self.gguf = _check_file(self.path)
        self.backend = _choose_backend(backend, self.path, self.gguf)
        self.timeout = timeout
        self.max_tokens = max_tokens or 4096
        self.name = f"{self.path.name}@{self.backend}"

    def chat(self, messages: list[Message], key: str | None = None) -> LLMCall:
        """Answer one chat request; raise an :class:`LLMError` (with the call attached) when generation fails.

        The values of secret-looking environment variables are redacted from the messages first.
        """
        messages = redact_all(messages)
        call = LLMCall(messages=messages, model=self.path.name)
        started = time.perf_counter()
        engine, busy = self._engine()
        call.extra["load_seconds"] = time.perf_counter() - started
        log.info("asking local model %s (max_tokens %d, timeout %g s)", self.name, self.max_tokens, self.timeout)
        with timed_call(call, self.name, started):
            try:
                with busy:  # the deadline starts when this answer's generation does
                    deadline = time.perf_counter() + self.timeout
                    text, prompt_tokens, completion_tokens, cut = engine.generate(messages, self.max_tokens, deadline)
            except Exception as error:  # a library failure mid-generation is a run failure, not bad input
                raise LLMResponseError(f"local model {self.name} failed while generating: {_reason(error)}") from None
            call.response, call.prompt_tokens, call.completion_tokens = text, prompt_tokens, completion_tokens
            if cut:
                raise LLMTimeoutError(
                    f"local model {self.name} did not finish within {self.timeout:g} s (max_tokens {self.max_tokens}); "
                    f"generation was stopped after {completion_tokens} tokens")
            if not text.strip():
                raise LLMResponseError(f"local model {self.name} answered with an empty message")
        return call

    def _engine(self) -> tuple[_Engine, threading.Lock]:
        """The loaded model and its lock, loading it the first time (:class:`LLMConfigError` when it cannot be loaded)."""
        try:
            stat = self.path.stat()
        except OSError as error:
            raise LLMConfigError(f"`model_file` {self.path} cannot be read: {error.strerror or error}",
                                 parameter="model_file") from None
        cache_key = (self.backend, str(self.path.resolve()), stat.st_size, int(stat.st_mtime_ns))
        with _LOADING:
            loaded = _LOADED.get(cache_key)
            if loaded is None:
                log.info("loading %s with %s", self.path, self.backend)
                try:
                    engine: _Engine = _LlamaCpp(self.path) if self.backend == "llama_cpp" else _Transformers(self.path, self.gguf)
                except ImportError as error:
                    raise LLMConfigError(f"cannot load {self.backend} for {self.path}: {_reason(error)}") from None
                except Exception as error:  # the libraries raise anything for a file they cannot read
                    raise LLMConfigError(
                        f"cannot load model file {self.path} with {self.backend}: {_reason(error)}", parameter="model_file",
                    ) from None
                loaded = _LOADED[cache_key] = (engine, threading.Lock())
        return loaded


def _check_file(path: Path) -> bool:
    """Whether ``path`` is a GGUF file; :class:`LLMConfigError` when it is neither that nor a readable model folder."""
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise LLMConfigError(f"`model_file` {path} is a folder without config.json, not a transformers model",
                                 parameter="model_file")
        return False
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except FileNotFoundError:
        raise LLMConfigError(f"`model_file` {path} does not exist", parameter="model_file") from None
    except OSError as error:
        raise LLMConfigError(f"`model_file` {path} cannot be read: {error.strerror or error}", parameter="model_file") from None
    if magic != GGUF_MAGIC:
        raise LLMConfigError(f"`model_file` {path} is not a GGUF model file (nor a transformers model folder)",
                             parameter="model_file")
    return True


def _missing(modules: tuple[str, ...]) -> list[str]:
    return [name for name in modules if importlib.util.find_spec(name) is None]


def _choose_backend(asked: str, path: Path, gguf: bool) -> str:
    """The backend that will run ``path``; :class:`LLMConfigError` naming what to install when none can."""
    if asked == "llama_cpp" and not gguf:
        raise LLMConfigError(f"llama-cpp-python runs GGUF files only, and {path} is a transformers folder",
                             parameter="backend")
    if asked in ("auto", "llama_cpp") and gguf and not _missing(_NEEDS["llama_cpp"][0]):
        return "llama_cpp"
    if asked == "llama_cpp":
        raise LLMConfigError(f"running {path} with llama.cpp needs llama-cpp-python: install it ({_NEEDS['llama_cpp'][1]})")
    modules, install = _NEEDS["transformers_gguf" if gguf else "transformers"]
    missing = _missing(modules)
    if missing:
        other = " or llama-cpp-python" if gguf else ""
        raise LLMConfigError(
            f"running the local model {path} needs {', '.join(missing)}: install transformers ({install}){other}")
    return "transformers"


def _reason(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return (text[:300] + "...") if len(text) > 300 else (text or type(error).__name__)


class _Transformers:
    """A causal language model on torch's CPU (or whatever device torch defaults to), loaded with transformers."""

    def __init__(self, path: Path, gguf: bool):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        folder = path.parent if gguf else path
        where: dict[str, Any] = {"gguf_file": path.name} if gguf else {}
        self.torch = torch
        self.tokenizer: Any
        chatter = io.StringIO()
        with contextlib.redirect_stderr(chatter):  # the GGUF loader's own progress bar ignores the switch above
            if gguf:
                self.tokenizer, config = _gguf_tokenizer_and_config(path)
                where["config"] = config
            else:
                self.tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
            self.model: Any = AutoModelForCausalLM.from_pretrained(str(folder), local_files_only=True, dtype=torch.float32, **where)
        log.debug("loading %s printed: %s", path, chatter.getvalue()[-2000:])
        self.model.eval()

    def generate(self, messages: list[Message], max_tokens: int, deadline: float) -> tuple[str, int, int, bool]:
        from transformers import StoppingCriteria, StoppingCriteriaList

        torch = self.torch

        class AtDeadline(StoppingCriteria):  # type: ignore[misc,unused-ignore]
            """Stops every sequence once the clock passes the deadline, and remembers that it did."""

            hit = False

            def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
                if time.perf_counter() >= deadline:
                    self.hit = True
                return torch.full((input_ids.shape[0],), self.hit, dtype=torch.bool, device=input_ids.device)

        inputs: Any
        if getattr(self.tokenizer, "chat_template", None):
            inputs = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt",
                                                        return_dict=True)
        else:  # a base model without a chat template: the turns as plain text
            text = "".join(f"{m['role']}: {m['content']}\n\n" for m in messages) + "assistant: "
            inputs = self.tokenizer(text, return_tensors="pt")
        inputs = {name: value.to(self.model.device) for name, value in inputs.items()}
        stop = AtDeadline()
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else self.tokenizer.eos_token_id
        with torch.inference_mode():
            output = self.model.generate(
                **inputs, max_new_tokens=max_tokens, do_sample=False, temperature=None, top_p=None, top_k=None,
                stopping_criteria=StoppingCriteriaList([stop]), pad_token_id=pad,
            )
        prompt_tokens = int(inputs["input_ids"].shape[1])
        new = output[0][prompt_tokens:]
        text = self.tokenizer.decode(new, skip_special_tokens=True)
        return text, prompt_tokens, int(new.shape[0]), stop.hit


def cache_folder() -> Path:
    """Where optarium keeps what it can rebuild: ``OPTARIUM_CACHE_DIR``, else ``$XDG_CACHE_HOME/optarium``."""
    if os.environ.get("OPTARIUM_CACHE_DIR"):
        return Path(os.environ["OPTARIUM_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "optarium"


def _gguf_tokenizer_and_config(path: Path) -> tuple[Any, Any]:
    """The tokenizer and model configuration in a GGUF file, from the cache when this file was read before.

    Parsing them takes transformers two passes over the whole file (seconds each for a 50k-token
    vocabulary); saved, they load in a fraction of a second. The cache entry is keyed by the file's
    path, size and modification time and the transformers version; it is written to a temporary
    folder and renamed, and a cache that cannot be written only costs the time.
    """
    import transformers
    from transformers import AutoConfig, AutoTokenizer

    stat = path.stat()
    key = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{transformers.__version__}"
    entry = cache_folder() / "gguf" / f"{path.stem}-{hashlib.sha256(key.encode()).hexdigest()[:16]}"
    if entry.is_dir():
        try:
            return AutoTokenizer.from_pretrained(str(entry), local_files_only=True), AutoConfig.from_pretrained(str(entry))
        except Exception as error:  # a damaged entry is read again from the model file
            log.debug("cached tokenizer of %s in %s could not be read (%s); reading the file", path, entry, error)
    tokenizer = AutoTokenizer.from_pretrained(str(path.parent), local_files_only=True, gguf_file=path.name)
    config = AutoConfig.from_pretrained(str(path.parent), local_files_only=True, gguf_file=path.name)
    try:
        import shutil
        import tempfile

        entry.parent.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=f".{entry.name}-", dir=entry.parent))
        tokenizer.save_pretrained(str(partial))
        config.save_pretrained(str(partial))
        try:
            partial.rename(entry)
        except OSError:  # another process cached it first
            shutil.rmtree(partial, ignore_errors=True)
    except OSError as error:
        log.debug("could not cache the tokenizer of %s in %s: %s", path, entry, error)
    return tokenizer, config


class _LlamaCpp:
    """A GGUF model run by llama-cpp-python; at the deadline only the end-of-text token may follow, which ends it."""

    def __init__(self, path: Path):
        from llama_cpp import Llama

        # llama.cpp takes its thread counts as arguments; OMP_NUM_THREADS, which torch reads, sets them here too
        threads = _omp_threads()
        # room for the prompts and a 4096-token answer; the model's own context (n_ctx=0) may need gigabytes
        self.model: Any = Llama(model_path=str(path), n_ctx=8192, verbose=False,
                                **({"n_threads": threads, "n_threads_batch": threads} if threads else {}))

    def generate(self, messages: list[Message], max_tokens: int, deadline: float) -> tuple[str, int, int, bool]:
        import numpy as np

        end = self.model.token_eos()
        hit = False

        def at_deadline(input_ids: Any, scores: Any) -> Any:
            nonlocal hit
            if time.perf_counter() >= deadline:
                hit = True
                scores[:] = -np.inf
                scores[end] = 0.0
            return scores

        answer = self.model.create_chat_completion(
            messages=messages, max_tokens=max_tokens, temperature=0.0, logits_processor=[at_deadline],
        )
        usage = answer.get("usage") or {}
        text = answer["choices"][0]["message"].get("content") or ""
        return text, int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0), hit


def _omp_threads() -> int | None:
    """``$OMP_NUM_THREADS`` as a positive integer, or None."""
    value = os.environ.get("OMP_NUM_THREADS", "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None
