"""Scenario files, presets and settings: read, validate and resolve into a frozen Scenario.

A scenario is resolved from layers, each overriding the one before: the ``essay`` preset (the
built-in defaults), the preset a file ``extends``, the file itself, then settings
(``section.name=VALUE``, which the command line takes from ``--set``).
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from alignment_runway.distributions import Distribution
from alignment_runway.errors import ScenarioError, did_you_mean
from alignment_runway.scenarios.correlations import (
    Correlation,
    check_correlations,
    parse_correlations,
)
from alignment_runway.scenarios.specs import PARAMETERS, SECTIONS, get_spec, suggest
from alignment_runway.scenarios.values import Value, parse_value

__all__ = [
    "SCHEMA_VERSION",
    "SETTING",
    "Scenario",
    "Setting",
    "load_file",
    "load_preset",
    "load_text",
    "preset_names",
    "scenario_toml",
    "with_settings",
]

#: The scenario-file schema this version reads and writes.
SCHEMA_VERSION = 1
#: The preset every scenario starts from: its values are the parameters' defaults.
BASE_PRESET = "essay"
_TOP_KEYS = ("schema", "extends", "description", "sources", "correlations")
_ORDER = {name: index for index, name in enumerate(PARAMETERS)}
_CONFLICTS = {"compute.training_compute": ("compute.stock", "compute.training_share")}
#: How deeply tables and arrays may nest in a scenario, the file itself being the first level
#: (a value with mixtures nested 4 deep needs 11); deeper TOML exhausts the parser's stack.
MAX_DEPTH = 16
#: The largest scenario file read, in bytes (a scenario is a few kilobytes).
MAX_FILE_BYTES = 1 << 20
_KEY_PART = r"""(?:[\w-]++|"[^"\n]*+"|'[^'\n]*+')"""
#: A dotted key of more than MAX_DEPTH parts, which would nest too deep: found before tomllib
#: reads it, since tomllib's time is quadratic in the parts of a key.
_LONG_KEY = re.compile(
    rf"""(?<![\w"'-]){_KEY_PART}(?:[ \t]*+\.[ \t]*+{_KEY_PART}){{{MAX_DEPTH}}}"""
)
#: Where a value given as a setting (``section.name=VALUE``) was written.
SETTING = "setting"
#: A preset's name: a file of the package's presets folder, never a path.
_PRESET_NAME = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Setting:
    """One parameter's resolved value, as written, where it was written and its source."""

    value: Value
    text: str
    where: str
    source: str
    layer: int
    raw: Any = None


@dataclass(frozen=True)
class Scenario:
    """A resolved scenario: every parameter's value in canonical units. Frozen and picklable."""

    name: str
    description: str
    settings: dict[str, Setting] = field(default_factory=dict)
    starts_from: str = BASE_PRESET
    correlations: tuple[Correlation, ...] = ()

    def value(self, name: str) -> Value | None:
        """The canonical value of parameter ``name``, or None when it is unset."""
        get_spec(name)
        setting = self.settings.get(name)
        return None if setting is None else setting.value

    def scalar(self, name: str) -> float:
        """The canonical value of a set parameter with one, certain value."""
        value = self.value(name)
        if not isinstance(value, float):
            kind = "a distribution" if isinstance(value, Distribution) else repr(value)
            raise ScenarioError(f"{name}: expected one certain value; the scenario has {kind}")
        return value

    def values_list(self, name: str) -> tuple[float, ...]:
        """The canonical values of a list parameter."""
        value = self.value(name)
        if not isinstance(value, tuple):
            raise ScenarioError(f"{name}: expected a list of values; the scenario has {value!r}")
        return value

    def uncertain(self) -> dict[str, Distribution]:
        """The parameters whose values are distributions, in the order of the specs."""
        return {
            name: setting.value
            for name, setting in sorted(self.settings.items(), key=lambda kv: _ORDER[kv[0]])
            if isinstance(setting.value, Distribution)
        }


