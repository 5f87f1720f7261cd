"""The web API answers with the same records the command line renders, and bad input with 422.

Each endpoint's document is compared with the view built directly from the API, so the web
cannot drift from the command line's ``--format json``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import plotly
import pytest
from fastapi.testclient import TestClient

from alignment_runway import __version__, api, views
from alignment_runway.web import Limits, create_app

QS = (5.0, 50.0, 95.0)
#: Small limits, so the tests stay quick on two cores.
TEST_LIMITS = Limits(samples=50_000, sobol_samples=64, seconds=60.0, workers=2)


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    """The app in this process, its workers in a small pool."""
    with TestClient(create_app(TEST_LIMITS)) as started:
        yield started


def _same(document: Any) -> Any:
    """A document as it comes back from JSON (tuples as lists, floats exactly)."""
    return json.loads(json.dumps(document))


def test_the_version_and_limits(client: TestClient) -> None:
    body = client.get("/api/version").json()
    assert body["version"] == __version__
    assert body["default_preset"] == "essay"
    assert body["limits"]["samples"] == 50_000
    assert body["store"] is False


def test_presets_and_parameters_are_the_views(client: TestClient) -> None:
    assert client.get("/api/presets").json() == views.preset_rows()
    assert client.get("/api/parameters").json() == _same(views.parameter_records())
    stock = client.get("/api/parameters/compute.stock").json()
    assert stock == views.explain_record("compute.stock")
    assert {"meaning", "unit", "bounds", "default", "source"} <= stock.keys()


def test_a_preset_lists_its_inputs_as_written(client: TestClient) -> None:
    body = client.get("/api/presets/uncertain").json()
    scenario = api.load_scenario(preset="uncertain")
    assert body["inputs"] == _same([row.to_json() for row in views.input_rows(scenario)])
    assert body["correlations"] == [
        {"pair": [c.first, c.second], "rho": c.rho} for c in scenario.correlations
    ]


def test_a_point_run_is_the_cli_view_with_a_sentence(client: TestClient) -> None:
    response = client.post("/api/run", json={"preset": "essay"})
    assert response.status_code == 200
    body = response.json()
    expected = views.point_view(api.run(api.load_scenario(preset="essay"), 1))
    assert body["kind"] == "point"
    assert body["view"] == _same(expected.to_json())
    assert body["version"] == __version__
    assert body["headline"]["p50"] == expected.research_months
    assert "654,000 researcher-months" in body["headline"]["sentence"]
    assert body["histogram"] is None


def test_a_sampled_run_is_the_cli_view(client: TestClient) -> None:
    settings = {"compute.stock": "2e21 to 8e21 FLOP/s"}
    request = {"preset": "uncertain", "settings": settings, "seed": 7, "samples": 3000}
    body = client.post("/api/run", json=request).json()
    scenario = api.load_scenario(preset="uncertain", settings=["compute.stock=2e21 to 8e21 FLOP/s"])
    expected = views.summary_view(api.run(scenario, 3000, 7), QS)
    assert body["view"] == _same(expected.to_json())
    assert expected.headline is not None
    assert body["headline"]["p50"] == expected.headline.p50
    assert sum(body["histogram"]["counts"]) == 3000
    assert len(body["histogram"]["edges"]) == len(body["histogram"]["counts"]) + 1


def test_a_race_is_the_cli_view(client: TestClient) -> None:
    request = {"preset": "race", "seed": 3, "samples": 2000, "months": 60, "step": "week"}
    body = client.post("/api/race", json=request).json()
    result = api.race(api.load_scenario(preset="race"), 2000, 3, months=60, step="week")
    expected = views.race_view(result, QS)
    assert body["kind"] == "race"
    assert body["view"] == _same(expected.to_json())
    assert body["headline"]["p50"] == expected.research.p50
    assert "probability" in body["headline"]["sentence"]


def test_a_run_takes_a_method(client: TestClient) -> None:
    """exact: closed forms, no samples and no histogram; qmc: its randomizations; both bounded."""
    settings = {"compute.stock": "2e21 to 8e21 FLOP/s"}
    scenario = api.load_scenario(preset="essay", settings=["compute.stock=2e21 to 8e21 FLOP/s"])
    body = client.post(
        "/api/run", json={"preset": "essay", "settings": settings, "method": "exact"}
    ).json()
    expected = views.summary_view(api.run(scenario, method="exact"), QS)
    assert body["view"] == _same(expected.to_json())
    assert body["view"]["method"] == "exact" and body["view"]["samples"] == 0
    assert body["histogram"] is None and body["headline"]["p50"] > 0
    request = {"preset": "uncertain", "seed": 5, "samples": 1600, "method": "qmc"}
    body = client.post("/api/run", json=request).json()
    qmc = api.run(api.load_scenario(preset="uncertain"), 1600, 5, method="qmc")
    assert body["view"] == _same(views.summary_view(qmc, QS).to_json())
    assert body["view"]["randomizations"] == 16
    refused = _error(client, "/api/run", {"preset": "uncertain", "method": "exact"})
    assert refused["field"] == "compute.training_share" and "untruncated" in refused["expected"]
    assert _error(client, "/api/run", {"method": "closed"})["field"] == "method"
    assert _error(client, "/api/run", {"method": "x" * 10_000})["field"] == "method"
    assert (
        _error(client, "/api/run", {"samples": 1000, "method": "qmc", "preset": "uncertain"})[
            "field"
        ]
        == "samples"
    )


def test_a_race_takes_sample_or_qmc(client: TestClient) -> None:
    request = {"preset": "race", "seed": 3, "samples": 1600, "months": 12, "method": "qmc"}
    body = client.post("/api/race", json=request).json()
    result = api.race(api.load_scenario(preset="race"), 1600, 3, months=12, method="qmc")
    assert body["view"] == _same(views.race_view(result, QS).to_json())
    for method in ("exact", "auto"):
        assert _error(client, "/api/race", {"method": method})["field"] == "method"


def test_sensitivity_is_the_cli_view(client: TestClient) -> None:
    request = {"preset": "uncertain", "output": "static.research_per_month"}
    body = client.post("/api/sensitivity", json=request).json()
    results = api.sensitivity(
        api.load_scenario(preset="uncertain"), ["static.research_per_month"], "tornado", None, 2023
    )
    expected = views.sensitivity_study("uncertain", "tornado", 2023, results)
    assert body["view"] == _same(expected.to_json())


def test_the_essay_audit_is_the_cli_view(client: TestClient) -> None:
    expected = views.essay_view(api.essay_audit(), api.ESSAY_TOLERANCE)
    assert client.get("/api/essay").json() == _same(expected.to_json())


def test_the_scenario_toml_reads_back_to_the_same_run(client: TestClient, tmp_path: Path) -> None:
    settings = {"labor.serial_speed": "20 to 80 token/s"}
    text = client.post("/api/scenario.toml", json={"preset": "uncertain", "settings": settings})
    path = tmp_path / "scenario.toml"
    path.write_text(text.text)
    from_file = views.summary_view(api.run(api.load_scenario(path), 500, 1), QS)
    body = client.post(
        "/api/run", json={"preset": "uncertain", "settings": settings, "seed": 1, "samples": 500}
    ).json()
    assert body["headline"]["p50"] == from_file.headline.p50  # type: ignore[union-attr]


def _error(client: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body)
    assert response.status_code == 422, response.text
    record: dict[str, Any] = response.json()
    assert set(record) == {"field", "expected", "received", "message"}
    return record


def test_a_bad_value_names_its_parameter(client: TestClient) -> None:
    record = _error(client, "/api/run", {"settings": {"labor.serial_speed": "1 FLOP"}})
    assert record["field"] == "labor.serial_speed"
    assert "token/s" in record["expected"]
    assert "1 FLOP" in record["received"]


def test_an_unknown_parameter_says_what_it_may_mean(client: TestClient) -> None:
    record = _error(client, "/api/run", {"settings": {"compute.stok": "4e21 FLOP/s"}})
    assert record["field"] == "settings"
    assert "compute.stock" in record["expected"]
    assert record["received"] == "'compute.stok'"


def test_a_preset_is_a_name_never_a_path(client: TestClient) -> None:
    record = _error(client, "/api/run", {"preset": "../../etc/passwd"})
    assert record["field"] == "preset"
    assert "../../etc/passwd" in record["received"]
    unknown = _error(client, "/api/run", {"preset": "nope"})
    assert "uncertain" in unknown["expected"]


def test_bad_options_name_their_field(client: TestClient) -> None:
    assert _error(client, "/api/run", {"seed": -1})["field"] == "seed"
    assert _error(client, "/api/run", {"seed": 2**64})["field"] == "seed"
    assert _error(client, "/api/race", {"step": "day"})["field"] == "step"
    assert _error(client, "/api/run", {"script": "import os"})["field"] == "script"
    assert _error(client, "/api/sensitivity", {"output": "static.nope"})["field"] == "outputs"


def test_samples_are_capped_per_request(client: TestClient) -> None:
    record = _error(client, "/api/run", {"preset": "uncertain", "samples": 50_001})
    assert record["field"] == "samples"
    assert record["expected"] == "at most 50,000 samples on this server"
    sobol = {"preset": "uncertain", "method": "sobol", "samples": 128}
    assert _error(client, "/api/sensitivity", sobol)["field"] == "samples"


def test_a_large_body_is_refused_before_it_is_read(client: TestClient) -> None:
    settings = {f"x{i}": "y" * 300 for i in range(300)}
    response = client.post("/api/run", json={"settings": settings})
    assert response.status_code == 413
    assert response.json()["field"] == "body"
    too_many = {f"x{i}": "1" for i in range(65)}
    assert _error(client, "/api/run", {"settings": too_many})["field"] == "settings"


def test_runs_are_off_without_a_store(client: TestClient) -> None:
    response = client.get("/api/runs")
    assert response.status_code == 422
    assert response.json()["field"] == "store"


def test_the_page_is_served_offline(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert '<script src="static/plotly.min.js">' in page.text
    bundled = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    assert client.get("/static/plotly.min.js").content == bundled.read_bytes()
    for name in ("/", "/static/app.js", "/static/style.css"):
        text = client.get(name).text
        assert "http://" not in text and "https://" not in text and "//cdn" not in text


def test_the_schema_names_every_endpoint(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/presets",
        "/api/parameters",
        "/api/run",
        "/api/race",
        "/api/sensitivity",
        "/api/essay",
        "/api/runs",
        "/api/runs/{run_id}",
    ):
        assert path in paths


def test_compare_is_the_compare_view(client: TestClient) -> None:
    sides = [
        {"preset": "race", "settings": {}},
        {"preset": "race", "settings": {"race.lead": "6 months"}},
    ]
    body = {"sides": sides, "seed": 5, "samples": 3000}
    answer = client.post("/api/compare", json=body)
    assert answer.status_code == 200, answer.text
    result = api.compare(
        ["preset:race", "preset:race"], None, 3000, 5, settings=["2:race.lead=6 months"]
    )
    expected = views.compare_view(result, QS).to_json()
    got = answer.json()["view"]
    assert got["outputs"] == _same(expected["outputs"])
    assert got["drawn_differently"] == expected["drawn_differently"]
    one = client.post("/api/compare", json={"sides": sides[:1]})
    assert one.status_code == 422 and one.json()["field"] == "sides"


def test_sweep_is_the_sweep_view(client: TestClient) -> None:
    body = {"preset": "race", "axis": "race.lead=3..24 months:3", "seed": 5, "samples": 2000}
    answer = client.post("/api/sweep", json=body)
    assert answer.status_code == 200, answer.text
    result = api.sweep(
        api.load_scenario(preset="race"), ["race.lead=3..24 months:3"], None, 2000, 5
    )
    assert answer.json()["view"]["cells"] == _same(views.sweep_view(result).to_json()["cells"])
    wide = client.post("/api/sweep", json=body | {"axis": "race.lead=1..24 months:21"})
    assert wide.status_code == 422 and wide.json()["field"] == "axis"
    bad = client.post("/api/sweep", json=body | {"axis": "race.lead=3..24 months:x"})
    assert bad.status_code == 422 and "whole number" in bad.json()["expected"]


def test_tasks_is_the_tasks_view(client: TestClient) -> None:
    answer = client.post("/api/tasks", json={"preset": "tasks", "samples": 200, "seed": 4})
    assert answer.status_code == 200, answer.text
    result = api.tasks_curve(api.load_scenario(preset="tasks"), 200, 4)
    assert answer.json()["view"] == _same(views.tasks_view(result).to_json())
    bad = client.post(
        "/api/tasks", json={"preset": "tasks", "settings": {"tasks.substitution": "0"}}
    )
    assert bad.status_code == 422 and bad.json()["field"] == "tasks.substitution"


def test_compare_and_sweep_take_the_method(client: TestClient) -> None:
    sides = [
        {"preset": "race", "settings": {}},
        {"preset": "race", "settings": {"race.catch_up_speed": "1 to 3"}},
    ]
    body = {"sides": sides, "seed": 5, "samples": 3200, "method": "qmc"}
    answer = client.post("/api/compare", json=body)
    assert answer.status_code == 200, answer.text
    result = api.compare(
        ["preset:race", "preset:race"], None, 3200, 5, settings=["2:race.catch_up_speed=1 to 3"],
        method="qmc",
    )  # fmt: skip
    expected = views.compare_view(result, QS).to_json()
    got = answer.json()["view"]
    assert got["method"] == expected["method"] == "qmc"
    assert got["outputs"] == _same(expected["outputs"])
    axis = "race.lead=3..24 months:3"
    swept = client.post(
        "/api/sweep", json={"preset": "race", "axis": axis, "seed": 5, "samples": 1600,
                            "method": "qmc"},
    )  # fmt: skip
    assert swept.status_code == 200, swept.text
    result_ = api.sweep(api.load_scenario(preset="race"), [axis], None, 1600, 5, method="qmc")
    view = swept.json()["view"]
    assert view["method"] == "qmc"
    assert view["cells"] == _same(views.sweep_view(result_).to_json()["cells"])
    refused = client.post("/api/sweep", json={"preset": "race", "axis": axis, "method": "exact"})
    assert refused.status_code == 422 and refused.json()["field"] == "method"
