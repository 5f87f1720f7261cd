"""The HTML report and its figures: structure, the figure set, self-containment, overwrites."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from alignment_runway import api
from alignment_runway.engine.steps import report_sensitivity
from alignment_runway.errors import Error
from alignment_runway.reports.html import figure_specs
from alignment_runway.results import RunResult
from alignment_runway.scenarios import tasks_active


class _Scan(HTMLParser):
    """Collects section ids, every src/href value and the number of inline SVG figures."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.links: list[str] = []
        self.svgs = 0
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        values = dict(attrs)
        if tag == "section" and values.get("id"):
            self.sections.append(str(values["id"]))
        if tag == "svg":
            self.svgs += 1
        for name, value in attrs:
            if name in ("src", "href", "xlink:href") and value is not None:
                self.links.append(value)


def _scan(path: Path) -> tuple[_Scan, str]:
    text = path.read_text(encoding="utf-8")
    scan = _Scan()
    scan.feed(text)
    return scan, text


@pytest.fixture(scope="module")
def uncertain_run() -> RunResult:
    return api.run(api.load_scenario(preset="uncertain"), samples=4000)


@pytest.fixture(scope="module")
def race_run() -> RunResult:
    return api.race(api.load_scenario(preset="race"), samples=4000, keep_trajectories=300)


# the golden figure sets: which figures each kind of report carries, in order
_FIGURE_SETS = {
    "uncertain run": ["research-per-month", "tornado"],
    "race": ["research", "research-by-month", "window-end", "tornado"],
    "essay run": [],
    "essay race": ["research-by-month"],
}


def _result(case: str, uncertain_run: RunResult, race_run: RunResult) -> RunResult:
    if case == "uncertain run":
        return uncertain_run
    if case == "race":
        return race_run
    if case == "essay run":
        return api.run(api.load_scenario(preset="essay"))
    return api.race(api.load_scenario(preset="essay"))


@pytest.mark.parametrize("case", list(_FIGURE_SETS))
def test_figure_sets(case: str, uncertain_run: RunResult, race_run: RunResult) -> None:
    result = _result(case, uncertain_run, race_run)
    sensitivity = report_sensitivity(result)
    assert [spec.stem for spec in figure_specs(result, sensitivity)] == _FIGURE_SETS[case]


@pytest.mark.parametrize(
    ("case", "sections"),
    [
        ("uncertain run", ["results", "distributions", "sensitivity", "scenario"]),
        ("race", ["results", "race", "distributions", "sensitivity", "scenario"]),
        ("essay run", ["results", "distributions", "sensitivity", "essay", "scenario"]),
        ("essay race", ["results", "race", "distributions", "sensitivity", "essay", "scenario"]),
    ],
)
def test_report_structure_and_self_containment(
    case: str,
    sections: list[str],
    uncertain_run: RunResult,
    race_run: RunResult,
    tmp_path: Path,
) -> None:
    result = _result(case, uncertain_run, race_run)
    path = api.report(result, tmp_path / "report.html")
    scan, text = _scan(path)
    assert scan.sections == sections
    assert scan.svgs == len(_FIGURE_SETS[case])  # every figure inline, nothing else drawn
    external = [link for link in scan.links if not link.startswith(("#", "data:"))]
    assert external == []
    assert not {"script", "link", "iframe", "img"} & scan.tags
    stage_d = tasks_active(result.scenario)
    for name in result.scenario.settings:
        listed = f"<code>{name}</code>" in text
        # every parameter listed, but Stage D's while it is neutral (it changes nothing)
        assert listed == (stage_d or not name.startswith("tasks.")), name
    if result.samples == 1:
        assert "has no uncertain input" in text


def test_report_lists_sources_and_headline(race_run: RunResult, tmp_path: Path) -> None:
    _, text = _scan(api.report(race_run, tmp_path / "race.html"))
    assert "McAleese" in text  # a parameter's source
    assert "Research in the window: median" in text
    assert "P(success) =" in text
    assert "Why the window ended: catch-up" in text


def test_report_refuses_to_overwrite_and_bad_names(
    uncertain_run: RunResult, tmp_path: Path
) -> None:
    path = tmp_path / "r.html"
    path.write_text("precious", encoding="utf-8")
    with pytest.raises(Error, match="report: expected a new file"):
        api.report(uncertain_run, path)
    assert path.read_text(encoding="utf-8") == "precious"
    api.report(uncertain_run, path, force=True)
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    with pytest.raises(Error, match=r"report: expected a file ending in \.html"):
        api.report(uncertain_run, tmp_path / "r.pdf")
    with pytest.raises(Error, match="does not exist"):
        api.report(uncertain_run, tmp_path / "missing" / "r.html")


def test_figures_are_written_as_png_and_svg(race_run: RunResult, tmp_path: Path) -> None:
    written = api.write_figures(race_run, tmp_path / "figs")
    names = sorted(p.name for p in written)
    expected = sorted(f"{stem}.{fmt}" for stem in _FIGURE_SETS["race"] for fmt in ("png", "svg"))
    assert names == expected
    for path in written:
        head = path.read_bytes()[:300]
        assert head.startswith(b"\x89PNG") if path.suffix == ".png" else b"<svg" in head
    svg = (tmp_path / "figs" / "research-by-month.svg").read_text(encoding="utf-8")
    assert "months since the pause" in svg and "researcher_year" in svg  # labels with units
    with pytest.raises(Error, match="figures: expected new files"):
        api.write_figures(race_run, tmp_path / "figs")
    api.write_figures(race_run, tmp_path / "figs", force=True)


def test_results_render_as_html_in_notebooks(race_run: RunResult) -> None:
    shown = race_run._repr_html_()
    assert shown is not None
    assert shown.startswith("<div>") and "<table" in shown
    assert "race.research" in shown and "P(success)" in shown


def _cells(text: str, name: str) -> list[str]:
    """The numeric cells of an output's row in a report, as plain text."""
    row = text.split(f"<tr><td><code>{name}</code></td>", 1)[1].split("</tr>", 1)[0]
    cells = [c.split("</td>", 1)[0] for c in row.split('<td class="num">')[1:]]
    return [c.replace('<span class="se">', " ").replace("</span>", "") for c in cells]


def test_report_and_command_line_show_the_same_cells(race_run: RunResult) -> None:
    # both render the same view rows with the same formatting: "never", rounding and ± agree
    from alignment_runway.cli.render import cell
    from alignment_runway.reports.html import report_html
    from alignment_runway.views import output_rows

    text = report_html(race_run)
    rows = output_rows(race_run)
    assert rows[0].name.startswith("race.")
    assert not {"race.end_reason", "race.success"} & {row.name for row in rows}
    for row in rows:
        expected = [cell(e) for e in (row.mean, *row.percentiles.values())]
        assert _cells(text, row.name) == expected
    never = next(row for row in rows if row.name == "race.time_to_requirement")
    assert "never" in _cells(text, never.name)  # the p95 is never reached in this race


def test_report_states_the_audit_tolerance_it_was_given(uncertain_run: RunResult) -> None:
    import dataclasses

    from alignment_runway.reports.html import report_html
    from alignment_runway.views import essay_view

    view = essay_view(api.essay_audit(), api.ESSAY_TOLERANCE)
    total, agreed = len(view.figures), len(view.figures) - view.differing
    text = report_html(uncertain_run, audit=view)
    assert f"{agreed} of {total} figures agree within {api.ESSAY_TOLERANCE:.0%}" in text
    other = report_html(uncertain_run, audit=dataclasses.replace(view, tolerance=0.2))
    assert f"{agreed} of {total} figures agree within 20%" in other  # from the view, not fixed
