"""Tests of geo_outreach.analysis.underserved: scores, ranks, reasons, zones, hot spots."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from geo_outreach.analysis.underserved import (
    OFF_NETWORK_REASON,
    _ordinal,
    access_direction,
    category_name,
    hotspots,
    underserved_scores,
    underserved_zones,
)
from geo_outreach.errors import InputError, OffNetworkWarning


@pytest.fixture
def units() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_id": ["a", "b", "c", "d", "e"],
            "population": [1000.0, 2000.0, 1500.0, 500.0, 800.0],
            "EP_POV150": [34.0, 10.0, 20.0, 50.0, -999.0],
            "EP_NOVEH": [21.0, 2.0, 5.0, 30.0, 4.0],
        }
    )


@pytest.fixture
def need() -> pd.DataFrame:
    return pd.DataFrame(
        {"unit_id": ["a", "b", "c", "d", "e"], "need_score": [0.9, 0.1, 0.5, 0.95, 0.4]}
    )


@pytest.fixture
def access() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "tt_nearest_clinic_fqhc_drive_min": [19.2, 3.0, 8.0, np.nan, np.inf],
            "tt_nearest_clinic_fqhc_walk_min": [52.0, 10.0, 30.0, np.nan, np.inf],
            "n_within_15min_clinic_fqhc_drive": [0.0, 4.0, 2.0, np.nan, 0.0],
            "off_network": [False, False, False, True, False],
        },
        index=pd.Index(["a", "b", "c", "d", "e"], name="unit_id"),
    )


def _s(df: pd.DataFrame) -> pd.DataFrame:
    return df.set_index("unit_id")


def test_ranking_puts_high_need_and_poor_access_first(units, need, access):
    r = _s(underserved_scores(units, need, access))
    # a: highest need of the ranked units, second-worst access; b: lowest need, best access
    assert r.at["a", "underserved_rank"] == 1
    assert r["underserved_rank"].max() == 4
    assert r.at["b", "underserved_rank"] == 4
    assert r["underserved_score"].dropna().between(0, 1).all()
    # ranks follow scores
    ranked = r.dropna(subset=["underserved_score"]).sort_values("underserved_rank")
    assert ranked["underserved_score"].is_monotonic_decreasing


def test_beyond_cutoff_counts_as_worst_access(units, need, access):
    r = _s(underserved_scores(units, need, access))
    assert r.at["e", "access_deficit_percentile"] == 1.0
    assert r.at["b", "access_deficit_percentile"] == pytest.approx(0.25)


def test_capped_times_rank_partly_unreachable_units_sensibly(units, need, access):
    # e: 5% of the unit beyond the 60 min cutoff (inf), the rest 5 min away -> capped 7.75 min;
    # a: 19 min everywhere. Ranking on inf would call e the worst; the capped bound does not.
    acc = access.assign(
        tt_capped_clinic_fqhc_drive_min=[19.2, 3.0, 8.0, np.nan, 0.95 * 5 + 0.05 * 60],
        share_unreachable_clinic_fqhc_drive=[0.0, 0.0, 0.0, np.nan, 0.05],
    )
    r = _s(underserved_scores(units, need, acc))  # default: the tt_capped columns
    assert r["access_deficit_percentile"].idxmax() == "a"
    assert r.at["e", "access_deficit_percentile"] < 1.0
    assert (
        "nearest health centre at least 8 min by car (5% of the area beyond the travel-time cutoff)"
        in r.at["e", "reason"]
    )


def test_off_network_units_flagged_counted_not_ranked(units, need, access):
    r = underserved_scores(units, need, access)
    assert r.attrs["n_off_network"] == 1
    d = _s(r).loc["d"]
    assert d["off_network"]
    assert (
        pd.isna(d["underserved_rank"])
        and pd.isna(d["underserved_score"])
        and pd.isna(d["underserved"])
    )
    assert d["reason"].startswith(OFF_NETWORK_REASON)
    assert r["unit_id"].iloc[-1] == "d"  # unranked last
    # d has the highest need: a silent ranking would have put it first
    assert r["unit_id"].iloc[0] != "d"


def test_units_missing_from_access_are_off_network(units, need, access):
    with pytest.warns(OffNetworkWarning, match="absent from the access table"):
        r = _s(underserved_scores(units, need, access.drop(index="c")))
    assert r.at["c", "off_network"] and pd.isna(r.at["c", "underserved_rank"])


def test_reason_sentence_from_own_numbers(units, need, access):
    r = _s(underserved_scores(units, need, access))
    assert r.at["a", "reason"] == (
        "34% of residents below 150% of poverty (75th percentile); "
        "nearest health centre 19 min by car, 52 min on foot; "
        "21% of households without a vehicle"
    )
    # -999 poverty: no poverty clause, the need score speaks instead
    assert "poverty" not in r.at["e", "reason"]
    assert r.at["e", "reason"].startswith("need score 0.40")
    assert "beyond the travel-time cutoff by car or on foot" in r.at["e", "reason"]


def test_reason_says_which_share_is_beyond_cutoff(units, need, access):
    acc = access.assign(share_unreachable_clinic_fqhc_walk=[0.0, 0.0, 0.0, np.nan, 0.3])
    r = _s(underserved_scores(units, need, acc))
    assert (
        "beyond the travel-time cutoff by car or on foot for 30% of the area" in r.at["e", "reason"]
    )


def test_reason_skips_absent_columns(need, access):
    bare = pd.DataFrame({"unit_id": ["a", "b", "c", "d", "e"]})
    r = _s(underserved_scores(bare, need, access))
    assert "vehicle" not in r.at["a", "reason"]
    assert r.at["a", "reason"].startswith("need score 0.90 (")


def test_weights_and_methods(units, need, access):
    only_need = _s(underserved_scores(units, need, access, weights={"need": 1.0, "access": 0.0}))
    assert only_need["underserved_score"].dropna().equals(only_need["need_percentile"].dropna())
    only_access = _s(
        underserved_scores(
            units, need, access, weights={"need": 0, "access": 1}, method="weighted_sum"
        )
    )
    assert only_access.at["e", "underserved_rank"] == 1  # beyond the cutoff
    ws = _s(underserved_scores(units, need, access, method="weighted_sum"))
    expect = (ws["need_percentile"] + ws["access_deficit_percentile"]) / 2
    np.testing.assert_allclose(ws["underserved_score"].dropna(), expect.dropna())


def test_top_share_flag(units, need, access):
    r = _s(underserved_scores(units, need, access, top_share=0.5))
    assert r["underserved"].sum() == 2  # ceil(0.5 * 4 ranked)
    assert r.loc[r["underserved"].fillna(False).astype(bool), "underserved_rank"].max() == 2


def test_access_columns_with_direction(units, need, access):
    # more sites within 15 min is better: unit b (4 sites) must have the smallest deficit
    r = _s(
        underserved_scores(units, need, access, access_columns=["n_within_15min_clinic_fqhc_drive"])
    )
    assert r["access_deficit_percentile"].idxmin() == "b"
    with pytest.raises(InputError, match="higher_is_worse"):
        underserved_scores(units, need, access.assign(score_x=1.0), access_columns=["score_x"])
    ok = underserved_scores(
        units,
        need,
        access.assign(score_x=1.0),
        access_columns=["score_x"],
        higher_is_worse={"score_x": True},
    )
    assert ok["underserved_rank"].notna().sum() == 4


def test_bad_parameters(units, need, access):
    with pytest.raises(InputError, match="weights"):
        underserved_scores(units, need, access, weights={"need": 1, "bogus": 1})
    with pytest.raises(InputError, match="off_network"):
        underserved_scores(units, need, access.drop(columns="off_network"))
    with pytest.raises(InputError, match="need_score"):
        underserved_scores(units, need.rename(columns={"need_score": "x"}), access)


def test_ordinals_and_names():
    assert [_ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 91, 100, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "91st", "100th",
        "101st", "111th",
    ]  # fmt: skip
    assert category_name("clinic_fqhc") == "health centre"
    assert category_name("food_pantry_x") == "food pantry x"
    assert access_direction("tt_nearest_x_drive_min") == 1
    assert access_direction("fca_2sfca_x_drive") == -1


# --------------------------------------------------------------------------------------------
# zones on a grid of unit squares
# --------------------------------------------------------------------------------------------


def _grid(n: int) -> gpd.GeoDataFrame:
    cells = [(i, j) for j in range(n) for i in range(n)]
    return gpd.GeoDataFrame(
        {"unit_id": [f"{i}_{j}" for i, j in cells], "population": 100.0},
        geometry=[box(i * 0.01, j * 0.01, (i + 1) * 0.01, (j + 1) * 0.01) for i, j in cells],
        crs="EPSG:4326",
    )


def _scores_for(g: gpd.GeoDataFrame, top: set[str], off: set[str] = frozenset()) -> pd.DataFrame:
    ids = g["unit_id"].tolist()
    score = [0.9 if u in top else 0.1 for u in ids]
    s = pd.DataFrame({"unit_id": ids, "need_score": 0.5, "underserved_score": score})
    s.loc[s["unit_id"].isin(off), "underserved_score"] = np.nan
    s["underserved_rank"] = (
        s["underserved_score"].rank(ascending=False, method="min").astype("Int64")
    )
    s["underserved"] = pd.array([u in top for u in ids], dtype="boolean")
    return s


def test_zones_dissolve_touching_units():
    g = _grid(4)
    # block {0_0, 1_0, 0_1} plus a corner-touching 1_1? no: 2_2 touches 1_1 by corner only
    top = {"0_0", "1_0", "0_1", "3_3", "2_2", "3_0"}
    z = underserved_zones(g, _scores_for(g, top)).set_index("zone_id")
    assert len(z) == 3
    sizes = sorted(z["n_units"].tolist())
    assert sizes == [1, 2, 3]
    big = z[z["n_units"] == 3].iloc[0]
    assert set(big["unit_ids"].split(",")) == {"0_0", "1_0", "0_1"}
    assert big["population"] == 300.0
    assert big["need_weighted_population"] == pytest.approx(150.0)
    assert big.geometry.area == pytest.approx(3 * 0.01**2)
    diag = z[z["unit_ids"].str.contains("3_3")].iloc[0]
    assert set(diag["unit_ids"].split(",")) == {"3_3", "2_2"}  # corner contact joins (queen)
    assert all(zid.startswith("Z") for zid in z.index)
    assert z.crs == g.crs


def test_zones_top_share_and_empty():
    g = _grid(3)
    s = _scores_for(g, {"0_0"})
    assert underserved_zones(g, s, top_share=1 / 9)["n_units"].tolist() == [1]
    none = _scores_for(g, set())
    empty = underserved_zones(g, none)
    assert len(empty) == 0 and "zone_id" in empty.columns


def test_zones_ignore_off_network_units():
    g = _grid(3)
    s = _scores_for(g, {"0_0", "2_0"}, off={"1_0"})
    s.loc[s["unit_id"] == "1_0", ["underserved", "underserved_rank"]] = pd.NA
    z = underserved_zones(g, s, top_share=0.25)
    # 1_0 is unranked, so 0_0 and 2_0 are not bridged by it
    assert len(z) == 2


def test_hotspots_find_the_cluster():
    g = _grid(6)
    top = {f"{i}_{j}" for i in range(3) for j in range(3)}
    s = _scores_for(g, top)
    hs = hotspots(g, s, permutations=99, seed=1).set_index("unit_id")
    assert hs.at["1_1", "hotspot"]
    assert not hs.at["5_5", "hotspot"]
    assert math.isfinite(hs.at["1_1", "gi_z"]) and hs.at["1_1", "gi_z"] > 0
    z = underserved_zones(g, s, with_hotspots=True, permutations=99, seed=1)
    assert z["n_hotspot_units"].iloc[0] >= 1
