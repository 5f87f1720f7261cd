"""Parameter specs: each parameter's name, symbol, unit, bounds and meaning (SPEC §10).

Values and their sources live in the presets (``presets/*.toml``); the ``essay`` preset holds
every parameter's default. Bounds are in canonical units.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass

from alignment_runway.errors import ScenarioError

__all__ = ["PARAMETERS", "SECTIONS", "ParamSpec", "get_spec"]

_INF = math.inf


@dataclass(frozen=True)
class ParamSpec:
    """What one scenario parameter is.

    Attributes:
        name: ``section.name`` as written in scenario files and ``--set``.
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
    close = moved or difflib.get_close_matches(name, PARAMETERS, n=3, cutoff=0.6)
    if not close:
        keys = {n.split(".", 1)[1]: n for n in PARAMETERS}
        close = [keys[k] for k in difflib.get_close_matches(key, keys, n=3, cutoff=0.6)]
    return f"; did you mean {' or '.join(close)}?" if close else ""
