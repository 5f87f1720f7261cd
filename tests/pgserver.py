"""A throwaway PostgreSQL server for the store's tests: Debian's ``postgresql``, on a socket.

``make test`` installs the package (as root; otherwise it stops with the one command to run).
The server's files and socket live in a fresh temporary folder; as root the server runs as
the ``postgres`` user (PostgreSQL refuses to run as root). It listens on no TCP address, and
it is stopped (``pg_ctl stop -m immediate``) when the context ends, whatever the tests did.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

INSTALL = "sudo apt-get install postgresql"


def _bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if not found:
        pytest.fail(
            f"PostgreSQL is needed to test the run store on it: run '{INSTALL}' "
            "(make test does it when run as root)"
        )
    return Path(found[-1]).parent


def _version(path: str) -> int:
    part = Path(path).parent.parent.name
    return int(part) if part.isdigit() else 0


def _as_owner(command: list[str]) -> list[str]:
    """Run as ``postgres`` when this process is root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _run(command: list[str]) -> None:
    done = subprocess.run(
        _as_owner(command), capture_output=True, text=True, check=False, timeout=120
    )
    if done.returncode != 0:
        pytest.fail(f"{' '.join(command)} failed: {done.stdout}{done.stderr}")


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a server; yield a SQLAlchemy URL of its ``postgres`` database; stop it."""
    binaries = _bin()
    folder = Path(tempfile.mkdtemp(prefix="alignment-runway-pg-"))
    data, sockets = folder / "data", folder / "socket"
    sockets.mkdir()
    if os.geteuid() == 0:
        for path in (folder, sockets):
            shutil.chown(path, "postgres", "postgres")
    port = _free_port()
    try:
        _run([str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
              "-E", "UTF8", "--no-sync"])  # fmt: skip
        options = f"-k {sockets} -p {port} -c listen_addresses='' -c fsync=off"
        _run([str(binaries / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w",
              "-t", "60", "-o", options, "start"])  # fmt: skip
        try:
            yield f"postgresql+psycopg://postgres@/postgres?host={sockets}&port={port}"
        finally:
            subprocess.run(
                _as_owner([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate",
                           "-w", "stop"]),
                capture_output=True, check=False, timeout=120,
            )  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def fresh_database(server_url: str) -> str:
    """A new, empty database on the server; its URL."""
    import sqlalchemy as sa

    name = f"runs_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server_url.replace("@/postgres?", f"@/{name}?")
