"""Rich tables and lines drawn from the views (``alignment_runway.views``)."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from alignment_runway.cli.common import console, print_notes
from alignment_runway.formatting import estimate_parts, number, probability, unit_name
from alignment_runway.views import (
    FAN_QUANTILES,
    STAGES,
    Estimate,
    InputRow,
    PointView,
    RaceView,
    SummaryRow,
    SummaryView,
)

__all__ = ["cell", "print_inputs", "print_point", "print_race", "print_summary"]


def cell(est: Estimate) -> str:
    """A value with its relative standard error; +inf (a time never reached) reads "never"."""
    value, error = estimate_parts(est.value, est.se)
    return f"{value} {error}" if error else value


def print_inputs(name: str, description: str, rows: tuple[InputRow, ...]) -> None:
    """The scenario's name, description and inputs as written."""
    console.print(f"[bold]Scenario:[/] {escape(name)}")
    if description:
        console.print(escape(description))
    table = Table(title="Inputs", title_justify="left")
    for column in ("parameter", "symbol", "value", "from"):
        table.add_column(column, overflow="fold")
    for row in rows:
        note = "" if row.used else " (unused: training_compute is set)"
        table.add_row(
            escape(row.name), row.symbol, escape(row.as_written) + note, escape(row.where)
        )
    console.print(table)


def print_point(view: PointView) -> None:
    """A point run: one table per stage, then the headline."""
    print_inputs(view.scenario, view.description, view.inputs)
    for stage, title in STAGES:
        rows = [row for row in view.outputs if row.stage == stage]
        if not rows:
            continue
        table = Table(title=title, title_justify="left")
        for column in ("quantity", "symbol", "value", "unit"):
            table.add_column(column, justify="right" if column == "value" else "left")
        for row in rows:
            shown = "missing" if row.value is None else number(row.value)
            table.add_row(row.meaning, row.symbol, shown, unit_name(row.unit))
        console.print(table)
    print_notes(view.notes)
    own_schedule = ""
    if abs(view.hours - 8) > 1e-9:
        own_schedule = (
            f" ({number(view.researchers * view.months)} months of {number(30 * view.hours)} h)"
        )
    console.print(
        f"[bold]Research per month of lead:[/] {number(view.researchers)} AI researchers, each "
        f"working {number(view.months)} months of a human's {number(view.hours)}-hour days"
        f"{own_schedule} = [bold]{number(view.research_months)} researcher-months[/] (of 240 h)"
    )


def print_summary(view: SummaryView, qs: list[float]) -> None:
    """A sampled run: the results table, rank correlations, notes and the headline."""
    print_inputs(view.scenario, view.description, view.inputs)
    console.print(_method_line(view))
    columns = ["quantity", "mean", *(f"p{q:g}" for q in qs)]
    columns += [f"P(> {number(t)})" for row in view.rows for t, _ in row.above]
    method = [] if view.method in ("sample", "qmc") else ["method"]
    table = _results_table([*dict.fromkeys(columns), "unit", *method, "meaning"])
    for row in view.rows:
        cells = [cell(row.mean), *(cell(e) for e in row.percentiles.values())]
        probabilities = {f"P(> {number(t)})": e for t, e in row.above}
        cells += [
            probability(probabilities[c].value, probabilities[c].se) if c in probabilities else ""
            for c in dict.fromkeys(columns[2 + len(qs) :])
        ]
        cells += [unit_name(row.unit), *([row.method or ""] if method else []), row.meaning]
        table.add_row(escape(row.name.removeprefix("static.")), *cells)
    console.print(table)
    if view.correlations:
        pairs = Table(title="Rank correlations", title_justify="left")
        for column in ("inputs", "target", "achieved"):
            pairs.add_column(column, overflow="fold")
        for a, b, target, est in view.correlations:
            pairs.add_row(f"{a}, {b}", f"{target:g}", probability(est.value, est.se))
        console.print(pairs)
    print_notes(view.notes)
    h = view.headline
    if h is None:
        return
    console.print(
        f"[bold]Research per month of lead:[/] median [bold]{number(h.p50)} researcher-months[/] "
        f"(of 240 h); 90% interval {number(h.p5)} to {number(h.p95)}; mean {number(h.mean)}"
    )


