"""Results of a run: sampled outputs and inputs, with summaries, as xarray and pandas.

The samples are kept as numpy arrays, in canonical units; the xarray Dataset (dimension
``sample``) and pandas frames are built on first use, so commands that only print a table never
import them. Those objects are in display units (researcher-months per month, researcher-years,
months …) unless ``canonical=True`` is asked, with each variable's unit in its metadata.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from alignment_runway.analysis import replicates as rq
from alignment_runway.analysis import summary as s
from alignment_runway.analysis.lognormal import LognormalLaw
from alignment_runway.model.race import RACE_OUTPUTS
from alignment_runway.model.stage_d import TASKS_OUTPUTS
from alignment_runway.model.static import OUTPUTS
from alignment_runway.scenarios import PARAMETERS, Scenario
from alignment_runway.units import factor

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

__all__ = [
    "ALL_OUTPUTS",
    "DEFAULT_PERCENTILES",
    "DISPLAY_UNITS",
    "UNITS",
    "OutputSummary",
    "RaceResult",
    "RunResult",
    "register_html",
]

Array = NDArray[np.float64]
#: Percentiles reported by default.
DEFAULT_PERCENTILES: tuple[float, ...] = (5.0, 50.0, 95.0)
#: Every model output: the static model's, then the race's.
ALL_OUTPUTS = OUTPUTS + TASKS_OUTPUTS + RACE_OUTPUTS
#: The canonical unit of every model output and input, by name.
UNITS = {spec.name: spec.unit for spec in ALL_OUTPUTS} | {
    name: spec.unit for name, spec in PARAMETERS.items()
}
#: The display unit of every model output and input, by name (what people read).
DISPLAY_UNITS = {spec.name: spec.display_unit for spec in ALL_OUTPUTS} | {
    name: spec.display_unit for name, spec in PARAMETERS.items()
}


def unit_of(name: str, canonical: bool = False) -> tuple[str, float]:
    """A variable's unit, and the factor from its canonical unit to it.

    The display unit (``canonical=False``) or the canonical one (factor 1); a name the model
    does not know keeps its canonical unit ("").
    """
    unit = UNITS.get(name, "")
    if canonical or name not in DISPLAY_UNITS:
        return unit, 1.0
    shown = DISPLAY_UNITS[name]
    return shown, factor(unit, shown)


#: What renders a result as HTML in a notebook (registered by the layer that draws reports).
_HTML_RENDERERS: list[Callable[[RunResult], str]] = []


def register_html(render: Callable[[RunResult], str]) -> None:
    """Use ``render`` for results shown in a notebook (Jupyter's ``_repr_html_``).

    Results know nothing of how reports are drawn; the public API registers the report's
    table when it is imported.
    """
    _HTML_RENDERERS.append(render)


@dataclass(frozen=True)
class OutputSummary:
    """One output's summary in its canonical unit: mean, percentiles, P(x > threshold).

    ``missing`` counts the samples where the output is missing (NaN, SPEC §7); the summary
    is over the others (and missing itself when every sample is).
    """

    name: str
    unit: str
    mean: s.Estimate
    percentiles: dict[float, s.Estimate]
    above: dict[float, s.Estimate] = field(default_factory=dict)
    missing: int = 0


@dataclass(frozen=True)
class RunResult:
    """A run of the static model on a scenario.

    Attributes:
        scenario: the resolved scenario.
        samples: the number of samples (1 for a scenario with no uncertain input).
        seed: the seed the draws came from (recorded even when nothing was uncertain).
        values: every output (``static.*``) and every uncertain input (by parameter name), one
            float per sample, in canonical units.
        capped_serial_samples: samples with ``σ > τ``, read as ``σ = τ``.
        chunk_size, workers: how the run was computed (results do not depend on them).
        run_id: the id it was recorded as in a run store (None: not recorded).
        estimates: the summaries computed so far, by (name, statistic, level): the screen,
            the JSON, the export and the store ask for the same ones, computed once. A copy
            made with ``dataclasses.replace`` shares them, so never replace ``values``.
        method: how the summaries were computed: ``"sample"``, ``"exact"``, ``"auto"`` or
            ``"qmc"`` (randomized quasi-Monte Carlo).
        laws: the outputs and inputs known exactly (not sampled, not in ``values``), each a
            lognormal law whose summaries are its closed forms, with standard error 0.
        randomizations: for qmc, the independent randomizations the samples are made of
            (one after another); the standard errors come from their spread.
    """

    scenario: Scenario
    samples: int
    seed: int
    values: dict[str, Array]
    capped_serial_samples: int
    chunk_size: int = 0
    workers: int = 1
    run_id: int | None = None
    estimates: dict[tuple[str, str, float], s.Estimate] = field(
        default_factory=dict, repr=False, compare=False
    )
    method: str = "sample"
    laws: dict[str, LognormalLaw] = field(default_factory=dict)
    randomizations: int = 0

    @property
    def outputs(self) -> list[str]:
        """Names of the model outputs in this result."""
        return [
            spec.name for spec in ALL_OUTPUTS if spec.name in self.values or spec.name in self.laws
        ]

    @property
    def uncertain_inputs(self) -> list[str]:
        """Names of the inputs that were drawn from distributions (or are known exactly)."""
        return [name for name in PARAMETERS if name in self.values or name in self.laws]

    def method_of(self, name: str) -> str:
        """``"exact"`` for a name known in closed form, ``"qmc"`` or ``"sample"`` otherwise."""
        if name in self.laws:
            return "exact"
        return "qmc" if self.randomizations else "sample"

    def value(self, name: str) -> float:
        """The value of output ``name`` when it does not vary across samples.

        Raises:
            KeyError: for an unknown output.
            ValueError: when the output varies (use ``summary()`` or ``quantiles()``).
        """
        law = self.laws.get(name)
        if law is not None:
            if law.log_sd != 0.0:
                raise ValueError(f"{name} is lognormal; use summary()")
            return law.median
        array = self.values[name]
        if array.size and not np.array_equal(array, np.full_like(array, array[0]), equal_nan=True):
            raise ValueError(f"{name} varies across its {array.size} samples; use summary()")
        return float(array[0])

    def summaries(
        self,
        percentiles: Sequence[float] = DEFAULT_PERCENTILES,
        above: Mapping[str, float] | None = None,
        names: Sequence[str] | None = None,
    ) -> list[OutputSummary]:
        """Summaries of outputs (all by default), with Monte Carlo standard errors.

        Args:
            percentiles: in percent.
            above: thresholds by output name (canonical units) for P(output > threshold).
            names: which outputs or inputs to summarise.
        """
        above = dict(above or {})
        rows = []
        for name in names or self.outputs:
            missing = self._missing(name)
            threshold = above.get(name)
            rows.append(
                OutputSummary(
                    name=name,
                    unit=UNITS.get(name, ""),
                    mean=self._estimate(name, "mean", 0.0),
                    percentiles=self._percentiles(name, percentiles),
                    above={}
                    if threshold is None
                    else {threshold: self._estimate(name, "above", threshold)},
                    missing=missing,
                )
            )
        return rows

    def _present(self, name: str) -> Array:
        """The samples of ``name`` that have a value (a missing one is NaN, SPEC §7)."""
        return rq.present(self.values[name], self._missing(name))

    def _missing(self, name: str) -> int:
        """How many samples of ``name`` are missing (NaN), counted once."""
        key = (name, "missing", 0.0)
        found = self.estimates.get(key)
        if name in self.laws:
            return 0
        if found is None:
            x = self.values[name]
            found = s.Estimate(float(x.size - np.count_nonzero(~np.isnan(x))), 0.0)
            self.estimates[key] = found
        return int(found.value)

    def _estimate(self, name: str, statistic: str, level: float) -> s.Estimate:
        """The mean (``"mean"``) or P(x > level) (``"above"``) of ``name``, computed once."""
        key = (name, statistic, level)
        found = self.estimates.get(key)
        law = self.laws.get(name)
        if found is None and law is not None:
            found = law.mean() if statistic == "mean" else law.above(level)
            self.estimates[key] = found
        if found is None:
            x, r = self.values[name], self.randomizations
            if r and statistic == "mean":
                found = rq.replicated_mean(x, r)
            elif r:
                found = rq.replicated_above(x, level, r)
            else:
                x = self._present(name)
                found = s.mean(x) if statistic == "mean" else s.prob_above(x, level)
            self.estimates[key] = found
        return found

    def _percentiles(self, name: str, qs: Sequence[float]) -> dict[float, s.Estimate]:
        """Percentiles of ``name``: those not computed yet, from one partition of one copy."""
        missing = [q for q in dict.fromkeys(qs) if (name, "percentile", q) not in self.estimates]
        law = self.laws.get(name)
        if missing and law is not None:
            for q in missing:
                self.estimates[(name, "percentile", q)] = law.percentile(q)
        elif missing:
            r = self.randomizations
            if r:
                found = rq.replicated_percentiles(self.values[name], missing, r)
            else:
                found = s.percentiles(self._present(name), missing)
            for q, estimate in zip(missing, found, strict=True):
                self.estimates[(name, "percentile", q)] = estimate
        return {q: self.estimates[(name, "percentile", q)] for q in qs}

    def rank_correlations(self) -> list[tuple[str, str, float, s.Estimate]]:
        """Each requested correlation: the pair, its target and the achieved rank correlation.

        Pairs with an input that was not kept are left out.
        """
        out = []
        for c in self.scenario.correlations:
            a, b = c.pair
            if a in self.values and b in self.values and self.samples > 3:
                out.append((a, b, c.rho, s.rank_correlation(self.values[a], self.values[b])))
        return out

    def notes(self, percentiles: Sequence[float] = DEFAULT_PERCENTILES) -> list[str]:
        """Warnings about this result: percentiles the sample count cannot support, capping."""
        notes = s.small_sample_notes(self.samples, percentiles)
        if self.capped_serial_samples:
            notes.append(
                f"{self.capped_serial_samples:,} of {self.samples:,} samples had more serial "
                "tokens than tokens per researcher-second (σ > τ); σ was capped at τ there"
            )
        return notes

    @cached_property
    def dataset(self) -> xr.Dataset:
        """The samples as an xarray Dataset with dimension ``sample``, in display units.

        Each variable's unit is its ``units`` attribute; ``to_dataset(canonical=True)`` gives
        canonical units.
        """
        return self.to_dataset()

    def to_dataset(self, *, canonical: bool = False) -> xr.Dataset:
        """The samples as an xarray Dataset: display units, or canonical ones on request."""
        import xarray as xr

        data = {}
        for name, array in self.values.items():
            unit, k = unit_of(name, canonical)
            data[name] = xr.DataArray(array * k, dims="sample", attrs={"units": unit})
        return xr.Dataset(
            data,
            coords={"sample": np.arange(self.samples)},
            attrs={
                "scenario": self.scenario.name,
                "samples": self.samples,
                "seed": self.seed,
                "capped_serial_samples": self.capped_serial_samples,
                "unit_system": "canonical" if canonical else "display",
            },
        )

    def summary(
        self,
        percentiles: Sequence[float] = DEFAULT_PERCENTILES,
        above: Mapping[str, float] | None = None,
        names: Sequence[str] | None = None,
        *,
        canonical: bool = False,
    ) -> pd.DataFrame:
        """A table (pandas) of outputs: mean, percentiles and P(x > t), each with ``_se``.

        All outputs by default, or the outputs and inputs in ``names``. Values are in each
        row's ``unit``: its display unit, or its canonical one with ``canonical=True``.
        Thresholds ``above`` are given in canonical units; a column ``P(>t)`` names ``t`` in
        the row's unit.
        """
        import pandas as pd

        records: list[dict[str, Any]] = []
        for row in self.summaries(percentiles, above, names):
            unit, k = unit_of(row.name, canonical)
            record: dict[str, Any] = {
                "output": row.name,
                "unit": unit,
                "mean": row.mean.value * k,
                "mean_se": row.mean.se * k,
            }
            for q, est in row.percentiles.items():
                record[f"p{q:g}"] = est.value * k
                record[f"p{q:g}_se"] = est.se * k
            for t, est in row.above.items():
                record[f"P(>{t * k:g})"] = est.value
                record[f"P(>{t * k:g})_se"] = est.se
            records.append(record)
        return pd.DataFrame.from_records(records).set_index("output")

    def _repr_html_(self) -> str | None:
        """The summary as an HTML table (shown by Jupyter), once a renderer is registered."""
        return _HTML_RENDERERS[-1](self) if _HTML_RENDERERS else None

    def quantiles(self, q: Sequence[float], *, canonical: bool = False) -> xr.Dataset:
        """Quantiles ``q`` (fractions in [0, 1]) of every variable, as an xarray Dataset."""
        data = self.to_dataset(canonical=canonical) if canonical else self.dataset
        return data.quantile(list(q), dim="sample", keep_attrs=True)

    def to_pandas(self, *, canonical: bool = False) -> pd.DataFrame:
        """The samples as a pandas DataFrame: one row per sample, one column per variable.

        Display units unless ``canonical``; each column's unit is in ``frame.attrs["units"]``.
        """
        data = self.to_dataset(canonical=canonical) if canonical else self.dataset
        frame = data.drop_vars(
            [n for n in data.data_vars if "sample" not in data[n].dims]
        ).to_dataframe()
        frame.attrs["units"] = {n: data[n].attrs["units"] for n in frame.columns}
        return frame


#: Quantiles of research by month shown in a fan chart by default.
FAN_QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)
#: Names of ``race.end_reason`` codes.
END_REASONS = {0: "catch-up", 1: "theft", 2: "horizon"}


@dataclass(frozen=True)
class RaceResult(RunResult):
    """A run of the race (SPEC §6): per-sample outputs and research by month.

    Attributes (besides ``RunResult``'s):
        months: the horizon, in calendar months.
        step: ``"month"`` or ``"week"``.
        month: the reporting times, in calendar months (0, 1, ..., and the horizon).
        trajectories: cumulative research (researcher-seconds) at each reporting time for
            the first ``trajectories.shape[0]`` samples, one row each.
        cut: samples whose window was longer than the horizon (cut there).
    """

    months: float = 0.0
    step: str = "month"
    month: Array = field(default_factory=lambda: np.zeros(0))
    trajectories: Array = field(default_factory=lambda: np.zeros((0, 0)))
    cut: int = 0

    @property
    def has_requirement(self) -> bool:
        """Whether the scenario sets the required research (and so reports success)."""
        return "race.success" in self.values

    def success(self) -> s.Estimate:
        """P(success): the share of samples that deliver the required research in the window.

        Raises:
            ValueError: when the scenario sets no ``race.required_research``.
        """
        if not self.has_requirement:
            raise ValueError("no race.required_research is set, so there is no success to report")
        return self._share(self.values["race.success"] > 0.5)

    def end_reasons(self) -> dict[str, s.Estimate]:
        """The share of windows ended by catch-up, theft and the horizon, with errors."""
        reasons = self.values["race.end_reason"]
        return {name: self._share(reasons == code) for code, name in END_REASONS.items()}

    def _share(self, event: NDArray[np.bool_]) -> s.Estimate:
        """The share of samples where ``event`` holds: binomial error, or qmc's spread."""
        if self.randomizations:
            return rq.replicated_share(event, self.randomizations)
        return s.mean_of_indicator(event)

    def fan(
        self, quantiles: Sequence[float] = FAN_QUANTILES, *, canonical: bool = False
    ) -> xr.DataArray:
        """Quantiles (fractions) of cumulative research at each reporting time.

        From the kept trajectories: a DataArray with dimensions ``quantile`` and ``month``
        (calendar months since the pause), in researcher-years (``canonical``:
        researcher-seconds), the unit in its ``units`` attribute.
        """
        import xarray as xr

        if self.trajectories.shape[0] == 0:
            raise ValueError("no trajectories were kept (keep_trajectories=0)")
        unit, k = unit_of("race.research", canonical)
        values = np.quantile(self.trajectories, list(quantiles), axis=0) * k
        return xr.DataArray(
            values,
            dims=("quantile", "month"),
            coords={"quantile": list(quantiles), "month": self.month},
            name="race.research_by_month",
            attrs={"units": unit, "trajectories": int(self.trajectories.shape[0])},
        )

    def notes(self, percentiles: Sequence[float] = DEFAULT_PERCENTILES) -> list[str]:
        """``RunResult.notes`` and the samples cut at the horizon."""
        notes = super().notes(percentiles)
        if self.cut:
            notes.append(
                f"{self.cut:,} of {self.samples:,} samples had a window longer than the horizon "
                f"of {self.months:g} months; their window and research were cut there "
                "(a longer horizon, months, shows them whole)"
            )
        return notes

    def to_dataset(self, *, canonical: bool = False) -> xr.Dataset:
        """Samples (dimension ``sample``) and research by month (``trajectory`` × ``month``)."""
        import xarray as xr

        data = super().to_dataset(canonical=canonical)
        unit, k = unit_of("race.research", canonical)
        research = xr.DataArray(
            self.trajectories * k,
            dims=("trajectory", "month"),
            coords={"trajectory": np.arange(self.trajectories.shape[0]), "month": self.month},
            attrs={"units": unit},
        )
        data = data.assign({"race.research_by_month": research})
        data.attrs |= {"months": self.months, "step": self.step, "cut_samples": self.cut}
        return data
