"""Scenarios: parameter specs, presets, and scenario files resolved into canonical values."""

from alignment_runway.scenarios.loader import (
    Scenario,
    Setting,
    load_file,
    load_preset,
    preset_names,
    with_settings,
)
from alignment_runway.scenarios.specs import PARAMETERS, ParamSpec, get_spec
from alignment_runway.scenarios.stages import tasks_active

__all__ = [
    "PARAMETERS",
    "ParamSpec",
    "Scenario",
    "Setting",
    "get_spec",
    "load_file",
    "load_preset",
    "preset_names",
    "tasks_active",
    "with_settings",
]
