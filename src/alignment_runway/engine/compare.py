"""Compare scenarios paired by common random numbers (SPEC §11).

Every side runs with one seed and one sample count. An input's draws depend only on the seed,
its block and its name, so sample ``i`` of every side shares the draws of each input the sides
share; what differs between them is what the scenarios change. Inputs a side draws differently
(uncertain on one side only, another distribution, other correlations) are named.

Under randomized quasi-Monte Carlo (``method="qmc"``) input ``k`` of a scenario's uncertain
inputs is Sobol' dimension ``k``, so the sides share their draws only when they have the same
uncertain inputs in the same order; when they do not, the comparison samples plainly instead,
with a note naming the inputs that differ.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from alignment_runway.engine.checks import (
    STEPS,
    check_memory,
    check_numeric_outputs,
    check_requirement,
)
from alignment_runway.engine.evaluate import race_inputs
from alignment_runway.engine.runs import (
    DEFAULT_MONTHS,
    check_sampled_method,
    default_samples,
    sample_outputs,
)
from alignment_runway.errors import InputError
from alignment_runway.results.compared import Comparison, Difference, Side
from alignment_runway.sampling import DEFAULT_SEED
from alignment_runway.scenarios import Scenario

if TYPE_CHECKING:
    from alignment_runway.store import Store

__all__ = [
    "MAX_SIDES",
    "compare",
    "compare_sources",
    "default_outputs",
    "load_side",
    "qmc_mismatch",
    "side_settings",
]

#: Most scenarios one comparison runs side by side (each keeps its outputs' samples).
MAX_SIDES = 10
#: Outputs that are categories, not numbers: nothing to pair.
_PREFIXES = ("preset:", "run:")


def load_side(
    source: str,
    label: str,
    settings: Sequence[str] = (),
    open_store: Callable[[], Store] | None = None,
) -> Side:
    """A side from ``source``: a scenario file, ``preset:NAME`` or ``run:ID`` (a recorded run).

    Args:
        source: as above.
        label: the side's label (``A``, ``B``, …).
        settings: ``NAME=VALUE`` settings applied on top, as ``--set`` would.
        open_store: opens the run store, for ``run:ID`` (called only then).

    Raises:
        InputError: for a source that is none of these, or an unknown run id.
        ScenarioError: for a scenario that cannot be read.
    """
    from alignment_runway.scenarios.loader import load_file, load_preset, load_text, with_settings

    seed = samples = None
    if source.startswith("preset:"):
        scenario = load_preset(source.removeprefix("preset:"))
    elif source.startswith("run:"):
        text = source.removeprefix("run:")
        if not text.isdigit() or open_store is None:
            raise InputError(
                "sides", "run:ID with the id of a recorded run (a whole number)", repr(source)
            )
        store = open_store()
        entry = store.get(int(text))
        scenario = load_text(entry.scenario_text, entry.scenario_name)
        seed, samples = int(entry.options["seed"]), int(entry.options["samples"])
    elif source and not source.startswith(_PREFIXES):
        if not Path(source).is_file():
            raise InputError(
                "sides",
                "a scenario file, preset:NAME or run:ID",
                f"{source!r}, which is not a file",
            )
        scenario = load_file(source)
    else:
        raise InputError("sides", "a scenario file, preset:NAME or run:ID", repr(source))
    if settings:
        scenario = with_settings(scenario, list(settings))
    return Side(label, source, scenario, seed, samples)


def side_settings(settings: Sequence[str], sides: int) -> list[list[str]]:
    """Split ``--set`` style settings by side: ``K:NAME=VALUE`` for side K (1-based), else all.

    Raises:
        InputError: for a side number outside 1 … ``sides``.
    """
    by_side: list[list[str]] = [[] for _ in range(sides)]
    for item in settings:
        head, sep, rest = item.partition(":")
        if sep and head.strip().isdigit() and "=" not in head:
            k = int(head)
            if not 1 <= k <= sides:
                raise InputError(
                    "settings", f"a side number from 1 to {sides} before ':'", repr(item)
                )
            by_side[k - 1].append(rest)
        else:
            for chosen in by_side:
                chosen.append(item)
    return by_side


def default_outputs(scenarios: Sequence[Scenario]) -> list[str]:
    """The research in the window, and P(success) when every scenario sets a requirement."""
    outputs = ["race.research"]
    if all(s.value("race.required_research") is not None for s in scenarios):
        outputs.append("race.success")
    return outputs


def _check(sides: Sequence[Side], outputs: Sequence[str]) -> None:
    if not 2 <= len(sides) <= MAX_SIDES:
        raise InputError(
            "sides", f"2 to {MAX_SIDES} scenarios to compare", f"{len(sides)} scenario(s)"
        )
    check_numeric_outputs(outputs)


def _differences(sides: Sequence[Side], kind: str) -> list[Difference]:
    """The inputs each side draws differently from the baseline."""

    def drawn(scenario: Scenario) -> dict[str, object]:
        return dict(race_inputs(scenario) if kind == "race" else scenario.uncertain())

    def correlated(scenario: Scenario) -> dict[str, tuple[tuple[str, float], ...]]:
        out: dict[str, list[tuple[str, float]]] = {}
        for c in scenario.correlations:
            a, b = c.pair
            out.setdefault(a, []).append((b, c.rho))
            out.setdefault(b, []).append((a, c.rho))
        return {name: tuple(sorted(pairs)) for name, pairs in out.items()}

    base = sides[0]
    base_drawn, base_corr = drawn(base.scenario), correlated(base.scenario)
    found = []
    for side in sides[1:]:
        other, corr = drawn(side.scenario), correlated(side.scenario)
        for name in dict.fromkeys([*base_drawn, *other]):
            if name not in other:
                how = f"uncertain in {base.label} only"
            elif name not in base_drawn:
                how = f"uncertain in {side.label} only"
            elif base_drawn[name] != other[name]:
                how = "drawn from another distribution"
            elif base_corr.get(name, ()) != corr.get(name, ()):
                how = "correlated differently"
            else:
                continue
            found.append(Difference(side.label, name, how))
    return found


def qmc_mismatch(sides: Sequence[Side], kinds: Sequence[str]) -> str | None:
    """Why the sides cannot share quasi-random points, naming the inputs; None when they can.

    A qmc draw of input ``k`` (in the scenario's order of uncertain inputs; a race's theft draw
    last) is Sobol' dimension ``k``: the sides pair only with the same inputs in the same order.
    """

    def dimensions(scenario: Scenario, kind: str) -> tuple[str, ...]:
        return tuple(race_inputs(scenario) if kind == "race" else scenario.uncertain())

    base = sides[0]
    for kind in kinds:
        ours = dimensions(base.scenario, kind)
        for side in sides[1:]:
            theirs = dimensions(side.scenario, kind)
            if theirs == ours:
                continue
            only_a = [n for n in ours if n not in theirs]
            only_b = [n for n in theirs if n not in ours]
            parts = [f"{', '.join(only_a)} uncertain in {base.label} only"] if only_a else []
            if only_b:
                parts.append(f"{', '.join(only_b)} uncertain in {side.label} only")
            if not parts:
                parts.append(f"the same inputs in another order ({', '.join(theirs)})")
            return (
                f"method qmc needs every side to have the same uncertain inputs in the same "
                f"order (one Sobol' dimension each), and {side.label} differs from "
                f"{base.label}: {'; '.join(parts)}; every side was therefore sampled plainly "
                "(method sample), which keeps common random numbers for the inputs they share"
            )
    return None


def compare(
    sides: Sequence[Side],
    outputs: Sequence[str] | None = None,
    samples: int | None = None,
    seed: int | None = None,
    *,
    months: float = DEFAULT_MONTHS,
    step: str = "month",
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    method: str = "sample",
) -> Comparison:
    """Run every side with one seed and sample count and keep the outputs' paired samples.

    The seed and sample count are, unless given, the first side's when it is a recorded run,
    else the default seed and the most samples any side would draw by default. With
    ``method="qmc"`` the sides share their Sobol' points when their uncertain inputs are the
    same (``qmc_mismatch``); otherwise they are sampled plainly, and a note says why.

    Raises:
        InputError: for fewer than 2 or more than ``MAX_SIDES`` sides, an unknown or
            categorical output, bad sampling options, or method exact or auto.
        ScenarioError: for a scenario that cannot run.
    """
    chosen = list(outputs) if outputs else default_outputs([s.scenario for s in sides])
    chosen = list(dict.fromkeys(chosen))
    _check(sides, chosen)
    lacking = [s.label for s in sides if s.scenario.value("race.required_research") is None]
    check_requirement(chosen, [f"side {label}" for label in lacking])
    first = sides[0]
    if seed is None:
        seed = first.seed if first.seed is not None else DEFAULT_SEED
    racing = [name for name in chosen if name.startswith("race.")]
    static = [name for name in chosen if not name.startswith("race.")]
    kind = "race" if racing else "run"
    if samples is None:
        samples = (
            first.samples
            if first.samples is not None
            else max(default_samples(s.scenario, kind) for s in sides)
        )
    if step not in STEPS:
        raise InputError("step", f"one of {', '.join(STEPS)}", repr(step))
    check_sampled_method(method, "comparison")
    notes: list[str] = []
    if method == "qmc":
        mismatch = qmc_mismatch(sides, ["run"] * bool(static) + ["race"] * bool(racing))
        if mismatch is not None:
            method = "sample"
            notes.append(mismatch)
    if isinstance(samples, int) and not isinstance(samples, bool) and samples > 0:
        # every side's outputs are held together; a comparison has no --keep
        check_memory(samples, len(chosen) * len(sides), can_keep=False)
    values: dict[str, list[NDArray[np.float64]]] = {name: [] for name in chosen}
    randomizations = 0
    for side in sides:
        held, randomizations = sample_outputs(
            side.scenario, chosen, samples, seed, months=months, step=step, method=method,
            workers=workers, progress=progress,
        )  # fmt: skip
        for name in chosen:
            values[name].append(held[name])
    return Comparison(
        sides=tuple(sides),
        kind=kind,
        samples=samples,
        seed=seed,
        months=months,
        step=step,
        outputs=tuple(chosen),
        values={name: tuple(arrays) for name, arrays in values.items()},
        differences=tuple(_differences(sides, kind)),
        method=method,
        randomizations=randomizations,
        notes=tuple(notes),
    )


def compare_sources(
    sides: Sequence[str | Scenario],
    outputs: Sequence[str] | None = None,
    samples: int | None = None,
    seed: int | None = None,
    *,
    settings: Sequence[str] = (),
    months: float = DEFAULT_MONTHS,
    step: str = "month",
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    store: str | None = None,
    method: str = "sample",
) -> Comparison:
    """Compare scenarios sample by sample, the first the baseline (SPEC §11).

    Every side runs with one seed and sample count, so each sample of each side shares the
    draws of every input the sides share (common random numbers); ``Comparison.paired`` and
    ``views.compare_view`` summarise B/A, B − A, P(B > A) and P(B = A) with Monte Carlo
    errors.

    Args:
        sides: scenarios, or text: a scenario file, ``preset:NAME`` or ``run:ID`` (a run
            recorded in ``store``, rerun at the first side's seed and sample count).
        outputs: model outputs to compare; by default race.research (and race.success when
            every side sets race.required_research). Race outputs run a race, others a run.
        samples: by default the first side's when it is a recorded run, else the most
            samples any side would draw.
        seed: by default the first side's when it is a recorded run, else ``DEFAULT_SEED``.
        settings: ``NAME=VALUE`` for every side, or ``K:NAME=VALUE`` for side K (from 1).
        months: as in ``race``.
        step: as in ``race``.
        workers: as in ``race``.
        progress: as in ``race`` (called for every side's samples).
        store: the store ``run:ID`` sides are read from (default: ``default_store()``).
        method: ``"sample"`` (default) or ``"qmc"``: randomized quasi-Monte Carlo when every
            side has the same uncertain inputs in the same order (they then share their
            Sobol' points); else every side is sampled plainly and a note names the inputs
            that differ. ``"exact"`` and ``"auto"`` are refused (a comparison pairs samples).

    Raises:
        InputError: for bad sides, outputs or options; ScenarioError: for a scenario that
        cannot be read or run; StoreError: for a store that cannot be opened.
    """
    from alignment_runway.engine.recorded import open_store
    from alignment_runway.scenarios.loader import with_settings

    per_side = side_settings(settings, len(sides))
    chosen = []
    for k, (given, extra) in enumerate(zip(sides, per_side, strict=True)):
        label = chr(ord("A") + k) if k < 26 else f"S{k + 1}"
        if isinstance(given, Scenario):
            scenario = with_settings(given, extra) if extra else given
            chosen.append(Side(label, given.name, scenario))
        else:
            chosen.append(load_side(given, label, extra, lambda: open_store(store, create=False)))
    return compare(
        chosen,
        outputs,
        samples,
        seed,
        months=months,
        step=step,
        workers=workers,
        progress=progress,
        method=method,
    )
