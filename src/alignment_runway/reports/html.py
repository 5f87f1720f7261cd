"""The HTML report: one self-contained file (inline CSS, figures as inline SVG, no scripts).

After the headline, sections, each a ``<section id=...>``: ``results`` (summaries with Monte
Carlo errors), ``race`` (research by month and why windows ended, for a race),
``distributions``, ``sensitivity`` (the tornado of the headline output, or why there is
none), ``tasks`` (the speed-up curves, when Stage D is on), ``essay`` (the audit, for an
essay preset) and ``scenario`` (every parameter: value or distribution, unit, meaning,
source). Nothing in the file refers to anything outside it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from alignment_runway import __version__
from alignment_runway.formatting import estimate_parts, number, probability, swing, unit_name
from alignment_runway.reports.figures import (
    FigureSpec,
    distribution_figure,
    fan_figure,
    reasons_figure,
    render,
    sensitivity_panels,
    tasks_panel,
)
from alignment_runway.results import RaceResult, RunResult, SensitivityResult
from alignment_runway.views import (
    BASELINE_NOTE,
    OUTPUT_SPECS,
    BriefView,
    EssayView,
    Estimate,
    InputRow,
    Interval,
    RaceView,
    SummaryRow,
    SummaryView,
    TasksView,
    brief_view,
    display_unit,
    input_rows,
    output_rows,
    sensitivity_view,
    verdict_words,
)
from alignment_runway.views.brief import result_view
from alignment_runway.views.common import how_computed
from alignment_runway.views.runs import REPORT_PERCENTILES

__all__ = [
    "FIGURE_STEMS",
    "STYLE",
    "esc",
    "estimate_html",
    "figure_html",
    "figure_specs",
    "report_html",
    "result_html",
    "scenario_section",
    "summary_table_html",
]

#: Every figure a report can carry (``--figures`` writes those of its result).
FIGURE_STEMS = ("research-per-month", "research", "research-by-month", "window-end", "tornado")
#: The output each kind of result leads with.
_HEADLINE = {"run": "static.research_per_month", "race": "race.research"}

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
       max-width: 62rem; padding: 0 1rem; color: #1f2328; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; } h2 { border-bottom: 1px solid #d0d7de;
     padding-bottom: 0.2rem; margin-top: 2.2rem; }
.meta { color: #57606a; font-size: 0.9rem; }
.headline { font-size: 1.15rem; background: #f6f8fa; border-left: 4px solid #4c72b0;
            padding: 0.6rem 1rem; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.6rem 0; width: 100%; }
th, td { border-bottom: 1px solid #d0d7de; padding: 0.25rem 0.6rem; text-align: left;
         vertical-align: top; }
td code { white-space: nowrap; }
table.parameters { table-layout: fixed; }
table.parameters td { overflow-wrap: anywhere; } table.parameters td code { white-space: normal; }
table.parameters col.name { width: 19%; } table.parameters col.symbol { width: 6%; }
table.parameters col.value { width: 17%; } table.parameters col.unit { width: 10%; }
table.parameters col.meaning { width: 21%; } table.parameters col.source { width: 27%; }
td.source { font-size: 0.78rem; color: #57606a; }
table.summary { table-layout: fixed; } table.summary td { overflow-wrap: anywhere; }
table.summary col.output { width: 23%; } table.summary col.num { width: 10.5%; }
table.summary col.unit { width: 13%; } table.summary col.meaning { width: 22%; }
td.meaning { font-size: 0.8rem; color: #57606a; }
.se { display: block; font-size: 0.72rem; color: #57606a; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.differs { color: #c44e52; font-weight: 600; }
figure { margin: 1rem 0; } figure svg { max-width: 100%; height: auto; }
figcaption { color: #57606a; font-size: 0.85rem; }
.note { color: #57606a; font-style: italic; }
nav.contents { background: #f6f8fa; padding: 0.4rem 1rem; margin: 1rem 0; font-size: 0.9rem; }
nav.contents h2 { font-size: 1rem; border: none; margin: 0.3rem 0; }
nav.contents ol { margin: 0.2rem 0; padding-left: 1.4rem; columns: 2; }
#brief h3 { font-size: 1rem; margin: 1rem 0 0.3rem; }
"""


