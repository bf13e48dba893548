"""The CLI stays quick: neither the serve command nor the service package imports a web framework until it serves."""

from __future__ import annotations

import subprocess
import sys


def test_serve_command_imports_no_web_framework() -> None:
    code = ("import sys, optarium.cli.serve, optarium.service; "
            "print(sorted(m for m in ('fastapi', 'uvicorn', 'starlette', 'selenium') if m in sys.modules))")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert found == "[]"
