"""``serve``: the web playground on this machine (FastAPI, with the ``web`` extra)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from alignment_runway import api

__all__ = ["serve_command"]


def serve_command(
    preset: Annotated[
        str, typer.Option("--preset", "-p", help="The preset the page opens with.")
    ] = api.BASE_PRESET,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (behind a proxy: 127.0.0.1).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            metavar="URL",
            help="Record runs the user saves in this store: a SQLAlchemy URL or a SQLite file "
            "path. [default: saving is off]",
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", "-w", help="Worker processes that compute requests.")
    ] = 2,
    max_samples: Annotated[
        int, typer.Option("--max-samples", help="Most samples one request may ask for.")
    ] = 200_000,
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Seconds one request may compute.")
    ] = 20.0,
) -> None:
    """Serve the web playground: every parameter as a control, live results, shareable links."""
    if not 1 <= workers <= 64:
        raise api.InputError("workers", "a whole number from 1 to 64", str(workers))
    if max_samples < 1:
        raise api.InputError("max_samples", "a whole number >= 1", str(max_samples))
    if not time_limit > 0:
        raise api.InputError("time_limit", "a number of seconds > 0", str(time_limit))
    try:
        import uvicorn

        from alignment_runway.web import Limits, create_app
    except ImportError as exc:
        raise api.InputError(
            "serve",
            "the web extra installed (pip install 'alignment-runway[web]')",
            f"no module {exc.name!r}",
        ) from None
    limits = Limits(samples=max_samples, seconds=time_limit, workers=workers)
    app = create_app(limits, store=store, preset=preset)
    sys.stderr.write(f"serving on http://{host}:{port}/ (Ctrl+C stops)\n")
    uvicorn.run(app, host=host, port=port, log_level="warning", limit_concurrency=256)
