"""Soak: HTTP workers drive one study through ``optarium serve``; count lost, duplicated and failed.

Usage: benchmarks/service_soak.py [--workers 8] [--trials 2000] [--seconds S] [--store URL] [--sampler random]
                                  [--two-requests] [--servers 1] [--tag TAG]

Starts a real server (``--servers`` of them, the workers spread over them) on loopback over a fresh store (a scratch SQLite file unless ``--store``
names an empty PostgreSQL database); ``workers`` threads, each with its own keep-alive HTTP
client (optarium's :class:`~optarium.service.client.StudyClient`), ask one trial and tell its value until ``trials`` asks were made in all: a tell that asks
the next trial in the same request (``"ask": 1``), or with ``--two-requests`` an ask and a tell. Then reads the study
through the library: every trial number from 1 to ``trials`` must be there once, complete,
with the value its worker told. With ``--seconds`` no trial is asked after that time, and the
check covers the trials asked by then. Prints a table and writes benchmarks/results/service_soak_<sqlite|postgresql>[_<tag>].json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
SPACE = {"x": {"type": "float", "low": -5.0, "high": 5.0}, "y": {"type": "float", "low": -5.0, "high": 5.0}}


def value(params: dict[str, float]) -> float:
    return (params["x"] - 1.0) ** 2 + math.sin(3 * params["y"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--trials", type=int, default=2000)
    parser.add_argument("--store", default=None)
    parser.add_argument("--sampler", default="random")
    parser.add_argument("--seconds", type=float, default=None, help="ask no trial after this many seconds")
    parser.add_argument("--two-requests", action="store_true", help="ask and tell in two requests per trial")
    parser.add_argument("--servers", type=int, default=1, help="server processes on the store, workers spread over them")
    parser.add_argument("--tag", default="", help="written to service_soak_<store>_<tag>.json (default: no tag)")
    args = parser.parse_args()
    import httpx

    from optarium.blackbox.study import Study
    from optarium.service.client import ServiceError, StudyClient

    with tempfile.TemporaryDirectory() as folder:
        store = args.store or f"sqlite:///{folder}/soak.db"
        ports = []
        for _ in range(args.servers):
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                ports.append(probe.getsockname()[1])
        servers = [subprocess.Popen([sys.executable, "-m", "optarium.service", "--port", str(port), "--store", store,
                                     "--workers", "0"], stderr=subprocess.DEVNULL, env=os.environ.copy())
                   for port in ports]
        base = f"http://127.0.0.1:{ports[0]}/api"
        try:
            for port in ports:
                for _ in range(300):
                    try:
                        httpx.get(f"http://127.0.0.1:{port}/api/health")
                        break
                    except httpx.TransportError:
                        time.sleep(0.1)
            httpx.post(f"{base}/studies", json={"name": "soak", "space": SPACE, "sampler": args.sampler,
                                                "seed": 7}).raise_for_status()
            lock = threading.Lock()
            asked = [0]
            told: dict[int, float] = {}
            failures: list[str] = []

            started = time.perf_counter()

            def take() -> bool:
                with lock:
                    if asked[0] >= args.trials or (args.seconds is not None
                                                   and time.perf_counter() - started > args.seconds):
                        return False
                    asked[0] += 1
                    return True

            def work(port: int) -> None:
                with StudyClient(f"http://127.0.0.1:{port}", timeout=120) as api:
                    waiting: list[dict[str, Any]] = []
                    while waiting or take():
                        if not waiting:
                            try:
                                waiting = api.ask("soak")
                            except ServiceError as error:
                                failures.append(f"ask {error}")
                                continue
                        trial = waiting.pop()
                        result = value(trial["params"])
                        more = 0 if args.two_requests or not take() else 1
                        try:
                            answer = api.tell("soak", trial["number"], result, ask=more)
                        except ServiceError as error:
                            failures.append(f"tell {error}")
                        else:
                            if more:
                                waiting = answer["next"]
                                if len(waiting) != 1:
                                    failures.append(f"tell-and-ask gave {answer}")
                        with lock:
                            if trial["number"] in told:
                                failures.append(f"trial {trial['number']} handed out twice")
                            told[trial["number"]] = result

            threads = [threading.Thread(target=work, args=(ports[index % len(ports)],)) for index in range(args.workers)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            seconds = time.perf_counter() - started
        finally:
            for server in servers:
                server.send_signal(signal.SIGINT)
            for server in servers:
                server.wait(30)
        trials = {t.number: t for t in Study.load("soak", store=store).trials}
    numbers = sorted(trials)
    lost = sorted(set(range(1, asked[0] + 1)) - set(numbers))
    duplicated = len(numbers) - len(set(numbers))
    wrong = [n for n, t in trials.items() if t.state != "complete" or told.get(n) != t.value]
    out = {"store": "postgresql" if store.startswith("postgres") else "sqlite", "workers": args.workers, "trials": asked[0], "seconds": seconds,
           "round_trips_per_second": asked[0] / seconds, "stored": len(trials), "lost": len(lost),
           "duplicated": duplicated, "not_as_told": len(wrong), "failed_requests": len(failures),
           "requests_per_trial": 2 if args.two_requests else 1, "servers": args.servers, "load_average": os.getloadavg()[0]}
    for key, found in out.items():
        print(f"{key:22s} {found:.1f}" if isinstance(found, float) else f"{key:22s} {found}")
    for failure in failures[:5]:
        print("  " + failure)
    RESULTS.mkdir(exist_ok=True)
    tag = f"_{args.tag}" if args.tag else ""
    (RESULTS / f"service_soak_{out['store']}{tag}.json").write_text(json.dumps(out, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
