"""The steps after a run, the same for every interface: export, record, report, figures.

``plan`` checks every file and opens the store before any work is done, so a bad path or a
damaged store fails at once; ``finish`` carries the steps out once the run is done and says
what it did, for the interface to tell its user.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from alignment_runway.engine import recorded
from alignment_runway.engine.checks import may_exceed
from alignment_runway.engine.evaluate import race_inputs
from alignment_runway.engine.sensitivity import sensitivity
from alignment_runway.errors import InputError, OutputError
from alignment_runway.files import check_name, check_new_file, check_writable, write_atomically
from alignment_runway.results import (
    DEFAULT_PERCENTILES,
    RaceResult,
    RunResult,
    SensitivityResult,
    TasksCurve,
)
from alignment_runway.results.compared import Comparison
from alignment_runway.results.swept import Sweep
from alignment_runway.scenarios import tasks_active

if TYPE_CHECKING:
    from alignment_runway.export import Exported
    from alignment_runway.reports.figures import FigureSpec
    from alignment_runway.store import Store
    from alignment_runway.views import TasksView

__all__ = [
    "AfterRun",
    "Finished",
    "check_figure_path",
    "check_figures_path",
    "check_report_path",
    "export",
    "finish",
    "plan",
    "report",
    "sensitivity_figure",
    "tasks_figure",
    "write_figures",
]

#: Presets whose reports carry the essay audit.
_ESSAY_PRESETS = ("essay", "essay-1000x")


@dataclass(frozen=True)
class AfterRun:
    """What to do once a run is done: files to write, and the store to record it in.

    Attributes:
        options: what the run was called with, recorded with it (so it can be reproduced).
        out, what: an export of the samples or the summary (see ``export``).
        report: an HTML report; figures: a folder for the report's figures (PNG and SVG).
        force: replace existing files.
        percentiles, thresholds: what an exported summary holds.
        store: where to record the run (None: nowhere); store_samples: keep its samples too.
        label: the user's name for the run, recorded with it.
        canonical: export in canonical units instead of display units.
        started_at: when the run started (UTC, ISO 8601).
    """

    options: Mapping[str, Any]
    out: Path | None = None
    what: Literal["samples", "summary"] = "summary"
    report: Path | None = None
    figures: Path | None = None
    force: bool = False
    percentiles: Sequence[float] = DEFAULT_PERCENTILES
    thresholds: Mapping[str, float] = field(default_factory=dict)
    store: Store | None = None
    store_samples: bool = False
    label: str | None = None
    canonical: bool = False
    started_at: str = ""


@dataclass(frozen=True)
class Finished:
    """What ``finish`` did.

    The export written, the run's id in the store, the report and the figures written (None
    where not asked; figures empty when there were none to draw).
    """

    exported: Exported | None = None
    run_id: int | None = None
    store_location: str | None = None
    report: Path | None = None
    figures: list[Path] | None = None


def plan(
    options: Mapping[str, Any],
    *,
    out: str | os.PathLike[str] | None = None,
    what: str | None = None,
    report: str | os.PathLike[str] | None = None,
    figures: str | os.PathLike[str] | None = None,
    force: bool = False,
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
    thresholds: Mapping[str, float] | None = None,
    store: str | Store | None = None,
    store_samples: bool = False,
    label: str | None = None,
    canonical: bool = False,
) -> AfterRun:
    """Check the steps after a run before it starts; open the store; take the start time.

    Raises:
        InputError: for ``what`` without ``out``, ``force`` with no file to write, or
            ``store_samples`` or ``label`` without a store, or a label that is blank or
            longer than 200 characters.
        OutputError: for a file that cannot be written.
        StoreError: for a store that cannot be opened.
    """
    from alignment_runway.export import check_path
    from alignment_runway.store import Store, now

    if out is None and what is not None:
        raise InputError("what", "{0} FILE with it", "no {0}", related=("out",))
    if out is None and canonical:
        raise InputError("canonical", "{0} FILE with it", "no {0}", related=("out",))
    if force and out is None and report is None and figures is None:
        raise InputError(
            "force",
            "{0}, {1} or {2} with it",
            "none of them",
            related=("out", "report", "figures"),
        )
    if store is None and store_samples:
        raise InputError(
            "store_samples", "a store ({0}) to keep the samples in", "none", related=("store",)
        )
    if label is not None:
        label = _checked_label(label, store)
    if options.get("method") == "exact" and (what == "samples" or store_samples):
        field = "what" if what == "samples" else "store_samples"
        received = "samples" if field == "what" else "True"
        raise InputError(field, "no samples to keep: method exact draws none", received)
    if out is not None:
        check_path(out, force)
    if report is not None:
        check_report_path(report, force)
    if figures is not None:
        check_figures_path(figures, force)
    opened = Store(store) if isinstance(store, str) else store
    kind: Literal["samples", "summary"] = "samples" if what == "samples" else "summary"
    return AfterRun(
        options=dict(options),
        out=None if out is None else Path(out),
        what=kind,
        report=None if report is None else Path(report),
        figures=None if figures is None else Path(figures),
        force=force,
        percentiles=tuple(percentiles),
        thresholds=dict(thresholds or {}),
        store=opened,
        store_samples=store_samples,
        label=label,
        canonical=canonical,
        started_at=now(),
    )


def _checked_label(label: str, store: object) -> str:
    """A run's label, stripped: one line of 1 to 200 characters, with a store to record it."""
    if store is None:
        raise InputError(
            "label", "a store ({0}) to record the label in", "none", related=("store",)
        )
    text = label.strip()
    if not text or len(text) > 200 or "\n" in text:
        raise InputError("label", "one line of 1 to 200 characters", repr(label))
    return text


