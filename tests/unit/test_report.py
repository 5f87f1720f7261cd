"""The HTML report and its figures: structure, the figure set, self-containment, overwrites."""

from __future__ import annotations

import re
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
        ("uncertain run", ["brief", "results", "distributions", "sensitivity", "scenario"]),
        ("race", ["brief", "results", "race", "distributions", "sensitivity", "scenario"]),
        ("essay run", ["brief", "results", "distributions", "sensitivity", "essay", "scenario"]),
        (
            "essay race",
            ["brief", "results", "race", "distributions", "sensitivity", "essay", "scenario"],
        ),
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
    contents = text.split('<nav class="contents">', 1)[1].split("</nav>", 1)[0]
    assert re.findall(r'<a href="#([^"]+)">', contents) == sections
    assert contents.count("<li>") == len(sections)
    assert text.index('<nav class="contents">') < text.index('<section id="brief">')
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
    assert "months since the pause" in svg and "researcher-years" in svg  # labels with units
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


def test_a_deterministic_race_reports_one_value_per_output() -> None:
    from alignment_runway.reports.html import report_html

    text = report_html(api.race(api.load_scenario(preset="essay")))
    assert "one deterministic run" in text and "1 sample" not in text
    results = text.split('<section id="results">', 1)[1].split("</section>", 1)[0]
    assert '<th class="num">value</th>' in results
    head = results.split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert ">p50<" not in head and ">mean<" not in head and "±" not in results
    assert "Why the window ended: catch-up." in text


def test_report_shows_rounding_noise_in_a_swing_as_zero_like_the_screen() -> None:
    import dataclasses

    from alignment_runway.formatting import swing
    from alignment_runway.reports.html import report_html
    from alignment_runway.views import sensitivity_view

    result = api.run(api.load_scenario(preset="uncertain"), samples=500)
    tornado = api.sensitivity(result.scenario, method="tornado")[0]
    view = sensitivity_view(tornado)
    largest = max(abs(float(r["swing"])) for r in view.rows)
    assert swing(2.62e-10 * largest / 1e3, view.swing_scale) == "0"
    assert swing(largest, view.swing_scale) != "0"
    # a swing of rounding noise: 2.62e-10 where the largest is thousands of times bigger
    last = tornado.tornado[-1]
    noisy = dataclasses.replace(last, output_high=last.output_low + 2.62e-10)
    assert noisy.swing > 0
    text = report_html(
        result, [dataclasses.replace(tornado, tornado=(*tornado.tornado[:-1], noisy))]
    )
    assert "2.62e-10" not in text
    row = text.split(f"<code>{noisy.name}</code></td>", 1)[1].split("</tr>", 1)[0]
    assert row.split('<td class="num">')[3].startswith("0<")


def test_a_fan_spanning_decades_is_drawn_on_a_log_axis() -> None:
    import numpy as np

    from alignment_runway.reports import figures as f

    month = np.arange(4.0)
    wide = np.array(
        [[0, 1, 1, 1], [0, 5, 6, 6], [0, 10, 12, 12], [0, 20, 25, 25], [0, 900, 1e3, 1e3]]
    )
    narrow = wide.copy()
    narrow[4] = [0, 30, 36, 36]  # 3x the median: linear
    assert f.fan_scale(wide) == "log" and f.fan_scale(narrow) == "linear"
    paths = np.concatenate(
        [np.zeros((45, 4)), np.tile([0, 10, 12, 12], (10, 1)), np.tile([0, 1e3, 1e3, 1e3], (45, 1))]
    )
    fig = f.fan_figure(month, paths, 1.0, "researcher_year")
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and "researcher-years" in ax.get_ylabel()
    assert ax.get_ylim()[0] < ax.get_ylim()[1]


def test_window_end_labels_do_not_overlap_their_bars() -> None:
    from alignment_runway.reports import figures as f

    shares = {"catch-up": 0.92, "theft": 0.08, "horizon": 0.0}
    ax = f.reasons_figure(shares).axes[0]
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    bars = [patch.get_window_extent(renderer) for patch in ax.patches]
    for text, bar in zip(ax.texts, bars, strict=True):
        box = text.get_window_extent(renderer)
        inside = box.x0 >= bar.x0 and box.x1 <= bar.x1
        outside = box.x0 >= bar.x1
        assert inside or outside, text.get_text()
        if inside:
            assert text.get_color() == "white"


def test_sobol_legend_sits_below_the_axes_and_log_says_ln() -> None:
    from alignment_runway.reports import figures as f

    scenario = api.load_scenario(preset="uncertain")
    inputs = ["compute.stock", "compute.utilization", "compute.training_share"]
    results = api.sensitivity(
        scenario,
        method="sobol",
        samples=64,
        inputs=inputs,
        log=True,
        outputs=["static.research_per_month"],
    )
    fig = f.sensitivity_panels(results, {})
    ax = fig.axes[0]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legend = ax.get_legend().get_window_extent(renderer)
    assert legend.y1 <= ax.get_window_extent(renderer).y0  # under the axes: covers no bar
    assert ax.get_xlabel().startswith("Sobol index of ln(")
    assert ax.get_title(loc="left").startswith("ln(")


def test_the_brief_says_in_words_what_was_assumed_came_out_and_matters(
    race_run: RunResult,
) -> None:
    from alignment_runway.engine.steps import report_sensitivity
    from alignment_runway.reports.html import report_html
    from alignment_runway.views import brief_view, essay_view, race_view, sensitivity_view

    sensitivity = report_sensitivity(race_run)
    brief = brief_view(race_run, sensitivity)
    uncertain = len(race_run.scenario.uncertain())
    assert brief.assumed.startswith("The race scenario")
    assert f"{uncertain} of its {len(race_run.scenario.settings)} values are uncertain" in (
        brief.assumed
    )
    from alignment_runway.formatting import number
    from alignment_runway.results import RaceResult

    assert isinstance(race_run, RaceResult)
    view = race_view(race_run, (5.0, 50.0, 95.0))

    assert f"median {number(view.research.p50)} researcher-years" in brief.came_out[0]
    assert "it ended by catch-up in" in brief.came_out[1]
    assert brief.came_out[-1].startswith("The chance of delivering")
    tornado = sensitivity_view(sensitivity[0])
    top = str(tornado.rows[0]["input"]).split(".")[1].replace("_", " ")
    assert brief.matters[1].lower().startswith(top)  # the largest swing first
    assert len(brief.matters) == 4 and brief.audit is None
    text = report_html(race_run, sensitivity)
    opening = text.split('<section id="brief">', 1)[1].split("</section>", 1)[0]
    assert "What was assumed" in opening and "What matters most" in opening
    audit = essay_view(api.essay_audit(), api.ESSAY_TOLERANCE)
    point = brief_view(api.run(api.load_scenario()), (), audit)
    assert "Every value is fixed" in point.assumed
    assert point.came_out == (
        "Each month of lead buys 654,000 researcher-months of alignment research (of 240 "
        "working hours).",
    )
    assert point.audit is not None and f"{audit.differing} differ (" in point.audit
    essay = report_html(api.run(api.load_scenario()), audit=audit)
    assert "agrees, within 10%" in essay and "differs: the model gives 2.91× the essay" in essay