def _sampling_line(samples: int, seed: int, workers: int, randomizations: int) -> str:
    """How samples were drawn, and what ± means: plain Monte Carlo, or qmc's sequences."""
    if randomizations:
        return (
            f"Randomized quasi-Monte Carlo: {samples:,} samples, {randomizations} scrambled "
            f"Sobol' sequences, seed {seed} (--seed), {workers} worker(s); ± is the standard "
            "error from the spread between the sequences"
        )
    return (
        f"Monte Carlo: {samples:,} samples, seed {seed} (--seed), {workers} worker(s); ± is the "
        "Monte Carlo standard error"
    )


def _method_line(view: SummaryView) -> str:
    """How the summaries were computed: sampled, exact, or some of each."""
    sampled = _sampling_line(view.samples, view.seed, view.workers, view.randomizations)
    if view.method in ("sample", "qmc"):
        return sampled
    exact = "exact: lognormal closed forms, standard error 0"
    if view.samples == 0:
        return f"{exact.capitalize()} (--method {view.method}); nothing sampled"
    return f"{sampled}; rows marked {exact} (--method {view.method})"


def _results_table(columns: list[str]) -> Table:
    """An empty results table: names and units to the left, numbers to the right."""
    table = Table(title="Results", title_justify="left")
    for column in columns:
        table.add_column(
            column,
            justify="left" if column in ("quantity", "unit", "meaning") else "right",
            overflow="fold",
            no_wrap=column == "quantity",
        )
    return table


def print_race(view: RaceView, qs: list[float]) -> None:
    """A race: results, why windows ended, research by month, notes, headline, P(success)."""
    print_inputs(view.scenario, view.description, view.inputs)
    if view.point:
        console.print(
            f"Race: horizon {number(view.months)} months, {view.step}ly steps; one "
            "deterministic run (every input is a point value)"
        )
        _print_point_rows(view.rows)
    else:
        sampled = _sampling_line(view.samples, view.seed, view.workers, view.randomizations)
        sampled = sampled.replace("Randomized", "randomized", 1)  # mid-sentence here
        console.print(f"Race: horizon {number(view.months)} months, {view.step}ly steps; {sampled}")
        columns = ["quantity", "mean", *(f"p{q:g}" for q in qs), "unit", "meaning"]
        table = _results_table(columns)
        for row in view.rows:
            cells = [cell(e) for e in (row.mean, *row.percentiles.values())]
            name = escape(row.name.removeprefix("race."))
            table.add_row(name, *cells, unit_name(row.unit), row.meaning)
        console.print(table)
    console.print(f"[bold]Window ended by:[/] {view.ended_by}")
    if view.trajectories:
        _print_fan(view)
    print_notes(view.notes)
    r = view.research
    median = "" if view.samples == 1 else "median "
    headline = (
        f"[bold]Research in the window:[/] {median}[bold]{number(r.p50)} researcher-years[/] "
        f"({median}{number(view.field_years_median)} field-years)"
    )
    if view.samples > 1:
        headline += f"; 90% interval {number(r.p5)} to {number(r.p95)}"
    console.print(headline)
    if view.success is not None:
        if view.required is not None:
            need = f"the required {number(view.required)} researcher-years"
        else:
            need = "the required research (race.required_research, drawn per sample)"
        console.print(
            f"[bold]P(success):[/] {probability(view.success.value, view.success.se)}: {need} "
            "delivered inside the window"
        )


def _print_point_rows(rows: tuple[SummaryRow, ...]) -> None:
    """Outputs of a deterministic run: one value each, with its unit and meaning."""
    table = _results_table(["quantity", "value", "unit", "meaning"])
    for row in rows:
        shown = estimate_parts(row.mean.value, 0.0)[0]
        name = escape(row.name.removeprefix("race."))
        table.add_row(name, shown, unit_name(row.unit), row.meaning)
    console.print(table)


def _print_fan(view: RaceView) -> None:
    kept = view.trajectories
    caption = None
    if kept > 1:
        caption = (
            f"quantiles of the first {kept:,} samples; once every kept window has ended, "
            "only the horizon is shown"
        )
    fan_table = Table(
        title="Research by month (researcher-years)",
        title_justify="left",
        caption=caption,
        caption_justify="left",
    )
    columns = [f"q{q:g}" for q in FAN_QUANTILES] if kept > 1 else ["research"]
    for column in ("month", *columns):
        fan_table.add_column(column, justify="right")
    for j in view.fan_rows:
        shown = [values[j] for values in view.fan] if kept > 1 else [view.fan[0][j]]
        fan_table.add_row(f"{view.fan_month[j]:g}", *(number(v) for v in shown))
    console.print(fan_table)