def finish(result: RunResult, after: AfterRun) -> tuple[RunResult, Finished]:
    """Carry out the steps after a run: export, record, report, figures (in that order).

    Returns:
        The result (with ``run_id`` set when it was recorded) and what was done.
    """
    exported = None
    if after.out is not None:
        exported = export(
            result,
            after.out,
            after.what,
            percentiles=after.percentiles,
            above=after.thresholds,
            force=after.force,
            canonical=after.canonical,
        )
    run_id = None
    if after.store is not None:
        run_id = recorded.record(
            after.store,
            result,
            after.options,
            after.started_at,
            keep_samples=after.store_samples,
            label=after.label,
        )
        result = replace(result, run_id=run_id)
    written = None if after.report is None else report(result, after.report, force=after.force)
    drawn = None
    if after.figures is not None:
        drawn = write_figures(result, after.figures, force=after.force)
    location = None if after.store is None else after.store.location
    return result, Finished(exported, run_id, location, written, drawn)


def export(
    result: RunResult,
    path: str | os.PathLike[str],
    what: Literal["samples", "summary"] = "summary",
    *,
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
    above: Mapping[str, float] | None = None,
    force: bool = False,
    canonical: bool = False,
) -> Exported:
    """Write a run's samples or summary to a file (see ``alignment_runway.export.export``)."""
    from alignment_runway.export import export as write

    return write(
        result, path, what, percentiles=percentiles, above=above, force=force, canonical=canonical
    )


def report_sensitivity(result: RunResult) -> list[SensitivityResult]:
    """The tornado of a result's headline output, or nothing when no input is uncertain."""
    scenario = result.scenario
    if isinstance(result, RaceResult):
        if not race_inputs(scenario):
            return []
        return sensitivity(
            scenario, ["race.research"], "tornado", months=result.months, step=result.step
        )
    if not scenario.uncertain():
        return []
    return sensitivity(scenario, ["static.research_per_month"], "tornado")


def check_report_path(path: str | os.PathLike[str], force: bool = False) -> Path:
    """Check that ``report`` can write ``path`` (before a long run).

    Raises:
        OutputError: for a name not ending in .html, a missing folder, or an existing file
            without ``force``.
    """
    return check_new_file(path, "report", (".html", ".htm"), force)