@dataclass(frozen=True)
class _Layer:
    name: str
    description: str
    extends: str | None
    entries: dict[str, tuple[Any, str]]  # parameter -> (raw value, where)
    sources: dict[str, str]
    extends_where: str = ""
    correlations: dict[tuple[str, str], Correlation] = field(default_factory=dict)


def preset_names() -> list[str]:
    """Names of the presets shipped in the package."""
    folder = resources.files("alignment_runway.scenarios").joinpath("presets")
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


def preset_description(name: str) -> str:
    """The one-line description of a preset."""
    return _read_preset(name).description


def load_preset(name: str) -> Scenario:
    """Resolve a preset by name.

    Raises:
        ScenarioError: for an unknown preset (with a did-you-mean) or an invalid preset file.
    """
    return _resolve([*_preset_chain(name)], name, name)


def load_file(path: str | Path) -> Scenario:
    """Read and resolve a scenario file (TOML, ``schema = 1``).

    Raises:
        ScenarioError: for a missing or unreadable file, malformed TOML (with line and
            column), an unknown section or parameter, a value of the wrong dimension or out of
            bounds, or conflicting parameters.
    """
    path = Path(path)
    layer = _parse_layer(_read_file(path), str(path), path.stem, "path")
    start = layer.extends or BASE_PRESET
    chain = _preset_chain(start, via=layer.extends_where)
    return _resolve([*chain, layer], layer.name, start)


