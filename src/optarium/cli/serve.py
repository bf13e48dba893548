"""``optarium serve``: the REST API, ask/tell over HTTP, solve jobs and the dashboard."""

from __future__ import annotations

from pathlib import Path

import typer

from optarium.cli.common import STORE_OPTION


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; without tokens only loopback."),
    port: int = typer.Option(8080, "--port", help="Port to listen on (0: any free port)."),
    root_path: str = typer.Option("", "--root-path", help="URL prefix a reverse proxy serves this under, e.g. /optarium."),
    store: str | None = STORE_OPTION,
    workers: int = typer.Option(2, "--workers", help="Solve jobs run at once (0: queue jobs, run none)."),
    tokens: Path | None = typer.Option(
        None, "--tokens", help="TOML file of [[token]] tables (value, scope read|write); also $OPTARIUM_TOKENS."),
    max_upload_mb: float = typer.Option(32.0, "--max-upload-mb", help="Largest model file a job may upload, in MiB."),
) -> int:
    """Serve the REST API (docs at /api/docs) and the web dashboard over the store."""
    from optarium.errors import OptionError
    from optarium.service import run
    from optarium.service.settings import ServiceSettings, load_tokens

    if not max_upload_mb > 0:
        raise OptionError("--max-upload-mb", max_upload_mb, "a positive number")
    from optarium.service.server import check_port

    try:
        settings = ServiceSettings(host=host, port=port, root_path=root_path.rstrip("/"), store=store, workers=workers,
                                   tokens=load_tokens(tokens), max_upload_bytes=int(max_upload_mb * 1024 * 1024))
        check_port(settings.host, settings.port)
    except OptionError as error:
        flag = "--" + error.name.replace("_", "-")
        raise OptionError(flag, error.value, error.expected) from None
    run(settings)
    return 0
