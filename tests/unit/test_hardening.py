"""Hostile and clumsy input to the core: every case a field-named error or a bounded cost.

Each test is the regression test of one way a run could be taken down, crash or touch files
it should not (issue: hardened against hostile input, killed workers and full disks).
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from alignment_runway import api
from alignment_runway.engine import checks, resources
from alignment_runway.errors import Error, InputError, OutputError
from alignment_runway.files import check_new_file, remove_stale, write_atomically
from alignment_runway.store import Store, now


def _uncertain() -> api.Scenario:
    return api.load_scenario(preset="uncertain")


# --- bounds checked before any work ----------------------------------------------------------


@pytest.mark.parametrize("months", [1e8, 1e10, checks.MAX_MONTHS * 1.001])
def test_a_horizon_beyond_a_century_is_refused_before_the_time_grid(months: float) -> None:
    with pytest.raises(InputError) as error:
        api.race(api.load_scenario(preset="race"), 10, months=months)
    assert error.value.field == "months" and "at most 1200 months" in str(error.value)


def test_sensitivity_bounds_its_horizon_too() -> None:
    with pytest.raises(InputError) as error:
        api.sensitivity(api.load_scenario(preset="race"), ["race.research"], months=1e11)
    assert error.value.field == "months"


def test_a_sweep_bounds_its_horizon_before_its_plan() -> None:
    with pytest.raises(InputError) as error:
        api.plan_sweep(
            api.load_scenario(preset="race"), ["race.lead=1 month,2 months"], months=1e10
        )
    assert error.value.field == "months"


def test_a_century_is_still_a_horizon() -> None:
    assert checks.check_horizon(checks.MAX_MONTHS, "week")[0] > 0


def test_workers_are_bounded_by_the_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checks, "usable_cpus", lambda: 2)
    assert checks.max_workers() == 2 * checks.WORKERS_PER_CPU
    checks.check_sampling(10, 1, 10, checks.max_workers())
    with pytest.raises(InputError) as error:
        checks.check_sampling(10, 1, 10, 100_000)
    assert error.value.field == "workers" and "from 1 to 8" in str(error.value)


@pytest.mark.parametrize("seed", [2**63, 2**64 + 5, -1])
def test_a_seed_a_store_cannot_hold_is_refused_before_the_run(seed: int) -> None:
    with pytest.raises(InputError) as error:
        api.run(_uncertain(), 100, seed)
    assert error.value.field == "seed" and "2**63 - 1" in str(error.value)


def test_the_largest_seed_is_recorded_as_it_is(tmp_path: Path) -> None:
    result = api.run(_uncertain(), 200, checks.MAX_SEED)
    store = api.open_store(str(tmp_path / "runs.sqlite"))
    options = {"samples": 200, "seed": checks.MAX_SEED, "chunk_size": 65536, "workers": 1}
    run_id = api.record(store, result, options, now(), now())
    assert store.get(run_id).seed == checks.MAX_SEED
    assert api.reproduce(store, run_id).identical


def test_a_sobol_design_that_would_not_fit_is_refused_before_it_is_built() -> None:
    with pytest.raises(InputError) as error:
        api.sensitivity(
            _uncertain(),
            ["static.research_per_month"],
            "sobol",
            samples=2**40,
            inputs=["compute.stock", "compute.utilization"],
        )
    assert error.value.field == "samples" and "memory" in str(error.value)
    assert "--keep" not in error.value.message({"keep": "--keep"})  # a design keeps all


def test_a_threshold_goes_through_the_unit_text_bounds() -> None:
    with pytest.raises(InputError) as error:
        checks.threshold("static.research_per_month=9**9**9")
    assert error.value.field == "above" and "power" in str(error.value)
    with pytest.raises(InputError, match="more than one % sign"):
        checks.threshold("static.research_per_month=40%%")
    for text in ("/", "1/0", "(", "*", "()"):  # pint raised AssertionError, ZeroDivisionError…
        with pytest.raises(InputError) as error:
            checks.threshold(f"static.research_per_month={text}")
        assert error.value.field == "above"
    assert checks.threshold("static.research_per_month=1e5")[1] > 0


@pytest.mark.parametrize("tau", [1e-320, 5e-324, 1e308])
def test_a_tau_whose_signals_leave_floating_point_is_refused(tau: float) -> None:
    with pytest.raises(InputError) as error:
        api.devloop(_uncertain(), [tau], 100)
    assert error.value.field == "taus" and "within floating point" in str(error.value)


def test_a_mean_of_samples_near_the_float_range_is_finite_and_silent() -> None:
    from alignment_runway.analysis.summary import mean

    # squares (and sums) of these overflow: numpy warned on the terminal, and the error was inf
    x = np.array([1e300, 1.5e300, 1e308, 1.7e308])
    estimate = mean(x)  # warnings are errors under pytest
    assert estimate.value == pytest.approx(np.mean(x / 1e308) * 1e308, rel=1e-12)
    assert estimate.se == pytest.approx(np.std(x / 1e308, ddof=1) * 1e308 / 2, rel=1e-12)
    plain = mean(np.array([1.0, 3.0]))
    assert (plain.value, plain.se) == (2.0, 1.0)


def test_a_run_of_extreme_valid_values_prints_no_warning() -> None:
    scenario = api.load_scenario(
        preset="uncertain", settings=["compute.training_duration=1e-300 day"]
    )
    result = api.run(scenario, 50)  # warnings are errors under pytest
    assert np.isfinite(result.summary()["mean"]).all()


# --- the memory guard: available memory, resource limits, control groups ---------------------


def _fake_proc(tmp_path: Path, available_kib: int, cgroup: str) -> Path:
    proc = tmp_path / "proc"
    (proc / "self").mkdir(parents=True)
    (proc / "meminfo").write_text(
        f"MemTotal: 99999999 kB\nMemAvailable: {available_kib} kB\n", encoding="ascii"
    )
    (proc / "self" / "status").write_text("VmSize: 1024 kB\nVmData: 512 kB\n", encoding="ascii")
    (proc / "self" / "cgroup").write_text(cgroup, encoding="ascii")
    return proc


def test_the_memory_guard_uses_available_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(resources, "_PROC", _fake_proc(tmp_path, 1024 * 1024, ""))
    monkeypatch.setattr(resources, "_rlimit_room", lambda: None)
    assert resources.available_memory() == 2**30
    checks.check_memory(10_000_000, 9)  # 9 kept and 1 to summarise: 0.75 GiB of 0.8 GiB
    with pytest.raises(InputError, match=r"1\.00 GiB of memory this process can still take"):
        checks.check_memory(20_000_000, 10)


def test_the_memory_guard_uses_a_cgroup_v2_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(resources, "_PROC", _fake_proc(tmp_path, 2**30, "0::/job\n"))
    group = tmp_path / "cgroup" / "job"
    group.mkdir(parents=True)
    (group / "memory.max").write_text(f"{300 * 2**20}\n", encoding="ascii")
    (group / "memory.current").write_text(f"{100 * 2**20}\n", encoding="ascii")
    monkeypatch.setattr(resources, "_CGROUP", tmp_path / "cgroup")
    monkeypatch.setattr(resources, "_rlimit_room", lambda: None)
    assert resources.available_memory() == 200 * 2**20
    (group / "memory.max").write_text("max\n", encoding="ascii")
    assert resources.available_memory() == 2**40  # no group limit: the system's memory


def test_the_memory_guard_uses_a_cgroup_v1_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(resources, "_PROC", _fake_proc(tmp_path, 2**30, "4:memory:/job\n"))
    group = tmp_path / "cgroup" / "memory"
    group.mkdir(parents=True)
    (group / "memory.limit_in_bytes").write_text(f"{64 * 2**20}\n", encoding="ascii")
    (group / "memory.usage_in_bytes").write_text(f"{16 * 2**20}\n", encoding="ascii")
    monkeypatch.setattr(resources, "_CGROUP", tmp_path / "cgroup")
    monkeypatch.setattr(resources, "_rlimit_room", lambda: None)
    assert resources.available_memory() == 48 * 2**20


def test_the_memory_guard_uses_the_address_space_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import resource

    monkeypatch.setattr(resources, "_PROC", _fake_proc(tmp_path, 2**30, ""))
    limits = {resource.RLIMIT_AS: (8 * 2**20, resource.RLIM_INFINITY)}
    monkeypatch.setattr(
        resource,
        "getrlimit",
        lambda which: limits.get(which, (resource.RLIM_INFINITY, resource.RLIM_INFINITY)),
    )
    assert resources.available_memory() == 8 * 2**20 - 1024 * 1024  # less what is mapped
    with pytest.raises(InputError) as error:
        api.run(_uncertain(), 10_000_000, keep=["static.labor"])
    assert error.value.field == "samples"


# --- sensitivity of an output that does not vary ---------------------------------------------


def test_rank_correlations_of_an_output_that_does_not_vary_are_refused() -> None:
    with pytest.raises(InputError) as error:
        api.sensitivity(_uncertain(), ["race.lead_at_pause"], "rank", samples=200)
    assert error.value.field == "outputs"
    assert "race.lead_at_pause, which has the same value in every sample" in str(error.value)


def test_sobol_indices_of_an_output_that_does_not_vary_are_refused() -> None:
    # race.research of the race preset does not depend on compute.stock: equal values,
    # whose np.var rounds above 0, and SALib warned instead of the table being refused
    with pytest.raises(InputError) as error:
        api.sensitivity(
            api.load_scenario(preset="race"),
            ["race.research"],
            "sobol",
            samples=64,
            inputs=["compute.stock"],
        )
    assert error.value.field == "outputs" and "no variance to apportion" in str(error.value)


# --- files: names, links, leftovers, full disks ----------------------------------------------


def test_a_name_too_long_is_refused_before_the_run(tmp_path: Path) -> None:
    with pytest.raises(OutputError) as error:
        api.check_export_path(tmp_path / ("a" * 300 + ".csv"))
    assert error.value.field == "out" and "file name of at most" in str(error.value)
    with pytest.raises(OutputError, match="file name of at most"):
        api.check_export_path(tmp_path / ("d" * 300) / "x.csv")  # a folder's name too


def test_a_dangling_symbolic_link_is_refused_before_the_run(tmp_path: Path) -> None:
    link = tmp_path / "x.csv"
    link.symlink_to(tmp_path / "missing" / "target.csv")
    with pytest.raises(OutputError, match="symbolic link to a file that does not exist"):
        api.check_export_path(link)
    with pytest.raises(OutputError, match="symbolic link"):
        check_new_file(tmp_path / "x.csv", "report", (".csv",), False)
    assert api.check_export_path(link, force=True) == ".csv"  # replaced with force


def test_stale_temporary_files_of_dead_writers_are_removed(tmp_path: Path) -> None:
    dead_pid = _dead_pid()
    target = tmp_path / "out.csv"
    stale = tmp_path / f".out.csv.{dead_pid}-0123456789ab.tmp"
    live = tmp_path / f".out.csv.{os.getpid()}-ba9876543210.tmp"
    other = tmp_path / f".other.csv.{dead_pid}-0123456789ab.tmp"
    for path in (stale, live, other):
        path.write_text("half", encoding="utf-8")
    remove_stale(target)
    assert not stale.exists() and live.exists() and other.exists()

    def write(tmp: Path) -> None:
        tmp.write_text("a\n", encoding="utf-8")

    write_atomically(target, False, write)
    assert target.read_text(encoding="utf-8") == "a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [target.name, live.name, other.name]
    )


def _dead_pid() -> int:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout)


def test_samples_half_written_by_a_killed_writer_are_removed_by_the_next(tmp_path: Path) -> None:
    store, _, _ = _recorded(tmp_path, samples=True)
    folder = tmp_path / "runs-samples"
    stale = folder / f".{'0' * 32}.parquet.{_dead_pid()}-0123456789ab.tmp"
    stale.write_bytes(b"PAR1 half")
    result = api.run(_uncertain(), 200, 6)
    options = {"samples": 200, "seed": 6, "chunk_size": 65536, "workers": 1}
    api.record(store, result, options, now(), now(), keep_samples=True)
    assert not stale.exists()
    assert len([p for p in folder.iterdir() if p.suffix == ".parquet"]) == 2


def test_a_full_disk_leaves_no_file(tmp_path: Path) -> None:
    import errno

    target = tmp_path / "x.csv"

    def full(tmp: Path) -> None:
        tmp.write_text("partial", encoding="utf-8")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(OutputError, match="No space left on device"):
        write_atomically(target, False, full)
    assert list(tmp_path.iterdir()) == []


def test_figures_into_a_full_disk_leave_no_partial_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from alignment_runway.reports import figures

    calls = {"n": 0}
    real_open = open

    def filling_open(path: object, mode: str = "r", *args: object, **kwargs: object) -> object:
        if "x" in mode:
            calls["n"] += 1
            if calls["n"] == 3:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_open(path, mode, *args, **kwargs)  # type: ignore[call-overload]

    result = api.run(_uncertain(), 500)
    monkeypatch.setattr(figures, "open", filling_open, raising=False)
    folder = tmp_path / "figures"
    with pytest.raises(OutputError, match="No space left on device"):
        api.write_figures(result, folder)
    assert calls["n"] == 3 and not folder.exists()
    monkeypatch.undo()
    written = api.write_figures(result, folder)
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in written)


# --- the store: damaged records, schema, read-only, files outside its folder -----------------


def _recorded(tmp_path: Path, samples: bool = False) -> tuple[Store, int, Path]:
    path = tmp_path / "runs.sqlite"
    store = api.open_store(str(path))
    result = api.run(_uncertain(), 200, 5)
    options = {"samples": 200, "seed": 5, "chunk_size": 65536, "workers": 1}
    run_id = api.record(store, result, options, now(), now(), keep_samples=samples)
    store.engine.dispose()
    return store, run_id, path


@pytest.mark.parametrize(
    ("column", "value"),
    [("options", "{bad json"), ("summary", "[1, 2"), ("digests", "[]"), ("seed", "seven")],
)
def test_a_record_that_cannot_be_read_is_a_store_error_and_can_be_deleted(
    tmp_path: Path, column: str, value: str
) -> None:
    store, run_id, path = _recorded(tmp_path)
    with sqlite3.connect(path) as connection:
        connection.execute(f"UPDATE runs SET {column} = ?", (value,))
    for read in (store.list, lambda: store.get(run_id)):
        with pytest.raises(Error) as error:
            read()
        assert error.value.field == "store" and f"run {run_id} is damaged" in str(error.value)
    assert store.delete(run_id) is None
    assert store.list() == []


def test_a_record_of_bytes_that_are_not_text_is_a_store_error(tmp_path: Path) -> None:
    store, run_id, path = _recorded(tmp_path)
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE runs SET scenario_text = CAST(x'ff00fe41' AS TEXT)")
    with pytest.raises(Error) as error:
        store.get(run_id)
    assert error.value.field == "store" and "UTF-8" in str(error.value)


def test_flipped_bytes_are_a_store_error_or_a_readable_store(tmp_path: Path) -> None:
    _, run_id, path = _recorded(tmp_path)
    original = path.read_bytes()
    rng = np.random.default_rng(13)
    for trial in range(12):
        data = bytearray(original)
        for at in rng.integers(0, len(data), size=int(rng.choice([1, 8, 64]))):
            data[at] ^= int(rng.integers(1, 256))
        damaged = tmp_path / f"damaged-{trial}.sqlite"
        damaged.write_bytes(bytes(data))
        try:
            store = api.open_store(str(damaged), create=False)
            store.list()
            store.get(run_id)
        except Error as error:
            assert error.field in ("store", "run_id"), error


def test_an_empty_schema_version_is_refused_and_left_alone(tmp_path: Path) -> None:
    _, _, path = _recorded(tmp_path)
    with sqlite3.connect(path) as connection:
        connection.execute("DELETE FROM alembic_version")
    before = path.read_bytes()
    with pytest.raises(Error, match="alembic_version table is empty"):
        api.open_store(str(path))
    assert path.read_bytes() == before


def test_a_read_only_store_can_be_listed_but_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, run_id, path = _recorded(tmp_path, samples=True)
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = path.read_bytes()
    monkeypatch.setattr(os, "access", lambda *_args, **_kw: False)
    store = api.open_store(str(path), create=False)
    assert store.read_only and [e.id for e in store.list()] == [run_id]
    assert api.reproduce(store, run_id).identical
    api.export_record(store, store.get(run_id), tmp_path / "samples.parquet")
    with pytest.raises(Error, match="read-only"):
        api.open_store(str(path))  # to record into
    with pytest.raises(Error) as error:
        store.delete(run_id)
    assert error.value.field == "store"
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    "pointer",
    ["../victim.parquet", "/ABS/victim.parquet", "runs-samples/../../victim.parquet", "victim.txt"],
)
def test_a_doctored_samples_file_is_never_deleted_or_copied(tmp_path: Path, pointer: str) -> None:
    store, run_id, path = _recorded(tmp_path / "store", samples=True)
    victim = tmp_path / "victim.parquet"
    victim.write_bytes(b"someone else's file")
    pointer = pointer.replace("/ABS", str(tmp_path))
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE runs SET samples_file = ?", (pointer,))
    entry = store.get(run_id)
    with pytest.raises(Error, match="outside the store's samples folder"):
        api.export_record(store, entry, tmp_path / "copy.parquet")
    with pytest.raises(Error, match="outside the store's samples folder"):
        store.delete(run_id)
    assert victim.read_bytes() == b"someone else's file"
    assert not (tmp_path / "copy.parquet").exists()
    assert [e.id for e in store.list()] == [run_id]


def test_a_doctored_record_of_a_huge_scenario_is_refused_unparsed(tmp_path: Path) -> None:
    store, run_id, path = _recorded(tmp_path)
    huge = "schema = 1\n" + "# padding\n" * 200_000  # 2 MB: past the 1 MiB of a file
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE runs SET scenario_text = ?", (huge,))
    with pytest.raises(Error, match="larger than 1,048,576 bytes"):
        api.reproduce(store, run_id)


def test_a_samples_file_inside_the_store_is_still_deleted(tmp_path: Path) -> None:
    store, run_id, _ = _recorded(tmp_path, samples=True)
    entry = store.get(run_id)
    kept = store.samples_path(entry)
    assert kept is not None and kept.exists()
    store.delete(run_id)
    assert not kept.exists()


@pytest.mark.parametrize("run_id", [0, -1, 2**63, 10**20])
def test_an_id_no_record_can_have_is_refused(tmp_path: Path, run_id: int) -> None:
    store, _, _ = _recorded(tmp_path)
    with pytest.raises(InputError) as error:
        store.get(run_id)
    assert error.value.field == "run_id" and "1 to 9223372036854775807" in str(error.value)
    assert len(store.list(limit=10**20)) == 1  # a limit beyond any id is no limit


@pytest.mark.parametrize("name", ["a" * 300 + ".sqlite", "d" * 300 + "/runs.sqlite", ".", ""])
def test_a_store_path_that_cannot_be_a_database_is_a_store_error(tmp_path: Path, name: str) -> None:
    location = "sqlite:///" if not name else str(tmp_path / name)
    with pytest.raises(Error) as error:
        api.open_store(location)
    assert error.value.field == "store"


def test_a_read_only_store_with_uri_characters_in_its_path_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "a?b#c%d"
    folder.mkdir()
    _, run_id, path = _recorded(folder)
    monkeypatch.setattr(os, "access", lambda *_args, **_kw: False)
    assert [e.id for e in api.open_store(str(path), create=False).list()] == [run_id]


def test_an_empty_store_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(Error) as error:
        api.open_store("")
    assert error.value.field == "store" and "received none" in str(error.value)


def test_a_store_in_a_missing_folder_tree_is_refused_and_nothing_created(tmp_path: Path) -> None:
    path = tmp_path / "typo" / "dir" / "runs.sqlite"
    with pytest.raises(Error, match="does not exist: create it first"):
        api.open_store(str(path))
    assert not (tmp_path / "typo").exists()
    assert api.open_store(str(tmp_path / "new" / "runs.sqlite")).list() == []  # one level


def test_records_keep_their_json_types(tmp_path: Path) -> None:
    store, run_id, path = _recorded(tmp_path)
    with sqlite3.connect(path) as connection:
        options = json.loads(connection.execute("SELECT options FROM runs").fetchone()[0])
    assert store.get(run_id).options == options


@pytest.mark.parametrize("command", ["compare", "devloop"])
def test_commands_without_keep_say_fewer_samples(command: str) -> None:
    huge = 10**12
    with pytest.raises(InputError) as caught:
        if command == "compare":
            api.compare(["preset:uncertain", "preset:uncertain"], ["static.labor"], huge)
        else:
            api.devloop(api.load_scenario(preset="uncertain"), samples=huge)
    message = caught.value.message({"samples": "--samples", "keep": "--keep"})
    assert message.endswith(": use fewer samples") and "--keep" not in message


def test_exported_recorded_samples_are_in_display_units(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from alignment_runway.results.runs import unit_of

    store, run_id, _ = _recorded(tmp_path, samples=True)
    entry = store.get(run_id)
    written = api.export_record(store, entry, tmp_path / "samples.parquet")
    table = pq.read_table(str(written))
    meta = json.loads(table.schema.metadata[b"alignment_runway"])
    assert meta["unit_system"] == "display" and meta["run_id"] == run_id
    stored = pq.read_table(str(store.samples_path(entry))).to_pydict()
    exported = table.to_pydict()
    assert set(exported) == set(stored)
    for name, values in stored.items():
        unit, scale = unit_of(name)
        assert meta["units"][name] == unit
        assert table.schema.field(name).metadata[b"unit"] == unit.encode()
        np.testing.assert_array_equal(np.asarray(exported[name]), np.asarray(values) * scale)
