"""What a worker process computes for a request: the same API calls and views as the CLI.

Each function takes a request as a plain dict, runs the API, and returns plain JSON-ready
dicts (never an exception object: an ``Error`` comes back as ``{"error": {...}}``, since its
arguments do not survive pickling). A run stops with a ``TimeLimitError`` error once its deadline
(``time.monotonic()``, shared by every process of the machine) has passed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from alignment_runway import __version__, api, views
from alignment_runway.errors import Error, InputError
from alignment_runway.formatting import number

__all__ = ["LABELS", "TimeLimitError", "compute", "error_record", "scenario_of", "warm"]

#: How the web shows each field an error names: the request's keys (parameters by name).
LABELS: dict[str, str] = {
    "settings": "settings",
    "samples": "samples",
    "seed": "seed",
    "method": "method",
}
_PARTS = re.compile(r"expected (?P<expected>.*?); received (?P<received>.*)$")
_UNKNOWN = re.compile(r"unknown (?P<what>[a-z ]+?) (?P<name>'[^']*')(?P<hint>.*)$")
#: Percentiles every view shows (the CLI's default).
PERCENTILES = (5.0, 50.0, 95.0)
#: Bins of the headline's histogram.
BINS = 40


class TimeLimitError(InputError):
    """A request that ran past the server's time limit."""


def error_record(exc: Error) -> dict[str, str]:
    """An error as the API answers it: field, expected, received and the whole message."""
    message = exc.message(LABELS)
    expected = getattr(exc, "expected", None)
    received = getattr(exc, "received", None)
    if expected is None or received is None:
        found = _PARTS.search(message)
        unknown = _UNKNOWN.search(message)
        if found:
            expected, received = found["expected"], found["received"]
        elif unknown:
            hint = unknown["hint"].removeprefix(";").strip().removeprefix("(").removesuffix(")")
            expected = f"a known {unknown['what']}" + (f" ({hint})" if hint else "")
            received = unknown["name"]
        else:
            expected, received = "a usable value", message
    if isinstance(exc, InputError) and exc.related:
        shown = [LABELS.get(f, f) for f in exc.related]
        expected, received = expected.format(*shown), received.format(*shown)
    return {
        "field": exc.field,
        "expected": expected,
        "received": received,
        "message": message,
    }


def scenario_of(request: dict[str, Any]) -> api.Scenario:
    """The request's scenario: its preset, then its settings as ``--set`` takes them."""
    settings = [f"{name}={value}" for name, value in request.get("settings", {}).items()]
    return api.load_scenario(preset=request.get("preset", "essay"), settings=settings)


def _deadline_check(deadline: float) -> Callable[[int], None]:
    def check(_done: int) -> None:
        if time.monotonic() > deadline:
            raise TimeLimitError(
                "time",
                "a request that finishes within the server's time limit",
                "one that ran past it: ask for fewer samples",
            )

    return check


def _histogram(values: np.ndarray[Any, Any], scale: float) -> dict[str, Any] | None:
    """The headline's distribution: counts in bins, log-spaced where positive values span decades.

    With log-spaced bins, samples at zero (windows that never opened) are counted in ``zero``.
    """
    x = values[np.isfinite(values)] * scale
    if x.size < 2 or np.all(x == x[0]):
        return None
    positive = x[x > 0]
    zero = int(np.count_nonzero(x == 0))
    log = positive.size + zero == x.size and positive.size > 1
    log = log and positive.max() / positive.min() > 100
    if log:
        edges = np.geomspace(positive.min(), positive.max(), BINS + 1)
        counts, _ = np.histogram(positive, edges)
    else:
        zero = 0
        edges = np.linspace(x.min(), x.max(), BINS + 1)
        counts, _ = np.histogram(x, edges)
    return {"edges": edges.tolist(), "counts": counts.tolist(), "log": bool(log), "zero": zero}


def _method(request: dict[str, Any], scenario: api.Scenario) -> str:
    """The request's method; a scenario with nothing uncertain is one point run, whatever it."""
    return str(request.get("method", "sample")) if scenario.uncertain() else "sample"


def _run(request: dict[str, Any], deadline: float) -> dict[str, Any]:
    scenario = scenario_of(request)
    samples = request.get("samples") or api.default_samples(scenario)
    method = _method(request, scenario)
    result = api.run(
        scenario, samples, request["seed"], progress=_deadline_check(deadline), method=method
    )
    if not scenario.uncertain() and samples == 1:
        point = views.point_view(result)
        sentence = (
            f"Each month of lead buys about {number(point.research_months)} researcher-months "
            f"of alignment research: {number(point.researchers)} AI researchers, each doing "
            f"{number(point.months)} months of a human's {number(point.hours)}-hour days."
        )
        headline = {"p50": point.research_months, "unit": "researcher_month", "sentence": sentence}
        return {"kind": "point", "view": point.to_json(), "headline": headline}
    summary = views.summary_view(result, PERCENTILES)
    h = summary.headline
    out: dict[str, Any] = {"kind": "summary", "view": summary.to_json(), "headline": None}
    if h is not None:
        sentence = (
            f"Each month of lead buys a median of {number(h.p50)} researcher-months of "
            f"alignment research (of 240 hours each); in 9 of 10 samples it is between "
            f"{number(h.p5)} and {number(h.p95)}, and the mean is {number(h.mean)}."
        )
        out["headline"] = {
            "p5": h.p5, "p50": h.p50, "p95": h.p95, "mean": h.mean,
            "unit": h.unit, "sentence": sentence,
        }  # fmt: skip
        scale = views.display_unit(h.name)[1]
        sampled = result.values.get(h.name)  # a closed form has no samples to draw
        out["histogram"] = None if sampled is None else _histogram(sampled, scale)
    return out


