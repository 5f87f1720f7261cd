"""Seeds are 64-bit: what a run store keeps. A larger one is refused before the run."""

from __future__ import annotations

from collections.abc import Callable


def test_a_seed_past_64_bits_is_refused(cli_error: Callable[..., str]) -> None:
    line = cli_error("run", "--preset", "uncertain", "--samples", "10", "--seed", str(2**63))
    assert line == (
        "error: --seed: expected a whole number from 0 to 2**63 - 1 (a 64-bit seed); "
        f"received {2**63}"
    )
