"""Files the package writes: checks before a long run, and atomic writes that never clobber.

Errors name the field that gave the path (``out``, ``report``, ``figures``, ``figure``): each
interface shows it by its own label (the command line's ``--out``).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Sequence
from pathlib import Path

from alignment_runway.errors import OutputError

__all__ = [
    "check_name",
    "check_new_file",
    "check_writable",
    "exists_error",
    "remove_stale",
    "remove_stale_in",
    "temporary_name",
    "write_atomically",
]

#: Bytes a temporary file's name adds to the name of the file it becomes (see
#: ``temporary_name``): a name longer than the file system allows less this is refused.
_TMP_AFFIXES = 40


def temporary_name(path: Path) -> Path:
    """A fresh temporary file beside ``path``: ``.NAME.PID-RANDOM.tmp``.

    The writer's process id in the name lets ``remove_stale`` tell the leftovers of a
    killed writer from a file being written.
    """
    return path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(6)}.tmp")


def remove_stale(path: Path) -> None:
    """Remove the temporary files beside ``path`` left by writers that no longer run."""
    remove_stale_in(path.parent, f".{path.name}.")


def remove_stale_in(folder: Path, prefix: str = ".") -> None:
    """Remove the temporary files in ``folder`` (names starting ``prefix``) of dead writers.

    Only names of the form ``temporary_name`` gives are touched, and only when the process
    id in the name is of no running process.
    """
    try:
        entries = [e.name for e in os.scandir(folder)]
    except OSError:
        return
    for name in entries:
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        pid, dash, token = name.removesuffix(".tmp").rpartition(".")[2].partition("-")
        if dash and pid.isdigit() and len(token) == 12 and not _running(int(pid)):
            (folder / name).unlink(missing_ok=True)


def _running(pid: int) -> bool:
    """Whether a process with id ``pid`` runs on this machine."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process, or no signals here: assume it runs
        return True
    return True


def check_name(path: Path, field: str) -> None:
    """Check that ``path``'s name, and the names of its temporary files, fit the file system.

    Call it before anything else looks at ``path``: a name too long makes every look an error.

    Raises:
        OutputError: for a name longer than the file system allows, less ``_TMP_AFFIXES``.
    """
    try:
        longest = os.pathconf(path.parent, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        longest = 255
    size = len(os.fsencode(path.name))
    parts = [len(os.fsencode(part)) for part in path.parts]
    if size > longest - _TMP_AFFIXES or max(parts, default=0) > longest or sum(parts) > 4000:
        text = str(path)
        shown = repr(text) if len(text) <= 60 else f"{text[:60]!r}…"
        if size > longest - _TMP_AFFIXES:
            why = f"whose name has {size} bytes"
        elif max(parts) > longest:
            why = f"in a folder whose name has {max(parts)} bytes"
        else:
            why = f"a path of {sum(parts)} bytes"
        raise OutputError(
            field,
            f"a file name of at most {longest - _TMP_AFFIXES} bytes, in folders whose names "
            f"have at most {longest}",
            f"{shown}, {why}",
        )


def check_writable(
    path: Path, field: str, force: bool, expected: str = "a file that can be written"
) -> None:
    """Check that a new file at ``path`` can be created, by creating and removing one beside it.

    Catches a name too long for the file system, a folder that cannot be written (read-only,
    or a pseudo file system such as /proc) and a dangling symbolic link, before any work.

    Raises:
        OutputError: naming ``field``, the path and why.
    """
    check_name(path, field)
    if os.path.islink(path) and not path.exists() and not force:
        raise OutputError(
            field,
            "a new file (or {0} to overwrite)",
            f"{str(path)!r}, a symbolic link to a file that does not exist",
            related=("force",),
        )
    remove_stale(path)
    probe = temporary_name(path)
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        probe.unlink()
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise OutputError(field, expected, f"{str(path)!r}: {reason}") from None


def write_atomically(
    path: Path, force: bool, write: Callable[[Path], None], field: str = "out"
) -> None:
    """Write with ``write`` to a temporary file beside ``path``, then move it into place.

    ``field`` names the argument that gave ``path``, for error messages.

    Without ``force`` the move is a hard link, which fails when ``path`` appeared meanwhile,
    so an existing file is never replaced; on a file system without hard links it falls back
    to a check and a rename.

    Raises:
        OutputError: for a file that cannot be written, or that exists without ``force``.
    """
    tmp = temporary_name(path)
    remove_stale(path)
    try:
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        try:
            write(tmp)
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            if force:
                os.replace(tmp, path)
            else:
                _move_new(tmp, path, field)
        finally:
            tmp.unlink(missing_ok=True)
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise OutputError(field, "a file that can be written", f"{str(path)!r}: {reason}") from None


def _move_new(tmp: Path, path: Path, field: str) -> None:
    """Move ``tmp`` to ``path``, refusing to replace a file there."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise exists_error(path, field) from None
    except OSError:
        if path.exists():
            raise exists_error(path, field) from None
        os.replace(tmp, path)


def check_new_file(
    path: str | os.PathLike[str], field: str, suffixes: Sequence[str], force: bool
) -> Path:
    """Check that a new file can be written at ``path`` (before any work is done).

    Raises:
        OutputError: for a name not ending in one of ``suffixes``, a missing folder, an
            existing file without ``force``, or a file that cannot be created there (see
            ``check_writable``).
    """
    target = Path(path)
    check_name(target, field)
    if target.suffix.lower() not in suffixes:
        raise OutputError(field, f"a file ending in {' or '.join(suffixes)}", repr(str(target)))
    if not target.parent.is_dir():
        raise OutputError(
            field,
            "a file in an existing directory",
            f"{str(target)!r}, whose directory {str(target.parent)!r} does not exist",
        )
    if target.exists() and not force:
        raise exists_error(target, field)
    check_writable(target, field, force)
    return target


def exists_error(path: Path, field: str = "out") -> OutputError:
    """The error for a file that exists and may not be replaced."""
    return OutputError(
        field,
        "a new file (or {0} to overwrite)",
        f"{str(path)!r}, which already exists",
        related=("force",),
    )
