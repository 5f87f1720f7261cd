"""What starting the command line and loading a scenario import: only what the step needs.

Each check runs in a fresh interpreter (this one has imported everything already) and looks
at ``sys.modules``: the import set is what makes start-up slow, and it can be asserted.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

from alignment_runway import __version__, api
from alignment_runway.distributions import LogNormal, Normal, Truncated

_HEAVY = ("numpy", "scipy", "typer", "rich", "pydantic", "sqlalchemy", "alembic")


def _python(code: str, cwd: Path | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,  # a hang guard only
        cwd=cwd,
    )
    return done.stdout


def test_version_answers_before_any_heavy_import() -> None:
    code = (
        "import sys; sys.argv = ['alignment-runway', '--version']\n"
        "from alignment_runway.cli import main\n"
        "main()\n"
        f"print(sorted(m for m in {_HEAVY!r} if m in sys.modules))"
    )
    assert _python(code) == f"alignment-runway {__version__}\n[]\n"


@pytest.mark.parametrize("preset", ["essay", "essay-1000x"])
def test_loading_a_preset_of_points_and_lognormals_imports_no_scipy(preset: str) -> None:
    """Φ for the checks comes from ``math.erfc``; scipy.special only where a draw needs it.

    (The ``uncertain`` and ``race`` presets truncate lognormals: their draws, and so their
    checks, need Φ⁻¹.)
    """
    code = (
        "import sys\n"
        "from alignment_runway import api\n"
        f"api.load_scenario(preset={preset!r})\n"
        "print(sorted(m for m in sys.modules if m.startswith('scipy.')))"
    )
    assert _python(code).strip() == "[]"


_TRIANGULAR = """schema = 1
extends = "essay"
[race]
safe_share = { dist = "triangular", low = 0, mode = 0.33, high = 1 }
"""


def test_a_triangular_input_is_checked_without_scipy(tmp_path: Path) -> None:
    (tmp_path / "s.toml").write_text(_TRIANGULAR, encoding="utf-8")
    code = (
        "import sys\n"
        "from alignment_runway import api\n"
        "scenario = api.load_scenario('s.toml')\n"
        "print(sorted(m for m in sys.modules if m.startswith('scipy.')))"
    )
    assert _python(code, cwd=tmp_path).strip() == "[]"


def test_a_truncated_input_is_still_checked_while_parsing(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(
        'schema = 1\nextends = "essay"\n[compute]\nutilization = { dist = "lognormal", '
        "p5 = 0.3, p95 = 0.35, min = 0.95, max = 1 }\n",
        encoding="utf-8",
    )
    with pytest.raises(api.Error, match="min/max that keep some of the distribution"):
        api.load_scenario(str(path))


def test_recording_into_a_current_sqlite_store_imports_no_sqlalchemy(tmp_path: Path) -> None:
    path = tmp_path / "runs.sqlite"
    api.open_store(str(path)).engine.dispose()  # made and migrated here, with Alembic
    code = (
        "import sys\n"
        "from alignment_runway import api\n"
        "from alignment_runway.store import Store\n"
        "store = Store('runs.sqlite')\n"
        "result = api.run(api.load_scenario(preset='essay'))\n"
        "run_id = api.record(store, result, {'samples': 1}, '2026-01-01', '2026-01-01')\n"
        "print(run_id, 'sqlalchemy' in sys.modules)"
    )
    run_id, loaded = _python(code, cwd=tmp_path).split()
    assert loaded == "False"
    entry = api.open_store(str(path)).get(int(run_id))  # read back through SQLAlchemy
    assert entry.command == "run" and entry.samples == 1


@pytest.mark.parametrize(
    ("base", "low", "high"),
    [
        (Normal(0.0, 1.0), -1.0, 2.0),
        (Normal(3.0, 0.5), -math.inf, 2.5),
        (Normal(3.0, 0.5), 3.5, math.inf),
        (LogNormal(1.0, 0.7), 0.5, 4.0),
        (LogNormal(1.0, 0.7), -2.0, 1.0),
        (LogNormal(-2.0, 2.0), 1.0, math.inf),
    ],
)
def test_truncated_mass_is_phi_difference(
    base: Normal | LogNormal, low: float, high: float
) -> None:
    """``mass`` (math.erfc, used while parsing) against scipy's Φ (used by the draws)."""
    from scipy import special

    def phi(x: float) -> float:
        if isinstance(base, LogNormal):
            z = (math.log(x) - base.mu) / base.sigma if x > 0 else -math.inf
        else:
            z = (x - base.mean) / base.sd
        return float(special.ndtr(z))

    assert Truncated(base, low, high).mass() == pytest.approx(
        phi(high) - phi(low), rel=1e-14, abs=1e-16
    )


def test_a_command_imports_only_its_own_command_module() -> None:
    code = (
        "import sys; sys.argv = ['alignment-runway', 'presets']\n"
        "from alignment_runway.cli import main\n"
        "main()\n"
        "print(sorted(m.rsplit('.', 1)[1] for m in sys.modules\n"
        "             if m.startswith('alignment_runway.cli.')\n"
        "             and m.endswith(('_commands', '_command'))))"
    )
    assert _python(code).splitlines()[-1] == "['info_commands']"


def test_the_help_lists_every_command() -> None:
    from alignment_runway.cli.root import COMMANDS

    code = (
        "import sys; sys.argv = ['alignment-runway', '--help']\n"
        "from alignment_runway.cli import main\n"
        "main()\n"
    )
    listed = [
        line.split()[0]
        for line in _python(code).split("Commands:")[1].splitlines()
        if line.startswith("  ") and line.strip()
    ]
    assert sorted(listed) == sorted(name for name, _, _ in COMMANDS)