def esc(text: object) -> str:
    """``text`` escaped for HTML (quotes too)."""
    return html.escape(str(text), quote=True)


def _kind(result: RunResult) -> str:
    return "race" if isinstance(result, RaceResult) else "run"


def figure_specs(
    result: RunResult, sensitivity: Sequence[SensitivityResult] = ()
) -> list[FigureSpec]:
    """The figures of a result's report, in order (also what ``--figures`` writes)."""
    specs: list[FigureSpec] = []
    headline = _HEADLINE[_kind(result)]
    if result.samples > 1 and headline in result.values:
        unit, scale = display_unit(headline)
        values = result.values[headline]
        label = OUTPUT_SPECS[headline].meaning
        specs.append(
            FigureSpec(
                headline.split(".", 1)[1].replace("_", "-"),
                f"Distribution of {headline} over {result.samples:,} samples (log scale).",
                lambda: distribution_figure(values, label, unit, scale),
            )
        )
    if isinstance(result, RaceResult):
        if result.trajectories.shape[0]:
            unit, scale = display_unit("race.research")
            month, paths = result.month, result.trajectories
            kept = "" if result.samples == 1 else f", from the first {paths.shape[0]:,} samples"
            specs.append(
                FigureSpec(
                    "research-by-month",
                    f"Research delivered by month since the pause ({unit_name(unit)}){kept}.",
                    lambda: fan_figure(month, paths, scale, unit),
                )
            )
        if result.samples > 1:
            shares = {name: e.value for name, e in result.end_reasons().items()}
            specs.append(
                FigureSpec(
                    "window-end",
                    "Why the window ended: competitors caught up, the weights were stolen, or "
                    "the horizon cut it.",
                    lambda: reasons_figure(shares),
                )
            )
    if sensitivity:
        display = {r.output: OUTPUT_SPECS[r.output].display_unit for r in sensitivity}
        specs.append(
            FigureSpec(
                "tornado",
                "Each uncertain input moved alone from its 5th to its 95th percentile, the "
                "others at their medians.",
                lambda: sensitivity_panels(sensitivity, display),
            )
        )
    return specs


def report_html(
    result: RunResult,
    sensitivity: Sequence[SensitivityResult] = (),
    audit: EssayView | None = None,
    tasks: TasksView | None = None,
) -> str:
    """The whole report as one HTML document, its tables drawn from the views.

    ``tasks``, when given, adds the ``tasks`` section: the speed-up over the human field
    against the automated share (Stage D).
    """
    scenario = result.scenario
    kind = _kind(result)
    title = f"alignment-runway {kind}: {scenario.name}"
    figures = {spec.stem: spec for spec in figure_specs(result, sensitivity)}
    view = result_view(result)  # built once: the brief, the headline and the race share it
    sections = [
        _brief_section(brief_view(result, sensitivity, audit, view)),
        _results_section(result),
    ]
    if isinstance(view, RaceView):
        sections.append(_race_section(view, figures))
    sections.append(_distributions_section(result, figures))
    sections.append(_sensitivity_section(sensitivity, figures))
    if tasks is not None:
        sections.append(_tasks_section(tasks))
    if audit is not None:
        sections.append(_essay_section(audit))
    sections.append(scenario_section(scenario.name, input_rows(scenario)))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>",
        f"<header><h1>{esc(title)}</h1>",
        f'<p class="meta">{esc(scenario.description)}</p>',
        f'<p class="meta">{esc(_run_line(result))}</p></header>',
        _headline(view),
        _contents(sections),
        *sections,
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _contents(sections: Sequence[str]) -> str:
    """A table of contents: a link to each section, by its id and heading."""
    links = []
    for section in sections:
        found = re.match(r'<section id="([^"]+)"><h2>(.*?)</h2>', section)
        if found:
            links.append(f'<li><a href="#{found[1]}">{found[2]}</a></li>')
    return f'<nav class="contents"><h2>Contents</h2><ol>{"".join(links)}</ol></nav>'


