"""Latency of ``optarium serve`` on a large store, and the HTTP ask/tell round trip against the library's.

Usage: benchmarks/service_latency.py [--trials 100000] [--runs 100000] [--repeat 30] [--rounds 3] [--store URL]
                                     [--seed 0] [--filled | --round-trips-only]

Fills a fresh store (an SQLite file in a scratch folder unless ``--store`` names an empty
PostgreSQL database) with one study of ``trials`` complete trials (asked in batches of
1,000 through :class:`Study`, told in batches through the store, one transaction each) and
``runs`` recorded runs, starts a real server on loopback and measures over HTTP: the p50 and
p95 seconds of the studies list, a trials page (100), a runs page (50), a run, a study's
summary and its plots' data (the analysis). Then the round trip of ask + tell with the ``--sampler``
(random by default), ``repeat`` times on each of ``rounds`` fresh studies per way, the ways taking turns:
two HTTP requests (ask, then tell), one HTTP request (a tell that asks the next trial), both through
optarium's keep-alive :class:`~optarium.service.client.StudyClient`, and the library on the same store,
and the ratios of the HTTP ways to the library (p50, p95, and the CPU seconds per round trip of this
process and the server together: on a loaded machine less moved by the other load than the clock).
Prints a table and writes benchmarks/results/service_latency_<sqlite|postgresql>[_round_trips_<sampler>].json.
``--filled`` measures a store this script filled before; ``--round-trips-only`` fills nothing
and measures only the round trips (on any store). Either removes the round-trip studies of an
earlier run first.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
SPACE = {"x": {"type": "float", "low": -5.0, "high": 5.0}, "y": {"type": "float", "low": -5.0, "high": 5.0},
         "c": {"type": "categorical", "choices": ["a", "b", "c"]}}


def fill(store_url: str, trials: int, runs: int, seed: int) -> None:
    from optarium.blackbox.study import Study
    from optarium.store.base import Run, open_store

    store = open_store(store_url)
    study = Study.create("big", SPACE, sampler="random", seed=seed, store=store)
    study_id = int(store.find_study("big")["id"])  # type: ignore[index]
    rng = random.Random(seed)
    asked = 0
    while asked < trials:
        batch = study.ask(min(1000, trials - asked))
        asked += len(batch)
        store.finish_trials(study_id, [(t.number, "complete", (t.params["x"] - 1) ** 2 + t.params["y"] ** 2, None)
                                       for t in batch])
    for index in range(runs):
        objective = rng.uniform(-1000, 0)
        store.record_run(Run(
            kind="math_program", fingerprint=f"{index % 500:064x}", name=f"model{index % 500}", features={"rows": 10},
            source=f"model{index % 500}.mps", solver="highs" if index % 3 else "scip", solver_version="1",
            plan={"solver": "highs", "reason": "benchmark"}, params={}, status="optimal" if index % 7 else "infeasible",
            objective=objective, bound=objective, gap=0.0, verified=bool(index % 7), max_violation=0.0,
            verification={"verified": bool(index % 7), "violations": []}, seconds=0.01, timings={"solve": 0.01},
        ))


def out_kind(url: str) -> str:
    return "postgresql" if url.startswith("postgres") else "sqlite"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def timed(call: Any, repeat: int) -> dict[str, float]:
    return percentiles(timed_each(call, repeat))


def timed_each(call: Any, repeat: int) -> list[float]:
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = call()
        seconds.append(time.perf_counter() - started)
        if getattr(response, "status_code", 200) >= 400:
            raise RuntimeError(response.text)
    return seconds


def percentiles(seconds: list[float]) -> dict[str, float]:
    seconds = sorted(seconds)
    return {"p50": statistics.median(seconds), "p95": seconds[min(len(seconds) - 1, int(0.95 * len(seconds)))]}


TWO, ONE, LIBRARY = "ask + tell over HTTP (2 requests)", "tell-and-ask over HTTP (1 request)", "ask + tell in the library"


def process_seconds(pid: int) -> float:
    """CPU seconds (user and system) the process ``pid`` has used (Linux; 0.0 where /proc is missing)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def round_trips(base: str, store_url: str, repeat: int, rounds: int, sampler: str = "random",
                server_pid: int | None = None) -> dict[str, dict[str, float]]:
    """ask + tell ``repeat`` times on a fresh study per way and round, so every way meets studies of the
    same sizes, the ways taking turns step by step (a change of the machine's load meets them alike):
    two HTTP requests (ask, then tell), one HTTP request (a tell that asks the next trial, as a
    worker's loop does), both through optarium's :class:`StudyClient`, and the library's ``Study.ask``
    and ``Study.tell`` on the same store."""
    from optarium.blackbox.study import Study
    from optarium.service.client import StudyClient

    samples: dict[str, list[float]] = {TWO: [], ONE: [], LIBRARY: []}
    cpu = dict.fromkeys(samples, 0.0)  # CPU seconds of this process and the server: less moved by other load
    with StudyClient(base, timeout=120) as api:
        for round_number in range(rounds):
            steps = {}
            for index, way in enumerate(samples):
                name = f"round-trip-{round_number}-{index}"
                if way == LIBRARY:
                    library = Study.create(name, SPACE, sampler=sampler, seed=1, store=store_url)

                    def step(library: Study = library) -> None:
                        (trial,) = library.ask()
                        library.tell(trial, trial.params["x"])
                elif way == TWO:
                    api.create_study(name, SPACE, sampler=sampler, seed=1)

                    def step(name: str = name) -> None:
                        (trial,) = api.ask(name)
                        api.tell(name, trial["number"], trial["params"]["x"])
                else:
                    api.create_study(name, SPACE, sampler=sampler, seed=1)
                    waiting = api.ask(name)  # the loop's first ask, not timed

                    def step(name: str = name, waiting: list[dict[str, Any]] = waiting) -> None:
                        trial = waiting.pop()
                        waiting += api.tell(name, trial["number"], trial["params"]["x"], ask=1)["next"]
                steps[way] = step
            for _ in range(repeat):
                for way, step in steps.items():
                    client, server = time.process_time(), process_seconds(server_pid) if server_pid else 0.0
                    samples[way] += timed_each(step, 1)
                    cpu[way] += time.process_time() - client
                    cpu[way] += (process_seconds(server_pid) - server) if server_pid else 0.0
    steps_per_way = repeat * rounds
    return {way: {**percentiles(seconds), "cpu": cpu[way] / steps_per_way} for way, seconds in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--store", default=None, help="an empty store URL (default: a scratch SQLite file)")
    parser.add_argument("--rounds", type=int, default=3, help="fresh studies per way of ask + tell (default 3)")
    parser.add_argument("--sampler", default="random", help="the sampler of the round-trip studies (default random)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--filled", action="store_true", help="the store was filled by an earlier run; measure only")
    parser.add_argument("--round-trips-only", action="store_true", help="fill nothing; measure only ask + tell")
    args = parser.parse_args()
    import httpx

    from optarium.blackbox.study import Study

    with tempfile.TemporaryDirectory() as folder:
        store_url = args.store or f"sqlite:///{folder}/bench.db"
        started = time.perf_counter()
        if args.filled or args.round_trips_only:
            for row in Study.list_all(store_url):
                if row["name"].startswith("round-trip-"):
                    Study.load(row["name"], store=store_url).delete()
        if not (args.filled or args.round_trips_only):
            fill(store_url, args.trials, args.runs, args.seed)
        fill_seconds = time.perf_counter() - started
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "optarium.service", "--port", str(port), "--store", store_url,
                                   "--workers", "0"], stderr=subprocess.DEVNULL, env=os.environ.copy())
        try:
            api = httpx.Client(base_url=f"http://127.0.0.1:{port}/api", timeout=120)
            for _ in range(300):
                try:
                    api.get("/health")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            rows = {} if args.round_trips_only else {
                "studies list": timed(lambda: api.get("/studies"), args.repeat),
                "study summary": timed(lambda: api.get("/studies/big"), args.repeat),
                "trials page (100)": timed(lambda: api.get("/studies/big/trials", params={"limit": 100, "offset": 500}),
                                           args.repeat),
                "runs page (50)": timed(lambda: api.get("/runs", params={"limit": 50, "verified": "true"}), args.repeat),
                "one run": timed(lambda: api.get("/runs/1"), args.repeat),
                "study plots (analysis)": timed(lambda: api.get("/studies/big/analysis"), max(3, args.repeat // 5)),
            }
            rows.update(round_trips(f"http://127.0.0.1:{port}", store_url, args.repeat, args.rounds, args.sampler,
                                    server.pid))
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(30)
    ratios = {way: {q: rows[way][q] / rows[LIBRARY][q] if rows[LIBRARY][q] else math.nan for q in ("p50", "p95", "cpu")}
              for way in (TWO, ONE)}
    filled = not args.round_trips_only
    print(f"store {out_kind(store_url)}: {args.trials if filled else 0} trials, {args.runs if filled else 0} runs "
          f"(filled in {fill_seconds:.0f} s); round trips with the {args.sampler} sampler; load average "
          f"{os.getloadavg()[0]:.2f}")
    print(f"{'request':36s} {'p50 ms':>9s} {'p95 ms':>9s} {'CPU ms':>9s}")
    for name, row in rows.items():
        print(f"{name:36s} {1000 * row['p50']:9.2f} {1000 * row['p95']:9.2f} {1000 * row.get('cpu', math.nan):9.2f}")
    for way, ratio in ratios.items():
        print(f"{way} / library: p50 {ratio['p50']:.2f}, p95 {ratio['p95']:.2f}, CPU {ratio['cpu']:.2f}")
    RESULTS.mkdir(exist_ok=True)
    out = {"store": out_kind(store_url), "trials": args.trials if filled else 0, "runs": args.runs if filled else 0,
           "repeat": args.repeat, "load_average": os.getloadavg()[0], "seconds": rows, "rounds": args.rounds,
           "sampler": args.sampler, "client": "optarium.service.client.StudyClient",
           "http_over_library": ratios[TWO]["p50"], "one_request_over_library": ratios[ONE]["p50"],
           "http_over_library_p95": ratios[TWO]["p95"], "one_request_over_library_p95": ratios[ONE]["p95"],
           "http_over_library_cpu": ratios[TWO]["cpu"], "one_request_over_library_cpu": ratios[ONE]["cpu"]}
    suffix = "" if filled else f"_round_trips_{args.sampler}"
    (RESULTS / f"service_latency_{out['store']}{suffix}.json").write_text(json.dumps(out, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
