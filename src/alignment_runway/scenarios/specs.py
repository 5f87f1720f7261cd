"""Parameter specs: each parameter's name, symbol, unit, bounds and meaning (SPEC §10).

Values and their sources live in the presets (``presets/*.toml``); the ``essay`` preset holds
every parameter's default. Bounds are in canonical units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from alignment_runway.errors import ScenarioError, close_names, suggestion

__all__ = ["PARAMETERS", "SECTIONS", "ParamSpec", "get_spec"]

_INF = math.inf


@dataclass(frozen=True)
class ParamSpec:
    """What one scenario parameter is.

    Attributes:
        name: ``section.name`` as written in scenario files and settings.
        symbol: the symbol used in docs/model.md.
        unit: the canonical unit the model receives ("" for a plain number).
        display_unit: the unit values are shown in.
        example: a valid value, used in error messages.
        meaning: one line on what the parameter is.
        lower, upper: bounds in canonical units; ``*_open`` excludes the bound itself.
        optional: the parameter may be left unset (it is then derived).
        is_list: the value is a list of quantities (one model case each).
    """

    name: str
    symbol: str
    unit: str
    display_unit: str
    example: str
    meaning: str
    lower: float = 0.0
    upper: float = _INF
    lower_open: bool = True
    upper_open: bool = True
    optional: bool = False
    is_list: bool = False

    @property
    def section(self) -> str:
        """The scenario section (stage) the parameter belongs to."""
        return self.name.split(".", 1)[0]

    @property
    def key(self) -> str:
        """The parameter's name inside its section."""
        return self.name.split(".", 1)[1]

    def bounds_text(self, scale: float = 1.0) -> str:
        """The allowed interval, e.g. ``(0, 1]``, with bounds multiplied by ``scale``."""
        lo = "(" if self.lower_open else "["
        hi = ")" if self.upper_open else "]"
        return f"{lo}{_num(self.lower * scale)}, {_num(self.upper * scale)}{hi}"

    def contains(self, value: float) -> bool:
        """Whether a canonical value lies inside the bounds."""
        above = value > self.lower if self.lower_open else value >= self.lower
        below = value < self.upper if self.upper_open else value <= self.upper
        return above and below


def _num(x: float) -> str:
    return "inf" if math.isinf(x) else f"{x:g}"


