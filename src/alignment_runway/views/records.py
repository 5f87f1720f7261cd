"""Views of recorded runs: the list, one run, two runs side by side, a reproduction."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from alignment_runway.results import Reproduction, RunRecord
from alignment_runway.sampling.qmc import DEFAULT_RANDOMIZATIONS
from alignment_runway.views.common import OUTPUT_SPECS, display_unit, how_computed

__all__ = [
    "DiffView",
    "ListedRun",
    "ReproductionView",
    "computed",
    "diff_view",
    "listed_runs",
    "method_of",
    "record_json",
    "record_rows",
    "record_shares",
    "reproduction_view",
]

#: Outputs that are categories or 0/1 values: shown as shares, never as means and medians.
CATEGORICAL = ("race.end_reason", "race.success")


def _seconds(entry: RunRecord) -> float:
    start = datetime.fromisoformat(entry.started_at)
    end = datetime.fromisoformat(entry.finished_at)
    return (end - start).total_seconds()


@dataclass(frozen=True)
class ListedRun:
    """One line of the list of recorded runs; ``headline``'s median in its display unit.

    ``label`` is the user's name for the run (None: none given); ``shown`` is what a list
    calls the run: its label, else its scenario's name.
    """

    id: int | None
    command: str
    scenario: str
    samples: int
    seed: int
    started_at: str
    seconds: float
    headline: str
    p50: float | None
    unit: str
    label: str | None = None
    method: str = "sample"

    @property
    def shown(self) -> str:
        """The run's label, else its scenario's name."""
        return self.label or self.scenario

    @property
    def sampled(self) -> str:
        """The sample count as a list shows it: ``exact`` for a run that drew none."""
        return "exact" if self.samples == 0 else f"{self.samples:,}"

    def to_json(self) -> dict[str, Any]:
        """The line as JSON."""
        return {
            "id": self.id,
            "command": self.command,
            "scenario": self.scenario,
            "label": self.label,
            "samples": self.samples,
            "method": self.method,
            "seed": self.seed,
            "started_at": self.started_at,
            "seconds": self.seconds,
            "headline": {"name": self.headline, "p50": self.p50, "unit": self.unit},
        }


def listed_runs(entries: Sequence[RunRecord]) -> tuple[ListedRun, ...]:
    """The list of recorded runs, each with its headline's median."""
    rows = []
    for e in entries:
        name = "race.research" if e.command == "race" else "static.research_per_month"
        p50, unit = None, ""
        for row in e.summary:
            if row["name"] == name and row.get("p50") is not None:
                unit, scale = display_unit(name)
                p50 = row["p50"] * scale
                break
        rows.append(
            ListedRun(
                e.id,
                e.command,
                e.scenario_name,
                e.samples,
                e.seed,
                e.started_at,
                _seconds(e),
                name,
                p50,
                unit,
                e.label,
                method_of(e),
            )
        )
    return tuple(rows)


def method_of(entry: RunRecord) -> str:
    """How a recorded run computed its summaries (``"sample"`` unless its options say)."""
    return str(entry.options.get("method", "sample"))


def computed(entry: RunRecord) -> str:
    """How a recorded run computed its summaries, in words (``views.how_computed``)."""
    method = method_of(entry)
    randomizations = DEFAULT_RANDOMIZATIONS if method == "qmc" else 0
    return how_computed(method, entry.samples, entry.seed, randomizations)


def record_json(entry: RunRecord) -> dict[str, Any]:
    """A whole record as JSON (``runs show`` and ``runs export``).

    ``method`` and ``computed`` say how its summaries were computed (an exact run drew 0
    samples: ``computed`` says so in words).
    """
    return {
        "id": entry.id,
        "command": entry.command,
        "scenario": entry.scenario_name,
        "label": entry.label,
        "options": entry.options,
        "versions": entry.versions,
        "started_at": entry.started_at,
        "finished_at": entry.finished_at,
        "samples": entry.samples,
        "method": method_of(entry),
        "computed": computed(entry),
        "seed": entry.seed,
        "summary": entry.summary,
        "digests": entry.digests,
        "samples_file": entry.samples_file,
        "scenario_text": entry.scenario_text,
    }


def record_rows(entry: RunRecord) -> list[tuple[str, list[float | None], str]]:
    """A record's results: (output, [mean, p5, p50, p95] in the display unit, unit).

    Categories and 0/1 outputs are left out: ``record_shares`` gives them.
    """
    rows = []
    for row in entry.summary:
        if row["name"] not in OUTPUT_SPECS or row["name"] in CATEGORICAL:
            continue
        unit, k = display_unit(row["name"])
        cells = [row.get(key) for key in ("mean", "p5", "p50", "p95")]
        rows.append((row["name"], [None if v is None else v * k for v in cells], unit))
    return rows


