"""A long-lived command line for the fuzz tests: one process runs many commands, in-process.

Started by ``conftest.py`` under a memory limit. Reads one JSON request a line from standard
input, ``{"args": [...], "files": {name: text}}``, writes the files into a fresh folder, runs
``alignment_runway.cli.main`` there with those arguments, and writes one JSON line back:
``{"code": exit code, "stdout": ..., "stderr": ...}``. A crash or a hang of a command shows
as this process dying or not answering, which the tests report.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
import warnings
from pathlib import Path


def _run(args: list[str], files: dict[str, str], folder: Path) -> dict[str, object]:
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    from alignment_runway.cli import main

    out, err = io.StringIO(), io.StringIO()
    code: object = 0
    previous = os.getcwd()
    os.chdir(folder)
    sys.argv = ["alignment-runway", *args]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            warnings.simplefilter("always", RuntimeWarning)  # as a fresh process shows them
            try:
                main()
            except SystemExit as exc:
                code = exc.code if exc.code is not None else 0
    finally:
        os.chdir(previous)
    return {"code": code, "stdout": out.getvalue(), "stderr": err.getvalue()}


def serve() -> None:
    """Answer requests until standard input ends."""
    for line in sys.stdin:
        request = json.loads(line)
        with tempfile.TemporaryDirectory(prefix="fuzz-") as folder:
            answer = _run(request["args"], request.get("files", {}), Path(folder))
        reply = sys.__stdout__
        assert reply is not None, "started without a standard output"
        reply.write(json.dumps(answer) + "\n")
        reply.flush()


if __name__ == "__main__":
    serve()
