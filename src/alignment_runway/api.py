"""The public API: the one entry point for every interface (command line, notebooks, web).

>>> from alignment_runway import api
>>> result = api.run(api.load_scenario(preset="essay"))
>>> round(result.value("static.ai_researchers"))
43619

``run`` and ``race`` take the steps after a run that the command line takes, when asked:
``store=`` records the run (nothing is recorded unless asked), ``out=`` exports it,
``report=`` and ``figures=`` draw it. Functions that take a path (``out``, ``report``,
``figures`` and ``store`` of ``run``, ``race`` and ``plan``; ``export``, ``report``,
``write_figures``, ``sensitivity_figure``, ``export_record``, ``open_store``) write or open it
as given: they are for a trusted caller, never for paths taken from an untrusted request
(docs/usage.md, "From Python").
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alignment_runway.engine import runs, steps
from alignment_runway.engine.checks import MAX_SEED, check_race, output_spec, threshold
from alignment_runway.engine.cluster import cluster_executor
from alignment_runway.engine.compare import MAX_SIDES
from alignment_runway.engine.compare import compare_sources as compare
from alignment_runway.engine.devloop import DEFAULT_TAUS, devloop
from alignment_runway.engine.essay import TOLERANCE as ESSAY_TOLERANCE
from alignment_runway.engine.essay import audit as essay_audit
from alignment_runway.engine.evaluate import THEFT_DRAW, race_inputs
from alignment_runway.engine.grid import list_sweeps
from alignment_runway.engine.grid import plan_grid as plan_sweep
from alignment_runway.engine.grid import sweep_grid as sweep
from alignment_runway.engine.recorded import (
    default_store,
    export_record,
    open_store,
    race_options,
    record,
    reproduce,
    rerun,
    run_options,
)
from alignment_runway.engine.runs import DEFAULT_MONTHS, DEFAULT_TRAJECTORIES, default_samples
from alignment_runway.engine.sensitivity import (
    DEFAULT_SOBOL_SAMPLES,
    HEADLINE_OUTPUTS,
    SENSITIVITY_METHODS,
    analysable_outputs,
    rank_samples,
    sensitivity,
)
from alignment_runway.engine.steps import (
    AfterRun,
    Finished,
    check_figure_path,
    check_figures_path,
    check_report_path,
    check_sweep_figure,
    compare_figure,
    compare_report,
    export,
    report,
    sensitivity_figure,
    sweep_figure,
    tasks_figure,
    write_figures,
)
from alignment_runway.engine.sweep import MAX_CELLS
from alignment_runway.engine.sweep import cell_samples as sweep_cell_samples
from alignment_runway.engine.tasks_curve import DEFAULT_EPSILONS, DEFAULT_TASKS_SAMPLES, tasks_curve
from alignment_runway.errors import Error, InputError, OutputError, ScenarioError, StoreError
from alignment_runway.results import (
    DEFAULT_PERCENTILES,
    DevloopCase,
    DevloopResult,
    EssayFigure,
    RaceResult,
    Reproduction,
    RunResult,
    SensitivityResult,
    TasksCurve,
    register_html,
)
from alignment_runway.results.compared import Comparison, Side
from alignment_runway.results.swept import Plan, Sweep
from alignment_runway.sampling import BLOCK_SIZE, DEFAULT_SAMPLES, DEFAULT_SEED, WorkerLost
from alignment_runway.scenarios import Scenario, load_file, load_preset, with_settings
from alignment_runway.scenarios.loader import BASE_PRESET, scenario_toml

if TYPE_CHECKING:
    from alignment_runway.export import Exported
    from alignment_runway.store import Store

__all__ = [
    "BASE_PRESET",
    "BLOCK_SIZE",
    "DEFAULT_EPSILONS",
    "DEFAULT_MONTHS",
    "DEFAULT_SAMPLES",
    "DEFAULT_SEED",
    "DEFAULT_SOBOL_SAMPLES",
    "DEFAULT_TASKS_SAMPLES",
    "DEFAULT_TAUS",
    "DEFAULT_TRAJECTORIES",
    "ESSAY_TOLERANCE",
    "HEADLINE_OUTPUTS",
    "MAX_CELLS",
    "MAX_SEED",
    "MAX_SIDES",
    "SENSITIVITY_METHODS",
    "THEFT_DRAW",
    "AfterRun",
    "Comparison",
    "DevloopCase",
    "DevloopResult",
    "Error",
    "EssayFigure",
    "Finished",
    "InputError",
    "OutputError",
    "Plan",
    "RaceResult",
    "Reproduction",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SensitivityResult",
    "Side",
    "StoreError",
    "Sweep",
    "TasksCurve",
    "WorkerLost",
    "analysable_outputs",
    "check_export_path",
    "check_figure_path",
    "check_figures_path",
    "check_race",
    "check_report_path",
    "check_sweep_figure",
    "compare",
    "compare_figure",
    "compare_report",
    "default_samples",
    "default_store",
    "devloop",
    "essay_audit",
    "export",
    "export_record",
    "export_sweep",
    "finish",
    "list_sweeps",
    "load_scenario",
    "open_store",
    "output_spec",
    "plan",
    "plan_sweep",
    "race",
    "race_inputs",
    "race_options",
    "rank_samples",
    "record",
    "report",
    "reproduce",
    "rerun",
    "run",
    "run_options",
    "scenario_text",
    "sensitivity",
    "sensitivity_figure",
    "sweep",
    "sweep_cell_samples",
    "sweep_figure",
    "tasks_curve",
    "tasks_figure",
    "threshold",
    "write_figures",
]

PathLike = str | os.PathLike[str]
plan = steps.plan
finish = steps.finish


def _notebook_html(result: RunResult) -> str:
    from alignment_runway.reports.html import result_html

    return result_html(result)


register_html(_notebook_html)


def load_scenario(
    path: PathLike | None = None, *, preset: str | None = None, settings: Sequence[str] = ()
) -> Scenario:
    """Resolve a scenario from a file or a preset (``essay`` when neither), then settings.

    Args:
        path: a scenario TOML file.
        preset: a preset name; not together with ``path``.
        settings: ``section.name=VALUE`` assignments applied last.

    Raises:
        InputError: for a file and a preset together.
        ScenarioError: with one line naming what is wrong and where.
    """
    if path is not None and preset is not None:
        raise InputError(
            "preset",
            "a scenario file or a preset, not both",
            f"file {str(path)!r} and preset {preset!r}",
        )
    scenario = load_file(Path(path)) if path is not None else load_preset(preset or BASE_PRESET)
    return with_settings(scenario, list(settings))


def export_sweep(
    sweep: Sweep, path: PathLike, *, force: bool = False, canonical: bool = False
) -> Exported:
    """Write a sweep: one row per cell (.csv, .parquet, .json) or its Dataset (.nc).

    In display units, or canonical ones with ``canonical``.

    Raises:
        OutputError: see ``alignment_runway.export.export_sweep``.
    """
    from alignment_runway.export import export_sweep as write

    return write(sweep, path, force=force, canonical=canonical)


def scenario_text(scenario: Scenario) -> str:
    """The fully resolved scenario as a TOML file's text (``load_scenario`` reads it back)."""
    return scenario_toml(scenario)