PARAMETERS: dict[str, ParamSpec] = {
    spec.name: spec
    for spec in (
        ParamSpec(
            "compute.stock",
            "C_stock",
            "FLOP/s",
            "FLOP/s",
            "4e21 FLOP/s",
            "peak compute of the world's AI accelerators when the model is trained",
        ),
        ParamSpec(
            "compute.training_share",
            "f",
            "",
            "",
            "0.25",
            "share of that compute used to train the model",
            upper=1.0,
            upper_open=False,
        ),
        ParamSpec(
            "compute.training_duration",
            "T",
            "second",
            "year",
            "1 year",
            "calendar time the training run lasts",
        ),
        ParamSpec(
            "compute.utilization",
            "u",
            "",
            "",
            "0.5",
            "share of peak FLOP/s actually achieved, in training and inference",
            upper=1.0,
            upper_open=False,
        ),
        ParamSpec(
            "compute.tokens_per_parameter",
            "k",
            "",
            "",
            "20",
            "training tokens per parameter of a compute-optimal model",
        ),
        ParamSpec(
            "compute.training_compute",
            "C_train",
            "FLOP",
            "FLOP",
            "1.5e31 FLOP",
            "effective training compute; when set, the cluster size is derived from it "
            "and compute.stock and compute.training_share are unused",
            optional=True,
        ),
        ParamSpec(
            "labor.tokens_per_researcher_second",
            "τ",
            "token/researcher_second",
            "token/researcher_second",
            "100 token/researcher_second",
            "tokens the AI needs to match one second of a human researcher's work",
        ),
        ParamSpec(
            "labor.serial_tokens_per_researcher_second",
            "σ",
            "token/researcher_second",
            "token/researcher_second",
            "10 token/researcher_second",
            "of those, tokens that must come one after another (one stream); capped at τ",
        ),
        ParamSpec(
            "labor.serial_speed",
            "v",
            "token/s",
            "token/s",
            "50 token/s",
            "tokens per calendar second one stream generates",
        ),
        ParamSpec(
            "labor.working_hours_per_day",
            "h_work",
            "working_second/second",
            "working_hour/day",
            "8 working_hour/day",
            "a human researcher's working hours per calendar day (changes how results "
            "are shown against a human's schedule, never a labor total)",
            upper=1.0,
            upper_open=False,
        ),
        ParamSpec(
            "race.lead",
            "X_0",
            "second",
            "month",
            "6 months",
            "the cautious lab's lead over its competitors when caution starts",
            lower_open=False,
        ),
        ParamSpec(
            "race.catch_up_speed",
            "c",
            "",
            "",
            "1",
            "months of progress competitors make per calendar month while the lab is paused",
        ),
        ParamSpec(
            "race.caution_period",
            "P_pre",
            "second",
            "month",
            "3 months",
            "calendar time of caution before the pause, during which the lead erodes",
            lower_open=False,
        ),
        ParamSpec(
            "race.caution_erosion",
            "e",
            "",
            "",
            "0.5",
            "months of lead lost per month of pre-pause caution",
            lower_open=False,
        ),
        ParamSpec(
            "race.leak_rate",
            "ℓ",
            "1/second",
            "1/month",
            "0.05 / month",
            "share of the remaining lead lost per month through leaks of ideas and staff",
            lower_open=False,
        ),
        ParamSpec(
            "race.theft_rate",
            "θ",
            "1/second",
            "1/month",
            "0.02 / month",
            "rate of theft of the model's weights; a theft ends the window",
            lower_open=False,
        ),
        ParamSpec(
            "race.theft_draw",
            "U_θ",
            "",
            "",
            "0.5",
            "quantile of the sample's theft time, 1 − e^(−θ·t) (drawn uniformly when unset)",
            lower_open=False,
            upper=1.0,
            optional=True,
        ),
        ParamSpec(
            "race.efficiency_doubling_time",
            "T_d",
            "second",
            "month",
            "6 months",
            "calendar time in which efficiency gains double the AI labor during the window "
            "(unset: no growth)",
            optional=True,
        ),
        ParamSpec(
            "race.efficiency_cap",
            "m_max",
            "",
            "",
            "100",
            "the most efficiency gains can multiply the AI labor by",
            lower=1.0,
            lower_open=False,
        ),
        ParamSpec(
            "race.safe_share",
            "s",
            "",
            "",
            "0.5",
            "share of AI labor that can be used safely and confidently",
            lower_open=False,
            upper=1.0,
            upper_open=False,
        ),
        ParamSpec(
            "race.checkpoint_interval",
            "I",
            "researcher_second",
            "researcher_hour",
            "40 researcher_hour",
            "researcher-hours of serial AI work between two human checkpoints "
            "(needed when race.checkpoint_latency > 0)",
            optional=True,
        ),
        ParamSpec(
            "race.checkpoint_latency",
            "D",
            "second",
            "hour",
            "4 hour",
            "calendar time one human checkpoint holds up an AI researcher",
            lower_open=False,
        ),
        ParamSpec(
            "race.supervisors",
            "n_sup",
            "",
            "",
            "300",
            "human supervisors reviewing AI output (needed when race.review_share > 0)",
            optional=True,
        ),
        ParamSpec(
            "race.review_capacity",
            "q",
            "researcher_second/s",
            "researcher_month/month",
            "10 researcher_month/month",
            "AI output one supervisor can review per month (needed when race.review_share > 0)",
            optional=True,
        ),
        ParamSpec(
            "race.review_share",
            "φ",
            "",
            "",
            "0.1",
            "share of AI output that needs human review",
            lower_open=False,
            upper=1.0,
            upper_open=False,
        ),
        ParamSpec(
            "race.review_smoothness",
            "κ",
            "",
            "",
            "4",
            "how sharply review capacity caps usable labor: (A^−κ + cap^−κ)^(−1/κ) "
            "(unset: a hard minimum)",
            optional=True,
        ),
        ParamSpec(
            "race.parallel_returns",
            "λ",
            "",
            "",
            "0.5",
            "returns to parallel AI researchers above the reference team: research grows as "
            "n^λ there (1: no loss)",
            lower_open=False,
            upper=1.0,
            upper_open=False,
        ),
        ParamSpec(
            "race.reference_team",
            "n_ref",
            "",
            "",
            "1000",
            "the team size up to which parallel researchers add fully: today's alignment field",
        ),
        ParamSpec(
            "race.required_research",
            "W",
            "researcher_second",
            "researcher_year",
            "10000 researcher_year",
            "research the alignment problem requires; success when delivered inside the window "
            "(unset: research delivered is reported without success)",
            optional=True,
        ),
        ParamSpec(
            "tasks.automated_share",
            "a",
            "",
            "",
            "0.5",
            "share of research tasks, cheapest first, the AI can do when the pause starts "
            "(1: every task)",
            lower_open=False,
            upper=1.0,
            upper_open=False,
        ),
        ParamSpec(
            "tasks.cost_spread",
            "τ95/τ5",
            "",
            "",
            "100",
            "ratio of the 95th to the 5th percentile of the AI's cost per task; "
            "labor.tokens_per_researcher_second is the median task's (1: every task costs it)",
            lower=1.0,
            lower_open=False,
        ),
        ParamSpec(
            "tasks.substitution",
            "ε",
            "",
            "",
            "0.5",
            "elasticity of substitution between research tasks (below 1: complements, a task "
            "nobody does is a bottleneck)",
        ),
        ParamSpec(
            "tasks.human_researchers",
            "n_h",
            "",
            "",
            "600",
            "human researchers working alongside the AI, each a researcher-year a year "
            "(0: the AI's labor alone)",
            lower_open=False,
        ),
        ParamSpec(
            "tasks.automation_rate",
            "g_a",
            "1/second",
            "1/month",
            "0.05 / month",
            "rate at which the tasks not yet automated become automatable during the race",
            lower_open=False,
        ),
        ParamSpec(
            "devloop.task_length",
            "",
            "researcher_second",
            "researcher_second",
            '["50 researcher_second", "1000 researcher_second"]',
            "researcher-seconds of work per evaluated task, one case per value",
            is_list=True,
        ),
        ParamSpec(
            "devloop.budget",
            "",
            "token/s",
            "token/s",
            "1e7 token/s",
            "tokens per second spent on development (unset: the whole fleet's R)",
            optional=True,
        ),
    )
}

#: The scenario sections, in the order of the stages.
SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(spec.section for spec in PARAMETERS.values()))


def get_spec(name: str) -> ParamSpec:
    """Look up a parameter by ``section.name``.

    Raises:
        ScenarioError: for an unknown name, suggesting the closest known ones.
    """
    try:
        return PARAMETERS[name]
    except KeyError:
        raise ScenarioError(f"unknown parameter {name!r}{suggest(name)}") from None


def suggest(name: str) -> str:
    """A did-you-mean hint for an unknown parameter name ('' when nothing is close).

    A bare name that exists in another section counts as close.
    """
    key = name.rsplit(".", 1)[-1]
    moved = [n for n in PARAMETERS if n.split(".", 1)[1] == key]
    close = moved or close_names(name, PARAMETERS, n=3)
    if not close:
        keys = {n.split(".", 1)[1]: n for n in PARAMETERS}
        close = [keys[k] for k in close_names(key, keys, n=3)]
    return suggestion(close)