def _read_file(path: Path) -> str:
    """A scenario file's text, read without ever holding more than ``MAX_FILE_BYTES``."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)  # a device such as /dev/zero never ends
        if len(data) > MAX_FILE_BYTES:
            raise ScenarioError(
                f"scenario file {str(path)!r} is larger than {MAX_FILE_BYTES:,} bytes (1 MiB); "
                "a scenario is a few kilobytes of TOML",
                field="path",
            )
        text = data.decode("utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"scenario file {str(path)!r} not found", field="path") from None
    except IsADirectoryError:
        raise ScenarioError(
            f"scenario file {str(path)!r} is a directory, not a file", field="path"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(
            f"scenario file {str(path)!r} cannot be read: {exc}", field="path"
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")  # as text mode reads it


def load_text(text: str, name: str) -> Scenario:
    """Resolve a scenario from TOML text (as ``scenario_toml`` writes it), named ``name``.

    Raises:
        ScenarioError: as ``load_file`` does, with ``name`` in place of the file (a text of
            more than ``MAX_FILE_BYTES``, such as a doctored record's, included).
    """
    if len(text) > MAX_FILE_BYTES or len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise ScenarioError(
            f"{name}: the scenario is larger than {MAX_FILE_BYTES:,} bytes (1 MiB); a scenario "
            "is a few kilobytes of TOML",
            field="scenario",
        )
    layer = _parse_layer(text, name, name)
    start = layer.extends or BASE_PRESET
    return _resolve([*_preset_chain(start), layer], name, start)


def scenario_toml(scenario: Scenario) -> str:
    """The fully resolved scenario as TOML: every parameter as written, with its source.

    ``load_text`` of the result gives a scenario with the same values, distributions and
    correlations. Parameters that ``compute.training_compute`` makes unused are left out.
    """
    lines = [
        "# alignment-runway scenario, fully resolved",
        f"schema = {SCHEMA_VERSION}",
        f"description = {_toml(scenario.description)}",
    ]
    skipped = (
        _CONFLICTS["compute.training_compute"]
        if "compute.training_compute" in (scenario.settings)
        else ()
    )
    for section in SECTIONS:
        names = [
            n
            for n in PARAMETERS
            if n.startswith(f"{section}.") and n in scenario.settings and n not in skipped
        ]
        if names:
            lines.append(f"\n[{section}]")
            lines += [f"{n.split('.', 1)[1]} = {_toml(scenario.settings[n].raw)}" for n in names]
    if scenario.correlations:
        lines.append("\n[correlations]")
        lines += [f"{_toml(f'{c.first}, {c.second}')} = {c.rho!r}" for c in scenario.correlations]
    sources = {n: s.source for n, s in scenario.settings.items() if s.source and n not in skipped}
    if sources:
        lines.append("\n[sources]")
        lines += [f"{_toml(n)} = {_toml(source)}" for n, source in sources.items()]
    return "\n".join(lines) + "\n"


def _toml(raw: Any) -> str:
    """A value in TOML syntax (strings quoted, tables inline, lists bracketed)."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, int | float):
        return repr(raw)
    if isinstance(raw, str):
        return json.dumps(raw, ensure_ascii=False)
    if isinstance(raw, list):
        return "[" + ", ".join(_toml(v) for v in raw) + "]"
    if isinstance(raw, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in raw.items()) + "}"
    raise TypeError(f"cannot write {raw!r} as TOML")


def with_settings(scenario: Scenario, assignments: list[str]) -> Scenario:
    """Apply settings, ``section.name=VALUE`` assignments, on top of a resolved scenario.

    Raises:
        ScenarioError: for a malformed assignment or an unknown name (its field is
            ``settings``), or a bad value (its field is the parameter).
    """
    if not assignments:
        return scenario
    entries: dict[str, tuple[Any, str]] = {}
    for assignment in assignments:
        name, sep, text = assignment.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ScenarioError(
                f'settings: expected NAME=VALUE such as "compute.stock=4e21 FLOP/s"; '
                f"received {assignment!r}",
                field="settings",
            )
        if name not in PARAMETERS:
            raise ScenarioError(
                f"settings: unknown parameter {name!r}{suggest(name)}", field="settings"
            )
        entries[name] = (_set_value(name, text.strip()), SETTING)
    top = max((s.layer for s in scenario.settings.values()), default=0) + 1
    layer = _Layer(f"{scenario.name} (with settings)", scenario.description, None, entries, {})
    settings = dict(scenario.settings)
    _apply(settings, layer, top)
    resolved = Scenario(
        layer.name, scenario.description, settings, scenario.starts_from, scenario.correlations
    )
    check_correlations(resolved.correlations, resolved.uncertain())
    return resolved


def _inline(raw: Any) -> str:
    """A value as it would be written in a scenario file (tables as TOML inline tables)."""
    if isinstance(raw, dict):
        return "{" + ", ".join(f"{key} = {_inline_item(v)}" for key, v in raw.items()) + "}"
    return str(raw)


def _inline_item(raw: Any) -> str:
    if isinstance(raw, str):
        return json.dumps(raw, ensure_ascii=False)
    if isinstance(raw, list):
        return "[" + ", ".join(_inline_item(v) for v in raw) + "]"
    return _inline(raw)


def _set_value(name: str, text: str) -> Any:
    """Read a setting's value: TOML syntax when it parses (numbers, lists, tables), else text."""
    try:
        value = None if _LONG_KEY.search(text) else tomllib.loads(f"v = {text}")["v"]
    except ValueError:  # not TOML (a TOMLDecodeError), or an integer too long to read
        if PARAMETERS[name].is_list and "," in text:
            return [part.strip() for part in text.split(",")]
        return text
    except RecursionError:
        value = None
    if value is None or _too_deep(value, MAX_DEPTH - 2):  # as if under its file's section
        raise ScenarioError(
            f"{SETTING}: {name}: expected tables and arrays nested at most {MAX_DEPTH - 2} deep "
            "(as in a file, under a section); received a value nested deeper",
            field=name,
        )
    return value


def _read_preset(name: str) -> _Layer:
    if not _PRESET_NAME.fullmatch(name):
        raise ScenarioError(
            f"unknown preset {name!r}: a preset is named by letters, digits, '-' and '_', "
            f"never by a path (available: {', '.join(preset_names())})",
            field="preset",
        )
    if name not in preset_names():
        raise ScenarioError(f"unknown preset {name!r}{_preset_hint(name)}", field="preset")
    file = resources.files("alignment_runway.scenarios").joinpath("presets", f"{name}.toml")
    return _parse_layer(file.read_text(encoding="utf-8"), f"preset {name}", name, "preset")


def _preset_hint(name: str) -> str:
    names = preset_names()
    hint = did_you_mean(name, names, cutoff=0.5, quote=True)
    return f"{hint} (available: {', '.join(names)})"


def _preset_chain(name: str, via: str = "") -> list[_Layer]:
    """The layers of a preset, base first: ``essay``, ..., ``name``."""
    chain: list[_Layer] = []
    current: str | None = name
    while current is not None:
        if any(layer.name == current for layer in chain):
            raise ScenarioError(f"preset {current!r} extends itself in a cycle")
        try:
            layer = _read_preset(current)
        except ScenarioError as exc:
            if via:
                raise ScenarioError(f"{via}: extends: {exc}", field="extends") from None
            raise
        chain.insert(0, layer)
        current = layer.extends or (None if current == BASE_PRESET else BASE_PRESET)
        via = f"preset {layer.name}"
    return chain


def _resolve(layers: list[_Layer], name: str, starts_from: str) -> Scenario:
    settings: dict[str, Setting] = {}
    for index, layer in enumerate(layers):
        _apply(settings, layer, index)
    missing = [p for p, spec in PARAMETERS.items() if not spec.optional and p not in settings]
    if missing:
        raise ScenarioError(f"{name}: missing parameters {', '.join(missing)}")
    correlations: dict[tuple[str, str], Correlation] = {}
    for layer in layers:  # a later layer's value for a pair replaces an earlier one
        correlations.update(layer.correlations)
    scenario = Scenario(
        name, layers[-1].description, settings, starts_from, tuple(correlations.values())
    )
    check_correlations(scenario.correlations, scenario.uncertain())
    return scenario


def _apply(settings: dict[str, Setting], layer: _Layer, index: int) -> None:
    """Parse a layer's values into ``settings`` (in place) and check conflicts."""
    for param, (raw, where) in layer.entries.items():
        value = parse_value(PARAMETERS[param], raw, where)
        text = ", ".join(map(_inline, raw)) if isinstance(raw, list) else _inline(raw)
        source = layer.sources.get(param, "")
        settings[param] = Setting(value, text, where, source, index, raw)
    for override, overridden in _CONFLICTS.items():
        if override not in settings:
            continue
        for other in overridden:
            # a value set at or after the override's layer is explicit, not inherited
            if other in settings and settings[other].layer >= settings[override].layer:
                raise ScenarioError(
                    f"{settings[other].where}: {other} conflicts with {override} "
                    f"(set at {settings[override].where}): when {override} is given, the "
                    f"cluster is derived from it; set one of them, or extend a preset that "
                    f"does not set {override}"
                )


def _parse_layer(text: str, label: str, name: str, field: str = "") -> _Layer:
    """Read one TOML file into a layer (values still raw), checking its shape and names.

    ``field`` names what gave the text (``path``, ``preset``) in errors of its TOML.
    """
    try:
        data = None if _LONG_KEY.search(text) else tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{label}: invalid TOML: {exc}", field=field) from None
    except ValueError as exc:  # an integer of more digits than Python converts
        raise ScenarioError(
            f"{label}: invalid TOML: {str(exc).split(';')[0]}", field=field
        ) from None
    except RecursionError:
        data = None
    if data is None or _too_deep(data, MAX_DEPTH):
        raise ScenarioError(
            f"{label}: tables and arrays nested more than {MAX_DEPTH} deep (a scenario needs "
            "a few levels)",
            field=field,
        )
    lines = _key_lines(text)

    def at(key: str) -> str:
        line = lines.get(key)
        return f"{label}:{line}" if line else label

    _check_top(data, at)
    entries: dict[str, tuple[Any, str]] = {}
    for section in SECTIONS:
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise ScenarioError(
                f"{at(section)}: [{section}] must be a table of parameters; received {table!r}"
            )
        for key, raw in table.items():
            param = f"{section}.{key}"
            if param not in PARAMETERS:
                raise ScenarioError(f"{at(param)}: unknown parameter {param!r}{suggest(param)}")
            entries[param] = (raw, at(param))
    sources = data.get("sources", {})
    for param in sources:
        if param not in PARAMETERS:
            raise ScenarioError(
                f"{at('sources.' + param)}: [sources] names unknown parameter "
                f"{param!r}{suggest(param)}"
            )
    correlations = parse_correlations(data.get("correlations", {}), at)
    return _Layer(
        name,
        data.get("description", ""),
        data.get("extends"),
        entries,
        sources,
        at("extends"),
        correlations,
    )


def _check_top(data: dict[str, Any], at: Any) -> None:
    for key, value in data.items():
        if key in SECTIONS or key in _TOP_KEYS:
            continue
        hint = did_you_mean(key, [*SECTIONS, *_TOP_KEYS], quote=True)
        what = "section" if isinstance(value, dict) else "key"
        raise ScenarioError(
            f"{at(key)}: unknown {what} {key!r}{hint} (sections: {', '.join(SECTIONS)}; "
            f"top-level keys: {', '.join(_TOP_KEYS)})"
        )
    if "schema" not in data:
        raise ScenarioError(
            f"{at('schema')}: missing 'schema = {SCHEMA_VERSION}' at the top of the file"
        )
    schema = data["schema"]
    if isinstance(schema, bool) or not isinstance(schema, int):
        raise ScenarioError(f"{at('schema')}: schema: expected an integer; received {schema!r}")
    if schema > SCHEMA_VERSION:
        raise ScenarioError(
            f"{at('schema')}: schema {schema} is newer than this version of alignment-runway "
            f"reads (schema {SCHEMA_VERSION}); upgrade alignment-runway to read it"
        )
    if schema < 1:
        raise ScenarioError(f"{at('schema')}: schema: expected {SCHEMA_VERSION}; received {schema}")
    for key in ("extends", "description"):
        if key in data and not isinstance(data[key], str):
            raise ScenarioError(f"{at(key)}: {key}: expected a string; received {data[key]!r}")
    sources = data.get("sources", {})
    if not isinstance(sources, dict) or not all(isinstance(v, str) for v in sources.values()):
        raise ScenarioError(
            f'{at("sources")}: [sources] expected a table of "section.name" = "citation"'
        )


def _too_deep(value: Any, limit: int) -> bool:
    """Whether tables and arrays nest more than ``limit`` deep in ``value`` (which counts)."""
    if isinstance(value, dict):
        children: Any = value.values()
    elif isinstance(value, list):
        children = value
    else:
        return False
    return limit == 0 or any(_too_deep(child, limit - 1) for child in children)


_HEADER = re.compile(r"^\s*\[\s*([A-Za-z0-9_.\-]+)\s*\]")
_KEY = re.compile(r"""^\s*("[^"]+"|[A-Za-z0-9_.\-]+)\s*=""")


def _key_lines(text: str) -> dict[str, int]:
    """Line numbers of tables and keys (``section.key``) in TOML text, for error messages."""
    lines: dict[str, int] = {}
    table = ""
    for number, line in enumerate(text.splitlines(), start=1):
        if header := _HEADER.match(line):
            table = header.group(1)
            lines.setdefault(table, number)
        elif key := _KEY.match(line):
            name = key.group(1).strip('"')
            lines.setdefault(f"{table}.{name}" if table else name, number)
    return lines
