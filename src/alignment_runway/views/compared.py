"""The view of a comparison: each side's summary and each side against the baseline."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from alignment_runway.analysis import replicates as rq
from alignment_runway.analysis.paired import Paired, PairedSummary, zero_one
from alignment_runway.analysis.summary import Estimate
from alignment_runway.results.compared import Comparison
from alignment_runway.views.common import OUTPUT_SPECS, display_unit, estimate_record

__all__ = ["CompareView", "ComparedOutput", "PairedRow", "SideRow", "compare_view"]


def _summary_json(summary: PairedSummary) -> dict[str, Any] | None:
    if summary.mean is None:
        return None
    return {
        "samples": summary.samples,
        "mean": estimate_record(summary.mean),
        "percentiles": {f"p{q:g}": estimate_record(e) for q, e in summary.percentiles.items()},
    }


@dataclass(frozen=True)
class SideRow:
    """One side's own summary of an output, in the display unit."""

    label: str
    mean: Estimate
    percentiles: dict[str, Estimate]

    def to_json(self) -> dict[str, Any]:
        """The row as JSON."""
        return {
            "side": self.label,
            "mean": estimate_record(self.mean),
            "percentiles": {k: estimate_record(e) for k, e in self.percentiles.items()},
        }


@dataclass(frozen=True)
class PairedRow(Paired):
    """A side against the baseline, sample by sample, and the side's label.

    The fields of ``Paired``, with the difference ``B − A`` in the output's display unit.
    """

    label: str

    def to_json(self) -> dict[str, Any]:
        """The row as JSON (a summary with no pair left is null)."""
        return {
            "side": self.label,
            "samples": self.samples,
            "ratio": _summary_json(self.ratio),
            "difference": _summary_json(self.difference),
            "p_greater": estimate_record(self.greater),
            "p_equal": estimate_record(self.equal),
            "zero_baseline": self.zero_baseline,
            "not_finite": self.not_finite,
        }


@dataclass(frozen=True)
class ComparedOutput:
    """One output across the sides.

    Attributes:
        binary: every sample of every side is 0 or 1 (a success): its mean is a probability.
    """

    name: str
    unit: str
    meaning: str
    binary: bool
    sides: tuple[SideRow, ...]
    against_baseline: tuple[PairedRow, ...]

    def to_json(self) -> dict[str, Any]:
        """The output's part of the document."""
        return {
            "name": self.name,
            "unit": self.unit,
            "meaning": self.meaning,
            "binary": self.binary,
            "sides": [row.to_json() for row in self.sides],
            "against_baseline": [row.to_json() for row in self.against_baseline],
        }


@dataclass(frozen=True)
class CompareView:
    """A comparison of scenarios, the baseline (side A) first.

    Attributes:
        sides: (label, source, scenario name) per side.
        differences: (side, input, how) for each input a side draws differently.
        notes: what a reader should know (samples left out of ratios, inputs not shared,
            a qmc comparison sampled plainly).
        method: ``"sample"`` or ``"qmc"`` (with its number of ``randomizations``).
    """

    kind: str
    samples: int
    seed: int
    months: float
    step: str
    sides: tuple[tuple[str, str, str], ...]
    outputs: tuple[ComparedOutput, ...]
    differences: tuple[tuple[str, str, str], ...]
    notes: tuple[str, ...]
    method: str = "sample"
    randomizations: int = 0

    def to_json(self) -> dict[str, Any]:
        """The view as the ``compare --format json`` document."""
        record: dict[str, Any] = {"kind": self.kind, "samples": self.samples, "seed": self.seed}
        record["method"] = self.method
        if self.randomizations:
            record["randomizations"] = self.randomizations
        if self.kind == "race":
            record |= {"months": self.months, "step": self.step}
        return record | {
            "sides": [
                {"label": label, "source": source, "scenario": name}
                for label, source, name in self.sides
            ],
            "outputs": [output.to_json() for output in self.outputs],
            "drawn_differently": [
                {"side": side, "input": name, "how": how} for side, name, how in self.differences
            ],
            "notes": list(self.notes),
        }


def _scaled(summary: PairedSummary, scale: float) -> PairedSummary:
    if summary.mean is None:
        return summary
    return PairedSummary(
        summary.samples,
        summary.mean.scaled(scale),
        {q: e.scaled(scale) for q, e in summary.percentiles.items()},
    )


def compare_view(result: Comparison, qs: Sequence[float]) -> CompareView:
    """The view of a comparison, with percentiles ``qs`` (in percent)."""
    outputs = []
    notes = list(result.notes)
    labels = [side.label for side in result.sides]
    r = result.randomizations
    for name in result.outputs:
        unit, scale = display_unit(name)
        arrays = result.values[name]
        sides = []
        for label, x in zip(labels, arrays, strict=True):
            shown = rq.summary_percentiles(x, qs, r)
            average = rq.summary_mean(x, r)
            sides.append(
                SideRow(
                    label,
                    average.scaled(scale),
                    {f"p{q:g}": e.scaled(scale) for q, e in zip(qs, shown, strict=True)},
                )
            )
        rows = []
        for k, label in enumerate(labels[1:], start=1):
            p = result.paired(name, k, qs)
            fields = {f.name: getattr(p, f.name) for f in dataclasses.fields(Paired)}
            fields["difference"] = _scaled(p.difference, scale)
            rows.append(PairedRow(label=label, **fields))
            if p.zero_baseline:
                notes.append(
                    f"{name}: {p.zero_baseline:,} of {p.samples:,} samples are 0 in "
                    f"{labels[0]}; they are left out of {label}/{labels[0]}"
                )
            if p.not_finite:
                notes.append(
                    f"{name}: {p.not_finite:,} of {p.samples:,} samples are not finite (never "
                    f"reached) in {labels[0]} or {label}; they are left out of the ratio and the "
                    "difference, and counted in P(>) and P(=)"
                )
        outputs.append(
            ComparedOutput(
                name,
                unit,
                OUTPUT_SPECS[name].meaning,
                zero_one(arrays),
                tuple(sides),
                tuple(rows),
            )
        )
    return CompareView(
        kind=result.kind,
        samples=result.samples,
        seed=result.seed,
        months=result.months,
        step=result.step,
        sides=tuple((s.label, s.source, s.scenario.name) for s in result.sides),
        outputs=tuple(outputs),
        differences=tuple((d.side, d.name, d.how) for d in result.differences),
        notes=tuple(notes),
        method=result.method,
        randomizations=r,
    )
