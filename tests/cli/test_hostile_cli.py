"""Hostile and clumsy use of the command line: refused at once, in one line, before any work.

Each case is a regression test of a way a command could run away, crash after printing its
results, or leave files behind (see also tests/unit/test_hardening.py and tests/fuzz).
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

CliError = Callable[..., str]


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (("race", "--preset", "race", "--months", "1e10", "--no-store"), ("--months", "1200")),
        (("sensitivity", "--preset", "race", "--months", "1e11"), ("--months", "1200")),
        (("run", "--preset", "uncertain", "--workers", "100000"), ("--workers", "per CPU")),
        (("run", "--preset", "uncertain", "-n", "100", "--seed", str(2**63)), ("--seed", "2**63")),
        (
            (
                "sensitivity",
                "--preset",
                "uncertain",
                "--method",
                "sobol",
                "--input",
                "compute.stock",
                "--samples",
                str(2**40),
            ),
            ("--samples", "memory"),
        ),
        (
            (
                "sensitivity",
                "--preset",
                "uncertain",
                "--method",
                "rank",
                "--samples",
                "200",
                "--output",
                "race.lead_at_pause",
            ),
            ("--output", "race.lead_at_pause", "same value in every sample"),
        ),
        (("run", "-n", "10", "--out", "a" * 300 + ".csv"), ("--out", "file name of at most")),
        (("run", "-n", "10", "--store", ""), ("--store", "received none")),
        (
            ("run", "-n", "10", "--store", "typo/dir/runs.sqlite"),
            ("--store", "does not exist: create it first"),
        ),
        (
            ("run", "-n", "10", "--no-store", "--above", "static.research_per_month=9**9**9"),
            ("--above", "power"),
        ),
    ],
)
def test_refused_before_any_work(
    cli_error: CliError, tmp_path: Path, args: tuple[str, ...], names: tuple[str, ...]
) -> None:
    line = cli_error(*args)
    assert all(name in line for name in names), line
    assert not (tmp_path / "typo").exists()


def test_a_dangling_link_is_refused_before_the_run(cli_error: CliError, tmp_path: Path) -> None:
    (tmp_path / "x.csv").symlink_to(tmp_path / "gone" / "x.csv")
    line = cli_error("run", "-n", "10", "--no-store", "--out", "x.csv")
    assert "--out" in line and "symbolic link" in line


def _full_disk() -> None:  # in the child: files beyond 64 KiB fail as on a full disk
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))


def test_a_netcdf_export_into_a_full_disk_is_an_error_and_leaves_nothing(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", COLUMNS="200", NO_COLOR="1")
    args = ["run", "--preset", "uncertain", "-n", "20000", "--no-store"]
    done = subprocess.run(
        [sys.executable, "-m", "alignment_runway", *args, "--out", "x.nc", "--what", "samples"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,  # a hang guard only
        preexec_fn=_full_disk,
    )
    shown = f"exit={done.returncode}\nstderr={done.stderr}"
    assert done.returncode == 2, shown  # not a crash (139) nor an internal error (1)
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, shown
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: --out: expected a file that can be written"), shown
    assert list(tmp_path.iterdir()) == []
