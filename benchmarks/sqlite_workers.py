"""Many CLI workers on one study: 8 processes asking and telling 20 trials each (GP sampler).

    .venv/bin/python benchmarks/sqlite_workers.py [--workers 8] [--trials 20] [--sampler gp]

Each worker is a thread that runs ``optarium study ask --json`` and ``optarium study tell``
as separate processes, one after the other, as a shell loop would; all workers share one
study in one SQLite file (and, when ``OPTARIUM_TEST_PG_URL`` is set, the same again in a
fresh PostgreSQL database). Reports failed asks and tells (with their exit codes and first
error line), suggestions handed out twice (same trial id or same parameters), tells that
succeeded but are not complete in the store, and the median and 90th-percentile seconds
per ask process. Subprocesses inherit ``PYTHONPATH``, so the same script measures another
checkout of optarium.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
CLI = [sys.executable, "-c", "import sys; from optarium.cli.main import main; sys.argv[0] = 'optarium'; sys.exit(main())"]
SPACE = "x: {type: float, low: -5, high: 5}\ny: {type: float, low: -5, high: 5}\nz: {type: float, low: 0, high: 1}\n"
PG_ENV = "OPTARIUM_TEST_PG_URL"


def objective(params: dict[str, float]) -> float:
    """A cheap smooth test function (shifted sphere with a ripple)."""
    x, y, z = params["x"] - 1.0, params["y"] + 2.0, params["z"] - 0.3
    return x * x + y * y + 4 * z * z + 0.3 * math.sin(3 * x)


def optarium(*args: str, timeout: float) -> tuple[int, str, str, float]:
    started = time.perf_counter()
    done = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout, check=False)
    return done.returncode, done.stdout, done.stderr, time.perf_counter() - started


def worker(name: str, store: str, trials: int, timeout: float, log: dict[str, list[Any]], lock: threading.Lock) -> None:
    for _ in range(trials):
        code, out, err, seconds = optarium("study", "ask", name, "--json", "--store", store, timeout=timeout)
        with lock:
            log["ask_seconds"].append(seconds)
        if code != 0:
            with lock:
                log["ask_failures"].append({"code": code, "error": err.strip().splitlines()[-1:] or [""]})
            continue
        (trial,) = json.loads(out)
        with lock:
            log["asked"].append(trial)
        value = objective(trial["params"])
        code, _, err, _ = optarium("study", "tell", name, str(trial["trial_id"]), repr(value), "--store", store, timeout=timeout)
        with lock:
            if code == 0:
                log["told"].append(trial["trial_id"])
            else:
                log["tell_failures"].append({"code": code, "error": err.strip().splitlines()[-1:] or [""]})


def run(store: str, label: str, workers: int, trials: int, sampler: str, timeout: float, folder: Path) -> dict[str, Any]:
    space = folder / "space.yaml"
    space.write_text(SPACE)
    name = f"workers-{uuid.uuid4().hex[:8]}"
    code, _, err, _ = optarium("study", "create", name, "--space", str(space), "--sampler", sampler, "--seed", "1",
                               "--budget", str(workers * trials), "--store", store, timeout=timeout)
    if code != 0:
        raise SystemExit(f"cannot create the study on {label}: {err.strip()}")
    log: dict[str, list[Any]] = {"ask_seconds": [], "asked": [], "told": [], "ask_failures": [], "tell_failures": []}
    lock = threading.Lock()
    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(name, store, trials, timeout, log, lock)) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    code, out, err, _ = optarium("study", "show", name, "--json", "--store", store, timeout=timeout)
    if code != 0:
        raise SystemExit(f"cannot read the study back on {label}: {err.strip()}")
    stored = {int(t["trial_id"]): t for t in json.loads(out)["trial_list"]}
    ids = Counter(t["trial_id"] for t in log["asked"])
    points = Counter(tuple(sorted(t["params"].items())) for t in log["asked"])
    lost = [number for number in log["told"] if stored.get(number, {}).get("state") != "complete"]
    seconds = sorted(log["ask_seconds"])
    return {
        "store": label, "workers": workers, "trials_per_worker": trials, "sampler": sampler,
        "asks": workers * trials, "ask_failures": len(log["ask_failures"]), "tell_failures": len(log["tell_failures"]),
        "failure_codes": dict(Counter(str(f["code"]) for f in log["ask_failures"] + log["tell_failures"])),
        "failure_examples": sorted({" ".join(f["error"]) for f in log["ask_failures"] + log["tell_failures"]})[:5],
        "duplicate_trial_ids": sum(count - 1 for count in ids.values() if count > 1),
        "duplicate_points": sum(count - 1 for count in points.values() if count > 1),
        "lost_tells": len(lost), "stored_trials": len(stored),
        "stored_complete": sum(t["state"] == "complete" for t in stored.values()),
        "median_ask_s": statistics.median(seconds) if seconds else None,
        "p90_ask_s": seconds[int(0.9 * (len(seconds) - 1))] if seconds else None,
        "wall_s": wall,
    }


def fresh_postgres(admin_url: str) -> tuple[str, Any]:
    """A new, empty database on the server of ``admin_url`` and a function that drops it."""
    from sqlalchemy import create_engine, text

    database = f"optarium_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{database}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()

    return f"{admin_url.rsplit('/', 1)[0]}/{database}", drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--trials", type=int, default=20, help="trials per worker")
    parser.add_argument("--sampler", default="gp")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds one CLI process may take")
    parser.add_argument("--no-postgres", action="store_true", help=f"skip PostgreSQL even when {PG_ENV} is set")
    parser.add_argument("--output", type=Path, default=RESULTS / "sqlite_workers.json")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="optarium-workers-") as tmp:
        folder = Path(tmp)
        rows.append(run(f"sqlite:///{folder / 'study.db'}", "sqlite", args.workers, args.trials, args.sampler, args.timeout, folder))
        if os.environ.get(PG_ENV) and not args.no_postgres:
            url, drop = fresh_postgres(os.environ[PG_ENV])
            try:
                rows.append(run(url, "postgresql", args.workers, args.trials, args.sampler, args.timeout, folder))
            finally:
                drop()
    columns = ["store", "asks", "ask_failures", "tell_failures", "duplicate_trial_ids", "duplicate_points", "lost_tells",
               "median_ask_s", "p90_ask_s", "wall_s"]
    print(" | ".join(columns))
    for row in rows:
        print(" | ".join(f"{row[c]:.2f}" if isinstance(row[c], float) else str(row[c]) for c in columns))
        for example in row["failure_examples"]:
            print(f"  {row['store']} failure: {example}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"python": sys.version.split()[0], "cpus": os.cpu_count(), "runs": rows}, indent=2) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
