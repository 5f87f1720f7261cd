"""Views of names: what ``explain`` shows of a parameter or an output, and the presets."""

from __future__ import annotations

from typing import Any

from alignment_runway.errors import InputError, did_you_mean
from alignment_runway.results import ALL_OUTPUTS
from alignment_runway.scenarios import PARAMETERS, Scenario, load_preset, preset_names
from alignment_runway.scenarios.loader import BASE_PRESET, preset_description
from alignment_runway.scenarios.specs import suggest
from alignment_runway.units import factor

__all__ = ["explain_record", "parameter_records", "preset_rows", "validation_record"]


def explain_record(name: str) -> dict[str, Any]:
    """A parameter's meaning, unit, bounds, default and source, or an output's meaning.

    Raises:
        InputError: for a name that is neither, with the names it may have meant.
    """
    if name in PARAMETERS:
        spec = PARAMETERS[name]
        default = load_preset(BASE_PRESET).settings.get(name)
        return {
            "name": name,
            "symbol": spec.symbol,
            "meaning": spec.meaning,
            "unit": spec.display_unit,
            "bounds": spec.bounds_text(factor(spec.unit, spec.display_unit)),
            "default": default.text if default else None,
            "source": default.source if default else "unset by default: derived",
            "example": spec.example,
        }
    outputs = {spec.name: spec for spec in ALL_OUTPUTS}
    if name not in outputs:
        names = [*PARAMETERS, *outputs]
        prefixed = [n for n in names if name and n.startswith(name)]
        hint = suggest(name) or did_you_mean(name, outputs, n=2)
        if prefixed:
            hint = f"; names starting with {name!r}: {', '.join(prefixed)}"
        elif not hint:
            hint = f" (known: {', '.join(names)})"
        raise InputError("name", "a parameter or an output", repr(name), hint=hint)
    out = outputs[name]
    return {
        "name": name,
        "symbol": out.symbol,
        "meaning": out.meaning,
        "unit": out.display_unit,
        "stage": out.stage,
    }


def preset_rows() -> list[dict[str, str]]:
    """Every built-in preset's name and description."""
    return [{"name": name, "description": preset_description(name)} for name in preset_names()]


def parameter_records() -> list[dict[str, Any]]:
    """Every parameter's ``explain_record``, in the order of the parameter table."""
    return [explain_record(name) for name in PARAMETERS]


def validation_record(file: str, scenario: Scenario) -> dict[str, Any]:
    """A scenario file found valid: what it starts from and the parameters it sets itself.

    A parameter counts as the file's own when the file (or a setting given with it, not a
    preset it extends) sets it.
    """
    own = sorted(
        n
        for n, s in scenario.settings.items()
        if s.where.startswith(file) or (s.layer > 0 and not s.where.startswith("preset "))
    )
    return {"file": file, "valid": True, "starts_from": scenario.starts_from, "sets": own}
