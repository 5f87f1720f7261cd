"""The memory guard counts the kept arrays and the summary's work copy, and refuses at once."""

from __future__ import annotations

import pytest

from alignment_runway import api
from alignment_runway.cli.common import FLAGS
from alignment_runway.engine import checks


def _machine(monkeypatch: pytest.MonkeyPatch, nbytes: float) -> None:
    """A process that can still take ``nbytes`` of memory (see ``resources``)."""
    monkeypatch.setattr(checks, "available_memory", lambda: int(nbytes))


def test_the_summary_copy_is_counted_and_the_refusal_comes_before_any_sample(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    samples, kept = 1_000_000, ["static.labor", "static.parameters"]
    # the two kept arrays fit in 80% of this memory; with the summary's copy they do not
    _machine(monkeypatch, samples * 8 * 2.5 / 0.8)
    finished: list[int] = []
    with pytest.raises(api.InputError) as caught:
        api.run(
            api.load_scenario(preset="uncertain"),
            samples,
            keep=kept,
            progress=finished.append,
        )
    assert finished == []  # refused before it started
    text = caught.value.message(FLAGS)
    assert "2 kept arrays (and 1 to summarise them)" in text and "--keep" in text


def test_a_run_that_fits_with_its_summary_copy_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    samples = 20_000
    _machine(monkeypatch, samples * 8 * 3.1 / 0.8)
    result = api.run(
        api.load_scenario(preset="uncertain"), samples, keep=["static.labor", "static.parameters"]
    )
    assert result.values["static.labor"].size == samples
