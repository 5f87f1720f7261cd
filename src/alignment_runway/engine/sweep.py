"""Sweep a grid of scenarios (SPEC §11): every cell a full run or race with the same seed.

A grid axis is one parameter and its values: ``NAME=v1,v2,…`` (values as ``--set`` takes them,
each one value), ``NAME=lo..hi:n`` (``n`` values evenly spaced) or ``NAME=lo..hi:n:log``
(evenly spaced in the logarithm). The cells are every combination, the first axis varying
slowest. Each cell keeps only the summaries of the outputs asked for (its samples are dropped as
soon as they are summarised), so a sweep's memory is one cell's samples, not the grid's; a cell
of more than ``STREAM_SAMPLES`` samples is streamed (``engine.streamed``): summarised a slab at
a time in two passes, so its memory does not grow with its samples, unless its samples are kept
or it draws quasi-Monte Carlo points (whose errors come from each randomization's samples).

With ``method="qmc"`` every cell draws randomized quasi-Monte Carlo points: a swept parameter is
a point value in every cell, so the cells keep the same uncertain inputs and so the same Sobol'
points. The one exception is a race swept over ``race.theft_rate`` down to 0: cells where theft
is impossible draw no theft time, and a scrambled Sobol' sequence of one dimension fewer is
another sequence, not a projection of the same one. Such a sweep samples plainly (whose draws
are per input name, so the cells still share them), with a note.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np

from alignment_runway.analysis import replicates as rq
from alignment_runway.analysis.streamed import planned_passes
from alignment_runway.engine.checks import (
    STEPS,
    check_memory,
    check_numeric_outputs,
    check_requirement,
)
from alignment_runway.engine.evaluate import may_be_missing, race_inputs
from alignment_runway.engine.runs import check_sampled_method, randomizations_for, sample_outputs
from alignment_runway.engine.streamed import (
    STREAM_SAMPLES,
    race_job,
    static_job,
    streamed,
)
from alignment_runway.errors import Error, InputError
from alignment_runway.results.runs import DEFAULT_PERCENTILES
from alignment_runway.results.swept import Axis, CellSummary, OutputSummaryCell, Plan, Sweep
from alignment_runway.sampling import WorkerLost
from alignment_runway.scenarios import Scenario, with_settings
from alignment_runway.scenarios.specs import get_spec
from alignment_runway.scenarios.values import parse_value
from alignment_runway.units import factor

__all__ = [
    "MAX_AXES",
    "MAX_CELLS",
    "STREAM_SAMPLES",
    "MapCells",
    "Plan",
    "cell_samples",
    "local_cell_mapper",
    "parse_axis",
    "plan",
    "run_cell",
    "sweep",
]

#: Most grid axes, most values on one axis and most cells in all.
MAX_AXES = 4
MAX_VALUES = 1_000
MAX_CELLS = 10_000
#: Rough throughput per worker for the cost estimate (benchmarks/RESULTS.md, measured on a
#: quiet 2-core machine: a run of the static model about 1e7 samples a second per core with
#: its summaries; race cells about 6e7 sample-months, planned at 5e7 to leave room).
_RUN_SAMPLES_PER_S = 1e7
_RACE_SAMPLE_MONTHS_PER_S = 5e7
#: Runs a function over cells elsewhere (a Dask cluster), yielding results as they finish.
MapCells = Callable[
    [Callable[[tuple[int, ...]], CellSummary], Sequence[tuple[int, ...]]], Iterable[CellSummary]
]
_RANGE = re.compile(r"^(?P<lo>.+?)\.\.(?P<hi>.+?):(?P<n>[^:]+)(?::(?P<scale>[a-z]+))?$")
_NUMBER_UNIT = re.compile(r"^\s*([-+]?[0-9.]+(?:[eE][-+]?[0-9]+)?)\s*(.*?)\s*$")


def _axis_error(text: str, expected: str) -> InputError:
    return InputError("grid", expected, repr(text))


def parse_axis(text: str) -> Axis:
    """One grid axis from ``NAME=v1,v2,…``, ``NAME=lo..hi:n`` or ``NAME=lo..hi:n:log``.

    Raises:
        InputError: for a malformed axis, an unknown parameter, a bad count or scale, or a
            value that is not one value of the parameter (the parameter is named).
    """
    name, sep, values = text.partition("=")
    name, values = name.strip(), values.strip()
    if not sep or not name or not values:
        raise _axis_error(text, "NAME=v1,v2,... or NAME=lo..hi:n[:log]")
    try:
        spec = get_spec(name)
    except Exception as error:  # an unknown name, with its suggestions
        raise InputError("grid", "a parameter name before '='", f"{name!r}: {error}") from None
    if spec.is_list:
        raise _axis_error(text, f"a parameter with one value ({name} is a list)")
    ranged = _RANGE.match(values)
    if ranged:
        texts, canonical = _range_values(spec.name, ranged, text)
    else:
        texts = [v.strip() for v in values.split(",")]
        if any(not t for t in texts):
            raise _axis_error(text, "values separated by commas, none empty")
        canonical = [_point(spec.name, t) for t in texts]
    if not 1 <= len(texts) <= MAX_VALUES:
        raise _axis_error(text, f"1 to {MAX_VALUES:,} values")
    if len(set(canonical)) != len(canonical):
        raise _axis_error(text, "distinct values")
    scale = factor(spec.unit, spec.display_unit)
    return Axis(
        name=spec.name,
        unit=spec.display_unit,
        values=tuple(v * scale for v in canonical),
        texts=tuple(texts),
    )


def _point(name: str, text: str) -> float:
    value = parse_value(get_spec(name), text, "grid")
    if not isinstance(value, float):
        raise InputError("grid", f"one value of {name} per grid point (not a range)", repr(text))
    return value


def _range_values(name: str, match: re.Match[str], text: str) -> tuple[list[str], list[float]]:
    lo_text, hi_text = match["lo"].strip(), match["hi"].strip()
    lo_parts, hi_parts = _NUMBER_UNIT.match(lo_text), _NUMBER_UNIT.match(hi_text)
    if lo_parts and hi_parts and not lo_parts.group(2) and hi_parts.group(2):
        lo_text = f"{lo_text} {hi_parts.group(2)}"  # "3..24 months": both in months
    try:
        n = int(match["n"])
    except ValueError:
        raise _axis_error(text, "a whole number of values after ':'") from None
    scale = match["scale"]
    if scale not in (None, "log"):
        raise _axis_error(text, "lo..hi:n, or lo..hi:n:log for log-spaced values")
    if not 2 <= n <= MAX_VALUES:
        raise _axis_error(text, f"2 to {MAX_VALUES:,} values in a range")
    lo, hi = _point(name, lo_text), _point(name, hi_text)
    if scale == "log":
        if lo <= 0 or hi <= 0:
            raise _axis_error(text, "a log-spaced range above 0")
        values = [float(v) for v in np.geomspace(lo, hi, n)]
    else:
        values = [float(v) for v in np.linspace(lo, hi, n)]
    unit = get_spec(name).unit
    texts = [f"{v!r} {unit}".strip() for v in values]
    return texts, [_point(name, t) for t in texts]


def plan(
    scenario: Scenario,
    axes: Sequence[Axis],
    outputs: Sequence[str],
    samples: int,
    seed: int,
    months: float,
    step: str,
    method: str = "sample",
) -> Plan:
    """Check a sweep and work out its cells and cost, before anything runs.

    Raises:
        InputError: for no or too many axes, an axis given twice, too many cells, an unknown
            or categorical output, a bad step, method exact or auto, or qmc samples that are
            not a multiple of the randomizations.
    """
    if not 1 <= len(axes) <= MAX_AXES:
        raise InputError("grid", f"1 to {MAX_AXES} grid axes", f"{len(axes)}")
    names = [a.name for a in axes]
    if len(set(names)) != len(names):
        raise InputError("grid", "each parameter on one axis", ", ".join(names))
    count = math.prod(len(a.values) for a in axes)
    if count > MAX_CELLS:
        raise InputError("grid", f"at most {MAX_CELLS:,} cells", f"{count:,} cells")
    check_numeric_outputs(outputs)
    if step not in STEPS:
        raise InputError("step", f"one of {', '.join(STEPS)}", repr(step))
    check_sampled_method(method, "sweep")
    kind = "race" if any(n.startswith("race.") for n in outputs) else "run"
    drawn = _drawn_by_cell(scenario, axes, kind)
    notes = []
    if method == "qmc" and len(set(drawn)) > 1:
        notes.append(
            "method qmc needs every cell to draw the same inputs, and cells with "
            "race.theft_rate 0 draw no theft time: every cell samples plainly instead "
            "(common random numbers by input name)"
        )
        method = "sample"
    randomizations_for(method, bool(drawn[0]), samples)
    swept_requirement = any(a.name == "race.required_research" for a in axes)
    if scenario.value("race.required_research") is None and not swept_requirement:
        check_requirement(outputs, [f"the {scenario.name} scenario"])
    swept = set(names)
    dropped = [c for c in scenario.correlations if swept & {c.first, c.second}]
    if dropped:
        pairs = "; ".join(f"{c.first} with {c.second}" for c in dropped)
        notes.append(
            f"a swept input takes one value per cell, so its correlations are dropped: {pairs}"
        )
        kept = tuple(c for c in scenario.correlations if c not in dropped)
        scenario = dataclasses.replace(scenario, correlations=kept)
    per_cell = samples * (months if kind == "race" else 1.0)
    rate = _RACE_SAMPLE_MONTHS_PER_S if kind == "race" else _RUN_SAMPLES_PER_S
    if method == "sample" and samples > STREAM_SAMPLES:  # streamed cells draw twice or more
        rate /= planned_passes(samples, DEFAULT_PERCENTILES)
    cells = tuple(itertools.product(*(range(len(a.values)) for a in axes)))
    return Plan(
        scenario,
        tuple(axes),
        kind,
        tuple(dict.fromkeys(outputs)),
        samples,
        seed,
        months,
        step,
        cells,
        per_cell * count,
        per_cell * count / rate,
        tuple(notes),
        method,
    )


def _drawn_by_cell(scenario: Scenario, axes: Sequence[Axis], kind: str) -> list[tuple[str, ...]]:
    """The uncertain inputs the cells draw, by name: the first cell's, or one per theft rate.

    A swept parameter is a point in every cell. The one setting that adds or removes an input
    of its own is ``race.theft_rate`` (the theft time's quantile, drawn where theft is
    possible), so a swept theft rate gives one entry per value.
    """
    first = [f"{a.name}={a.texts[0]}" for a in axes]
    variants = [first]
    for k, axis in enumerate(axes):
        if axis.name == "race.theft_rate":
            variants = [[*first[:k], f"{axis.name}={t}", *first[k + 1 :]] for t in axis.texts]
    drawn = []
    for settings in variants:
        try:
            cell = with_settings(scenario, settings)
        except Error:
            cell = scenario  # the cell's own run names what is wrong with it
        drawn.append(tuple(race_inputs(cell) if kind == "race" else cell.uncertain()))
    return drawn


def streams(plan: Plan, keep_samples: bool = False, stream_above: int = STREAM_SAMPLES) -> bool:
    """Whether the plan's cells stream: more than ``stream_above`` samples, none kept, sampled.

    Quasi-Monte Carlo cells are held: their errors come from each randomization's samples. So
    are cells with an output that can be missing (``tasks.*``, ``race.efficiency_gain``):
    their summaries leave the missing samples out, which the streamed ranks do not.
    """
    return (
        not keep_samples
        and plan.method == "sample"
        and plan.samples > stream_above
        and not any(may_be_missing(name) for name in plan.outputs)
    )


def cell_samples(
    plan: Plan,
    qs: Sequence[float],
    keep_samples: bool = False,
    stream_above: int = STREAM_SAMPLES,
) -> int:
    """The samples a cell counts on a progress bar: each pass of its run and of its race."""
    kinds = len({name.startswith("race.") for name in plan.outputs})
    streamed = streams(plan, keep_samples, stream_above)
    passes = planned_passes(plan.samples, qs) if streamed else 1
    return plan.samples * kinds * passes


def run_cell(
    plan: Plan,
    cell: Sequence[int],
    qs: Sequence[float],
    *,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    keep_samples: bool = False,
    stream_above: int = STREAM_SAMPLES,
) -> CellSummary:
    """Run one cell and summarise its outputs (its samples are then dropped, unless kept).

    A cell of more than ``stream_above`` samples, its samples not kept, is streamed: the
    same summaries, holding one slab at a time (``engine.streamed``).

    Raises:
        ScenarioError: for a cell whose scenario cannot run (the cell's settings are named).
    """
    scenario = with_settings(plan.scenario, plan.settings(cell))
    if streams(plan, keep_samples, stream_above):
        static = [n for n in plan.outputs if not n.startswith("race.")]
        racing = [n for n in plan.outputs if n.startswith("race.")]
        jobs = []
        if static:
            jobs.append(static_job(scenario, static, plan.samples, plan.seed))
        if racing:
            jobs.append(race_job(scenario, racing, plan.samples, plan.seed, plan.months, plan.step))
        summaries = {
            name: OutputSummaryCell(mean, dict(zip(qs, found, strict=True)))
            for job in jobs
            for name, (mean, found) in streamed(
                scenario, job, qs, workers=workers, progress=progress
            ).items()
        }
        return CellSummary(tuple(cell), {name: summaries[name] for name in plan.outputs})
    values, randomizations = sample_outputs(
        scenario, plan.outputs, plan.samples, plan.seed, months=plan.months, step=plan.step,
        method=plan.method, workers=workers, progress=progress,
    )  # fmt: skip
    return CellSummary(
        tuple(cell),
        {name: _summary(x, qs, randomizations) for name, x in values.items()},
        values if keep_samples else None,
    )


def _summary(x: np.ndarray, qs: Sequence[float], randomizations: int) -> OutputSummaryCell:
    """One output of a cell: mean and percentiles of its present samples (as a run's)."""
    found = rq.summary_percentiles(x, qs, randomizations)
    return OutputSummaryCell(rq.summary_mean(x, randomizations), dict(zip(qs, found, strict=True)))


def local_cell_mapper(workers: int) -> MapCells:
    """Run cells in ``workers`` forked processes, yielding each summary as it finishes.

    Raises:
        WorkerLost: when a process ends without finishing its cell (killed, out of memory).
    """

    def map_cells(
        run: Callable[[tuple[int, ...]], CellSummary], cells: Sequence[tuple[int, ...]]
    ) -> Iterator[CellSummary]:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed
        from concurrent.futures.process import BrokenProcessPool

        pool = ProcessPoolExecutor(
            min(workers, len(cells)), mp_context=multiprocessing.get_context("fork")
        )
        try:
            futures = [pool.submit(run, cell) for cell in cells]
            for future in as_completed(futures):
                yield future.result()
        except BrokenProcessPool as error:
            raise WorkerLost() from error
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    return map_cells


def _cell_task(
    plan: Plan,
    qs: tuple[float, ...],
    keep_samples: bool,
    stream_above: int,
    cell: tuple[int, ...],
) -> CellSummary:
    """``run_cell`` with the cell last, for a cluster's task (picklable as a partial)."""
    return run_cell(plan, cell, qs, keep_samples=keep_samples, stream_above=stream_above)


def sweep(
    plan: Plan,
    qs: Sequence[float],
    *,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    done: Mapping[tuple[int, ...], CellSummary] | None = None,
    on_cell: Callable[[CellSummary], None] | None = None,
    map_cells: MapCells | None = None,
    keep_samples: bool = False,
    stream_above: int = STREAM_SAMPLES,
) -> Sweep:
    """Run every cell not already ``done``, in grid order, and collect the summaries.

    Args:
        plan: from ``plan``.
        qs: percentiles each cell keeps, in percent.
        workers: local processes: with more than 1, cells run in that many forked processes,
            a whole cell each (a process that dies fails the sweep at once with
            ``WorkerLost``; the cells finished before are kept by ``on_cell``).
        progress: called with the number of samples just finished.
        done: cells already run (a sweep resumed from the store): not run again.
        on_cell: called with each cell as it finishes (to record it).
        map_cells: runs a list of cells elsewhere (a Dask cluster), yielding their summaries
            as they finish; by default they run here (``workers``).
        keep_samples: keep every cell's samples of its outputs too (8 bytes a sample each, for
            every cell: checked against the memory available before anything runs); such
            cells are never streamed.
        stream_above: cells of more samples than this are streamed (``run_cell``); the
            summaries are the same either way.

    Raises:
        InputError: for kept samples that would not fit in memory, or kept with cells
            already ``done`` (a resumed sweep has only their summaries).
    """
    if keep_samples:
        if done:
            raise InputError(
                "keep_samples", "a sweep run whole (a resumed one has only summaries)", "resume"
            )
        try:
            check_memory(plan.samples * len(plan.cells), len(plan.outputs), 0.0)
        except InputError:
            raise InputError(
                "keep_samples",
                "every cell's kept samples within the memory available",
                f"{len(plan.cells):,} cells × {plan.samples:,} samples × "
                f"{len(plan.outputs)} output(s) at 8 bytes each",
                hint=" (without it, cells keep only their summaries)",
            ) from None
    finished = dict(done or {})
    todo = [cell for cell in plan.cells if cell not in finished]
    if map_cells is None and workers > 1 and len(todo) > 1:
        map_cells = local_cell_mapper(workers)
    if map_cells is None:
        for cell in todo:
            summary = run_cell(
                plan,
                cell,
                qs,
                workers=workers,
                progress=progress,
                keep_samples=keep_samples,
                stream_above=stream_above,
            )
            finished[cell] = summary
            if on_cell is not None:
                on_cell(summary)
    else:
        per_cell = cell_samples(plan, qs, keep_samples, stream_above)
        for summary in map_cells(
            functools.partial(_cell_task, plan, tuple(qs), keep_samples, stream_above), todo
        ):
            finished[summary.cell] = summary
            if on_cell is not None:
                on_cell(summary)
            if progress is not None:
                progress(per_cell)
    return Sweep(
        plan=plan,
        percentiles=tuple(qs),
        cells=tuple(finished[c] for c in plan.cells),
    )
