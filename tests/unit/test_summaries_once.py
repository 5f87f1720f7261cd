"""Summaries are computed once per result and equal those computed afresh; digests need no copy."""

from __future__ import annotations

import hashlib

import numpy as np

from alignment_runway import api, views
from alignment_runway.analysis import summary as s
from alignment_runway.store import digests, summary_records


def _result() -> api.RunResult:
    return api.run(api.load_scenario(preset="uncertain"), 5000, 11)


def test_screen_and_store_share_one_computation_equal_to_a_fresh_one() -> None:
    result = _result()
    views.summary_view(result, (5.0, 50.0, 95.0))
    cached = dict(result.estimates)
    summary_records(result)  # the store's summaries: nothing new to compute
    assert result.estimates == cached
    x = result.values["static.research_per_month"]
    fresh = s.percentiles(x, (5.0, 50.0, 95.0))
    got = [result.estimates[("static.research_per_month", "percentile", q)] for q in (5, 50, 95)]
    assert got == fresh  # bit for bit
    assert result.estimates[("static.research_per_month", "mean", 0.0)] == s.mean(x)


def test_more_levels_later_compute_only_the_new_ones_and_agree() -> None:
    result = _result()
    name = "static.labor"
    first = result.summaries((50.0,), None, [name])[0]
    both = result.summaries((5.0, 50.0, 99.0), {name: 1e5}, [name])[0]
    assert both.percentiles[50.0] == first.percentiles[50.0]
    x = result.values[name]
    assert list(both.percentiles.values()) == s.percentiles(x, (5.0, 50.0, 99.0))
    assert both.above == {1e5: s.prob_above(x, 1e5)}


def test_digests_hash_the_bytes_without_a_copy_and_match_a_copy() -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal(1001)
    strided = x[::2]  # not contiguous: hashed from a contiguous copy
    integers = np.arange(5)  # not float64: hashed as float64
    got = digests({"x": x, "strided": strided, "integers": integers})
    assert got == {
        "x": hashlib.sha256(x.tobytes()).hexdigest(),
        "strided": hashlib.sha256(np.ascontiguousarray(strided).tobytes()).hexdigest(),
        "integers": hashlib.sha256(integers.astype(np.float64).tobytes()).hexdigest(),
    }


def test_rank_sensitivity_ranks_each_array_once_and_matches_pairwise_ranking() -> None:
    from alignment_runway.analysis import sensitivity
    from alignment_runway.analysis.summary import rank_correlation

    rng = np.random.default_rng(5)
    a, b = rng.standard_normal(2000), rng.standard_normal(2000)
    y1, y2 = a + 0.5 * b, np.exp(b)
    shared: dict[str, np.ndarray] = {}
    first = sensitivity.rank({"a": a, "b": b}, y1, shared)
    ranked_a = shared["a"]
    second = sensitivity.rank({"a": a, "b": b}, y2, shared)
    assert shared["a"] is ranked_a  # ranked once, used for both outputs
    for rows, y in ((first, y1), (second, y2)):
        assert {row.name: row.rho for row in rows} == {
            "a": rank_correlation(a, y),
            "b": rank_correlation(b, y),
        }  # bit for bit the pairwise estimate
