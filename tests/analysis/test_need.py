"""Custom need index: spec validation, normalisation, weights, directions, presets."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from geo_outreach.analysis.need import (
    PRESETS,
    NeedIndexSpec,
    NeedVariable,
    compute_need,
    parse_variables,
)
from geo_outreach.analysis.svi import SVI_VARIABLES, compute_svi
from geo_outreach.errors import InputError
from tests.conftest import REAL_SVI_CSV

#: Every EP_ column of a CDC SVI 2020 tract file (16 ranked variables + adjunct ones).
CDC_2020_EP_COLUMNS = {f"EP_{v}" for v in SVI_VARIABLES} | {
    "EP_NOINT",
    "EP_AFAM",
    "EP_HISP",
    "EP_ASIAN",
    "EP_AIAN",
    "EP_NHPI",
    "EP_TWOMORE",
    "EP_OTHERRACE",
}


def units(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    return pd.DataFrame({"unit_id": [f"u{i}" for i in range(n)], **cols})


# --------------------------------------------------------------------------- spec


@pytest.mark.parametrize(
    "kwargs",
    [
        {"column": "a", "weight": 0},
        {"column": "a", "weight": -1},
        {"column": "a", "weight": float("nan")},
        {"column": "a", "direction": 0},
        {"column": "", "weight": 1},
        {"column": "a", "weight": "1"},
    ],
)
def test_need_variable_validation(kwargs):
    with pytest.raises(InputError):
        NeedVariable(**kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"variables": ()},
        {"variables": (NeedVariable("a"), NeedVariable("a"))},
        {"variables": (NeedVariable("a"),), "normalization": "rank"},
        {"variables": (NeedVariable("a"),), "rescale": "log"},
        {"variables": (NeedVariable("a"),), "missing": "zero"},
        {"variables": (NeedVariable("a"), NeedVariable("b")), "normalization": "none"},
        {"variables": (NeedVariable("a"),), "normalization": "zscore", "rescale": "none"},
        {"variables": ("a", "b")},
    ],
)
def test_spec_validation(kwargs):
    with pytest.raises(InputError):
        NeedIndexSpec(**kwargs)


def test_spec_accepts_mapping_and_negative_weight_means_lower_is_worse():
    spec = NeedIndexSpec({"a": 2, "b": 1})
    assert spec.variables == (NeedVariable("a", 2.0), NeedVariable("b", 1.0))
    spec = NeedIndexSpec.from_weights({"poverty": 1, "income": -0.5})
    assert spec.variables[1] == NeedVariable("income", 0.5, -1)
    with pytest.raises(InputError, match="directions"):
        NeedIndexSpec.from_weights({"a": 1}, directions={"b": -1})


def test_parse_variables():
    assert parse_variables("EP_POV150:1, EP_NOVEH:0.5") == {"EP_POV150": 1.0, "EP_NOVEH": 0.5}
    assert parse_variables("A,B:-2") == {"A": 1.0, "B": -2.0}
    for bad in ("", "A:x", "A:0", "A:1,A:2", ":3"):
        with pytest.raises(InputError):
            parse_variables(bad)


# --------------------------------------------------------------------------- scoring


def test_weights_and_directions_hand_computed():
    df = units(a=[1.0, 2.0, 3.0], b=[3.0, 2.0, 1.0])
    # equal weights, opposite orders: every unit ties -> all share rank 1
    res = compute_need(df, NeedIndexSpec({"a": 1, "b": 1}))
    assert res["need_score"].tolist() == [0.0, 0.0, 0.0]
    assert res["need_rank"].tolist() == [1, 1, 1]
    # b weighs 3x: composite (a_pct + 3 b_pct) / 4 = [0.75, 0.5, 0.25]
    res = compute_need(df, NeedIndexSpec({"a": 1, "b": 3}))
    assert res["component_b"].tolist() == [1.0, 0.5, 0.0]
    assert res["need_score"].tolist() == [1.0, 0.5, 0.0]
    assert res["need_rank"].tolist() == [1, 2, 3]
    # b with direction -1 agrees with a
    res = compute_need(df, NeedIndexSpec.from_weights({"a": 1, "b": -1}))
    assert res["need_rank"].tolist() == [3, 2, 1]


def test_zscore_minmax_hand_computed():
    df = units(a=[0.0, 1.0, 2.0, 5.0])
    spec = NeedIndexSpec({"a": 1}, normalization="zscore", rescale="minmax")
    res = compute_need(df, spec)
    z = (np.array([0, 1, 2, 5]) - 2) / np.std([0, 1, 2, 5])
    assert np.allclose(res["component_a"], z)
    assert np.allclose(res["need_score"], [0.0, 0.2, 0.4, 1.0])
    # percentile rank ignores the gap to 5; min-max keeps it
    assert compute_need(df, NeedIndexSpec({"a": 1}))["need_score"].tolist() == [
        0.0,
        0.3333,
        0.6667,
        1.0,
    ]


def test_missing_values_exclude_or_renormalize():
    df = units(a=[1.0, 2.0, 3.0, 4.0], b=[1.0, -999, 3.0, np.nan])
    res = compute_need(df, NeedIndexSpec({"a": 1, "b": 1}))
    assert res["need_score"].isna().tolist() == [False, True, False, True]
    assert res["need_rank"].tolist()[0] == 2 and pd.isna(res["need_rank"][1])
    assert "b missing" in res["need_note"][1]
    res = compute_need(df, NeedIndexSpec({"a": 1, "b": 1}, missing="renormalize"))
    assert res["need_score"].notna().all()
    # unit 3 is scored on a alone: its a is the highest
    assert res["need_rank"].tolist()[3] == 1


def test_zero_population_units_not_scored_and_not_ranked_against():
    df = units(a=[1.0, 2.0, 3.0, 100.0], population=[10, 10, 10, 0])
    res = compute_need(df, NeedIndexSpec({"a": 1}))
    assert res["need_score"].tolist()[:3] == [0.0, 0.5, 1.0]
    assert np.isnan(res["need_score"][3]) and res["need_note"][3] == "zero population"
    res = compute_need(df, NeedIndexSpec({"a": 1}, population_col=None))
    assert res["need_score"].notna().all()


def test_any_polygon_layer_with_other_columns():
    gdf = gpd.GeoDataFrame(
        {
            "zone_code": ["Z-07", "Z-01", "Z-03"],
            "deprivation_decile": [9, 2, 5],
            "dist_to_clinic_km": [12.0, 1.0, 4.0],
            "residents": [500, 800, 0],
        },
        geometry=[box(i, 0, i + 1, 1) for i in range(3)],
        crs="EPSG:4326",
    )
    spec = NeedIndexSpec.from_weights(
        {"deprivation_decile": 1, "dist_to_clinic_km": 1}, population_col="residents"
    )
    res = compute_need(gdf, spec, id_col="zone_code")
    assert res["unit_id"].tolist() == ["Z-07", "Z-01", "Z-03"]
    assert res["need_rank"].tolist()[:2] == [1, 2]
    assert pd.isna(res["need_rank"][2])


def test_precomputed_score_used_as_is():
    df = units(RPL_THEMES=[0.25, 0.9, -999, 0.5])
    res = compute_need(df, NeedIndexSpec.precomputed("RPL_THEMES"))
    assert res["need_score"].tolist()[:2] == [0.25, 0.9]
    assert np.isnan(res["need_score"][2])
    assert res["need_rank"].tolist()[0::3] == [3, 2]
    flipped = compute_need(df, NeedIndexSpec.precomputed("RPL_THEMES", direction=-1))
    assert flipped["need_score"][0] == 0.75
    with pytest.raises(InputError, match=r"0\.\.1"):
        compute_need(units(score=[10.0, 50.0]), NeedIndexSpec.precomputed("score"))


@pytest.mark.parametrize(
    ("df", "spec", "match"),
    [
        (units(a=[1.0]), "no_such_preset", "unknown need preset"),
        (units(a=[1.0, 2.0]), NeedIndexSpec({"b": 1}), r"column\(s\) b that"),
        (units(a=["x", "1"]), NeedIndexSpec({"a": 1}), "numeric"),
        (pd.DataFrame({"a": [1.0]}), NeedIndexSpec({"a": 1}), "id column"),
    ],
)
def test_bad_input(df, spec, match):
    with pytest.raises(InputError, match=match):
        compute_need(df, spec)


# --------------------------------------------------------------------------- presets


def test_presets_are_documented_and_use_cdc_columns():
    assert {"health_access", "food_access", "language_access", "digital_inclusion"} <= set(PRESETS)
    for name, spec in PRESETS.items():
        assert spec.name == name
        assert spec.description and spec.sources
        assert set(spec.columns) <= CDC_2020_EP_COLUMNS, name
    assert "EP_NOINT" in PRESETS["digital_inclusion"].columns
    doc = (Path(__file__).resolve().parents[2] / "docs/need.md").read_text()
    for name, spec in PRESETS.items():
        assert f"`{name}`" in doc
        for col in spec.columns:
            assert col in doc


def synthetic_svi(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"GEOID": [f"0{i:010d}" for i in range(n)], "E_TOTPOP": 100})
    for v in (*SVI_VARIABLES, "NOINT"):
        df[f"EP_{v}"] = rng.integers(0, 8, n).astype(float)  # many ties
    return df


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_svi_preset_reproduces_cdc_overall_rank_exactly(seed):
    df = synthetic_svi(40, seed)
    df.loc[3, "E_TOTPOP"] = 0
    need = compute_need(df, "svi")
    svi = compute_svi(df)
    assert np.array_equal(need["need_score"], svi["RPL_THEMES"], equal_nan=True)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=10_000),
    i=st.integers(min_value=0, max_value=9),
    bump=st.sampled_from([0.5, 2.0, 20.0]),
    preset=st.sampled_from(["svi", "health_access", "food_access", "digital_inclusion"]),
)
def test_raising_poverty_never_worsens_need_rank(seed, i, bump, preset):
    df = synthetic_svi(10, seed)
    before = compute_need(df, preset).iloc[i]
    df.loc[i, "EP_POV150"] += bump
    after = compute_need(df, preset).iloc[i]
    assert after["need_score"] >= before["need_score"]
    assert after["need_rank"] <= before["need_rank"]


@pytest.mark.realdata
def test_presets_on_multnomah():
    if not REAL_SVI_CSV.exists():
        pytest.skip(f"shared data not found: {REAL_SVI_CSV}")
    d = pd.read_csv(REAL_SVI_CSV, dtype={"FIPS": str})
    for name in PRESETS:
        res = compute_need(d, name)
        scored = res["need_score"].notna()
        assert scored.sum() == 196, name  # all but the zero-population tract
        assert res.loc[scored, "need_score"].between(0, 1).all()
        assert res["need_rank"].min() == 1
    # CDC's own statewide percentile, taken as is
    res = compute_need(d, NeedIndexSpec.precomputed("RPL_THEMES"))
    top = res.sort_values("need_rank").iloc[0]
    assert top["need_score"] == d["RPL_THEMES"].max()
