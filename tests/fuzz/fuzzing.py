"""The fuzz tests' command line: one long-lived process under a memory limit (see runner.py).

Imported by the fuzz tests (pytest puts their folder on the path).

Each example is one command sent to that process; its answer is checked by ``assert_clear``.
A command that exhausts the memory limit ends in a clean refusal or an "internal error"
(caught as a failure); one that runs longer than ``HANG_S`` is a hang (the process is killed
and the example fails); one that kills the process (a segfault) fails too. Only a hang
reaches the timeout: no example is timed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

#: Bytes of address space the command line may map: room for numpy, scipy, pandas and
#: matplotlib and modest runs, far below what an unbounded run would take.
MEMORY_LIMIT = 4 * 2**30
#: Seconds one command may take before it counts as a hang.
HANG_S = 180.0
#: Examples each fuzz test tries: small for ``make test``, larger for ``make fuzz``.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))

Outcome = dict[str, Any]
Fuzz = Callable[..., Outcome]


def _limit_memory() -> None:  # in the child, before it starts Python
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


class Runner:
    """The runner process, restarted after it dies or hangs."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.process: subprocess.Popen[str] | None = None

    def _start(self) -> subprocess.Popen[str]:
        env = dict(os.environ)
        env.update(
            ALIGNMENT_RUNWAY_STORE=str(self.folder / "runs.sqlite"),
            COLUMNS="120",
            NO_COLOR="1",
            OPENBLAS_NUM_THREADS="1",
            OMP_NUM_THREADS="1",
            PYTHONUTF8="1",
            MPLBACKEND="Agg",
        )
        env.pop("ALIGNMENT_RUNWAY_DEBUG", None)
        return subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("runner.py"))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=env,
            preexec_fn=_limit_memory,
        )

    def call(self, args: Sequence[str], files: dict[str, str]) -> Outcome:
        if self.process is None or self.process.poll() is not None:
            self.process = self._start()
        process = self.process
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(json.dumps({"args": list(args), "files": files}) + "\n")
        process.stdin.flush()
        answer: list[str] = []
        output = process.stdout
        reader = threading.Thread(target=lambda: answer.append(output.readline()))
        reader.start()
        reader.join(HANG_S)
        if reader.is_alive() or not answer or not answer[0]:
            process.kill()
            _, err = process.communicate()  # closes the pipes
            self.process = None
            what = "hung" if reader.is_alive() else f"died (exit {process.returncode})"
            raise AssertionError(f"the command line {what} on {list(args)!r}:\n{err[-2000:]}")
        return dict(json.loads(answer[0]))

    def close(self) -> None:
        if self.process is not None:
            self.process.communicate(timeout=60)  # ends its input, reads the rest


#: What an error line names first: a flag, a file (and line), a setting, the store, a
#: scenario, a parameter: one word or path, then a colon.
_NAMED = re.compile(
    r"^error: (--[a-z-]+|[^\s:]+(:\d+)?|setting|[\w.-]+ \(with settings\)|runs)[: ]"
)


def assert_clear(outcome: Outcome, args: Sequence[str]) -> None:
    """A success (exit 0), or a clear error: exit 2, one line naming what is wrong.

    Never an internal error, a traceback or a warning from numpy before the error.
    """
    from hypothesis import event

    event(f"exit {outcome['code']}")  # shown by --hypothesis-show-statistics (make fuzz)
    err = outcome["stderr"]
    shown = f"args={list(args)!r}\nexit={outcome['code']}\nstderr={err[-3000:]}"
    assert "Traceback" not in err and "internal error" not in err, shown
    assert "Warning:" not in err, shown  # a RuntimeWarning (or any other) leaked to the user
    assert outcome["code"] in (0, 2), shown
    if outcome["code"] == 2:
        lines = [line for line in err.splitlines() if line.startswith("error: ")]
        assert len(lines) == 1, shown
        line = lines[0]
        assert _NAMED.match(line), shown