def check_export_path(path: PathLike, force: bool = False) -> str:
    """Check that ``export`` can write ``path`` (before a long run); return its extension.

    Raises:
        OutputError: see ``alignment_runway.export.check_path``.
    """
    from alignment_runway.export import check_path

    return check_path(path, force)


def _after(
    options: dict[str, Any],
    percentiles: Sequence[float],
    above: Sequence[str],
    files: tuple[PathLike | None, str | None, PathLike | None, PathLike | None, bool, bool],
    record: tuple[str | Store | None, bool, str | None],
) -> AfterRun | None:
    """The steps after a run, checked (None when nothing is asked).

    ``files``: out, what, report, figures, force and canonical; ``record``: store,
    store_samples and label.
    """
    out, what, report, figures, force, canonical = files
    store, store_samples, label = record
    asked = out or what or report or figures or force or store is not None or store_samples
    if not asked and label is None and not canonical:
        return None
    thresholds = dict(threshold(item) for item in above)
    return steps.plan(
        options,
        out=out,
        what=what,
        report=report,
        figures=figures,
        force=force,
        percentiles=percentiles,
        thresholds=thresholds,
        store=store,
        store_samples=store_samples,
        label=label,
        canonical=canonical,
    )


def run(
    scenario: Scenario,
    samples: int | None = None,
    seed: int = DEFAULT_SEED,
    *,
    chunk_size: int = BLOCK_SIZE,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    keep: Sequence[str] | None = None,
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
    above: Sequence[str] = (),
    store: str | Store | None = None,
    store_samples: bool = False,
    out: PathLike | None = None,
    what: str | None = None,
    report: PathLike | None = None,
    figures: PathLike | None = None,
    force: bool = False,
    cluster: str | None = None,
    label: str | None = None,
    canonical: bool = False,
    method: str = "sample",
) -> RunResult:
    """Run the static model (compute → model → tokens/s → researcher labor) on a scenario.

    Every uncertain input is drawn once per sample (seeded; the same seed gives bit-identical
    results whatever ``chunk_size`` and ``workers``) and shared by every equation using it.

    Args:
        scenario: from ``load_scenario``.
        samples: Monte Carlo samples; by default ``DEFAULT_SAMPLES`` when any input is
            uncertain, else 1.
        seed: a non-negative integer; the default is ``sampling.DEFAULT_SEED``.
        chunk_size: most samples evaluated at once (bounds memory).
        workers: processes to use.
        progress: called with the number of samples just finished.
        keep: the outputs (``static.*``) and uncertain inputs whose samples to keep; by
            default all of them. Each kept array costs 8 bytes per sample.
        percentiles: what an exported summary holds; recorded with the run.
        above: ``OUTPUT=VALUE`` thresholds of P(output > VALUE) for an exported summary.
        store: record the run in this store (a URL, a path or an open ``Store``).
        store_samples: keep the samples too, beside the store.
        out: export to this file (.csv, .parquet, .nc or .json).
        what: what ``out`` holds: ``"summary"`` (default) or ``"samples"``.
        report: write the HTML report to this file.
        figures: write the report's figures (PNG and SVG) into this folder.
        force: replace existing files.
        cluster: evaluate the blocks on a Dask cluster, ``local:N`` or ``tcp://HOST:PORT``
            (``workers`` then stays 1); the values are bit for bit those of a local run.
        label: a name for the run, recorded with it in ``store`` and shown in the list of runs.
        canonical: ``out`` in canonical units (researcher-seconds per second, seconds …)
            instead of display units (researcher-months per month, months …).
        method: ``"sample"`` (default), ``"exact"`` (lognormal closed forms, or an error naming
            the input that prevents them), ``"auto"`` (exact where it can be), ``"qmc"``.

    Raises:
        InputError: for bad options; OutputError: for files that cannot be written;
        StoreError: for a store that cannot be used; ScenarioError: for results that
        overflow floating point.
    """
    n = runs.default_samples(scenario) if samples is None else samples
    sampling: dict[str, Any] = {
        "chunk_size": chunk_size,
        "workers": workers,
        "keep": keep,
        "method": method,
    }
    options = run_options(samples=n, seed=seed, percentiles=percentiles, above=above, **sampling)
    files = (out, what, report, figures, force, canonical)
    after = _after(options, percentiles, above, files, (store, store_samples, label))
    _check_thresholds_kept(above, keep)
    with cluster_executor(cluster, workers) as executor:
        result = runs.run(scenario, n, seed, progress=progress, executor=executor, **sampling)
    return result if after is None else steps.finish(result, after)[0]