def _race(request: dict[str, Any], deadline: float) -> dict[str, Any]:
    scenario = scenario_of(request)
    samples = request.get("samples") or api.default_samples(scenario, "race")
    result = api.race(
        scenario,
        samples,
        request["seed"],
        months=request.get("months", api.DEFAULT_MONTHS),
        step=request.get("step", "month"),
        progress=_deadline_check(deadline),
        method=request.get("method", "sample"),
    )
    view = views.race_view(result, PERCENTILES)
    r = view.research
    median = "" if view.samples == 1 else "a median of "
    sentence = (
        f"In the window the lead buys, the AI delivers {median}{number(r.p50)} researcher-years "
        f"of alignment research ({number(view.field_years_median)} field-years)"
    )
    sentence += (
        "."
        if view.samples == 1
        else (f"; in 9 of 10 samples between {number(r.p5)} and {number(r.p95)}.")
    )
    if view.success is not None:
        sentence += (
            f" The research it needs is delivered in time with probability "
            f"{view.success.value:.2f}."
        )
    headline = {
        "p5": r.p5, "p50": r.p50, "p95": r.p95, "mean": r.mean, "unit": r.unit,
        "sentence": sentence,
    }  # fmt: skip
    scale = views.display_unit(r.name)[1]
    return {
        "kind": "race",
        "view": view.to_json(),
        "headline": headline,
        "histogram": _histogram(result.values[r.name], scale),
    }


def _sensitivity(request: dict[str, Any], deadline: float) -> dict[str, Any]:
    scenario = scenario_of(request)
    results = api.sensitivity(
        scenario,
        [request["output"]],
        request["method"],
        request.get("samples"),
        request["seed"],
        log=request.get("log", False),
        months=request.get("months", api.DEFAULT_MONTHS),
        step=request.get("step", "month"),
    )
    _deadline_check(deadline)(0)
    study = views.sensitivity_study(scenario.name, request["method"], request["seed"], results)
    return {"kind": "sensitivity", "view": study.to_json()}


def _compare(request: dict[str, Any], deadline: float) -> dict[str, Any]:
    """Scenarios side by side: the ``compare --format json`` view."""
    scenarios = [scenario_of(side) for side in request["sides"]]
    result = api.compare(
        scenarios,
        request.get("outputs") or None,
        request.get("samples"),
        request["seed"],
        months=request.get("months", api.DEFAULT_MONTHS),
        step=request.get("step", "month"),
        progress=_deadline_check(deadline),
        method=request.get("method", "sample"),
    )
    return {"kind": "compare", "view": views.compare_view(result, PERCENTILES).to_json()}


def _sweep(request: dict[str, Any], deadline: float) -> dict[str, Any]:
    """One axis swept: the ``sweep --format json`` view (at most ``cells`` cells)."""
    scenario = scenario_of(request)
    grid = [request["axis"]]
    outputs = request.get("outputs") or None
    months, step = request.get("months", api.DEFAULT_MONTHS), request.get("step", "month")
    method = request.get("method", "sample")
    plan = api.plan_sweep(
        scenario, grid, outputs, request.get("samples"), request["seed"], months=months,
        step=step, method=method,
    )  # fmt: skip
    if len(plan.cells) > request["cells"]:
        raise InputError(
            "axis", f"at most {request['cells']} values on this server", f"{len(plan.cells)}"
        )
    result = api.sweep(
        scenario, grid, outputs, plan.samples, plan.seed, months=months, step=step,
        percentiles=PERCENTILES, progress=_deadline_check(deadline), method=method,
    )  # fmt: skip
    return {"kind": "sweep", "view": views.sweep_view(result).to_json()}


def _tasks(request: dict[str, Any], deadline: float) -> dict[str, Any]:
    """Stage D's curves: the ``tasks --format json`` view."""
    scenario = scenario_of(request)
    result = api.tasks_curve(scenario, request.get("samples"), request["seed"])
    _deadline_check(deadline)(0)
    return {"kind": "tasks", "view": views.tasks_view(result).to_json()}


def _save(request: dict[str, Any], deadline: float) -> dict[str, Any]:
    """Run or race as asked, recorded in the store the server names (never the request)."""
    scenario = scenario_of(request)
    check = _deadline_check(deadline)
    if request["command"] == "race":
        months, step = request["months"], request["step"]
        result: api.RunResult = api.race(
            scenario, request.get("samples"), request["seed"], months=months, step=step,
            progress=check, store=request["store"], method=request.get("method", "sample"),
        )  # fmt: skip
    else:
        result = api.run(
            scenario, request.get("samples"), request["seed"], progress=check,
            store=request["store"], method=_method(request, scenario),
        )  # fmt: skip
    return {"run_id": result.run_id, "store": request["store"]}


_KINDS: dict[str, Callable[[dict[str, Any], float], dict[str, Any]]] = {
    "run": _run,
    "race": _race,
    "sensitivity": _sensitivity,
    "compare": _compare,
    "sweep": _sweep,
    "tasks": _tasks,
    "save": _save,
}


def compute(kind: str, request: dict[str, Any], deadline: float) -> dict[str, Any]:
    """Compute one request in this process; an ``Error`` is returned as ``{"error": ...}``."""
    try:
        if time.monotonic() > deadline:
            _deadline_check(deadline)(0)
        out = _KINDS[kind](request, deadline)
    except Error as exc:
        return {"error": error_record(exc)}
    out.setdefault("version", __version__)
    return out


def warm() -> None:
    """Import and run once, so a worker's first request does not pay for start-up."""
    api.run(api.load_scenario(preset="uncertain"), 256, 0)