def record_shares(entry: RunRecord) -> dict[str, float | None]:
    """A record's shares: why windows ended (``race.end_reason: catch-up`` …) and P(success).

    A record made before shares were recorded has only P(success) (the mean of a 0/1 value);
    its end reasons are one key, ``race.end_reason (shares not recorded)``, valued None.
    """
    rows = {row["name"]: row for row in entry.summary}
    shares: dict[str, float | None] = {}
    if "race.end_reason" in rows:
        recorded = rows["race.end_reason"].get("shares")
        if recorded is None:
            shares["race.end_reason (shares not recorded)"] = None
        else:
            shares |= {f"race.end_reason: {k}": v for k, v in recorded.items()}
    if "race.success" in rows:
        shares["P(success)"] = rows["race.success"].get("mean")
    return shares


def _parameters(text: str) -> dict[str, str]:
    """A recorded scenario's parameters as written, by ``section.name``."""
    data = tomllib.loads(text)
    out = {}
    for section, table in data.items():
        if section in ("sources", "correlations") or not isinstance(table, dict):
            continue
        for key, value in table.items():
            out[f"{section}.{key}"] = json.dumps(value, ensure_ascii=False)
    for pair, rho in data.get("correlations", {}).items():
        out[f"correlation {pair}"] = str(rho)
    return out


@dataclass(frozen=True)
class DiffView:
    """Two recorded runs side by side.

    Attributes:
        parameters, options: (name, first, second) for what differs.
        equal_parameters: how many parameters are the same.
        results: JSON-ready records (output, unit, p50 pair, mean pair) in display units.
        shares: (name, first, second): why windows ended and P(success), as shares.
    """

    runs: tuple[int | None, int | None]
    parameters: tuple[tuple[str, str, str], ...]
    equal_parameters: int
    options: tuple[tuple[str, Any, Any], ...]
    results: tuple[dict[str, Any], ...]
    shares: tuple[tuple[str, float | None, float | None], ...] = ()

    @property
    def equal_text(self) -> str:
        """How many parameters are equal, in words ("1 is equal", "3 are equal")."""
        n = self.equal_parameters
        return f"{n} {'is' if n == 1 else 'are'} equal"

    def to_json(self) -> dict[str, Any]:
        """The view as the ``runs diff --format json`` document."""
        return {
            "runs": list(self.runs),
            "parameters": [{"name": n, "values": [x, y]} for n, x, y in self.parameters],
            "equal_parameters": self.equal_parameters,
            "options": [{"name": n, "values": [x, y]} for n, x, y in self.options],
            "results": [dict(r) for r in self.results],
            "shares": [{"name": n, "values": [x, y]} for n, x, y in self.shares],
        }


def diff_view(a: RunRecord, b: RunRecord) -> DiffView:
    """What differs between two recorded runs, and their results side by side."""
    pa, pb = _parameters(a.scenario_text), _parameters(b.scenario_text)
    params = tuple(
        (n, pa.get(n, "(unset)"), pb.get(n, "(unset)"))
        for n in dict.fromkeys([*pa, *pb])
        if pa.get(n) != pb.get(n)
    )
    keys = dict.fromkeys([*a.options, *b.options, "command", *a.versions, *b.versions])
    left = a.options | a.versions | {"command": a.command}
    right = b.options | b.versions | {"command": b.command}
    options = tuple((k, left.get(k), right.get(k)) for k in keys if left.get(k) != right.get(k))
    rows_a = {r["name"]: r for r in a.summary}
    rows_b = {r["name"]: r for r in b.summary}
    results = []
    for name in [n for n in rows_a if n in rows_b and n in OUTPUT_SPECS and n not in CATEGORICAL]:
        unit, k = display_unit(name)
        pair = {}
        for key in ("p50", "mean"):
            values = (rows_a[name].get(key), rows_b[name].get(key))
            pair[key] = [None if v is None else v * k for v in values]
        results.append({"output": name, "unit": unit, "p50": pair["p50"], "mean": pair["mean"]})
    equal = len(set(pa) | set(pb)) - len(params)
    sa, sb = record_shares(a), record_shares(b)
    shares = tuple((n, sa.get(n), sb.get(n)) for n in dict.fromkeys([*sa, *sb]))
    return DiffView((a.id, b.id), params, equal, options, tuple(results), shares)


@dataclass(frozen=True)
class ReproductionView:
    """A recorded run run again: identical or not, which arrays differ, what changed.

    ``computed``: how the run computed its summaries, in words (``views.how_computed``).
    """

    id: int
    command: str
    scenario: str
    samples: int
    seed: int
    identical: bool
    compared: int
    differing: tuple[str, ...]
    changed_versions: dict[str, tuple[str, str]]
    computed: str = ""

    def to_json(self) -> dict[str, Any]:
        """The view as the ``runs reproduce --format json`` document."""
        return {
            "id": self.id,
            "identical": self.identical,
            "compared": self.compared,
            "differing": list(self.differing),
            "changed_versions": {
                k: {"recorded": a, "now": b} for k, (a, b) in self.changed_versions.items()
            },
        }


def reproduction_view(run_id: int, outcome: Reproduction) -> ReproductionView:
    """The view of a reproduction."""
    record = outcome.record
    return ReproductionView(
        run_id,
        record.command,
        record.scenario_name,
        record.samples,
        record.seed,
        outcome.identical,
        len(record.digests),
        outcome.differing,
        outcome.changed_versions,
        computed(record),
    )
