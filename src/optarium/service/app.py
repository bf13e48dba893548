"""The FastAPI application of ``optarium serve``: the REST API under ``/api``, the dashboard at ``/``.

Every error is one JSON object ``{"error": "<one line>", "status": <code>}``: 400 malformed
JSON or an unreadable upload, 401 no or a wrong token, 403 a read token asking to write,
404 an unknown run, study, trial or job, 409 a conflict (a taken name, a trial told twice,
a result not ready), 413 an oversized upload, 422 a value out of range.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from optarium.errors import ConflictError, NotFoundError, OptariumError, StoreBusyError, StoreError

if TYPE_CHECKING:
    from optarium.service.settings import ServiceSettings
    from optarium.store.base import Store

logger = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
READ_METHODS = ("GET", "HEAD", "OPTIONS")


class ApiError(HTTPException):
    """An error answered as ``{"error": detail}`` with ``status_code``."""


# dependencies that do no I/O are ``async``: FastAPI runs a plain ``def`` dependency on a worker
# thread, a hop per dependency per request that an ask or tell over HTTP would pay for nothing
async def store_of(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


async def authorize(request: Request) -> None:
    """Without tokens everyone on loopback may do anything; with tokens a bearer token is needed,
    and a ``read`` token may only read."""
    settings: ServiceSettings = request.app.state.settings
    if not settings.secured:
        return
    header = request.headers.get("authorization", "")
    scheme, _, presented = header.partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise ApiError(401, "a bearer token is required: send the header `Authorization: Bearer TOKEN`",
                       headers={"WWW-Authenticate": "Bearer"})
    scope = settings.scope_of(presented.strip())
    if scope is None:
        raise ApiError(401, "the bearer token is not valid for this server", headers={"WWW-Authenticate": "Bearer"})
    if scope != "write" and request.method not in READ_METHODS:
        raise ApiError(403, f"the token's scope is {scope!r}; {request.method} needs a token with scope 'write'")


def stopping(request: Request) -> bool:
    """Whether the server has been told to stop (an event stream then ends, so the shutdown need not wait for it)."""
    server = getattr(request.app.state, "uvicorn", None)
    return bool(getattr(server, "should_exit", False))


def json_response(content: Any, status: int = 200) -> Response:
    """``content`` as a JSON response, encoded by orjson (NaN and infinity become null, as no JSON has them)."""
    import orjson

    return Response(orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY), status_code=status,
                    media_type="application/json")


def _one_line(text: str) -> str:
    return " ".join(str(text).split()) or "error"


def _answer(status: int, text: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": _one_line(text), "status": status}, status_code=status, headers=headers)


def _validation_message(error: RequestValidationError) -> tuple[int, str]:
    problems = error.errors()
    if not problems:
        return 422, "the request is not valid"
    first = problems[0]
    if first.get("type") == "json_invalid":
        return 400, f"malformed JSON in the request body: {first.get('ctx', {}).get('error', first.get('msg'))}"
    location = list(first.get("loc", ()))
    if location and location[0] in ("body", "query", "path", "header", "form", "cookie"):
        location = location[1:]
    where = ".".join(str(part) for part in location) or "request body"
    return 422, f"`{where}`: {first.get('msg', 'is not valid')}"


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        return _answer(error.status_code, str(error.detail), getattr(error, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        status, text = _validation_message(error)
        return _answer(status, text)

    @app.exception_handler(OptariumError)
    async def optarium_error(request: Request, error: OptariumError) -> JSONResponse:
        if isinstance(error, NotFoundError):
            return _answer(404, str(error))
        if isinstance(error, ConflictError):
            return _answer(409, str(error))
        if isinstance(error, StoreBusyError):
            return _answer(503, str(error), {"Retry-After": "1"})
        if isinstance(error, StoreError):
            logger.error("store error: %s", error)
            return _answer(500, str(error))
        return _answer(422, str(error))


def create_app(settings: ServiceSettings, store: Store | None = None) -> FastAPI:
    """The app over ``store`` (default: ``settings.store``) with a pool of ``settings.workers`` solve workers."""
    from optarium import __version__
    from optarium.service import routes_compare, routes_runs, routes_studies
    from optarium.store.base import open_store

    handle = store if store is not None else _serving_store(open_store(settings.store))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = app.state.pool
        if pool is not None:
            pool.start()
        try:
            yield
        finally:
            if pool is not None:
                pool.stop()

    app = FastAPI(
        title="optarium", version=__version__, root_path=settings.root_path, lifespan=lifespan,
        description="Runs, studies with ask/tell, and solve jobs over the optarium store.",
        docs_url="/api/docs", openapi_url="/api/openapi.json", redoc_url=None,
    )
    app.state.settings = settings
    app.state.store = handle
    app.state.pool = _job_pool(handle, settings)
    _install_errors(app)
    guarded = [Depends(authorize)]
    app.include_router(routes_runs.router, prefix="/api", dependencies=guarded)
    app.include_router(routes_studies.router, prefix="/api", dependencies=guarded)
    app.include_router(routes_compare.router, prefix="/api", dependencies=guarded)

    @app.get("/api/health", tags=["service"])
    async def health(request: Request) -> dict[str, Any]:
        """Whether the service is up, its version, whether tokens are required and how many solve workers run."""
        pool = request.app.state.pool
        return {"ok": True, "version": __version__, "tokens": settings.secured,
                "workers": 0 if pool is None else pool.workers}

    @app.get("/", include_in_schema=False)
    def dashboard() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def _serving_store(store: Store) -> Store:
    """An SQL store as a :class:`CachedStudyStore`, which keeps what it read of each study between asks."""
    from optarium.store.core import SqlStore
    from optarium.store.study_cache import CachedStudyStore

    if type(store) is SqlStore and not store.read_only:
        return CachedStudyStore(store.url)
    return store


def _job_pool(store: Store, settings: ServiceSettings) -> Any:
    from optarium.service.jobs import JobPool
    from optarium.store.core import SqlStore

    if not isinstance(store, SqlStore):
        return None  # jobs live in an SQL store; a memory store serves runs and studies only
    from optarium.store.jobs import ensure_jobs_table

    ensure_jobs_table(store)
    return JobPool(store, settings.workers, stale_after=settings.job_stale_seconds)
