"""The web app: JSON endpoints over the API and views, and the page that draws them.

Every answer is a view's ``to_json()`` (the same records the command line renders), computed
in a worker process within the server's limits. Errors answer 422 with the field at fault,
what was expected and what was received.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles

from alignment_runway import __version__, api, views
from alignment_runway.errors import Error, InputError
from alignment_runway.web import work
from alignment_runway.web.limits import Busy, Limits, Pool
from alignment_runway.web.models import (
    MAX_WEB_CELLS,
    CompareRequest,
    ErrorOut,
    RaceRequest,
    RunRequest,
    SavedOut,
    SaveRequest,
    ScenarioRequest,
    SensitivityRequest,
    SweepRequest,
    TasksRequest,
    ViewOut,
    check_settings,
)

__all__ = ["create_app"]

_ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorOut, "description": "the field at fault, expected and received"},
    503: {"model": ErrorOut, "description": "the server is busy, or a limit was reached"},
}
#: What pydantic's error types expect, in the words of the rest of the errors.
_PYDANTIC = {
    "string_pattern_mismatch": "a name of letters, digits, '-' and '_'",
    "extra_forbidden": "no such field (see /openapi.json)",
    "missing": "a value",
    "json_invalid": "a JSON document",
    "model_attributes_type": "a JSON object",
    "dict_type": "a JSON object",
    "string_type": "a value as text, as --set takes it (such as '4e21 FLOP/s')",
}
PresetName = Annotated[str, PathParam(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
_STATIC = Path(str(resources.files("alignment_runway.web").joinpath("static")))


def _plotly_js() -> Path:
    """Plotly.js as the installed ``plotly`` package ships it (never fetched from elsewhere)."""
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def _error(status: int, record: dict[str, str]) -> JSONResponse:
    return JSONResponse(record, status_code=status)


def _validation_record(exc: RequestValidationError) -> dict[str, str]:
    """The first problem pydantic found, as field, expected and received."""
    first = exc.errors()[0]
    loc = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path")]
    field = ".".join(loc) if first.get("type") != "json_invalid" else ""
    field = field or "body"
    if len(loc) == 2 and loc[0] == "settings":
        field = loc[1]  # a setting's value: the parameter itself
    expected = _PYDANTIC.get(str(first.get("type")), "")
    if not expected:
        expected = str(first.get("msg", "a valid request")).removeprefix("Value error, ")
        expected = expected.removeprefix("Input should be ").removeprefix("Input should ")
    received = repr(first.get("input"))
    if len(received) > 80:
        received = received[:77] + "..."
    return {
        "field": field,
        "expected": expected,
        "received": received,
        "message": f"{field}: expected {expected}; received {received}",
    }


class _BodyLimit:
    """Refuse a request body larger than the limit (413) before any of it is parsed."""

    def __init__(self, app: Callable[..., Awaitable[None]], limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, send, int(declared))
            return
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > self.limit:
                await self._refuse(scope, receive, send, size)
                return
        body = b"".join(chunks)
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if sent:
                later: dict[str, Any] = await receive()
                return later
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, scope: dict[str, Any], receive: Any, send: Any, size: int) -> None:
        record = {
            "field": "body",
            "expected": f"a request body of at most {self.limit:,} bytes",
            "received": f"{size:,} bytes or more",
        }
        record["message"] = f"body: expected {record['expected']}; received {record['received']}"
        await JSONResponse(record, status_code=413)(scope, receive, send)


def create_app(
    limits: Limits | None = None, store: str | None = None, preset: str = api.BASE_PRESET
) -> FastAPI:
    """The app, with its worker pool started when it starts serving.

    One long function on purpose: each endpoint is a short closure over this app's limits, pool
    and store (FastAPI's way to give routes their state), and they read best side by side.

    Args:
        limits: the limits of one request (defaults: ``Limits()``).
        preset: the preset the page opens with (a link names its own).
        store: record saved runs in this store (a SQLAlchemy URL or a SQLite path, chosen by
            whoever starts the server, never by a request); None: saving is off.
    """
    limits = limits or Limits()
    api.load_scenario(preset=preset)  # an unknown preset is refused before serving
    opening = preset
    opened = api.open_store(store) if store is not None else None
    state: dict[str, Pool] = {}

    def pool() -> Pool:
        """The worker pool, started with the app (or at the first request that needs it)."""
        if "pool" not in state:
            state["pool"] = Pool(limits)
        return state["pool"]

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        pool()
        try:
            yield
        finally:
            if "pool" in state:
                state.pop("pool").close()

    app = FastAPI(
        title="alignment-runway",
        version=__version__,
        description="How much alignment research automated AI could deliver during a lead.",
        lifespan=lifespan,
        responses=_ERRORS,
        docs_url=None,  # its pages load scripts from elsewhere; the schema is enough
        redoc_url=None,
    )

    @app.exception_handler(Error)
    async def _on_error(_: Request, exc: Error) -> JSONResponse:
        return _error(422, work.error_record(exc))

    @app.exception_handler(RequestValidationError)
    async def _on_invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(422, _validation_record(exc))

    @app.exception_handler(Busy)
    async def _on_busy(_: Request, exc: Busy) -> JSONResponse:
        record = {"field": "", "expected": "a free worker", "received": str(exc)}
        return _error(503, record | {"message": f"server busy: {exc}"})

    async def computed(kind: str, request: dict[str, Any]) -> dict[str, Any]:
        check_settings(request.get("settings", {}))
        out = await pool().compute(kind, request)
        if "error" in out:
            status = 503 if out["error"]["field"] == "time" else 422
            raise _Answer(status, out["error"])
        return out

    @app.exception_handler(_Answer)
    async def _on_answer(_: Request, exc: _Answer) -> JSONResponse:
        return _error(exc.status, exc.record)

    @app.get("/api/version")
    def version() -> dict[str, Any]:
        """The package version, the limits, and whether saving runs is on."""
        return {
            "version": __version__,
            "limits": {"samples": limits.samples, "seconds": limits.seconds,
                       "body_bytes": limits.body_bytes},
            "store": opened is not None,
            "default_preset": opening,
            "default_seed": api.DEFAULT_SEED,
            "default_samples": api.DEFAULT_SAMPLES,
        }  # fmt: skip

    @app.get("/api/presets")
    def presets() -> list[dict[str, str]]:
        """Every built-in preset's name and description."""
        return views.preset_rows()

    @app.get("/api/presets/{name}")
    def preset_inputs(name: PresetName) -> dict[str, Any]:
        """A preset's inputs, each as written (what a control shows) with its source."""
        scenario = api.load_scenario(preset=name)
        return {
            "name": name,
            "description": scenario.description,
            "inputs": [row.to_json() for row in views.input_rows(scenario)],
            "correlations": [
                {"pair": [c.first, c.second], "rho": c.rho} for c in scenario.correlations
            ],
        }

    @app.get("/api/parameters")
    def parameters() -> list[dict[str, Any]]:
        """Every parameter: meaning, unit, bounds, default and source (as ``explain``)."""
        return views.parameter_records()

    @app.get("/api/parameters/{name}")
    def parameter(name: Annotated[str, PathParam(max_length=100)]) -> dict[str, Any]:
        """One parameter or output, as ``explain NAME`` shows it."""
        return views.explain_record(name)

    @app.post("/api/scenario.toml", response_class=PlainTextResponse)
    def scenario_toml(request: ScenarioRequest) -> str:
        """The scenario, fully resolved, as a TOML file ``alignment-runway run FILE`` reads."""
        check_settings(request.settings)
        return api.scenario_text(work.scenario_of(request.model_dump()))

    @app.post("/api/run")
    async def run(request: RunRequest) -> ViewOut:
        """Run the static model: the ``run --format json`` view, the headline, its histogram."""
        limits.check_samples(request.samples)
        return ViewOut(**await computed("run", request.model_dump()))

    @app.post("/api/race")
    async def race(request: RaceRequest) -> ViewOut:
        """Run the race: the ``race --format json`` view, the headline, its histogram."""
        limits.check_samples(request.samples)
        return ViewOut(**await computed("race", request.model_dump()))

    @app.post("/api/sensitivity")
    async def sensitivity(request: SensitivityRequest) -> ViewOut:
        """Which uncertain input drives an output (one result of ``sensitivity``)."""
        limits.check_samples(request.samples, request.method)
        return ViewOut(**await computed("sensitivity", request.model_dump()))

    @app.post("/api/compare")
    async def compare(request: CompareRequest) -> ViewOut:
        """Scenarios side by side, paired sample by sample (the ``compare --format json`` view)."""
        limits.check_samples(request.samples)
        for side in request.sides:
            check_settings(side.settings)
        return ViewOut(**await computed("compare", request.model_dump()))

    @app.post("/api/sweep")
    async def sweep(request: SweepRequest) -> ViewOut:
        """One grid axis swept, each cell summarised (the ``sweep --format json`` view)."""
        limits.check_samples(request.samples)
        body = request.model_dump() | {"cells": MAX_WEB_CELLS}
        return ViewOut(**await computed("sweep", body))

    @app.post("/api/tasks")
    async def tasks(request: TasksRequest) -> ViewOut:
        """Speed-up over the human field against the automated share (``tasks --format json``)."""
        limits.check_samples(request.samples)
        return ViewOut(**await computed("tasks", request.model_dump()))

    @app.get("/api/essay")
    def essay() -> dict[str, Any]:
        """The essay's figures, stated and computed, with verdicts (``essay --format json``)."""
        return views.essay_view(api.essay_audit(), api.ESSAY_TOLERANCE).to_json()

    def store_or_error() -> Any:
        if opened is None:
            raise InputError("store", "a server started with --store URL", "none: saving is off")
        return opened

    @app.get("/api/runs")
    def runs(limit: int = 20) -> list[dict[str, Any]]:
        """The recorded runs, newest first (``runs list --format json``)."""
        if not 1 <= limit <= 200:
            raise InputError("limit", "a whole number from 1 to 200", str(limit))
        return [row.to_json() for row in views.listed_runs(store_or_error().list(limit))]

    @app.get("/api/runs/{run_id}")
    def run_record(run_id: int) -> dict[str, Any]:
        """One recorded run (``runs show --format json``)."""
        if not 1 <= run_id <= 2**63 - 1:
            raise InputError("run_id", "a run's id (a whole number >= 1)", str(run_id))
        return views.record_json(store_or_error().get(run_id))

    @app.post("/api/runs")
    async def save(request: SaveRequest) -> SavedOut:
        """Run (or race) the scenario and record it in the server's store."""
        limits.check_samples(request.samples)
        location = store_or_error().location
        out = await computed("save", request.model_dump() | {"store": location})
        return SavedOut(**out)

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(_STATIC / "index.html")

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(_plotly_js(), media_type="text/javascript")

    app.mount("/static", StaticFiles(directory=_STATIC), name="static")
    app.add_middleware(_BodyLimit, limit=limits.body_bytes)
    return app


class _Answer(Exception):  # noqa: N818 (an answer, not a failure)
    """An answer with an error record, raised from inside an endpoint."""

    def __init__(self, status: int, record: dict[str, str]) -> None:
        super().__init__(record.get("message", ""))
        self.status = status
        self.record = record
