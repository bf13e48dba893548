"""Generated code runs in a limited process: killed on timeout, memory-capped, confined, without secrets;
refused where the machine offers no boundary, unless the caller accepts running it unsafely."""

from __future__ import annotations

import functools
import os
import signal
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from optarium.formulate import zygote
from optarium.formulate.errors import SandboxError
from optarium.formulate.sandbox import SandboxLimits, SandboxResult, run_pyomo

Run = Callable[..., SandboxResult]

MODEL = """
import pyomo.environ as pyo
model = pyo.ConcreteModel()
model.x = pyo.Var(bounds=(0, 4))
model.obj = pyo.Objective(expr=2 * model.x + 1, sense=pyo.maximize)
"""


@pytest.fixture(params=["warm", "cold"])
def run(request: pytest.FixtureRequest) -> Run:
    """``run_pyomo`` through the pre-warmed zygote and through a fresh interpreter: same guarantees."""
    return functools.partial(run_pyomo, warm=request.param == "warm")


def test_pyomo_model_comes_back_as_lp_with_symbolic_names(run: Run) -> None:
    result = run(MODEL)
    assert "max" in result.lp_text and "obj" in result.lp_text and " x" in result.lp_text


def test_infinite_loop_is_killed_at_the_time_limit(run: Run) -> None:
    with pytest.raises(SandboxError, match="longer than 2 s") as caught:
        run("while True:\n    pass\n", SandboxLimits(seconds=2))
    assert caught.value.cause == "timeout"


def test_unbounded_allocation_is_stopped_by_the_memory_limit(run: Run) -> None:
    with pytest.raises(SandboxError, match="memory") as caught:
        run("blocks = []\nwhile True:\n    blocks.append(bytearray(10**8))\n", SandboxLimits(seconds=20, memory_mb=768))
    assert caught.value.cause == "memory"


def test_writing_outside_the_private_folder_is_refused(run: Run, tmp_path: Path) -> None:
    target = tmp_path / "escaped.txt"
    code = f"open({str(target)!r}, 'w').write('x')\n" + MODEL
    with pytest.raises(SandboxError, match="not allowed") as caught:
        run(code)
    assert caught.value.cause == "forbidden" and not target.exists()
    inside = "open('scratch.txt', 'w').write('fine')\n" + MODEL
    assert run(inside).lp_text


def test_starting_programs_is_refused(run: Run) -> None:
    with pytest.raises(SandboxError, match="starting another program"):
        run("import os\nos.system('true')\n" + MODEL)


def test_no_secret_reaches_the_generated_code(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPTARIUM_LLM_API_KEY", "sk-secret")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-other")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws")
    code = (
        "import os\nleaked = [k for k, v in os.environ.items() if 'sk-' in v or 'OPTARIUM' in k or 'KEY' in k]\n"
        "assert not leaked, leaked\nassert os.getcwd() == os.environ['HOME']\n" + MODEL
    )
    assert run(code).lp_text


def test_code_without_a_model_says_what_is_missing(run: Run) -> None:
    with pytest.raises(SandboxError, match="ConcreteModel named `model`") as caught:
        run("x = 1\n")
    assert caught.value.cause == "no_model"


def test_limits_are_checked_where_they_are_built() -> None:
    with pytest.raises(ValueError, match="seconds=0"):
        SandboxLimits(seconds=0)
    with pytest.raises(ValueError, match="memory_mb=10"):
        SandboxLimits(memory_mb=10)


def test_signalling_other_processes_is_refused(run: Run) -> None:
    with pytest.raises(SandboxError, match="signalling another process") as caught:
        run(f"import os, signal\nos.kill({os.getpid()}, signal.SIGTERM)\n" + MODEL)
    assert caught.value.cause == "forbidden"


def test_each_run_starts_from_a_fresh_process_without_the_last_runs_state() -> None:
    run_pyomo("import builtins\nbuiltins.LEFT_BEHIND = 1\n" + MODEL)
    assert run_pyomo("import builtins\nassert not hasattr(builtins, 'LEFT_BEHIND')\n" + MODEL).lp_text


def test_a_killed_zygote_is_replaced_and_the_next_run_succeeds() -> None:
    assert run_pyomo(MODEL).lp_text
    first = zygote.zygote()
    assert first is not None
    os.kill(first.pid, signal.SIGKILL)
    first.process.wait()
    assert "obj" in run_pyomo(MODEL).lp_text
    second = zygote.zygote()
    assert second is not None and second.pid != first.pid and second.process.poll() is None