def _brief_section(brief: BriefView) -> str:
    """The report's opening in plain words: assumed, came out, matters most, the audit."""
    came_out = "".join(f"<li>{esc(line)}</li>" for line in brief.came_out)
    lead, *inputs = brief.matters
    matters = f"<p>{esc(lead)}</p>"
    if inputs:
        matters += "<ol>" + "".join(f"<li>{esc(line)}</li>" for line in inputs) + "</ol>"
    audit = "" if brief.audit is None else f"<h3>The essay</h3><p>{esc(brief.audit)}</p>"
    return (
        '<section id="brief"><h2>In brief</h2>'
        f"<h3>What was assumed</h3><p>{esc(brief.assumed)}</p>"
        f"<h3>What came out</h3><ul>{came_out}</ul>"
        f"<h3>What matters most</h3>{matters}{audit}</section>"
    )


def _run_line(result: RunResult) -> str:
    sampled = how_computed(result.method, result.samples, result.seed, result.randomizations)
    line = (
        f"alignment-runway {__version__}; {sampled}; "
        f"starts from the {result.scenario.starts_from} preset"
    )
    if isinstance(result, RaceResult):
        line += f"; horizon {number(result.months)} months, {result.step}ly steps"
    return line


def _headline(view: RaceView | SummaryView) -> str:
    """The headline sentence, from the run's or the race's view."""
    interval: Interval | None
    success: Estimate | None = None
    if isinstance(view, RaceView):
        interval, what, unit = view.research, "Research in the window", "researcher-years"
        success = view.success
    else:
        interval = view.headline
        what, unit = "Research", "researcher-months per month of lead"
    if interval is None:
        return ""
    if view.samples == 1:
        text = f"{what}: <strong>{esc(number(interval.p50))} {esc(unit)}</strong>"
    else:
        text = (
            f"{what}: median <strong>{esc(number(interval.p50))} {esc(unit)}</strong>; 90% "
            f"interval {esc(number(interval.p5))} to {esc(number(interval.p95))}"
        )
    if success is not None:
        text += f". P(success) = {esc(probability(success.value, success.se))}"
    return f'<p class="headline">{text}.</p>'


def scenario_section(name: str, rows: Sequence[InputRow], anchor: str = "scenario") -> str:
    """Every parameter of a scenario as written, with unit, meaning and source."""
    cells = [
        "<tr>"
        f"<td><code>{esc(row.name)}</code></td><td>{esc(row.symbol)}</td>"
        f"<td>{esc(row.as_written)}</td><td>{esc(unit_name(row.unit))}</td>"
        f'<td>{esc(row.meaning)}</td><td class="source">{esc(row.source or row.where)}</td>'
        "</tr>"
        for row in rows
    ]
    head = "".join(
        f"<th>{h}</th>" for h in ("parameter", "symbol", "value", "unit", "meaning", "source")
    )
    return (
        f'<section id="{esc(anchor)}"><h2>Scenario</h2>'
        f"<p>{esc(name)}: every parameter as written (a value or a "
        "distribution), with its unit, meaning and source.</p>"
        f'<table class="parameters">{_COLUMNS}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(cells)}</tbody></table></section>"
    )


_COLUMNS = (
    "<colgroup>"
    + "".join(
        f'<col class="{c}">' for c in ("name", "symbol", "value", "unit", "meaning", "source")
    )
    + "</colgroup>"
)


