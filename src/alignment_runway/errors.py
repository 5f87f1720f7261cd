"""The project's error types, and the one "did you mean" helper.

Every error a user can cause is an ``Error``: one line naming the field (a parameter such as
``compute.stock``, or an argument of the API such as ``samples``), what was expected, what was
received, and where (file:line when known). Errors below the interfaces speak of fields, never
of command-line flags or web parameters: each interface renders ``Error.message(labels)`` with
its own label for each field (the command line maps ``samples`` to ``--samples``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence

__all__ = [
    "Error",
    "InputError",
    "OutputError",
    "ScenarioError",
    "StoreError",
    "close_names",
    "did_you_mean",
    "suggestion",
]


class Error(ValueError):
    """Anything a user gave that cannot be used as given.

    Attributes:
        field: the field at fault ('' when none is): a parameter or an argument's name.
    """

    field: str = ""

    def message(self, labels: Mapping[str, str] | None = None) -> str:
        """The error as one line, each field shown by its label in ``labels`` (if any)."""
        return str(self)


class ScenarioError(Error):
    """A scenario (a file, a preset or a setting) that cannot be used.

    Its text names the parameter and where it was written.
    """

    def __init__(self, text: str, field: str = "") -> None:
        super().__init__(text)
        self.field = field


class InputError(Error):
    """A value of a field that cannot be used.

    ``expected``, ``received`` and ``hint`` may name other fields as ``{0}``, ``{1}``… of
    ``related`` (only then are they formatted); every interface shows them by its own labels.

    Attributes:
        field: the field (an argument's or a parameter's name).
        expected: what the field takes.
        received: what it was given.
        where: where it was given ('' when not from a file).
        hint: a clause that follows, such as "; did you mean x?".
        related: fields the hint names.
    """

    def __init__(
        self,
        field: str,
        expected: str,
        received: str,
        where: str = "",
        *,
        hint: str = "",
        related: Iterable[str] = (),
    ) -> None:
        self.field = field
        self.expected = expected
        self.received = received
        self.where = where
        self.hint = hint
        self.related = tuple(related)
        super().__init__(self.message())

    def message(self, labels: Mapping[str, str] | None = None) -> str:
        """The error as one line: ``[where: ]field: expected …; received …[hint]``."""
        labels = labels or {}
        label = labels.get(self.field, self.field)
        parts: tuple[str, ...] = (self.expected, self.received, self.hint)
        if self.related:
            shown = [labels.get(f, f) for f in self.related]
            parts = tuple(part.format(*shown) for part in parts)
        expected, received, hint = parts
        where = f"{self.where}: " if self.where else ""
        return f"{where}{label}: expected {expected}; received {received}{hint}"


class OutputError(InputError):
    """A file or folder that cannot be written (the field is the argument that named it)."""


class StoreError(Error):
    """A run store that cannot be opened, read or written, or a run it does not hold.

    Attributes:
        location: the store's URL or path.
        why: what is wrong with it.
    """

    field = "store"

    def __init__(self, location: str, why: str) -> None:
        self.location = location
        self.why = why
        super().__init__(self.message())

    def message(self, labels: Mapping[str, str] | None = None) -> str:
        """The error as one line: ``store 'LOCATION': why``."""
        label = (labels or {}).get(self.field, self.field)
        return f"{label}: {self.location!r}: {self.why}"


def close_names(name: str, known: Iterable[str], *, n: int = 1, cutoff: float = 0.6) -> list[str]:
    """Up to ``n`` known names close to ``name``, closest first."""
    return difflib.get_close_matches(name, list(known), n=n, cutoff=cutoff)


def suggestion(close: Sequence[str], *, quote: bool = False) -> str:
    """A "; did you mean …?" clause for the names in ``close`` ('' when there are none)."""
    shown = [repr(c) if quote else c for c in close]
    return f"; did you mean {' or '.join(shown)}?" if shown else ""


def did_you_mean(
    name: str, known: Iterable[str], *, n: int = 1, cutoff: float = 0.6, quote: bool = False
) -> str:
    """A "; did you mean …?" clause for an unknown name ('' when nothing known is close)."""
    return suggestion(close_names(name, known, n=n, cutoff=cutoff), quote=quote)
