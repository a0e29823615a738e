"""CDC SVI 2020 method: percent ranks, theme sums and re-ranks, flags, missing values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import rankdata, spearmanr

from geo_outreach.analysis.svi import (
    SVI_THEMES,
    SVI_VARIABLES,
    compute_svi,
    percentages_from_counts,
    percentrank_inc,
    svi_from_counts,
)
from geo_outreach.errors import InputError
from tests.conftest import REAL_SVI_CSV


def make_tracts(ep: dict[str, list[float]] | None = None, n: int = 3, pop=None) -> pd.DataFrame:
    """Tracts with ids '01...' (leading zero), EP_ columns 1..n unless given."""
    ep = ep or {}
    n = len(next(iter(ep.values()))) if ep else n
    data: dict[str, object] = {"GEOID": [f"0100{i:07d}" for i in range(n)]}
    data["E_TOTPOP"] = pop if pop is not None else [1000] * n
    for v in SVI_VARIABLES:
        data[f"EP_{v}"] = ep.get(v, [float(i + 1) for i in range(n)])
    return pd.DataFrame(data)


# --------------------------------------------------------------------------- percentrank


def test_percentrank_ties_share_lowest_rank():
    assert percentrank_inc([10, 20, 20, 30]).tolist() == [0.0, 0.3333, 0.3333, 1.0]


def test_percentrank_matches_excel_example():
    # Microsoft's PERCENTRANK.INC example data; x = 2 has 3 smaller values of 10 -> 3/9
    data = [13, 12, 11, 8, 4, 3, 2, 1, 1, 1]
    pr = percentrank_inc(data)
    assert pr[data.index(2)] == 0.3333
    assert pr[data.index(13)] == 1.0
    assert (pr[[7, 8, 9]] == 0.0).all()


def test_percentrank_excludes_nan_from_n():
    pr = percentrank_inc([5.0, np.nan, 1.0, 3.0])
    assert np.isnan(pr[1])
    assert pr[[0, 2, 3]].tolist() == [1.0, 0.0, 0.5]


def test_percentrank_rounds_half_up_not_to_even():
    # 33 distinct values: rank 2 -> 1/32 = 0.03125 -> 0.0313 (CDC/Excel ROUND), not 0.0312
    pr = percentrank_inc(np.arange(33.0))
    assert pr[1] == 0.0313
    assert pr[3] == 0.0938  # 3/32 = 0.09375


def test_percentrank_unrounded_and_edge_cases():
    assert percentrank_inc([1, 2, 3, 4], decimals=None)[1] == pytest.approx(1 / 3, abs=1e-15)
    assert percentrank_inc([7.0]).tolist() == [0.0]
    assert percentrank_inc([]).size == 0
    assert np.isnan(percentrank_inc([np.nan, np.nan])).all()


# --------------------------------------------------------------------------- SVI


def test_hand_computed_three_tracts():
    res = compute_svi(make_tracts(n=3))
    for v in SVI_VARIABLES:
        assert res[f"EPL_{v}"].tolist() == [0.0, 0.5, 1.0]
    assert res["SPL_THEME1"].tolist() == [0.0, 2.5, 5.0]
    assert res["SPL_THEME3"].tolist() == [0.0, 0.5, 1.0]
    assert res["SPL_THEMES"].tolist() == [0.0, 8.0, 16.0]
    for c in ("RPL_THEME1", "RPL_THEME2", "RPL_THEME3", "RPL_THEME4", "RPL_THEMES"):
        assert res[c].tolist() == [0.0, 0.5, 1.0]
    top = res.iloc[2]
    assert (top["F_THEME1"], top["F_THEME2"], top["F_THEME3"], top["F_THEME4"]) == (5, 5, 1, 5)
    assert top["F_TOTAL"] == 16
    assert res.iloc[1]["F_TOTAL"] == 0


def test_theme_sums_tie_exactly_despite_float_noise():
    # 11 tracts: EPL = k/10.  Tract 0 gets 0.1 + 0.2, tract 1 gets 0.3 + 0.0: a tie that
    # float addition would break (0.1 + 0.2 != 0.3).
    n = 11
    pov = [1, 3, 0, 2, 4, 5, 6, 7, 8, 9, 10]
    unemp = [2, 0, 1, 3, 4, 5, 6, 7, 8, 9, 10]
    ep = {v: [5.0] * n for v in SVI_VARIABLES}  # constant: every EPL 0
    ep["POV150"] = [float(x) for x in pov]
    ep["UNEMP"] = [float(x) for x in unemp]
    res = compute_svi(make_tracts(ep))
    assert res.loc[0, "EPL_POV150"] == 0.1 and res.loc[0, "EPL_UNEMP"] == 0.2
    assert res.loc[1, "EPL_POV150"] == 0.3 and res.loc[1, "EPL_UNEMP"] == 0.0
    assert res.loc[0, "SPL_THEME1"] == res.loc[1, "SPL_THEME1"] == 0.3
    assert res.loc[0, "RPL_THEME1"] == res.loc[1, "RPL_THEME1"]
    assert res.loc[0, "RPL_THEMES"] == res.loc[1, "RPL_THEMES"]


def test_ties_in_variable_share_rank_and_flags_at_090():
    # 11 tracts, EP_NOVEH: ten distinct values then a tie at the top
    ep = {"NOVEH": [float(x) for x in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9]]}
    res = compute_svi(make_tracts(ep | {v: [1.0] * 11 for v in SVI_VARIABLES if v != "NOVEH"}))
    assert res["EPL_NOVEH"].tolist()[-3:] == [0.8, 0.9, 0.9]
    assert res["F_NOVEH"].tolist()[-3:] == [0, 1, 1]  # >= 0.90 is flagged
    assert res["F_THEME4"].tolist()[-1] == 1


def test_zero_population_tract_excluded_and_does_not_affect_others():
    df = make_tracts(
        {v: [10.0, 20.0, 20.0, 40.0, 99.0] for v in SVI_VARIABLES}, pop=[5, 10, 20, 30, 0]
    )
    res = compute_svi(df)
    assert res["EPL_POV150"].tolist()[:4] == [0.0, 0.3333, 0.3333, 1.0]
    last = res.iloc[4]
    assert np.isnan(last["EPL_POV150"]) and np.isnan(last["RPL_THEMES"])
    assert pd.isna(last["F_TOTAL"]) and not last["svi_ranked"]
    assert last["svi_note"] == "zero population"
    alone = compute_svi(df.iloc[:4])
    cols = [c for c in res.columns if c.startswith(("EPL_", "SPL_", "RPL_"))]
    pd.testing.assert_frame_equal(res.loc[:3, cols], alone[cols])


@pytest.mark.parametrize("missing", [-999, np.nan])
def test_missing_variable_excluded_from_its_ranking_and_dependent_sums(missing):
    n = 6
    ep = {v: [float(i) for i in range(n)] for v in SVI_VARIABLES}
    ep["UNEMP"] = [0.0, 1.0, missing, 3.0, 4.0, 5.0]
    res = compute_svi(make_tracts(ep))
    # UNEMP ranked over the 5 tracts that have it
    assert res["EPL_UNEMP"].tolist()[:2] == [0.0, 0.25]
    assert res["EPL_UNEMP"].tolist()[3:] == [0.5, 0.75, 1.0]
    row = res.iloc[2]
    assert np.isnan(row["EPL_UNEMP"])
    assert np.isnan(row["SPL_THEME1"]) and np.isnan(row["RPL_THEME1"])
    assert np.isnan(row["SPL_THEMES"]) and np.isnan(row["RPL_THEMES"])
    assert row["RPL_THEME2"] == 0.4  # other themes still ranked
    assert pd.isna(row["F_UNEMP"]) and pd.isna(row["F_THEME1"]) and pd.isna(row["F_TOTAL"])
    assert row["F_THEME2"] == 0
    assert "EP_UNEMP missing" in row["svi_note"]
    # the others are re-ranked among themselves (n = 5)
    assert res["RPL_THEME1"].dropna().tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert res["RPL_THEMES"].dropna().tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_theme3_rank_equals_minority_rank():
    rng = np.random.default_rng(3)
    ep = {v: rng.integers(0, 30, 40).astype(float).tolist() for v in SVI_VARIABLES}
    res = compute_svi(make_tracts(ep))
    assert res["RPL_THEME3"].tolist() == res["EPL_MINRTY"].tolist()


def test_sums_and_reranks_follow_the_formulas():
    rng = np.random.default_rng(7)
    ep = {v: rng.integers(0, 20, 60).astype(float).tolist() for v in SVI_VARIABLES}
    res = compute_svi(make_tracts(ep))
    for t, vs in SVI_THEMES.items():
        s = res[[f"EPL_{v}" for v in vs]].sum(axis=1)
        assert np.allclose(res[f"SPL_THEME{t}"], s, atol=1e-9)
        assert np.allclose(res[f"RPL_THEME{t}"], percentrank_inc(np.round(s, 4).to_numpy()), atol=0)
        flags = (res[[f"EPL_{v}" for v in vs]] >= 0.9).sum(axis=1)
        assert (res[f"F_THEME{t}"] == flags).all()
    total = res[[f"SPL_THEME{t}" for t in SVI_THEMES]].sum(axis=1)
    assert np.allclose(res["SPL_THEMES"], total, atol=1e-9)
    assert res["RPL_THEMES"].tolist() == percentrank_inc(np.round(total, 4).to_numpy()).tolist()


def test_ids_kept_as_text_and_rows_in_input_order():
    df = make_tracts(n=4).iloc[[2, 0, 3, 1]].reset_index(drop=True)
    res = compute_svi(df)
    assert res["unit_id"].tolist() == df["GEOID"].tolist()
    assert res["unit_id"].str.startswith("0").all()
    assert res["RPL_THEMES"].tolist() == [0.6667, 0.0, 1.0, 0.3333]


def test_fips_column_accepted_as_id():
    df = make_tracts(n=3).rename(columns={"GEOID": "FIPS"})
    assert compute_svi(df)["unit_id"].tolist() == df["FIPS"].tolist()


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda d: d.drop(columns="EP_CROWD"), "EP_CROWD"),
        (lambda d: d.assign(EP_AGE65=["1.0", "abc", "3"]), "EP_AGE65.*abc"),
        (lambda d: d.assign(EP_NOVEH=[1.0, 150.0, 2.0]), "EP_NOVEH.*0..100"),
        (lambda d: d.assign(EP_NOVEH=[1.0, -5.0, 2.0]), "EP_NOVEH"),
        (lambda d: d.drop(columns="GEOID"), "id column"),
        (lambda d: d.assign(GEOID=["a", "a", "b"]), "duplicate"),
        (lambda d: d.drop(columns="E_TOTPOP"), "E_TOTPOP"),
        (lambda d: d.assign(EP_CROWD=-999), "no values"),
    ],
)
def test_bad_input_raises_input_error(mutate, match):
    with pytest.raises(InputError, match=match):
        compute_svi(mutate(make_tracts(n=3)))


def test_numeric_text_columns_are_accepted():
    df = make_tracts(n=3)
    df["EP_AGE65"] = ["1.0", "", "3"]  # a CSV read as text: blank = missing
    res = compute_svi(df)
    assert np.isnan(res.loc[1, "EPL_AGE65"]) and res.loc[2, "EPL_AGE65"] == 1.0


def test_missing_ep_with_counts_points_to_svi_from_counts():
    df = make_tracts(n=3).drop(columns="EP_POV150").assign(E_POV150=[1, 2, 3])
    with pytest.raises(InputError, match="svi_from_counts"):
        compute_svi(df)


# --------------------------------------------------------------------------- counts


def counts_table() -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "GEOID": ["41001", "41002", "41003", "41004"],
            "E_TOTPOP": [200, 400, 0, 800],
            "E_HH": [80, 160, 0, 0],
            "E_HU": [100, 200, 0, 300],
        }
    )
    for v in SVI_VARIABLES:
        df[f"E_{v}"] = [25, 10, 0, 40]
    for col in ("ET_POVSTATUS", "ET_EMPSTATUS", "ET_EDSTATUS", "ET_INSURSTATUS"):
        df[col] = [200, 160, 0, 800]
    df["ET_DISABLSTATUS"] = [200, 400, 0, 800]
    df["ET_POP5"] = [190, 380, 0, 760]
    return df


def test_percentages_from_counts_uses_cdc_denominators_and_rounding():
    ep = percentages_from_counts(counts_table())
    assert ep["EP_POV150"].tolist()[:2] == [12.5, 6.3]  # 10/160 = 6.25 -> 6.3 (half up)
    assert ep.loc[0, "EP_HBURD"] == pytest.approx(31.3)  # 25/80 households
    assert ep.loc[0, "EP_MUNIT"] == 25.0  # 25/100 housing units
    assert ep.loc[0, "EP_GROUPQ"] == 12.5  # 25/200 persons
    assert ep.loc[0, "EP_LIMENG"] == pytest.approx(13.2)  # 25/190 persons 5+
    assert np.isnan(ep.loc[3, "EP_NOVEH"])  # zero households: no percentage


def test_missing_denominator_is_a_clear_error_and_can_be_mapped():
    df = counts_table().drop(columns="ET_EMPSTATUS")
    with pytest.raises(InputError, match=r"EP_UNEMP.*ET_EMPSTATUS.*labour force.*denominators="):
        percentages_from_counts(df)
    df["labour_force"] = [100, 100, 0, 100]
    ep = percentages_from_counts(df, denominators={"UNEMP": "labour_force"})
    assert ep.loc[0, "EP_UNEMP"] == 25.0


def test_svi_from_counts_equals_compute_svi_on_the_percentages():
    df = counts_table()
    res = svi_from_counts(df)
    ref = compute_svi(percentages_from_counts(df))
    pd.testing.assert_frame_equal(res, ref)
    assert res["svi_note"].tolist()[2] == "zero population"
    assert "EP_HBURD missing" in res["svi_note"].tolist()[3]  # no households


# --------------------------------------------------------------------------- property


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(min_value=3, max_value=12),
    seed=st.integers(min_value=0, max_value=10_000),
    bump=st.sampled_from([0.1, 1.0, 5.0, 30.0]),
    data=st.data(),
)
def test_raising_poverty_never_lowers_own_rank(n, seed, bump, data):
    rng = np.random.default_rng(seed)
    ep = {v: rng.integers(0, 6, n).astype(float).tolist() for v in SVI_VARIABLES}
    df = make_tracts(ep)
    i = data.draw(st.integers(min_value=0, max_value=n - 1))
    before = compute_svi(df).iloc[i]
    df.loc[i, "EP_POV150"] = min(100.0, df.loc[i, "EP_POV150"] + bump)
    after = compute_svi(df).iloc[i]
    assert after["EPL_POV150"] >= before["EPL_POV150"]
    assert after["RPL_THEME1"] >= before["RPL_THEME1"]
    assert after["RPL_THEMES"] >= before["RPL_THEMES"]


# --------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def cdc_multnomah() -> pd.DataFrame:
    if not REAL_SVI_CSV.exists():
        pytest.skip(f"shared data not found: {REAL_SVI_CSV}")
    return pd.read_csv(REAL_SVI_CSV, dtype={"FIPS": str})


@pytest.mark.realdata
def test_cdc_files_follow_the_documented_formulas(cdc_multnomah):
    d = cdc_multnomah[cdc_multnomah["E_TOTPOP"] > 0]
    # CDC's state ranks: EPL = round((rank-1)/(n-1), 4) with n = 992 Oregon tracts; the
    # rounding is half-up, not Excel's truncation
    for v in SVI_VARIABLES:
        k = np.round(d[f"EPL_{v}"].to_numpy() * 991)
        assert np.allclose(np.floor(k / 991 * 1e4 + 0.5) / 1e4, d[f"EPL_{v}"], atol=1e-12)
    for t, vs in SVI_THEMES.items():
        s = d[[f"EPL_{v}" for v in vs]].sum(axis=1)
        assert np.allclose(s, d[f"SPL_THEME{t}"], atol=1e-9)
        # the re-rank is monotone in the sum
        assert (
            rankdata(s.round(4), method="min") == rankdata(d[f"RPL_THEME{t}"], method="min")
        ).all()
    assert (
        rankdata(d["SPL_THEMES"], method="min") == rankdata(d["RPL_THEMES"], method="min")
    ).all()


@pytest.mark.realdata
def test_county_ranks_agree_with_cdc_state_ranks_in_order(cdc_multnomah):
    res = compute_svi(cdc_multnomah, id_col="FIPS")
    assert res["unit_id"].str.len().eq(11).all()
    ranked = res["svi_ranked"].to_numpy()
    cdc_unranked = (cdc_multnomah["RPL_THEMES"] == -999).to_numpy()
    assert (~ranked == cdc_unranked).all()  # the zero-population tract
    # variable ranks: within the county, the same order as CDC's statewide ranks (exactly)
    for v in SVI_VARIABLES:
        ours = rankdata(res.loc[ranked, f"EPL_{v}"], method="min")
        cdc = rankdata(cdc_multnomah.loc[ranked, f"EPL_{v}"], method="min")
        assert (ours == cdc).all(), v
    # theme and overall ranks: county sums differ from state sums, but the order is close
    for c in ("RPL_THEME1", "RPL_THEME2", "RPL_THEME3", "RPL_THEME4", "RPL_THEMES"):
        rho = spearmanr(res.loc[ranked, c], cdc_multnomah.loc[ranked, c]).statistic
        assert rho > 0.97, (c, rho)
    assert res.loc[ranked, "RPL_THEME3"].tolist() == res.loc[ranked, "EPL_MINRTY"].tolist()


@pytest.mark.realdata
def test_counts_reproduce_cdc_percentages_where_the_universe_is_in_the_file(cdc_multnomah):
    d = cdc_multnomah[cdc_multnomah["E_TOTPOP"] > 0].reset_index(drop=True)
    exact = ["HBURD", "AGE65", "AGE17", "MINRTY", "MUNIT", "MOBILE", "CROWD", "NOVEH", "GROUPQ"]
    ep = percentages_from_counts(d, variables=exact)
    for v in exact:
        assert np.allclose(ep[f"EP_{v}"], d[f"EP_{v}"], atol=1e-9), v
