"""Tests of mobile-unit stop siting (MCLP / LSCP / p-median on HiGHS)."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from geo_outreach.errors import InputError
from geo_outreach.optimize.siting import (
    from_cost_matrix,
    from_od_table,
    solve_siting,
    what_if,
)


def random_instance(seed: int, n_dem: int = 30, n_cand: int = 8, *, sparse_share: float = 0.0):
    """Points in a 10 x 10 km square, travel time = distance at 10 m/s."""
    rng = np.random.default_rng(seed)
    dem = rng.uniform(0, 10_000, (n_dem, 2))
    cand = rng.uniform(0, 10_000, (n_cand, 2))
    cost = np.linalg.norm(dem[:, None] - cand[None], axis=2) / 10.0
    if sparse_share:
        cost[rng.random(cost.shape) < sparse_share] = np.inf
    weight = rng.integers(1, 100, n_dem).astype(float)
    return cost, weight


def brute_mclp(cost, weight, p, t, already=None):
    cov = cost <= t
    already = np.zeros(len(weight), bool) if already is None else already
    best = -1.0
    for s in itertools.combinations(range(cost.shape[1]), p):
        val = weight[cov[:, list(s)].any(axis=1) & ~already].sum()
        best = max(best, val)
    return best


def brute_pmedian(cost, weight, p):
    return min(
        (weight * cost[:, list(s)].min(axis=1)).sum()
        for s in itertools.combinations(range(cost.shape[1]), p)
    )


def brute_lscp(cost, t):
    cov = cost <= t
    for k in range(1, cost.shape[1] + 1):
        for s in itertools.combinations(range(cost.shape[1]), k):
            if cov[:, list(s)].any(axis=1).all():
                return k
    return None


# --------------------------------------------------------------------------- known answers


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("p", [1, 3])
def test_mclp_matches_brute_force(seed, p):
    cost, w = random_instance(seed)
    t = 2_500 / 10.0
    res = solve_siting(from_cost_matrix(cost, weight=w), model="mclp", p=p, max_time_s=t)
    assert res.status == "optimal"
    assert res.gap <= 1e-6
    assert res.objective == pytest.approx(brute_mclp(cost, w, p, t))
    assert len(res.stops) == p


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pmedian_matches_brute_force(seed):
    cost, w = random_instance(seed, n_dem=25, n_cand=7)
    res = solve_siting(from_cost_matrix(cost, weight=w), model="pmedian", p=3)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(brute_pmedian(cost, w, 3), rel=1e-9)


@pytest.mark.parametrize("seed", [5, 6])
def test_pmedian_with_existing_sites_and_missing_pairs_matches_brute_force(seed):
    cost, w = random_instance(seed, n_dem=25, n_cand=7, sparse_share=0.3)
    cost[:, 0] = np.where(np.isfinite(cost[:, 0]), cost[:, 0], 5_000.0)  # everyone reaches c0
    rng = np.random.default_rng(seed)
    ex = rng.uniform(50, 900, (25, 2))
    ex[rng.random((25, 2)) < 0.5] = np.inf  # existing sites reach only some demand
    prob = from_cost_matrix(cost, weight=w, existing_cost_s=ex, existing_site_ids=["e1", "e2"])
    res = solve_siting(prob, model="pmedian", p=2)
    ex_min = ex.min(axis=1)
    best = min(
        (w * np.minimum(cost[:, list(s)].min(axis=1), ex_min)).sum()
        for s in itertools.combinations(range(7), 2)
    )
    assert res.status == "optimal"
    assert res.objective == pytest.approx(best, rel=1e-9)
    # every demand point is served by an open stop or an existing site
    assert res.units["travel_time_s_after"].notna().all()


@pytest.mark.parametrize("seed", [0, 4])
def test_lscp_matches_brute_force(seed):
    cost, w = random_instance(seed, n_dem=25, n_cand=8)
    t = float(cost.min(axis=1).max()) + 50.0  # feasible
    res = solve_siting(from_cost_matrix(cost, weight=w), model="lscp", max_time_s=t)
    assert res.status == "optimal"
    assert res.objective == brute_lscp(cost, t)
    # every required demand point is covered
    assert res.coverage_after["share"] == pytest.approx(1.0)


def test_tiny_hand_instance():
    # 3 demand points, 3 candidates, T = 10: A covers d0,d1; B covers d1,d2; C covers d2.
    inf = np.inf
    cost = np.array([[5, inf, inf], [5, 5, inf], [inf, 5, 5]], dtype=float)
    w = np.array([10.0, 1.0, 20.0])
    prob = from_cost_matrix(cost, weight=w, candidate_ids=["A", "B", "C"])
    r1 = solve_siting(prob, model="mclp", p=1, max_time_s=10)
    assert r1.site_ids == ["B"]  # B covers 21, A covers 11, C covers 20
    assert r1.objective == 21
    r2 = solve_siting(prob, model="mclp", p=2, max_time_s=10)
    assert r2.objective == 31
    # greedy order among the chosen: the stop covering most first, then the one adding most
    expected = {("A", "B"): [21.0, 10.0], ("A", "C"): [20.0, 11.0]}[tuple(sorted(r2.site_ids))]
    assert r2.stops["gain"].tolist() == pytest.approx(expected)
    assert r2.stops["gain"].iloc[0] == r2.stops["covered_weight"].max()
    lscp = solve_siting(prob, model="lscp", max_time_s=10)
    assert lscp.objective == 2


# --------------------------------------------------------------------------- spopt reference


@pytest.fixture(scope="module")
def ref():
    """spopt (the reference implementation) and pulp, with CBC."""
    locate = pytest.importorskip("spopt.locate")
    pulp = pytest.importorskip("pulp")
    return locate, pulp, pulp.PULP_CBC_CMD(msg=False)


@pytest.mark.parametrize("seed", [10, 11, 12])
def test_mclp_equals_spopt(seed, ref):
    spopt_locate, pulp, cbc = ref
    cost, w = random_instance(seed, n_dem=120, n_cand=40)
    t, p = 200.0, 5
    ours = solve_siting(from_cost_matrix(cost, weight=w), model="mclp", p=p, max_time_s=t)
    ref = spopt_locate.MCLP.from_cost_matrix(cost, w, service_radius=t, p_facilities=p)
    ref = ref.solve(cbc, results=False)
    assert ours.objective == pytest.approx(pulp.value(ref.problem.objective), rel=1e-9)


@pytest.mark.parametrize("seed", [20, 21])
def test_lscp_equals_spopt(seed, ref):
    spopt_locate, pulp, cbc = ref
    cost, w = random_instance(seed, n_dem=120, n_cand=40)
    t = float(cost.min(axis=1).max()) + 30.0
    ours = solve_siting(from_cost_matrix(cost, weight=w), model="lscp", max_time_s=t)
    ref = spopt_locate.LSCP.from_cost_matrix(cost, service_radius=t)
    ref = ref.solve(cbc, results=False)
    assert ours.objective == pytest.approx(pulp.value(ref.problem.objective))


@pytest.mark.parametrize("seed", [30, 31])
def test_pmedian_equals_spopt(seed, ref):
    spopt_locate, pulp, cbc = ref
    cost, w = random_instance(seed, n_dem=60, n_cand=20)
    ours = solve_siting(from_cost_matrix(cost, weight=w), model="pmedian", p=4)
    ref = spopt_locate.PMedian.from_cost_matrix(cost, w, p_facilities=4)
    ref = ref.solve(cbc, results=False)
    assert ours.objective == pytest.approx(pulp.value(ref.problem.objective), rel=1e-7)


def test_mclp_with_existing_equals_spopt_with_covered_weight_zeroed(ref):
    spopt_locate, pulp, cbc = ref
    cost, w = random_instance(40, n_dem=100, n_cand=30)
    rng = np.random.default_rng(40)
    ex = np.linalg.norm(
        rng.uniform(0, 10_000, (100, 2))[:, None] - rng.uniform(0, 10_000, (3, 2))[None], axis=2
    )
    ex_cost = ex / 10.0  # 3 existing sites (fake geometry, fine for the property)
    t, p = 200.0, 4
    prob = from_cost_matrix(cost, weight=w, existing_cost_s=ex_cost, existing_site_ids=list("XYZ"))
    ours = solve_siting(prob, model="mclp", p=p, max_time_s=t)
    already = (ex_cost <= t).any(axis=1)
    assert already.any()
    ref = spopt_locate.MCLP.from_cost_matrix(
        cost, np.where(already, 0.0, w), service_radius=t, p_facilities=p
    )
    ref = ref.solve(cbc, results=False)
    assert ours.objective == pytest.approx(pulp.value(ref.problem.objective), rel=1e-9)
    assert ours.coverage_before["weighted"] == pytest.approx(w[already].sum())


# --------------------------------------------------------------------------- properties


@pytest.mark.parametrize("seed", [50, 51])
def test_coverage_never_falls_as_p_grows(seed):
    cost, w = random_instance(seed, n_dem=80, n_cand=25)
    prob = from_cost_matrix(cost, weight=w)
    objs = [solve_siting(prob, model="mclp", p=p, max_time_s=180).objective for p in range(1, 7)]
    assert all(b >= a - 1e-9 for a, b in itertools.pairwise(objs))
    small = from_cost_matrix(cost[:40, :12], weight=w[:40])
    pm = [solve_siting(small, model="pmedian", p=p).objective for p in (1, 2, 4)]
    assert pm[0] >= pm[1] >= pm[2]


def test_stop_at_existing_service_adds_no_coverage():
    cost, w = random_instance(60, n_dem=60, n_cand=10)
    # candidate "c0" sits exactly where an existing clinic is: same travel times
    prob = from_cost_matrix(
        cost, weight=w, existing_cost_s=cost[:, [0]].copy(), existing_site_ids=["clinic"]
    )
    t = 250.0
    forced = solve_siting(prob, model="mclp", p=3, max_time_s=t, include_candidate_ids=["c0"])
    row = forced.stops.set_index("site_id").loc["c0"]
    assert row["gain"] == 0.0
    assert row["gain_population"] == 0.0
    free = solve_siting(prob, model="mclp", p=3, max_time_s=t)
    # the free optimum never needs the duplicate of the clinic
    assert free.objective >= forced.objective
    assert free.objective == pytest.approx(brute_mclp(cost, w, 3, t, already=cost[:, 0] <= t))
    # demand the clinic covers is counted as covered before any stop
    assert free.coverage_before["population"] == pytest.approx(w[cost[:, 0] <= t].sum())


def test_greedy_gains_sum_to_objective_and_do_not_increase():
    cost, w = random_instance(70, n_dem=150, n_cand=40)
    res = solve_siting(from_cost_matrix(cost, weight=w), model="mclp", p=6, max_time_s=180)
    gains = res.stops["gain"].to_numpy()
    assert gains.sum() == pytest.approx(res.objective)
    assert np.all(np.diff(gains) <= 1e-9)  # coverage is submodular
    assert res.stops["rank"].tolist() == list(range(1, 7))
    # the first stop is the single stop covering most demand on its own
    assert gains[0] == pytest.approx(res.stops["covered_weight"].max())


def test_equity_floor_holds_and_price_is_reported():
    rng = np.random.default_rng(80)
    n_dem, n_cand = 90, 25
    dem = rng.uniform(0, 10_000, (n_dem, 2))
    cand = rng.uniform(0, 10_000, (n_cand, 2))
    cost = np.linalg.norm(dem[:, None] - cand[None], axis=2) / 10.0
    pop = rng.integers(50, 500, n_dem).astype(float)
    high = dem[:, 0] > 8_000  # high-need area at the east edge
    need = np.where(high, 0.3, 1.0)  # ... but with a low need score, so MCLP alone skips it
    prob = from_cost_matrix(cost, weight=pop * need, population=pop, need=need, high_need=high)
    t, p = 180.0, 3
    base = solve_siting(prob, model="mclp", p=p, max_time_s=t)
    floor = 0.6
    res = solve_siting(prob, model="mclp", p=p, max_time_s=t, equity_floor=floor)
    assert res.status == "optimal"
    assert res.coverage_after["high_need_share"] >= floor - 1e-9
    assert base.coverage_after["high_need_share"] < floor  # the floor binds on this instance
    assert res.objective_without_floor == pytest.approx(base.objective)
    assert res.price_of_floor == pytest.approx(base.objective - res.objective)
    assert res.price_of_floor > 0
    # units table agrees with the summary
    hn_units = res.units[res.units["high_need"]]
    share = hn_units["covered_population_after"].sum() / hn_units["population"].sum()
    assert share == pytest.approx(res.coverage_after["high_need_share"])


def test_equity_floor_infeasible_says_best_reachable():
    cost, w = random_instance(81, n_dem=40, n_cand=10)
    high = np.zeros(40, bool)
    high[:20] = True
    prob = from_cost_matrix(cost, weight=w, high_need=high)
    res = solve_siting(prob, model="mclp", p=1, max_time_s=100.0, equity_floor=1.0)
    assert res.status == "infeasible"
    assert "at most" in res.message and "high-need" in res.message


def test_lscp_infeasible_names_demand_and_smallest_time():
    inf = np.inf
    cost = np.array([[100, 900], [800, 120], [1500, 1300], [50, inf]], dtype=float)
    prob = from_cost_matrix(
        cost,
        weight=[1, 1, 1, 1],
        demand_ids=["north", "south", "far-east", "centre"],
        candidate_ids=["library", "school"],
    )
    res = solve_siting(prob, model="lscp", max_time_s=600)
    assert res.status == "infeasible"
    assert "far-east" in res.message
    assert res.unreachable_demand == ("far-east",)
    assert res.min_feasible_time_s == pytest.approx(1300.0)
    assert "1300 s" in res.message
    ok = solve_siting(prob, model="lscp", max_time_s=res.min_feasible_time_s)
    assert ok.status == "optimal"
    # 'centre' is reached only by the library, 'far-east' only by the school
    assert ok.objective == 2
    assert ok.coverage_after["share"] == pytest.approx(1.0)


def test_lscp_infeasible_when_demand_unreachable_at_any_time():
    cost = np.array([[100.0, np.inf], [np.inf, np.inf]])
    prob = from_cost_matrix(cost, weight=[1, 1], demand_ids=["a", "island"])
    res = solve_siting(prob, model="lscp", max_time_s=600)
    assert res.status == "infeasible"
    assert "island" in res.message and "no candidate at any travel time" in res.message
    assert res.min_feasible_time_s == np.inf


def test_lscp_required_units_restricts_demand():
    cost = np.array([[100, 900], [800, 120], [1500, 1300]], dtype=float)
    prob = from_cost_matrix(cost, weight=[1, 1, 1], unit_ids=["u1", "u2", "u3"])
    res = solve_siting(prob, model="lscp", max_time_s=600, required_unit_ids=["u1", "u2"])
    assert res.status == "optimal" and res.objective == 2
    with pytest.raises(InputError, match="u9"):
        solve_siting(prob, model="lscp", max_time_s=600, required_unit_ids=["u9"])


def test_sparse_and_dense_give_the_same_answer():
    cost, w = random_instance(90, n_dem=50, n_cand=15, sparse_share=0.3)
    dense = from_cost_matrix(cost, weight=w)
    finite = np.isfinite(cost)
    rows, cols = np.nonzero(finite)
    sparse = from_cost_matrix(
        sp.csr_array((cost[finite], (rows, cols)), shape=cost.shape), weight=w
    )
    for kw in ({"model": "mclp", "p": 4, "max_time_s": 300.0}, {"model": "pmedian", "p": 5}):
        a = solve_siting(dense, **kw)
        b = solve_siting(sparse, **kw)
        assert a.objective == pytest.approx(b.objective)


def test_zero_travel_time_pairs_count_in_sparse_input():
    # explicit zero = the demand point is at the stop
    m = sp.coo_array((np.array([0.0, 50.0]), (np.array([0, 1]), np.array([0, 0]))), shape=(2, 1))
    res = solve_siting(from_cost_matrix(m, weight=[5, 7]), model="mclp", p=1, max_time_s=10)
    assert res.objective == 5


def test_what_if_compares_scenarios():
    cost, w = random_instance(100, n_dem=80, n_cand=20)
    prob = from_cost_matrix(
        cost, weight=w, existing_cost_s=cost[:, [3]] + 30.0, existing_site_ids=["clinic-1"]
    )
    res = solve_siting(prob, model="mclp", p=3, max_time_s=200.0)
    table = what_if(
        res, close_site_ids=["clinic-1", res.site_ids[0]], max_time_s_values=[150.0, 300.0]
    )
    assert table["scenario"].tolist() == [
        "base",
        "p=2",
        "p=4",
        "close existing clinic-1",
        f"close stop {res.site_ids[0]}",
        "T=2.5 min",
        "T=5 min",
    ]
    t = table.set_index("scenario")
    assert t.loc["base", "delta_objective"] == 0
    assert t.loc["p=2", "objective"] <= res.objective <= t.loc["p=4", "objective"]
    assert t.loc["T=5 min", "covered_population"] >= t.loc["base", "covered_population"]
    assert res.site_ids[0] not in t.loc[f"close stop {res.site_ids[0]}", "stops"].split(", ")
    # closing the clinic loses its coverage: what was covered before is now up for grabs
    assert t.loc["close existing clinic-1", "objective"] >= res.objective


def test_json_contract():
    cost, w = random_instance(110, n_dem=50, n_cand=12)
    res = solve_siting(from_cost_matrix(cost, weight=w), model="mclp", p=3, max_time_s=200.0)
    d = res.to_json_dict()
    text = json.dumps(d)  # serialisable
    assert json.loads(text)["status"] == "optimal"
    for key in ("status", "objective", "gap", "covered_population", "stops"):
        assert key in d
    assert [s["site_id"] for s in d["stops"]] == res.site_ids
    gains = [s["gain"] for s in d["stops"]]
    assert gains == sorted(gains, reverse=True)
    assert d["covered_population"] == pytest.approx(res.coverage_after["population"])


def test_stop_units_say_which_units_each_stop_covers():
    cost, w = random_instance(120, n_dem=40, n_cand=10)
    units = [f"tract{i // 4}" for i in range(40)]
    res = solve_siting(
        from_cost_matrix(cost, weight=w, unit_ids=units), model="mclp", p=2, max_time_s=250.0
    )
    su = res.stop_units
    for stop in res.stops.itertuples():
        cols = cost[:, int(stop.site_id[1:])] <= 250.0
        expected = sorted({units[i] for i in np.flatnonzero(cols)})
        assert sorted(su.loc[su["site_id"] == stop.site_id, "unit_id"]) == expected
        assert sorted(stop.unit_ids) == expected
    assert (su["covered_share"] <= 1 + 1e-12).all()


# --------------------------------------------------------------------------- OD adapter


def _od_fixture():
    # unit A has two origins (nodes 1, 2), unit B one origin (node 3); candidates at nodes 10, 11
    demand = pd.DataFrame(
        {
            "unit_id": ["A", "A", "B"],
            "node_id": [1, 2, 3],
            "weight": [0.5, 0.5, 1.0],
            "population": [1000.0, 1000.0, 300.0],
            "need": [0.9, 0.9, 0.2],
            "high_need": [True, True, False],
        }
    )
    od = pd.DataFrame(
        {
            "origin_id": ["1", "2", "3", "1", "3"],
            "dest_id": ["10", "10", "11", "11", "12"],
            "travel_time_s": [300.0, 1500.0, 200.0, 900.0, 100.0],
            "dist_m": [0.0] * 5,
        }
    )
    candidates = pd.DataFrame(
        {"candidate_id": ["stop-x", "stop-y"], "node_id": [10, 11], "reason": ["lib", "park"]}
    )
    existing = pd.DataFrame({"site_id": ["clinic"], "node_id": [12]})
    return od, demand, candidates, existing


def test_from_od_table_counts_partly_covered_units_partly():
    od, demand, candidates, existing = _od_fixture()
    prob = from_od_table(od, demand, candidates, existing=existing)
    assert prob.n_demand == 3 and prob.n_candidates == 2
    res = solve_siting(prob, model="mclp", p=1, max_time_s=600)
    assert res.site_ids == ["stop-x"]
    # stop-x reaches only node 1: half of unit A
    assert res.objective == pytest.approx(0.5 * 1000 * 0.9)
    units = res.units.set_index("unit_id")
    assert units.loc["A", "covered_share_after"] == pytest.approx(0.5)
    # B is covered by the existing clinic (100 s) before any stop
    assert units.loc["B", "covered_share_before"] == pytest.approx(1.0)
    assert res.stops.loc[0, "reason"] == "lib"
    # p-median: B goes to the clinic (100 s), A's origins to their best stop
    pm = solve_siting(prob, model="pmedian", p=1)
    assert pm.objective == pytest.approx(450 * 300 + 450 * 1500 + 60 * 100)


def test_from_od_table_reports_missing_columns():
    od, demand, candidates, _ = _od_fixture()
    with pytest.raises(InputError, match="travel_time_s"):
        from_od_table(od.drop(columns="travel_time_s"), demand, candidates)
    with pytest.raises(InputError, match="candidate_id"):
        from_od_table(od, demand, candidates.drop(columns="candidate_id"))


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"model": "mclp", "max_time_s": 100}, "needs p"),
        ({"model": "mclp", "p": 2}, "max_time_s"),
        ({"model": "mclp", "p": 99, "max_time_s": 100}, "exceeds"),
        ({"model": "lscp", "p": 2, "max_time_s": 100}, "not used"),
        ({"model": "mclp", "p": 2, "max_time_s": 100, "equity_floor": 80}, "0.8 for 80"),
        ({"model": "knapsack", "p": 2}, "model must be"),
        ({"model": "mclp", "p": 2, "max_time_s": 100, "exclude_candidate_ids": ["zz"]}, "zz"),
    ],
)
def test_invalid_parameters_raise_input_error(kwargs, match):
    cost, w = random_instance(130, n_dem=10, n_cand=5)
    with pytest.raises(InputError, match=match):
        solve_siting(from_cost_matrix(cost, weight=w), **kwargs)


def test_invalid_matrix_inputs():
    with pytest.raises(InputError, match="weight"):
        from_cost_matrix(np.ones((3, 2)), weight=[1, 2])
    with pytest.raises(InputError, match="negative"):
        from_cost_matrix(-np.ones((3, 2)), weight=[1, 2, 3])
    with pytest.raises(InputError, match="unique"):
        from_cost_matrix(np.ones((2, 2)), weight=[1, 2], candidate_ids=["a", "a"])


def test_time_limited_run_still_returns_stops_and_a_gap():
    cost, w = random_instance(140, n_dem=600, n_cand=200)
    res = solve_siting(
        from_cost_matrix(cost, weight=w), model="mclp", p=8, max_time_s=120.0, time_limit_s=0.01
    )
    assert res.status in ("time_limit", "optimal")
    assert len(res.stops) == 8
    assert res.objective > 0
    assert np.isfinite(res.gap) and res.gap >= 0
    assert res.to_json_dict()["gap"] is not None
