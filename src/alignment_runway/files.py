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

__all__ = ["check_new_file", "exists_error", "write_atomically"]


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
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
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
        OutputError: for a name not ending in one of ``suffixes``, a missing folder, or an
            existing file without ``force``.
    """
    target = Path(path)
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
    return target


def exists_error(path: Path, field: str = "out") -> OutputError:
    """The error for a file that exists and may not be replaced."""
    return OutputError(
        field,
        "a new file (or {0} to overwrite)",
        f"{str(path)!r}, which already exists",
        related=("force",),
    )
