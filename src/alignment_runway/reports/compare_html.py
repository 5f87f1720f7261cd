"""The comparison report: one self-contained HTML file, drawn from ``views.CompareView``.

Sections: ``comparison`` (each output: every side's summary, each side against the baseline,
the paired figure), ``drawn-differently`` (inputs not drawn alike), then one ``scenario-X``
per side (every parameter as written).
"""

from __future__ import annotations

from collections.abc import Sequence

from alignment_runway import __version__
from alignment_runway.formatting import number, probability, unit_name
from alignment_runway.reports.figures import FigureSpec
from alignment_runway.reports.html import STYLE, esc, estimate_html, figure_html, scenario_section
from alignment_runway.views import CompareView, Estimate, InputRow, PairedSummary

__all__ = ["compare_html"]


def _interval(estimates: Sequence[Estimate]) -> str:
    """The middle estimate with its error, then the outer two."""
    middle = estimate_html(estimates[len(estimates) // 2])
    if len(estimates) < 2:
        return middle
    return f"{middle} [{esc(number(estimates[0].value))} to {esc(number(estimates[-1].value))}]"


def _summary(summary: PairedSummary) -> str:
    return "—" if summary.mean is None else _interval(list(summary.percentiles.values()))


def _output_section(view: CompareView, index: int) -> str:
    out = view.outputs[index]
    base = view.sides[0][0]
    paired = {row.label: row for row in out.against_baseline}
    rows = []
    for side in out.sides:
        value = (
            esc(probability(side.mean.value, side.mean.se))
            if out.binary
            else _interval(list(side.percentiles.values()))
        )
        row = paired.get(side.label)
        if row is None:
            rest = '<td colspan="4">baseline</td>'
        else:
            if out.binary:
                ratio = "—"
                difference = (
                    "—"
                    if row.difference.mean is None
                    else esc(probability(row.difference.mean.value, row.difference.mean.se))
                )
            else:
                ratio, difference = _summary(row.ratio), _summary(row.difference)
            rest = (
                f'<td class="num">{ratio}</td><td class="num">{difference}</td>'
                f'<td class="num">{esc(probability(row.greater.value, row.greater.se))}</td>'
                f'<td class="num">{esc(probability(row.equal.value, row.equal.se))}</td>'
            )
        rows.append(f'<tr><td>{esc(side.label)}</td><td class="num">{value}</td>{rest}</tr>')
    head = "".join(
        f"<th>{esc(h)}</th>"
        for h in ("side", "value", f"÷ {base}", f"− {base}", f"P(> {base})", f"P(= {base})")
    )
    unit = f" ({unit_name(out.unit)})" if out.unit else ""
    return (
        f"<h3><code>{esc(out.name)}</code>{esc(unit)}: {esc(out.meaning)}</h3>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _drawn(view: CompareView) -> str:
    """How many samples every side drew, and how (plain or quasi-random)."""
    if view.randomizations:
        return (
            f"{view.samples:,} randomized quasi-Monte Carlo samples ({view.randomizations} "
            "scrambled Sobol' sequences; errors from their spread)"
        )
    return f"{view.samples:,} sample(s)"


def compare_html(
    view: CompareView, scenarios: Sequence[tuple[str, Sequence[InputRow]]], figure: FigureSpec
) -> str:
    """The comparison as one HTML document.

    Args:
        view: the comparison's view.
        scenarios: (scenario name, its input rows) per side, in the order of ``view.sides``.
        figure: the paired figure.
    """
    title = "alignment-runway compare: " + " vs ".join(name for _, _, name in view.sides)
    where = (
        f"; horizon {number(view.months)} months, {view.step}ly steps"
        if view.kind == "race"
        else ""
    )
    sides = "".join(
        f'<li><a href="#scenario-{esc(label)}">{esc(label)}</a>: {esc(source)} ({esc(name)})</li>'
        for label, source, name in view.sides
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>",
        f"<header><h1>{esc(title)}</h1>",
        f'<p class="meta">alignment-runway {esc(__version__)}; {view.kind}; '
        f"{esc(_drawn(view))}, seed {view.seed}{esc(where)}; every side draws the same "
        f"samples, so each is compared with the baseline sample by sample.</p>",
        f"<ul>{sides}</ul></header>",
        '<section id="comparison"><h2>Comparison</h2>',
        "<p>Each value: the median ± its Monte Carlo error, relative to the value, [the 5th to "
        "95th percentile]; against the baseline, the same of the paired ratio and difference. "
        "A 0/1 output (success) shows its probability.</p>",
        *(_output_section(view, k) for k in range(len(view.outputs))),
        figure_html(figure),
        "".join(f'<p class="note">{esc(note)}</p>' for note in view.notes),
        "</section>",
    ]
    if view.differences:
        rows = "".join(
            f"<tr><td>{esc(side)}</td><td><code>{esc(name)}</code></td><td>{esc(how)}</td></tr>"
            for side, name, how in view.differences
        )
        parts.append(
            '<section id="drawn-differently"><h2>Inputs drawn differently</h2>'
            "<p>These inputs are not drawn alike on every side; the rest are shared.</p>"
            "<table><thead><tr><th>side</th><th>input</th><th>how</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></section>"
        )
    for (label, _, _), (name, inputs) in zip(view.sides, scenarios, strict=True):
        parts.append(scenario_section(f"{label}: {name}", inputs, f"scenario-{label}"))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
