"""``method="qmc"``: scrambled Sobol' draws, bit-identical across chunks and workers, with
standard errors from independent randomizations that cover the exact answer."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy.special import ndtri
from scipy.stats import qmc

from alignment_runway import api
from alignment_runway.errors import InputError
from alignment_runway.sampling.qmc import DEFAULT_RANDOMIZATIONS, qmc_normals

ROOT = Path(__file__).resolve().parents[2]
VARIANT = ROOT / "benchmarks" / "lognormal_variant.toml"
R = DEFAULT_RANDOMIZATIONS


def test_a_randomization_is_a_scrambled_sobol_sequence() -> None:
    """Samples [m, 2m) are randomization 1: scipy's Sobol' from its seed, through Φ⁻¹."""
    names = ("a", "b", "c")
    m = 256
    got = qmc_normals(5, names, R, R * m, m, 2 * m)
    import zlib

    key = (zlib.crc32(b"qmc"), 1)
    rng = np.random.default_rng(np.random.SeedSequence(5, spawn_key=key))
    points = qmc.Sobol(3, scramble=True, rng=rng).random(m)
    for k, name in enumerate(names):
        assert np.array_equal(got[name], ndtri(points[:, k]))


def test_any_range_is_the_same_points() -> None:
    names = ("x", "y")
    whole = qmc_normals(9, names, 4, 4000, 0, 4000)
    for start, stop in [(0, 1), (999, 1001), (1500, 3700), (3999, 4000)]:
        part = qmc_normals(9, names, 4, 4000, start, stop)
        for name in names:
            assert np.array_equal(part[name], whole[name][start:stop])


def test_qmc_runs_are_bit_identical_across_chunks_and_workers() -> None:
    scenario = api.load_scenario(VARIANT)
    keep = ["static.labor", "compute.stock"]
    base = api.run(scenario, 2 * 65_536 + 4_096, 3, method="qmc", keep=keep)
    for chunk, workers in ((1_000, 1), (65_536, 2)):
        other = api.run(
            scenario, base.samples, 3, method="qmc", keep=keep, chunk_size=chunk, workers=workers
        )
        for name in keep:
            assert np.array_equal(other.values[name], base.values[name])


def test_errors_cover_the_exact_answer_and_beat_plain_sampling() -> None:
    scenario = api.load_scenario(VARIANT)
    law = api.run(scenario, method="exact", keep=["static.labor"]).laws["static.labor"]
    exact = {"mean": law.mean().value, 50.0: law.median, 95.0: law.percentile(95).value}
    scores: dict[object, list[float]] = {k: [] for k in exact}
    ratios = []
    for seed in range(8):
        run = api.run(scenario, R * 4096, seed, method="qmc", keep=["static.labor"])
        row = run.summaries((50.0, 95.0), names=["static.labor"])[0]
        plain = api.run(scenario, R * 4096, seed, keep=["static.labor"])
        prow = plain.summaries((95.0,), names=["static.labor"])[0]
        ratios.append(row.percentiles[95.0].se / prow.percentiles[95.0].se)
        for key, estimate in (("mean", row.mean), *row.percentiles.items()):
            assert estimate.se > 0
            scores[key].append((estimate.value - exact[key]) / estimate.se)
    for key, z in scores.items():
        rms = math.sqrt(sum(v * v for v in z) / len(z))
        assert 0.3 < rms < 2.5, (key, z)
        assert max(abs(v) for v in z) < 5, (key, z)
    assert np.median(ratios) < 0.7  # the p95's error, against plain sampling at equal n


def test_qmc_samples_must_split_evenly() -> None:
    scenario = api.load_scenario(VARIANT)
    with pytest.raises(InputError) as error:
        api.run(scenario, 1000, method="qmc")
    assert error.value.field == "samples" and "multiple of 16" in error.value.expected
