"""``serve``: bad options are one error line naming the flag, before anything is served."""

from __future__ import annotations

from collections.abc import Callable

import pytest


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--workers", "0"), "--workers: expected a whole number from 1 to 64; received 0"),
        (("--max-samples", "0"), "--max-samples: expected a whole number >= 1; received 0"),
        (("--time-limit", "-1"), "--time-limit: expected a number of seconds > 0; received -1"),
        (("--preset", "nope"), "unknown preset 'nope'"),
    ],
)
def test_bad_serve_options(
    cli_error: Callable[..., str], args: tuple[str, ...], expected: str
) -> None:
    assert expected in cli_error("serve", *args)
