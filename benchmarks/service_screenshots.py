"""Screenshots of the dashboard for docs/service.md, taken in real headless Chromium.

Usage: benchmarks/service_screenshots.py [--out docs/images]

Fills a scratch SQLite store (a 40-trial study of a 3-parameter bowl, a second study to
compare, a two-objective study, a routing run, a job-shop run and a few LP solves),
starts ``optarium serve`` on a free loopback port, opens each page and saves it as PNG:
studies, study, compare, pareto, runs, run-route, run-gantt. Needs Debian's chromium
and chromium-driver (as the dashboard tests do).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SPACE = {"temperature": {"type": "float", "low": 20.0, "high": 120.0}, "catalyst": {"type": "int", "low": 1, "high": 9},
         "solvent": {"type": "categorical", "choices": ["water", "ethanol", "toluene"]}}


def bowl(params: dict) -> float:
    penalty = {"water": 0.4, "ethanol": 0.0, "toluene": 0.9}[params["solvent"]]
    return ((params["temperature"] - 72.0) / 25.0) ** 2 + ((params["catalyst"] - 4) / 3.0) ** 2 + penalty


def fill(store: str) -> dict[str, int]:
    from optarium import solve
    from optarium.blackbox.optimize import optimize
    from optarium.domains.routing import read_instance, solve_routing
    from optarium.domains.scheduling.instance import read_instance_file
    from optarium.domains.scheduling.solve import solve_jobshop

    optimize(bowl, SPACE, n_trials=40, sampler="auto", seed=3, study_name="reaction", store=store)
    optimize(bowl, SPACE, n_trials=40, sampler="random", seed=3, study_name="reaction-random", store=store)
    optimize(lambda p: [(p["x"] - 0.2) ** 2 + p["y"] ** 2, (p["x"] - 0.8) ** 2 + (1 - p["y"]) ** 2],
             {"x": {"type": "float", "low": 0, "high": 1}, "y": {"type": "float", "low": 0, "high": 1}},
             n_trials=30, directions=["minimize", "minimize"], seed=1, study_name="trade-off", store=store)
    for model in ("knapsack.lp", "production.mps"):
        solve(EXAMPLES / model, store=store)
    route = solve_routing(read_instance(EXAMPLES / "routing" / "deliveries.csv"), iterations=300, seed=1, store=store)
    shop = solve_jobshop(read_instance_file(EXAMPLES / "ft06.jss"), "rule", store=store)
    return {"route": int(route.run_id or 0), "gantt": int(shop.run_id or 0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    args = parser.parse_args()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if binary is None or driver is None:
        sys.exit("needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
    folder = Path(tempfile.mkdtemp())
    store = f"sqlite:///{folder / 'store.db'}"
    runs = fill(store)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "optarium.service", "--port", str(port), "--store", store],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(f"{url}/api/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        options = webdriver.ChromeOptions()
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1100",
                         "--hide-scrollbars"):
            options.add_argument(argument)
        options.binary_location = binary
        browser = webdriver.Chrome(options=options, service=Service(driver))
        args.out.mkdir(parents=True, exist_ok=True)
        pages = {
            "studies": "#/studies", "study": "#/study/reaction", "compare": "#/compare/reaction/reaction-random",
            "pareto": "#/study/trade-off", "runs": "#/runs", "run-route": f"#/run/{runs['route']}",
            "run-gantt": f"#/run/{runs['gantt']}",
        }
        try:
            for name, page in pages.items():
                browser.get(f"{url}/{page}")
                time.sleep(2.5)  # the page draws after its first poll
                browser.save_screenshot(str(args.out / f"dashboard-{name}.png"))
                print(f"{args.out / f'dashboard-{name}.png'}")
        finally:
            browser.quit()
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