def _check_thresholds_kept(above: Sequence[str], keep: Sequence[str] | None) -> None:
    names = [threshold(item)[0] for item in above]
    dropped = [name for name in names if keep is not None and name not in keep]
    if dropped:
        raise InputError(
            "above",
            "outputs that are kept",
            ", ".join(dropped),
            hint=f", which {{0}} leaves out (add {{0}} {dropped[0]})",
            related=("keep",),
        )


def race(
    scenario: Scenario,
    samples: int | None = None,
    seed: int = DEFAULT_SEED,
    *,
    months: float = DEFAULT_MONTHS,
    step: str = "month",
    keep_trajectories: int = DEFAULT_TRAJECTORIES,
    chunk_size: int = BLOCK_SIZE,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
    store: str | Store | None = None,
    store_samples: bool = False,
    out: PathLike | None = None,
    what: str | None = None,
    report: PathLike | None = None,
    figures: PathLike | None = None,
    force: bool = False,
    cluster: str | None = None,
    label: str | None = None,
    canonical: bool = False,
    method: str = "sample",
) -> RaceResult:
    """Run the race (SPEC §6): research delivered in the window the lead buys.

    The static model gives the AI labor; the race steps over calendar time from the pause to
    the end of the window (catch-up, theft or the horizon), integrating the research rate
    exactly within each step. Uncertain inputs are drawn as in ``run`` (the same seed gives
    the same draws); a scenario with a theft rate draws the theft time's quantile
    ``race.theft_draw`` uniformly unless it is set.

    Args:
        scenario: from ``load_scenario``.
        samples: Monte Carlo samples; by default ``DEFAULT_SAMPLES`` when any input is
            uncertain, else 1.
        seed: a non-negative integer.
        months: the horizon in calendar months; longer windows are cut (and counted).
        step: ``"month"`` or ``"week"``; research is reported at month boundaries.
        keep_trajectories: research by month is kept for the first this many samples.
        chunk_size: as in ``run``.
        workers: as in ``run``.
        progress: as in ``run``.
        percentiles: as in ``run``.
        store: as in ``run``.
        store_samples: as in ``run``.
        out: as in ``run``.
        what: as in ``run``.
        report: as in ``run``.
        figures: as in ``run``.
        force: as in ``run``.
        cluster: as in ``run``.
        label: as in ``run``.
        canonical: as in ``run``.
        method: ``"sample"`` (default) or ``"qmc"`` (as in ``run``; the theft draw is one more
            Sobol' dimension). ``"exact"`` and ``"auto"`` are refused: the race is not a
            product of powers of its inputs, so it has no closed form.

    Raises:
        InputError, OutputError, StoreError, ScenarioError: as in ``run``; ScenarioError also
        for race parameters that do not fit together.
    """
    n = runs.default_samples(scenario, "race") if samples is None else samples
    options = race_options(
        samples=n,
        seed=seed,
        months=months,
        step=step,
        keep_trajectories=keep_trajectories,
        chunk_size=chunk_size,
        workers=workers,
        percentiles=percentiles,
        method=method,
    )
    files = (out, what, report, figures, force, canonical)
    after = _after(options, percentiles, (), files, (store, store_samples, label))
    with cluster_executor(cluster, workers) as executor:
        result = runs.race(
            scenario,
            n,
            seed,
            months=months,
            step=step,
            keep_trajectories=keep_trajectories,
            chunk_size=chunk_size,
            workers=workers,
            progress=progress,
            executor=executor,
            method=method,
        )
    if after is None:
        return result
    finished, _ = steps.finish(result, after)
    assert isinstance(finished, RaceResult)
    return finished