def report(result: RunResult, path: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Write a run's or race's report: one self-contained HTML file (see ``api.report``).

    Raises:
        OutputError: for a path that cannot be written.
    """
    from alignment_runway.engine.essay import TOLERANCE, audit
    from alignment_runway.reports.html import report_html
    from alignment_runway.views import essay_view

    target = check_report_path(path, force)
    essay = essay_view(audit(), TOLERANCE) if result.scenario.name in _ESSAY_PRESETS else None
    text = report_html(result, report_sensitivity(result), essay, _report_tasks(result))

    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    write_atomically(target, force, write, "report")
    return target


def _report_tasks(result: RunResult) -> TasksView | None:
    """The ``tasks`` study for a report: with Stage D on and a human field in every sample."""
    from alignment_runway.engine.tasks_curve import tasks_curve
    from alignment_runway.views import tasks_view

    scenario = result.scenario
    if not tasks_active(scenario) or not may_exceed(scenario.value("tasks.human_researchers"), 0.0):
        return None
    try:
        return tasks_view(tasks_curve(scenario, seed=result.seed))
    except InputError:  # some samples without human researchers: no speed-up to draw
        return None


def check_figures_path(folder: str | os.PathLike[str], force: bool = False) -> Path:
    """Check that ``write_figures`` can write into ``folder`` (before a long run).

    The folder's parent must exist; without ``force``, no figure a report can carry may
    already be there.

    Raises:
        OutputError: naming the folder or the files in the way.
    """
    from alignment_runway.reports.figures import FIGURE_FORMATS
    from alignment_runway.reports.html import FIGURE_STEMS

    target = Path(folder)
    check_name(target, "figures")
    if target.exists() and not target.is_dir():
        raise OutputError("figures", "a folder", f"{str(target)!r}, which is a file")
    if not target.parent.is_dir():
        raise OutputError(
            "figures",
            "a folder whose parent exists",
            f"{str(target)!r}, whose parent {str(target.parent)!r} does not exist",
        )
    if target.is_dir():
        probe = target / f"{FIGURE_STEMS[0]}.{FIGURE_FORMATS[0]}"
        check_writable(probe, "figures", True, "a folder where files can be written")
    else:
        check_writable(target, "figures", force, "a folder that can be created")
    existing = [
        str(target / f"{stem}.{fmt}")
        for stem in FIGURE_STEMS
        for fmt in FIGURE_FORMATS
        if (target / f"{stem}.{fmt}").exists()
    ]
    if existing and not force:
        raise OutputError(
            "figures",
            "new files (or {0} to overwrite)",
            f"{', '.join(existing)}, which already exist",
            related=("force",),
        )
    return target


def write_figures(
    result: RunResult, folder: str | os.PathLike[str], *, force: bool = False
) -> list[Path]:
    """Write each figure of a result's report as PNG and SVG into ``folder``.

    Raises:
        OutputError: for a folder that is a file, or figure files that exist without
            ``force``, or a folder that cannot be written.
    """
    from alignment_runway.reports.figures import write_figures as write
    from alignment_runway.reports.html import figure_specs

    target = check_figures_path(folder, force)
    specs = figure_specs(result, report_sensitivity(result))
    if not specs:
        return []
    try:
        return write(specs, target)
    except OSError as exc:
        raise OutputError(
            "figures",
            "a folder that can be written",
            f"{str(target)!r}: {exc.strerror or exc}",
        ) from None


def check_figure_path(path: str | os.PathLike[str], force: bool = False) -> Path:
    """Check that a figure can be written at ``path`` (.png or .svg) before any work.

    Raises:
        OutputError: for another extension, a missing folder, or an existing file without
            ``force``.
    """
    from alignment_runway.reports.figures import check_figure_path as check

    return check(path, force)


def _paired_figure(comparison: Comparison) -> FigureSpec:
    """The paired figure of a comparison: ratios per sample, or shares for a 0/1 output."""
    from alignment_runway.analysis.paired import ratios, zero_one
    from alignment_runway.reports.figures import FigureSpec, paired_figure

    panels: list[tuple[str, Any]] = []
    others = list(enumerate(comparison.sides[1:], start=1))
    for name in comparison.outputs:
        arrays = comparison.values[name]
        if zero_one(arrays):  # a 0/1 output: shares
            shares = {}
            for k, side in others:
                p = comparison.paired(name, k, ())
                g, e = p.greater.value, p.equal.value
                shares[side.label] = (g, e, 1.0 - g - e)
            panels.append((name, shares))
        else:
            panels.append((name, {side.label: ratios(arrays[0], arrays[k]) for k, side in others}))
    base = comparison.sides[0].label
    return FigureSpec(
        "paired",
        f"Each side against {base}, sample by sample: the ratio's distribution (log scale), "
        "or for a 0/1 output the share of samples higher, equal and lower.",
        lambda: paired_figure(panels, base),
    )


def compare_figure(
    comparison: Comparison, path: str | os.PathLike[str], *, force: bool = False
) -> Path:
    """Draw a comparison's paired figure at ``path`` (.png or .svg).

    Raises:
        OutputError: as ``check_figure_path``.
    """
    from alignment_runway.reports.figures import render

    target = check_figure_path(path, force)
    figure = _paired_figure(comparison).draw()

    def write(tmp: Path) -> None:
        tmp.write_bytes(render(figure, target.suffix.lower()[1:]))

    write_atomically(target, force, write, "figure")
    return target


def compare_report(
    comparison: Comparison,
    path: str | os.PathLike[str],
    *,
    force: bool = False,
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
) -> Path:
    """Write a comparison's report: one self-contained HTML file.

    Raises:
        OutputError: as ``check_report_path``.
    """
    from alignment_runway.reports.compare_html import compare_html
    from alignment_runway.views import compare_view, input_rows

    target = check_report_path(path, force)
    scenarios = [(side.scenario.name, input_rows(side.scenario)) for side in comparison.sides]
    text = compare_html(
        compare_view(comparison, percentiles), scenarios, _paired_figure(comparison)
    )

    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    write_atomically(target, force, write, "report")
    return target


def sweep_figure(sweep: Sweep, path: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Draw a sweep at ``path`` (.png or .svg): lines over one axis, heatmaps over two.

    Raises:
        InputError: for a sweep of more than two axes; OutputError: as ``check_figure_path``.
    """
    check_sweep_figure(len(sweep.axes))
    from alignment_runway.reports.figures import render
    from alignment_runway.reports.figures import sweep_figure as draw
    from alignment_runway.views.swept import sweep_view

    target = check_figure_path(path, force)
    figure = draw(sweep_view(sweep))

    def write(tmp: Path) -> None:
        tmp.write_bytes(render(figure, target.suffix.lower()[1:]))

    write_atomically(target, force, write, "figure")
    return target


def check_sweep_figure(axes: int) -> None:
    """A sweep's figure needs one axis (lines) or two (heatmaps).

    Raises:
        InputError: otherwise.
    """
    if axes not in (1, 2):
        raise InputError("figure", "a sweep of 1 or 2 grid axes to draw", f"{axes} axes")


def sensitivity_figure(
    results: Sequence[SensitivityResult], path: str | os.PathLike[str], *, force: bool = False
) -> Path:
    """Draw sensitivity results (one method) as a figure at ``path`` (.png or .svg).

    Raises:
        OutputError: as ``check_figure_path``.
    """
    from alignment_runway.reports.figures import sensitivity_figure as draw
    from alignment_runway.views import display_unit

    target = check_figure_path(path, force)
    display = {r.output: display_unit(r.output)[0] for r in results}
    return draw(results, target, display)


def tasks_figure(result: TasksCurve, path: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Draw the ``tasks`` study (speed-up against the automated share) at ``path``.

    Raises:
        OutputError: as ``check_figure_path``.
    """
    from alignment_runway.reports.figures import tasks_figure as draw
    from alignment_runway.views import tasks_view

    target = check_figure_path(path, force)
    return draw(tasks_view(result), target)
