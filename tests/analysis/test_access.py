"""Tests of geo_outreach.analysis.access: known answers, PySAL access equality, monotonicity."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo_outreach.analysis.access import (
    FCAParams,
    access_wide,
    aggregate_od_to_units,
    fca,
    fca_by_category,
    fca_weights,
    format_threshold,
    nearest_and_counts,
    need_weighted_demand,
)
from geo_outreach.errors import (
    EmptyCatchmentWarning,
    InputError,
    RenormalisedWeightsWarning,
)

# --------------------------------------------------------------------------------------------
# tiny hand-computed network
#   u1: origins n1 (0.5), n2 (0.5); u2: origin n3; u3: no origin (off-network)
#   s1, s2 clinics, s3 library
# --------------------------------------------------------------------------------------------


@pytest.fixture
def origins() -> pd.DataFrame:
    return pd.DataFrame(
        {"unit_id": ["u1", "u1", "u2"], "node_id": [1, 2, 3], "weight": [0.5, 0.5, 1.0]}
    )


@pytest.fixture
def units() -> pd.DataFrame:
    return pd.DataFrame({"unit_id": ["u1", "u2", "u3"], "population": [1000.0, 2000.0, 500.0]})


@pytest.fixture
def sites() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "site_id": ["s1", "s2", "s3"],
            "category": ["clinic_fqhc", "clinic_fqhc", "library"],
            "name": ["A", "B", "C"],
            "capacity": [1.0, 2.0, 1.0],
        }
    )


@pytest.fixture
def od_nodes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "origin_id": [1, 1, 2, 3, 3],
            "dest_id": ["s1", "s2", "s1", "s2", "s3"],
            "travel_time_s": [600.0, 1200.0, 1800.0, 300.0, 2400.0],
            "dist_m": [800.0, 1500.0, 2000.0, 400.0, 3000.0],
        }
    )


def _row(df: pd.DataFrame, unit: str, cat: str) -> pd.Series:
    r = df[(df["unit_id"] == unit) & (df["category"] == cat)]
    assert len(r) == 1
    return r.iloc[0]


def test_nearest_known_answers(od_nodes, origins, sites, units):
    nc = nearest_and_counts(od_nodes, origins, sites, units=units, within_min=20, beyond_min=20)
    assert len(nc) == 6  # 3 units x 2 categories, off-network unit included
    r = _row(nc, "u1", "clinic_fqhc")
    # n1 nearest s1 at 10 min, n2 nearest s1 at 30 min -> mean 20
    assert r["tt_nearest_min"] == pytest.approx(20.0)
    assert r["dist_nearest_m"] == pytest.approx((800 + 2000) / 2)
    assert r["share_beyond"] == pytest.approx(0.5)  # n2 at 30 > 20
    # n1 has s1 (10) and s2 (exactly 20: inclusive) within 20 min, n2 none
    assert r["n_within"] == pytest.approx(1.0)
    assert r["share_unreachable"] == 0.0
    r = _row(nc, "u2", "clinic_fqhc")
    assert (r["tt_nearest_min"], r["share_beyond"], r["n_within"]) == (5.0, 0.0, 1.0)
    r = _row(nc, "u2", "library")
    assert (r["tt_nearest_min"], r["share_beyond"], r["n_within"]) == (40.0, 1.0, 0.0)


def test_unreachable_is_beyond_cutoff_never_zero(od_nodes, origins, sites, units):
    nc = nearest_and_counts(od_nodes, origins, sites, units=units, within_min=20, beyond_min=20)
    r = _row(nc, "u1", "library")  # no origin of u1 reaches the library
    assert math.isinf(r["tt_nearest_min"]) and r["tt_nearest_min"] > 0
    assert r["share_beyond"] == 1.0
    assert r["share_unreachable"] == 1.0
    assert r["n_within"] == 0.0


def test_partially_unreachable_unit(od_nodes, origins, sites, units):
    od = pd.concat(
        [
            od_nodes,
            pd.DataFrame(
                {"origin_id": [1], "dest_id": ["s3"], "travel_time_s": [600.0], "dist_m": [700.0]}
            ),
        ]
    )
    nc = nearest_and_counts(od, origins, sites, units=units, within_min=20, beyond_min=20)
    r = _row(nc, "u1", "library")
    assert math.isinf(r["tt_nearest_min"])  # half the unit is beyond the cutoff
    assert r["share_unreachable"] == pytest.approx(0.5)
    assert r["share_beyond"] == pytest.approx(0.5)
    assert r["n_within"] == pytest.approx(0.5)
    # finite lower bound: the unreachable half counts at the largest time in the table (40 min)
    assert r["tt_nearest_capped_min"] == pytest.approx((10 + 40) / 2)
    capped = nearest_and_counts(
        od, origins, sites, units=units, within_min=20, beyond_min=20, cutoff_min=60
    )
    assert _row(capped, "u1", "library")["tt_nearest_capped_min"] == pytest.approx((10 + 60) / 2)
    assert _row(capped, "u1", "clinic_fqhc")["tt_nearest_capped_min"] == pytest.approx(20.0)


def test_off_network_units_are_flagged_with_nan(od_nodes, origins, sites, units):
    nc = nearest_and_counts(od_nodes, origins, sites, units=units)
    off = nc[nc["unit_id"] == "u3"]
    assert off["off_network"].all()
    assert off[["tt_nearest_min", "share_beyond", "n_within"]].isna().all().all()
    assert not nc.loc[nc["unit_id"] != "u3", "off_network"].any()


def test_node_id_types_may_differ(od_nodes, origins, sites, units):
    o = origins.assign(node_id=origins["node_id"].astype(str))
    a = nearest_and_counts(od_nodes, o, sites, units=units)
    b = nearest_and_counts(od_nodes, origins, sites, units=units)
    pd.testing.assert_frame_equal(a, b)


def test_thresholds_above_cutoff_rejected(od_nodes, origins, sites):
    with pytest.raises(InputError, match="beyond_min"):
        nearest_and_counts(od_nodes, origins, sites, beyond_min=45, within_min=10, cutoff_min=30)


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda od, o: (od.drop(columns="dist_m"), o), "dist_m"),
        (lambda od, o: (od.assign(travel_time_s=np.inf), o), "infinite"),
        (lambda od, o: (od, o.assign(weight=-1.0)), "weight"),
        (lambda od, o: (od, o.drop(columns="weight")), "weight"),
    ],
)
def test_bad_inputs_raise_input_error(od_nodes, origins, sites, mutate, match):
    od, o = mutate(od_nodes, origins)
    with pytest.raises(InputError, match=match):
        nearest_and_counts(od, o, sites)


def test_weights_renormalised(od_nodes, origins, sites, units):
    doubled = origins.assign(weight=origins["weight"] * 2)
    with pytest.warns(RenormalisedWeightsWarning, match="renormalising"):
        a = nearest_and_counts(od_nodes, doubled, sites, units=units)
    b = nearest_and_counts(od_nodes, origins, sites, units=units)
    pd.testing.assert_frame_equal(a, b)


def test_site_with_nobody_in_its_catchment_is_a_warning_not_a_silent_zero():
    od = pd.DataFrame(
        {"origin_id": ["u1", "u2"], "dest_id": ["s1", "s2"], "travel_time_min": [5.0, 5.0]}
    )
    dem = pd.DataFrame({"unit_id": ["u1", "u2"], "population": [100.0, 0.0]})
    sup = pd.DataFrame({"site_id": ["s1", "s2"], "capacity": [1.0, 1.0]})
    with pytest.warns(EmptyCatchmentWarning, match="1 site"):
        out = fca(od, dem, sup, params=FCAParams(method="2sfca")).set_index("unit_id")
    assert out.at["u2", "fca_score"] == 0.0


def test_aggregate_od_mean_min_and_share(od_nodes, origins):
    strict = aggregate_od_to_units(od_nodes, origins)
    pairs = set(
        zip(
            strict["origin_id"],
            strict["dest_id"],
            strict["travel_time_s"],
            strict["dist_m"],
            strict=True,
        )
    )
    # u1-s2 is reached by half of u1 only: absent under the strict default
    assert pairs == {
        ("u1", "s1", 1200.0, 1400.0),
        ("u2", "s2", 300.0, 400.0),
        ("u2", "s3", 2400.0, 3000.0),
    }
    half = aggregate_od_to_units(od_nodes, origins, min_share=0.5).set_index(
        ["origin_id", "dest_id"]
    )
    assert half.loc[("u1", "s2"), "travel_time_s"] == 1200.0
    assert half.loc[("u1", "s2"), "share_reaching"] == 0.5
    mn = aggregate_od_to_units(od_nodes, origins, how="min").set_index(["origin_id", "dest_id"])
    assert mn.loc[("u1", "s1"), "travel_time_s"] == 600.0
    assert mn.loc[("u1", "s1"), "travel_time_min"] == 10.0


# --------------------------------------------------------------------------------------------
# FCA known answers: A (pop 100), B (pop 300); X (cap 2), Y (cap 1)
# costs A-X 5, B-X 15, B-Y 25, A-Y 40 min
# --------------------------------------------------------------------------------------------


@pytest.fixture
def fca_tables():
    od = pd.DataFrame(
        {
            "origin_id": ["A", "B", "B", "A"],
            "dest_id": ["X", "X", "Y", "Y"],
            "travel_time_min": [5.0, 15.0, 25.0, 40.0],
        }
    )
    demand = pd.DataFrame({"unit_id": ["A", "B"], "population": [100.0, 300.0]})
    supply = pd.DataFrame({"site_id": ["X", "Y"], "capacity": [2.0, 1.0]})
    return od, demand, supply


def test_2sfca_known_answer_and_conservation(fca_tables):
    od, dem, sup = fca_tables
    r = fca(od, dem, sup, method="2sfca", max_cost_min=30).set_index("unit_id")["fca_score"]
    assert r["A"] == pytest.approx(2 / 400)
    assert r["B"] == pytest.approx(2 / 400 + 1 / 300)
    # 2SFCA distributes all reachable supply: sum_i P_i A_i == sum_j S_j
    assert (r * dem.set_index("unit_id")["population"]).sum() == pytest.approx(3.0)


def test_e2sfca_known_answer(fca_tables):
    od, dem, sup = fca_tables
    r = fca(od, dem, sup, params=FCAParams(method="e2sfca", max_cost_min=None)).set_index("unit_id")
    rx, ry = 2 / (100 * 1 + 300 * 0.68), 1 / (300 * 0.22)
    assert r.at["A", "fca_score"] == pytest.approx(rx)
    assert r.at["B", "fca_score"] == pytest.approx(rx * 0.68 + ry * 0.22)
    assert r.at["A", "n_sites_in_catchment"] == 1  # Y at 40 min gets weight 0


def test_gravity_known_answer(fca_tables):
    od, dem, sup = fca_tables
    p = FCAParams(method="gravity", max_cost_min=None, gravity_beta=1.0)
    r = fca(od, dem, sup, params=p).set_index("unit_id")["fca_score"]
    rx, ry = 2 / (100 / 5 + 300 / 15), 1 / (300 / 25 + 100 / 40)
    assert r["A"] == pytest.approx(rx / 5 + ry / 40)
    assert r["B"] == pytest.approx(rx / 15 + ry / 25)


def test_catchment_boundary_is_inclusive(fca_tables):
    od, dem, sup = fca_tables
    r = fca(od, dem, sup, method="2sfca", max_cost_min=25).set_index("unit_id")["fca_score"]
    assert r["B"] == pytest.approx(2 / 400 + 1 / 300)  # B-Y at exactly 25 is in


def test_step_weights_match_access_step_fn():
    from access.weights import step_fn

    steps = {10: 1, 20: 0.68, 30: 0.22}
    fn = step_fn(steps)
    costs = np.array([0, 5, 10, 10.0001, 20, 25, 30, 30.5, 99])
    mine = fca_weights(costs, FCAParams(method="e2sfca", steps=steps))
    assert mine.tolist() == [fn(c) for c in costs]


def test_no_site_in_reach_is_zero_off_network_is_nan(fca_tables):
    od, dem, sup = fca_tables
    dem = pd.concat([dem, pd.DataFrame({"unit_id": ["C", "D"], "population": [50.0, 60.0]})])
    r = fca(od, dem, sup, method="2sfca", max_cost_min=30, off_network_units=["D"]).set_index(
        "unit_id"
    )
    assert r.at["C", "fca_score"] == 0.0 and not r.at["C", "off_network"]
    assert math.isnan(r.at["D", "fca_score"]) and r.at["D", "off_network"]


def test_supply_defaults_to_one_per_site(fca_tables):
    od, dem, sup = fca_tables
    a = fca(od, dem, sup.assign(capacity=1.0), method="2sfca")
    b = fca(od, dem, sup.drop(columns="capacity"), method="2sfca", supply_col=None)
    pd.testing.assert_frame_equal(a, b)


def test_fca_params_validation():
    with pytest.raises(InputError, match="method"):
        FCAParams(method="3sfca")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="max_cost_min"):
        FCAParams(method="2sfca", max_cost_min=None)
    with pytest.raises(InputError, match="steps"):
        FCAParams(method="e2sfca", steps={10: -1})
    with pytest.raises(InputError, match="gravity_beta"):
        FCAParams(method="gravity", gravity_beta=0)


def test_need_weighted_demand_raises_demand_of_needy_units(fca_tables):
    od, dem, sup = fca_tables
    need = pd.DataFrame({"unit_id": ["A", "B"], "need_score": [0.0, 1.0]})
    nd = need_weighted_demand(dem, need)
    assert nd.set_index("unit_id")["demand"].to_dict() == {"A": 100.0, "B": 600.0}
    r = fca(od, nd, sup, method="2sfca", demand_col="demand").set_index("unit_id")["fca_score"]
    assert r["A"] == pytest.approx(2 / 700)


# --------------------------------------------------------------------------------------------
# equality with PySAL access
# --------------------------------------------------------------------------------------------


def _random_tables(seed: int, n_units: int = 15, n_sites: int = 6):
    rng = np.random.default_rng(seed)
    units = [f"u{i:02d}" for i in range(n_units)]
    sites = [f"s{j}" for j in range(n_sites)]
    rows = [
        (u, s, float(rng.integers(0, 45)) if rng.random() < 0.5 else float(rng.uniform(0, 45)))
        for u in units
        for s in sites
        if rng.random() < 0.6
    ]
    od = pd.DataFrame(rows, columns=["origin_id", "dest_id", "travel_time_min"])
    dem = pd.DataFrame(
        {"unit_id": units, "population": rng.integers(1, 5000, n_units).astype(float)}
    )
    sup = pd.DataFrame({"site_id": sites, "capacity": rng.integers(1, 6, n_sites).astype(float)})
    return od, dem, sup


def _reference(od, dem, sup):
    from access import Access

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Access(
            demand_df=dem,
            demand_index="unit_id",
            demand_value="population",
            supply_df=sup,
            supply_index="site_id",
            supply_value="capacity",
            cost_df=od,
            cost_origin="origin_id",
            cost_dest="dest_id",
            cost_name="travel_time_min",
        )


def _assert_equal_to_reference(mine: pd.DataFrame, ref: pd.Series) -> None:
    m = mine.set_index("unit_id")["fca_score"]
    # access leaves units with no site in the catchment out (NaN after its join); we say 0
    ref = ref.reindex(m.index)
    assert (m[ref.isna()] == 0).all()
    both = ref.notna()
    assert both.sum() > 0
    np.testing.assert_allclose(m[both].to_numpy(), ref[both].to_numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("max_cost", [10.0, 30.0])
def test_2sfca_equals_pysal_access(seed, max_cost):
    od, dem, sup = _random_tables(seed)
    ref = _reference(od, dem, sup).two_stage_fca(name="r", max_cost=max_cost)["r_capacity"]
    mine = fca(od, dem, sup, method="2sfca", max_cost_min=max_cost)
    _assert_equal_to_reference(mine, ref)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(
    ("steps", "max_cost"),
    [(None, None), ({10: 1, 20: 0.68, 30: 0.22}, 25.0), ({5: 1.0, 15: 0.5, 40: 0.1}, None)],
)
def test_e2sfca_equals_pysal_access(seed, steps, max_cost):
    from access.weights import step_fn

    od, dem, sup = _random_tables(seed)
    acc = _reference(od, dem, sup)
    if steps is None:
        ref = acc.enhanced_two_stage_fca(name="r", max_cost=max_cost)["r_capacity"]
        p = FCAParams(method="e2sfca", max_cost_min=max_cost)
    else:
        ref = acc.enhanced_two_stage_fca(name="r", max_cost=max_cost, weight_fn=step_fn(steps))[
            "r_capacity"
        ]
        p = FCAParams(method="e2sfca", max_cost_min=max_cost, steps=steps)
    _assert_equal_to_reference(fca(od, dem, sup, params=p), ref)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(
    ("beta", "scale", "min_cost", "max_cost"), [(1.0, 1.0, 1.0, None), (2.0, 10.0, 3.0, 30.0)]
)
def test_gravity_equals_pysal_access(seed, beta, scale, min_cost, max_cost):
    from access.weights import gravity

    od, dem, sup = _random_tables(seed)
    ref = _reference(od, dem, sup).two_stage_fca(
        name="r", max_cost=max_cost, weight_fn=gravity(scale, -beta, min_cost)
    )["r_capacity"]
    p = FCAParams(
        method="gravity",
        max_cost_min=max_cost,
        gravity_beta=beta,
        gravity_scale_min=scale,
        gravity_min_cost_min=min_cost,
    )
    _assert_equal_to_reference(fca(od, dem, sup, params=p), ref)


def test_node_level_pipeline_equals_pysal_access(od_nodes, origins, sites, units):
    """aggregate_od_to_units output feeds fca and access alike."""
    od_u = aggregate_od_to_units(od_nodes, origins, min_share=0.5)
    dem = units[units["unit_id"] != "u3"]
    sup = sites[["site_id", "capacity"]]
    ref = _reference(od_u, dem, sup).two_stage_fca(name="r", max_cost=30)["r_capacity"]
    _assert_equal_to_reference(fca(od_u, dem, sup, method="2sfca", max_cost_min=30), ref)


# --------------------------------------------------------------------------------------------
# monotonicity properties
# --------------------------------------------------------------------------------------------

_cost = st.floats(min_value=0.0, max_value=50.0, allow_nan=False)


@st.composite
def _od_case(draw):
    n_u = draw(st.integers(1, 5))
    n_s = draw(st.integers(1, 4))
    units = [f"u{i}" for i in range(n_u)]
    sites = [f"s{j}" for j in range(n_s)]
    rows = [(u, s, draw(_cost)) for u in units for s in sites if draw(st.booleans())]
    pops = [draw(st.floats(1.0, 1000.0)) for _ in units]
    caps = [draw(st.floats(0.5, 5.0)) for _ in sites]
    new_rows = [(u, "s_new", draw(_cost)) for u in units if draw(st.booleans())]
    od = pd.DataFrame(rows, columns=["origin_id", "dest_id", "travel_time_min"], dtype=object)
    od["travel_time_min"] = od["travel_time_min"].astype(float)
    new = pd.DataFrame(new_rows, columns=["origin_id", "dest_id", "travel_time_min"], dtype=object)
    new["travel_time_min"] = new["travel_time_min"].astype(float)
    dem = pd.DataFrame({"unit_id": units, "population": pops})
    sup = pd.DataFrame({"site_id": sites, "capacity": caps})
    new_cap = draw(st.floats(0.5, 5.0))
    return od, new, dem, sup, new_cap


_methods = st.sampled_from(
    [
        FCAParams(method="2sfca"),
        FCAParams(method="e2sfca", max_cost_min=None),
        FCAParams(method="gravity", max_cost_min=None),
    ]
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_od_case(), params=_methods)
def test_adding_a_site_never_lowers_fca(case, params):
    od, new, dem, sup, new_cap = case
    before = fca(od, dem, sup, params=params).set_index("unit_id")["fca_score"]
    od2 = pd.concat([od, new], ignore_index=True)
    sup2 = pd.concat([sup, pd.DataFrame({"site_id": ["s_new"], "capacity": [new_cap]})])
    after = fca(od2, dem, sup2, params=params).set_index("unit_id")["fca_score"]
    assert (after >= before - 1e-12).all()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_od_case(), params=_methods, extra=st.floats(1.0, 1000.0), who=st.integers(0, 4))
def test_adding_population_never_raises_fca(case, params, extra, who):
    od, _, dem, sup, _ = case
    before = fca(od, dem, sup, params=params).set_index("unit_id")["fca_score"]
    dem2 = dem.copy()
    dem2.loc[who % len(dem2), "population"] += extra
    after = fca(od, dem2, sup, params=params).set_index("unit_id")["fca_score"]
    assert (after <= before + 1e-12).all()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_od_case(), within=st.floats(1.0, 40.0), beyond=st.floats(1.0, 40.0))
def test_adding_a_site_never_worsens_nearest_or_counts(case, within, beyond):
    od_u, new, dem, sup, _ = case
    # reuse the unit-level tables as a node-level network: one node per unit, weight 1
    origins = pd.DataFrame({"unit_id": dem["unit_id"], "node_id": dem["unit_id"], "weight": 1.0})

    def as_nodes(od):
        return pd.DataFrame(
            {
                "origin_id": od["origin_id"],
                "dest_id": od["dest_id"],
                "travel_time_s": od["travel_time_min"] * 60.0,
                "dist_m": od["travel_time_min"] * 1000.0,
            }
        )

    sites = sup.assign(category="c")
    sites2 = pd.concat(
        [sites, pd.DataFrame({"site_id": ["s_new"], "category": ["c"], "capacity": [1.0]})]
    )
    kw = {"units": dem, "within_min": within, "beyond_min": beyond}
    b = nearest_and_counts(as_nodes(od_u), origins, sites, **kw).set_index("unit_id")
    a = nearest_and_counts(as_nodes(pd.concat([od_u, new])), origins, sites2, **kw).set_index(
        "unit_id"
    )
    assert (a["tt_nearest_min"] <= b["tt_nearest_min"]).all()
    assert (a["n_within"] >= b["n_within"]).all()
    assert (a["share_beyond"] <= b["share_beyond"]).all()
    assert (a["share_unreachable"] <= b["share_unreachable"]).all()


# --------------------------------------------------------------------------------------------
# wide table
# --------------------------------------------------------------------------------------------


def test_access_wide_names_and_join(od_nodes, origins, sites, units):
    drive = nearest_and_counts(
        od_nodes, origins, sites, units=units, mode="drive", within_min=15, beyond_min=30
    )
    walk_origins = origins[origins["unit_id"] != "u2"]  # u2 off the walk network
    walk = nearest_and_counts(
        od_nodes, walk_origins, sites, units=units, mode="walk", within_min=7.5, beyond_min=30
    )
    od_u = aggregate_od_to_units(od_nodes, origins)
    f = fca_by_category(od_u, units, sites, off_network_units=["u3"])
    w = access_wide(drive, walk, f)
    for col in [
        "tt_nearest_clinic_fqhc_drive_min",
        "tt_nearest_library_walk_min",
        "tt_capped_library_walk_min",
        "dist_nearest_clinic_fqhc_walk_m",
        "share_beyond_30min_library_drive",
        "n_within_15min_clinic_fqhc_drive",
        "n_within_7p5min_clinic_fqhc_walk",
        "share_unreachable_library_walk",
        "fca_2sfca_clinic_fqhc_drive",
        "off_network_drive",
        "off_network_walk",
        "off_network",
    ]:
        assert col in w.columns, col
    assert w.at["u1", "tt_nearest_clinic_fqhc_drive_min"] == pytest.approx(20.0)
    assert w["off_network"].to_dict() == {"u1": False, "u2": True, "u3": True}
    assert not w.at["u2", "off_network_drive"]
    joined = units.join(w, on="unit_id")
    assert len(joined) == len(units)
    assert joined["tt_nearest_clinic_fqhc_drive_min"].notna().sum() == 2


def test_format_threshold():
    assert format_threshold(30) == "30"
    assert format_threshold(30.0) == "30"
    assert format_threshold(7.5) == "7p5"