def summary_table_html(rows: Sequence[SummaryRow], *, point: bool = False) -> str:
    """Output rows as an HTML table: means and percentiles with Monte Carlo errors.

    A ``point`` run (one deterministic sample) shows one value per output instead.
    """
    labels = list(rows[0].percentiles) if rows else [f"p{q:g}" for q in REPORT_PERCENTILES]
    if point:
        labels = []
    cells = []
    for row in rows:
        estimates = (row.mean,) if point else (row.mean, *row.percentiles.values())
        shown = "".join(f'<td class="num">{estimate_html(e)}</td>' for e in estimates)
        cells.append(
            f"<tr><td><code>{esc(row.name)}</code></td>{shown}<td>{esc(unit_name(row.unit))}</td>"
            f'<td class="meaning">{esc(OUTPUT_SPECS[row.name].meaning)}</td></tr>'
        )
    numeric = ("value",) if point else ("mean", *labels)
    head = "".join(
        f'<th class="{"num" if h in numeric else ""}">{h}</th>'
        for h in ("output", *numeric, "unit", "meaning")
    )
    columns = "".join(
        f'<col class="{c}">' for c in ("output", *("num" for _ in numeric), "unit", "meaning")
    )
    return (
        f'<table class="summary"><colgroup>{columns}</colgroup><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(cells)}</tbody></table>"
    )


def result_html(result: RunResult) -> str:
    """A result in a notebook: what was run, the headline and the summary table."""
    table = summary_table_html(output_rows(result), point=result.samples == 1)
    return (
        f"<div><p><strong>{esc(result.scenario.name)}</strong>: {esc(_run_line(result))}</p>"
        f"{_headline(result_view(result))}{table}</div>"
    )


def estimate_html(est: Estimate) -> str:
    """A value, and under it its relative standard error."""
    value, error = estimate_parts(est.value, est.se)
    return esc(value) + (f'<span class="se">{esc(error)}</span>' if error else "")


def _results_section(result: RunResult) -> str:
    notes = "".join(f'<p class="note">{esc(note)}</p>' for note in result.notes())
    error = " ± is the Monte Carlo standard error, relative to the value."
    if result.samples == 1:
        error = ""
    elif result.samples == 0:
        error = " Every summary is a closed form (nothing was sampled): its error is 0."
    elif result.randomizations:
        error = (
            f" ± is the standard error from the spread between the {result.randomizations} "
            "randomizations, relative to the value."
        )
    elif result.laws:
        error += " Rows whose error is 0 are closed forms (method auto)."
    return (
        '<section id="results"><h2>Results</h2>'
        f"<p>Every output in its display unit.{error}</p>"
        f"{summary_table_html(output_rows(result), point=result.samples == 1)}{notes}</section>"
    )


def _essay_section(audit: EssayView) -> str:
    rows = []
    for index, fig in enumerate(audit.figures, start=1):
        words = verdict_words(fig, audit.tolerance)
        verdict = f'<span class="{fig.verdict}">{esc(words)}</span>'
        rows.append(
            f"<tr><td>{index}</td><td>{esc(fig.quantity)}</td><td>{esc(fig.stated_text)}</td>"
            f'<td class="num">{esc(number(fig.computed))} {esc(unit_name(fig.unit))}</td>'
            f'<td class="num">{fig.ratio:.2f}</td><td>{verdict}</td><td>{esc(fig.reason)}</td>'
            "</tr>"
        )
    head = "".join(
        f"<th>{h}</th>"
        for h in ("#", "figure", "essay says", "model computes", "ratio", "verdict", "why")
    )
    total, differ = len(audit.figures), audit.differing
    return (
        '<section id="essay"><h2>The essay, audited</h2>'
        f"<p>{total - differ} of {total} figures agree within {audit.tolerance:.0%}; "
        f"{differ} differ.</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        "</section>"
    )


