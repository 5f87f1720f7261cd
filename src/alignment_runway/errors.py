"""The project's error types.

Each message names the parameter or file, what was expected, what was received, and where, so
that interfaces can show it as one line.
"""

from __future__ import annotations

__all__ = ["ScenarioError"]


class ScenarioError(ValueError):
    """A scenario, a value or a command-line setting that cannot be used as given."""
