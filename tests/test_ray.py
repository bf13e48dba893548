"""Ray workers on a real local Ray cluster (started once for this module as ``optimize`` starts
one): ``optimize(..., executor="ray")`` on SQLite and PostgreSQL, ``optarium solve --ray``,
``bench audit`` on Ray, the example of docs/ray.md, and ``optarium solve --ray-address``
joining the cluster from another process (a new Ray job whose workers start afresh: the
slowest test, so it runs last)."""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from optarium.blackbox.optimize import optimize
from optarium.blackbox.study import Study
from optarium.errors import OptionError
from optarium.store.base import open_store

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
OPTARIUM = str(Path(sys.executable).parent / "optarium")
NL = ROOT / "tests" / "data" / "nl"
SPACE = {"x": {"type": "float", "low": -5.0, "high": 5.0}, "y": {"type": "float", "low": -5.0, "high": 5.0}}


def _warm() -> int:
    time.sleep(0.5)
    return os.getpid()


def _listing(folder: Path) -> dict[str, float]:
    """Every path under ``folder`` with its modification time (empty if there is no such folder)."""
    return {str(path): path.stat().st_mtime for path in folder.rglob("*")} if folder.is_dir() else {}


@pytest.fixture(scope="module", autouse=True)
def private_ray_token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Ray's token for this module's clusters in a temporary file, not in the user's home: a local
    ``ray.init`` turns token authentication on and, finding no token, writes ``~/.ray/auth_token``
    (Path.home()); with ``$RAY_AUTH_TOKEN_PATH`` naming a token file it reads that one instead, as do
    the workers and the other processes joining the cluster, which inherit the environment. Checks at
    the end that nothing in ``~/.ray`` was made or changed."""
    import secrets

    home_ray = Path.home() / ".ray"
    before = _listing(home_ray)
    token = tmp_path_factory.mktemp("ray") / "auth_token"
    token.write_text(secrets.token_hex(32))
    os.environ["RAY_AUTH_TOKEN_PATH"] = str(token)  # the environment is restored after the module (conftest)
    yield
    assert _listing(home_ray) == before


@pytest.fixture(scope="module")
def cluster(private_ray_token: None) -> Iterator[str]:
    """A local Ray cluster started as ``optimize`` starts one (2 CPUs here), with two workers up;
    yields its address for other processes; shut down at the end of the module."""
    from optarium.distributed import ray_session

    sigterm = signal.getsignal(signal.SIGTERM)
    with ray_session(cpus=2) as ray:
        warm = ray.remote(num_cpus=1)(_warm)
        assert len(set(ray.get([warm.remote(), warm.remote()]))) == 2
        yield ray.get_runtime_context().gcs_address
    assert not ray.is_initialized()
    assert signal.getsignal(signal.SIGTERM) == sigterm  # Ray's handler does not outlive the cluster


def test_two_ray_workers_share_one_study_through_the_store(cluster: str, store_url: str, tmp_path: Path) -> None:
    log = str(tmp_path / "evaluations.log")

    def slow_sphere(params: dict[str, float]) -> float:
        started = time.time()
        time.sleep(0.3)
        with open(log, "a") as out:
            out.write(f"{os.getpid()} {started} {time.time()}\n")
        return (params["x"] - 1.0) ** 2 + (params["y"] + 2.0) ** 2

    # Sobol hands out the next point of its sequence for each ask: one that missed a pending trial would repeat it
    study = optimize(slow_sphere, SPACE, budget=6, sampler="sobol", seed=3, n_workers=2, executor="ray",
                     store=store_url, study_name="lab")
    stored = Study.load("lab", store_url).trials  # what the workers wrote, read back by anyone
    assert [trial.number for trial in stored] == [1, 2, 3, 4, 5, 6]
    assert all(trial.state == "complete" for trial in stored)
    assert len({(trial.params["x"], trial.params["y"]) for trial in stored}) == 6  # each ask saw the pending one
    assert study.best.value == min(trial.value for trial in stored)
    runs = [line.split() for line in Path(log).read_text().splitlines()]
    assert len(runs) == 6
    workers = {int(pid) for pid, _, _ in runs}
    assert len(workers) == 2 and os.getpid() not in workers
    spans = sorted((float(start), float(end)) for _, start, end in runs)
    assert any(later[0] < earlier[1] for earlier, later in itertools.pairwise(spans))  # two at once


def test_an_objective_that_raises_stops_new_trials_and_is_raised(cluster: str, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'lab.db'}"

    def broken(params: dict[str, float]) -> float:
        raise ZeroDivisionError("no signal from the instrument")

    with pytest.raises(ZeroDivisionError, match="instrument"):
        optimize(broken, SPACE, budget=10, sampler="sobol", n_workers=2, executor="ray", store=store,
                 study_name="broken")
    states = [trial.state for trial in Study.load("broken", store).trials]
    assert 1 <= len(states) <= 2 and set(states) == {"failed"}
    caught = optimize(broken, SPACE, budget=3, sampler="sobol", n_workers=2, executor="ray", store=store,
                      study_name="caught", catch=(ZeroDivisionError,))
    assert [trial.state for trial in caught.trials] == ["failed"] * 3


def test_ray_without_a_store_the_workers_can_open_is_an_error_before_anything_starts(tmp_path: Path) -> None:
    for store in (None, "memory://lab"):
        with pytest.raises(OptionError, match="in-memory store lives only in this process"):
            optimize(lambda p: p["x"], SPACE, budget=2, executor="ray", store=store)
    with pytest.raises(OptionError, match="`executor` must be 'thread' or 'ray'"):
        optimize(lambda p: p["x"], SPACE, budget=2, executor="dask", store=f"sqlite:///{tmp_path / 'a.db'}")
    assert not (tmp_path / "a.db").exists()


def test_solve_many_files_with_ray_records_each_run(cluster: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from optarium.cli.main import app

    store = f"sqlite:///{tmp_path / 'runs.db'}"
    models = [str(EXAMPLES / "knapsack.lp"), str(EXAMPLES / "production.mps")]
    result = CliRunner().invoke(app, ["solve", *models, "--jobs", "2", "--ray", "--json", "--store", store])
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [row["file"] for row in rows] == models
    assert [row["status"] for row in rows] == ["optimal", "optimal"] and all(row["verified"] for row in rows)
    assert rows[0]["objective"] == 32
    recorded = open_store(store)
    assert recorded.count_runs() == 2
    assert {recorded.get_run(row["run_id"])["status"] for row in rows} == {"optimal"}


def test_a_cluster_address_nobody_answers_on_is_one_line_and_exit_2(tmp_path: Path) -> None:
    store = tmp_path / "runs.db"
    models = [str(EXAMPLES / "knapsack.lp"), str(EXAMPLES / "production.mps")]
    done = subprocess.run([OPTARIUM, "solve", *models, "--ray-address", "127.0.0.1:1", "--store", f"sqlite:///{store}"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == ["error: no Ray cluster answers at '127.0.0.1:1' (Connection refused); "
                                                "start one with `ray start --head` or check the address"]
    assert not store.exists()  # refused before the store was made


def test_bench_audit_on_ray_flags_the_wrong_label(cluster: str, tmp_path: Path) -> None:
    from optarium.bench.audit import audit_dataset

    records = {json.loads(line)["id"]: json.loads(line) for line in (NL / "nlp4lp.jsonl").read_text().splitlines() if line.strip()}
    chosen = [records["prob_001"], records["prob_002"], records["prob_003"]]
    chosen[2]["answer"] += 1.0
    (tmp_path / "models" / "nlp4lp").mkdir(parents=True)
    for record in chosen:
        (tmp_path / record["gold_model"]).write_bytes((NL / record["gold_model"]).read_bytes())
    dataset = tmp_path / "small.jsonl"
    dataset.write_text("".join(json.dumps(record) + "\n" for record in chosen))
    report = audit_dataset(dataset, ("highs",), time_limit=30, ray_workers=2)
    assert [record.id for record in report.checked] == ["prob_001", "prob_002", "prob_003"]
    assert [record.id for record in report.flagged] == ["prob_003"]
    assert report.checked[1].outcomes[0].status == "infeasible"


def test_bench_nl_on_ray_scores_each_record_and_records_it_from_the_workers(
        cluster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from optarium.bench.nl import run_nl
    from optarium.formulate import ReplayClient
    from optarium.formulate.pipeline import formulate_store

    (tmp_path / "answers").mkdir()
    (tmp_path / "answers" / "breakfast.lp").write_text(
        "Maximize\n obj: 3 r + 4 s\nSubject To\n eggs: 2 r + 3 s <= 40\n bacon: 3 r + 5 s <= 70\nGeneral\n r s\nEnd\n")
    (tmp_path / "answers" / "clinic.lp").write_text("Maximize\n obj: x\nSubject To\n low: x >= 5\n high: x <= 3\nEnd\n")
    (tmp_path / "set.jsonl").write_text(
        json.dumps({"id": "breakfast", "question": "Sandwiches.", "status": "optimal", "answer": 60.0}) + "\n"
        + json.dumps({"id": "clinic", "question": "Shifts.", "status": "optimal", "answer": 4.0}) + "\n")
    monkeypatch.chdir(tmp_path)  # relative paths, resolved before they travel to the workers
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    report = run_nl("set.jsonl", ReplayClient("answers"), store=store, ray_workers=2)
    assert [(case.id, case.status, case.correct) for case in report.cases] == [
        ("breakfast", "optimal", True), ("clinic", "infeasible", False)]
    assert sorted(run["source"] for run in formulate_store(store).list_formulate_runs()) == ["set.jsonl:breakfast", "set.jsonl:clinic"]
    with pytest.raises(OptionError, match="store"):
        run_nl("set.jsonl", ReplayClient("answers"), store="memory://nl", ray_workers=2)


def test_the_docs_example_runs(cluster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    (code,) = re.findall(r"```py\n(.*?)```", (ROOT / "docs" / "ray.md").read_text(), flags=re.DOTALL)
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "docs/ray.md", "exec"), {"__name__": "ray_docs_example"})  # in this process: its cluster
    assert capsys.readouterr().out.startswith("6 trials, best")
    assert [trial.state for trial in Study.load("ray-demo", f"sqlite:///{tmp_path / 'lab.db'}").trials] == ["complete"] * 6


def test_solve_from_another_process_joins_the_running_cluster(cluster: str, tmp_path: Path) -> None:
    from ray._private.state import jobs

    store = f"sqlite:///{tmp_path / 'runs.db'}"
    models = [str(EXAMPLES / "knapsack.lp"), str(EXAMPLES / "infeasible.lp")]
    process = subprocess.Popen([OPTARIUM, "solve", *models, "--jobs", "2", "--ray-address", cluster, "--json", "--store", store],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert [row["status"] for row in json.loads(out)] == ["optimal", "infeasible"]
    assert open_store(store).count_runs() == 2
    assert process.pid in {job["DriverPid"] for job in jobs()}  # it ran on this cluster, started none