def figure_html(spec: FigureSpec) -> str:
    """A figure drawn inline as SVG, with its caption."""
    svg = render(spec.draw(), "svg").decode("utf-8")
    svg = svg[svg.index("<svg") :]  # drop the XML prolog and doctype: inline SVG needs neither
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)
    return f"<figure>{svg}<figcaption>{esc(spec.caption)}</figcaption></figure>"


def _distributions_section(result: RunResult, figures: dict[str, FigureSpec]) -> str:
    headline = _HEADLINE[_kind(result)]
    stem = headline.split(".", 1)[1].replace("_", "-")
    body = (
        figure_html(figures[stem])
        if stem in figures
        else '<p class="note">The scenario has no uncertain input, so each output is one value '
        "and has no distribution to show.</p>"
    )
    return f'<section id="distributions"><h2>Distributions</h2>{body}</section>'


def _race_section(view: RaceView, figures: dict[str, FigureSpec]) -> str:
    body = [f"<p>Why the window ended: {esc(view.ended_by)}.</p>"]
    for stem in ("research-by-month", "window-end"):
        if stem in figures:
            body.append(figure_html(figures[stem]))
    return f'<section id="race"><h2>The race</h2>{"".join(body)}</section>'


def _sensitivity_section(
    sensitivity: Sequence[SensitivityResult], figures: dict[str, FigureSpec]
) -> str:
    if not sensitivity or "tornado" not in figures:
        body = (
            '<p class="note">The scenario has no uncertain input, so there is nothing for a '
            "sensitivity analysis to rank.</p>"
        )
    else:
        views = [sensitivity_view(res) for res in sensitivity]
        rows = [
            f"<tr><td><code>{esc(view.label)}</code></td><td><code>{esc(row['input'])}</code>"
            f'</td><td class="num">{esc(number(row["output_at_p5"]))}</td>'
            f'<td class="num">{esc(number(row["output_at_p95"]))}</td>'
            f'<td class="num">{esc(swing(row["swing"], view.swing_scale))}</td>'
            f"<td>{esc(unit_name(view.unit))}</td></tr>"
            for view in views
            for row in view.rows
        ]
        head = "".join(
            f"<th>{h}</th>"
            for h in ("output", "input", "input at p5", "input at p95", "swing", "unit")
        )
        notes = "".join(
            f'<p class="note">{esc(n)}</p>'
            for n in dict.fromkeys(n for v in views for n in v.notes)
        )
        body = (
            figure_html(figures["tornado"])
            + f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            + f'<p class="note">{esc(BASELINE_NOTE)}</p>'
            + notes
        )
    return f'<section id="sensitivity"><h2>Which input matters</h2>{body}</section>'


def _tasks_section(view: TasksView) -> str:
    """The speed-up curves, and the shares at which they first pass each threshold."""
    spec = FigureSpec(
        "tasks",
        "Research over the human field's alone as the automated share of tasks grows, for the "
        "scenario's elasticity of substitution and fixed ones (bands: 5th to 95th percentile), "
        "beside the single-τ figure.",
        lambda: tasks_panel(view),
    )

    def share(record: dict[str, float | None]) -> str:
        value = record.get("value", record.get("p50"))
        return "never" if value is None else f"{value:.3f}"

    thresholds = list(view.cases[0].first_share)
    head = "".join(f"<th>first passes {t:g}×</th>" for t in thresholds)
    rows = "".join(
        f"<tr><td>{'the scenario' if c.epsilon is None else esc(number(c.epsilon))}</td>"
        + "".join(f'<td class="num">{share(c.first_share[t])}</td>' for t in thresholds)
        + "</tr>"
        for c in view.cases
    )
    return (
        '<section id="tasks"><h2>Tasks automated one at a time</h2>'
        + figure_html(spec)
        + f"<table><thead><tr><th>ε</th>{head}</tr></thead><tbody>{rows}</tbody></table>"
        + '<p class="note">Automated share at which the speed-up first passes each level '
        "(medians when inputs are uncertain).</p></section>"
    )