def test_a_zygote_killed_during_a_run_takes_its_child_along_and_the_run_is_retried() -> None:
    first = zygote.zygote()
    assert first is not None
    # The zygote is killed while the first attempt sleeps; the retry sleeps as long and finishes.
    code = "import time\ntime.sleep(2)\n" + MODEL
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(run_pyomo, code, SandboxLimits(seconds=20))
        while not any(request.pid for request in list(first._requests.values())):
            time.sleep(0.01)
        child = next(request.pid for request in list(first._requests.values()) if request.pid)
        os.kill(first.pid, signal.SIGKILL)
        assert "obj" in future.result().lp_text
    assert child is not None
    while not _gone(child):
        time.sleep(0.01)
    assert zygote.zygote() is not first


def _gone(pid: int) -> bool:
    """The process has ended (a zombie waiting for its new parent to reap it counts as ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except (FileNotFoundError, ProcessLookupError):
        return True


def test_threads_share_one_zygote_and_each_gets_its_own_model() -> None:
    codes = [MODEL.replace("bounds=(0, 4)", f"bounds=(0, {bound})") for bound in range(1, 7)]
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(run_pyomo, codes))
    for bound, result in zip(range(1, 7), results, strict=True):
        assert f"<= {bound}" in result.lp_text


def _without_boundary(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every confined request come back refused, as on a machine that forbids namespaces."""
    from optarium.formulate import sandbox

    real = sandbox._execute

    def refusing(job: dict[str, object], warm: bool) -> dict[str, object]:
        if job["confine"]:
            return {"returncode": 0, "killed": False, "reply": {"unavailable": "unshare: Operation not permitted"}}
        return real(job, warm)

    monkeypatch.setattr(sandbox, "_execute", refusing)


def test_a_machine_without_a_boundary_refuses_and_says_how_to_enable_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from optarium.formulate.sandbox import SandboxUnavailableError

    _without_boundary(monkeypatch)
    with pytest.raises(SandboxUnavailableError, match="unshare: Operation not permitted") as caught:
        run_pyomo(MODEL)
    message = str(caught.value)
    assert "\n" not in message and "as root" in message and "`unsafe_sandbox=True`" in message


def test_unsafe_sandbox_runs_without_the_boundary_and_leaves_no_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    _without_boundary(monkeypatch)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    code = "import os\nprint(os.getcwd(), open('/proc/self/status').read().split('CapEff:')[1].split()[0])\n" + MODEL
    result = run_pyomo(code, unsafe=True)
    folder, capabilities = result.output.split()
    assert "obj" in result.lp_text and folder.startswith(str(tmp_path / "optarium-sandbox-"))
    assert capabilities == "0" * 16
    assert list(tmp_path.iterdir()) == []


def test_formulate_refuses_generated_code_without_a_boundary_unless_unsafe(
    monkeypatch: pytest.MonkeyPatch, llm_server: Any, kit: Any,
) -> None:
    from optarium.formulate import LLMClient, formulate
    from optarium.formulate.sandbox import SandboxUnavailableError
    from optarium.formulate.settings import FormulateSettings

    _without_boundary(monkeypatch)
    llm_server.script = [{"content": kit.pyomo()}]
    client = LLMClient(llm_server.url, "scripted-model", api_key="", retries=0)
    with pytest.raises(SandboxUnavailableError, match="unsafe_sandbox"):
        formulate(kit.question, client, record=False, insights=False)
    result = formulate(kit.question, client, settings=FormulateSettings(unsafe_sandbox=True), record=False, insights=False)
    assert result.status == "optimal" and result.objective == pytest.approx(kit.answer)


def test_unsafe_sandbox_must_be_a_boolean() -> None:
    from optarium.errors import OptionError
    from optarium.formulate.settings import FormulateSettings

    with pytest.raises(OptionError, match="unsafe_sandbox"):
        FormulateSettings(unsafe_sandbox="yes")  # type: ignore[arg-type]


def test_work_folders_left_by_ended_processes_are_removed(tmp_path: Path) -> None:
    import subprocess

    from optarium.formulate.boundary import clean_stale_folders

    ended = subprocess.Popen(["true"])
    ended.wait()
    stale = tmp_path / f"optarium-sandbox-{ended.pid}-abc"
    live = tmp_path / f"optarium-sandbox-{os.getpid()}-abc"
    other = tmp_path / "unrelated"
    for folder in (stale, live, other):
        folder.mkdir()
        (folder / "model.py").write_text("x = 1\n")
    assert clean_stale_folders(str(tmp_path)) == 1
    assert not stale.exists() and live.exists() and other.exists()
