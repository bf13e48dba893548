"""``optarium serve``: the REST API, ask/tell over HTTP, solve jobs and the dashboard."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from optarium.cli.common import STORE_OPTION

# the flag of each setting, for errors in values given on the command line
FLAGS = {"host": "--host", "port": "--port", "root_path": "--root-path", "store": "--store", "workers": "--workers",
         "tokens": "--tokens", "max_upload_bytes": "--max-upload-mb"}


def serve(
    host: str | None = typer.Option(None, "--host", help="Address to listen on (default 127.0.0.1); without tokens only loopback."),
    port: int | None = typer.Option(None, "--port", help="Port to listen on (default 8080; 0: any free port)."),
    root_path: str | None = typer.Option(None, "--root-path", help="URL prefix a reverse proxy serves this under, e.g. /optarium."),
    store: str | None = STORE_OPTION,
    workers: int | None = typer.Option(None, "--workers", help="Solve jobs run at once (default 2; 0: queue jobs, run none)."),
    tokens: Path | None = typer.Option(
        None, "--tokens", help="TOML file of [[token]] tables (value, scope read|write); also $OPTARIUM_TOKENS."),
    max_upload_mb: float | None = typer.Option(None, "--max-upload-mb", help="Largest model file a job may upload, in MiB (default 32)."),
    config: Path | None = typer.Option(None, "--config", help="TOML settings file (host, port, root_path, store, workers, "
                                       "tokens: a tokens file, max_upload_mb); flags override it."),
    as_json: bool = typer.Option(False, "--json", help="Once listening, print one JSON line on stdout: url, host, port "
                                 "(the one bound, with --port 0), store, tokens (how many)."),
) -> int:
    """Serve the REST API (docs at /api/docs) and the web dashboard over the store."""
    from optarium.cli.common import blame, settings_from
    from optarium.errors import OptionError
    from optarium.service.server import check_port, run
    from optarium.service.settings import ServiceSettings, load_tokens

    if max_upload_mb is not None and not (0 < max_upload_mb < float("inf") and int(max_upload_mb * 1024 * 1024) >= 1):
        raise OptionError("--max-upload-mb", max_upload_mb, "a positive number of MiB (at least one byte)")
    # without a settings file the environment's tokens count; with one, its tokens (or the environment's) unless --tokens
    given_tokens = load_tokens(tokens) if tokens is not None or config is None else None
    given = {"host": host, "port": port, "store": store, "workers": workers, "tokens": given_tokens,
             "root_path": None if root_path is None else root_path.rstrip("/"),
             "max_upload_bytes": None if max_upload_mb is None else int(max_upload_mb * 1024 * 1024)}
    settings = settings_from(ServiceSettings, config, FLAGS, **given)
    try:
        check_port(settings.host, settings.port)
    except OptionError as error:
        raise blame(error, FLAGS, given, config) from None
    run(settings, on_listening=_print_line if as_json else None)
    return 0


def _print_line(address: dict[str, Any]) -> None:
    """One JSON line on stdout, sent at once: a script that started the server reads where it is."""
    import json

    sys.stdout.write(json.dumps(address) + "\n")
    sys.stdout.flush()
