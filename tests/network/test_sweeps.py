"""The compiled bounded searches give the same access tables as the dense scipy engine."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo_outreach.network import sweeps, traveltime
from geo_outreach.network.traveltime import access_tables
from tests.network.test_traveltime import random_network


def _case(seed: int, n: int = 60, m: int = 260, n_units: int = 7, n_sites: int = 14):
    net = random_network(n, m, seed)
    rng = np.random.default_rng(seed)
    origins = pd.DataFrame(
        {
            "unit_id": [f"u{i % n_units}" for i in range(28)],
            "node_id": rng.choice(net.node_ids, 28, replace=False),
        }
    )
    origins["weight"] = rng.uniform(0.2, 1.0, len(origins))
    origins["weight"] /= origins.groupby("unit_id")["weight"].transform("sum")
    sites = pd.DataFrame(
        {
            "site_id": [f"s{i}" for i in range(n_sites)],
            "node_id": rng.choice(net.node_ids, n_sites),
            "category": rng.choice(["a", "b", "c"], n_sites),
        }
    )
    return net, origins, sites


def _pairs(t):
    return t.unit_od.set_index(["origin_id", "dest_id"]).sort_index()


def _assert_same(got, ref, *, max_mean_s=None):
    a, b = _pairs(got), _pairs(ref)
    if max_mean_s is not None:
        b = b[b["travel_time_s"] <= max_mean_s]
        a = a[a["travel_time_s"] <= max_mean_s]
    assert a.index.equals(b.index)
    np.testing.assert_allclose(a["travel_time_s"], b["travel_time_s"], rtol=1e-12)
    np.testing.assert_allclose(a["share_reaching"], b["share_reaching"], rtol=1e-12)
    c1 = got.counts.set_index(["unit_id", "category"])["n_within"].sort_index()
    c2 = ref.counts.set_index(["unit_id", "category"])["n_within"].sort_index()
    pd.testing.assert_series_equal(c1, c2, rtol=1e-12)
    pd.testing.assert_frame_equal(got.nearest_od, ref.nearest_od)


@settings(max_examples=20, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    within=st.floats(20, 150),
    cutoff=st.floats(150, 600),
    catchment=st.one_of(st.none(), st.floats(30, 400)),
    margin=st.sampled_from([None, 1.0, 1.1, 1.25, 2.0]),
    heap=st.booleans(),
)
def test_bounded_searches_equal_the_dense_engine(seed, within, cutoff, catchment, margin, heap):
    """Same pairs (those within the catchment), means, shares, counts and nearest sites,
    whatever the search bound (a tight one forces re-searches of undecided sites) and
    whether searches use Dial's buckets or the binary heap."""
    net, origins, sites = _case(seed)
    max_mean = None if catchment is None else min(catchment, cutoff)
    ref = access_tables(net, origins, sites, within_s=within, cutoff_s=cutoff, engine="scipy")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(traveltime, "BOUND_MARGIN", margin)
        if heap:
            mp.setattr(sweeps, "MAX_BUCKETS", 0)
        got = access_tables(
            net,
            origins,
            sites,
            within_s=within,
            cutoff_s=cutoff,
            max_mean_s=max_mean,
            engine="numba",
        )
    _assert_same(got, ref, max_mean_s=max_mean)
    if max_mean is not None:  # nothing beyond the catchment is kept (up to rounding slack)
        assert (got.unit_od["travel_time_s"] <= max_mean * (1 + 1e-9) + 1e-6).all()


def test_a_tight_bound_searches_undecided_sites_again(caplog):
    """With the bound at the catchment itself some units straddle it: those sites are searched
    again to the cutoff, and the answer does not change."""
    net, origins, sites = _case(3, n=80, m=300)
    ref = access_tables(net, origins, sites, within_s=60, cutoff_s=900, engine="scipy")
    with pytest.MonkeyPatch.context() as mp, caplog.at_level("INFO"):
        mp.setattr(traveltime, "BOUND_MARGIN", 1.0)
        got = access_tables(net, origins, sites, within_s=60, cutoff_s=900, max_mean_s=150)
    assert "searching them to 900 s" in caplog.text
    _assert_same(got, ref, max_mean_s=150)


def test_chunking_does_not_change_the_answer():
    net, origins, sites = _case(5, n_sites=40)
    whole = access_tables(net, origins, sites, within_s=80, cutoff_s=500, max_mean_s=300)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(traveltime, "SITES_PER_TASK", 3)
        parts = access_tables(net, origins, sites, within_s=80, cutoff_s=500, max_mean_s=300)
    pd.testing.assert_frame_equal(parts.unit_od, whole.unit_od, check_exact=True)
    pd.testing.assert_frame_equal(parts.counts, whole.counts, check_exact=True)
