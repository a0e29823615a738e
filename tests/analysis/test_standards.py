"""Tests of geo_outreach.analysis.standards (USDA low access, HPSA-style threshold)."""

from __future__ import annotations

import pandas as pd
import pytest

from geo_outreach.analysis.standards import (
    METRES_PER_MILE,
    clean_svi_value,
    hpsa_threshold,
    usda_low_access,
)
from geo_outreach.errors import InputError

MI = METRES_PER_MILE


@pytest.fixture
def origins() -> pd.DataFrame:
    # u_city: two origins, half the tract each; u_rural: one origin; u_off: none
    return pd.DataFrame(
        {
            "unit_id": ["u_city", "u_city", "u_rural"],
            "node_id": ["a", "b", "c"],
            "weight": [0.5, 0.5, 1.0],
        }
    )


@pytest.fixture
def sites() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "site_id": ["g1", "g2", "c1"],
            "category": ["supermarket", "supermarket", "clinic_fqhc"],
            "name": ["G1", "G2", "C1"],
            "capacity": [1.0, 1.0, 2.0],
        }
    )


@pytest.fixture
def od_nodes() -> pd.DataFrame:
    # a: 0.6 mi to g1; b: 1.2 mi to g1, 1.5 mi to g2; c: 12 mi to g2 (rural)
    return pd.DataFrame(
        {
            "origin_id": ["a", "b", "b", "c", "a", "b", "c"],
            "dest_id": ["g1", "g1", "g2", "g2", "c1", "c1", "c1"],
            "dist_m": [0.6 * MI, 1.2 * MI, 1.5 * MI, 12 * MI, 1000.0, 2000.0, 30000.0],
            "travel_time_s": [700.0, 1400.0, 1700.0, 14000.0, 600.0, 2400.0, 2000.0],
        }
    )


@pytest.fixture
def units() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_id": ["u_city", "u_rural", "u_off"],
            "population": [1000.0, 3000.0, 800.0],
            "EP_POV150": [25.0, -999.0, 40.0],
            "E_NOVEH": [300.0, 20.0, 50.0],
            "EP_NOVEH": [30.0, 1.0, 10.0],
            "E_HH": [1000.0, 1500.0, 300.0],
            "urban": [True, False, True],
        }
    )


def _by_unit(df: pd.DataFrame) -> pd.DataFrame:
    return df.set_index("unit_id")


def test_usda_1_10_urban_and_rural(od_nodes, origins, sites, units):
    r = _by_unit(
        usda_low_access(
            od_nodes,
            origins,
            sites,
            units,
            category="supermarket",
            variant="1_10",
            urban_col="urban",
        )
    )
    # city: origin b (half of 1000 people) is 1.2 mi > 1 mi -> 500 people -> low access (>= 500)
    assert r.at["u_city", "share_beyond"] == pytest.approx(0.5)
    assert r.at["u_city", "pop_beyond"] == pytest.approx(500.0)
    assert r.at["u_city", "low_access"]
    assert r.at["u_city", "low_income"]  # EP_POV150 25 >= 20
    assert r.at["u_city", "lila"]
    # rural: 12 mi > 10 mi -> all residents beyond
    assert r.at["u_rural", "threshold_m"] == pytest.approx(10 * MI)
    assert r.at["u_rural", "low_access"]
    assert pd.isna(r.at["u_rural", "low_income"])  # -999 is missing, never "not low income"
    assert pd.isna(r.at["u_rural", "lila"])


def test_usda_variants_change_thresholds(od_nodes, origins, sites, units):
    kw = {"category": "supermarket", "urban_col": "urban"}
    half = _by_unit(usda_low_access(od_nodes, origins, sites, units, variant="0.5_10", **kw))
    assert half.at["u_city", "share_beyond"] == pytest.approx(1.0)  # 0.6 and 1.2 mi > 0.5 mi
    twenty = _by_unit(usda_low_access(od_nodes, origins, sites, units, variant="1_20", **kw))
    assert twenty.at["u_rural", "share_beyond"] == 0.0  # 12 mi < 20 mi
    assert not twenty.at["u_rural", "low_access"]


def test_usda_share_test_alone_flags_small_units(od_nodes, origins, sites, units):
    small = units.assign(population=[300.0, 3000.0, 800.0])
    r = _by_unit(
        usda_low_access(od_nodes, origins, sites, small, category="supermarket", variant="1_10")
    )
    assert r.at["u_city", "pop_beyond"] == pytest.approx(150.0)  # < 500 people
    assert r.at["u_city", "low_access"]  # but 50% >= 33%
    strict = _by_unit(
        usda_low_access(
            od_nodes, origins, sites, small, category="supermarket", variant="1_10", min_share=0.6
        )
    )
    assert not strict.at["u_city", "low_access"]


def test_usda_vehicle_variant_counts_households_without_car(od_nodes, origins, sites, units):
    r = _by_unit(
        usda_low_access(
            od_nodes,
            origins,
            sites,
            units,
            category="supermarket",
            variant="vehicle",
            urban_col="urban",
        )
    )
    # city: every origin > 0.5 mi, 300 no-vehicle households -> >= 100 -> low access
    assert r.at["u_city", "noveh_hh_beyond"] == pytest.approx(300.0)
    assert r.at["u_city", "low_access"]
    # rural: 20 no-vehicle households and 12 mi < 20 mi -> not low access
    assert r.at["u_rural", "noveh_hh_beyond"] == pytest.approx(20.0)
    assert not r.at["u_rural", "low_access"]


def test_usda_vehicle_variant_from_percentages(od_nodes, origins, sites, units):
    pct_only = units.drop(columns="E_NOVEH")
    r = _by_unit(
        usda_low_access(
            od_nodes, origins, sites, pct_only, category="supermarket", variant="vehicle"
        )
    )
    assert r.at["u_city", "noveh_hh_beyond"] == pytest.approx(0.30 * 1000)
    with pytest.raises(InputError, match="E_NOVEH"):
        usda_low_access(
            od_nodes,
            origins,
            sites,
            pct_only.drop(columns="EP_NOVEH"),
            category="supermarket",
            variant="vehicle",
        )


def test_usda_off_network_is_unknown_not_false(od_nodes, origins, sites, units):
    r = _by_unit(usda_low_access(od_nodes, origins, sites, units, category="supermarket"))
    assert r.at["u_off", "off_network"]
    assert pd.isna(r.at["u_off", "low_access"])
    assert pd.isna(r.at["u_off", "lila"])
    assert r.at["u_off", "low_income"]  # income is still known


def test_usda_unreachable_counts_as_beyond(od_nodes, origins, sites, units):
    od = od_nodes[od_nodes["origin_id"] != "b"]  # b reaches no supermarket within the cutoff
    r = _by_unit(
        usda_low_access(od, origins, sites, units, category="supermarket", variant="0.5_10")
    )
    assert r.at["u_city", "share_beyond"] == pytest.approx(1.0)


def test_usda_low_income_threshold_is_configurable(od_nodes, origins, sites, units):
    r = _by_unit(
        usda_low_access(
            od_nodes, origins, sites, units, category="supermarket", low_income_min_pct=30
        )
    )
    assert not r.at["u_city", "low_income"]
    assert not r.at["u_city", "lila"]


def test_usda_bad_inputs(od_nodes, origins, sites, units):
    with pytest.raises(InputError, match="variant"):
        usda_low_access(od_nodes, origins, sites, units, category="supermarket", variant="2_40")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="category"):
        usda_low_access(od_nodes, origins, sites, units, category="grocery")
    with pytest.raises(InputError, match="EP_POV150"):
        usda_low_access(
            od_nodes, origins, sites, units.drop(columns="EP_POV150"), category="supermarket"
        )


def test_hpsa_threshold(od_nodes, origins, sites, units):
    r = _by_unit(
        hpsa_threshold(od_nodes, origins, sites, units, category="clinic_fqhc", threshold_min=30)
    )
    # city: a 10 min, b 40 min -> half beyond 30 min -> flagged at min_share 0.5
    assert r.at["u_city", "tt_nearest_min"] == pytest.approx(25.0)
    assert r.at["u_city", "share_beyond"] == pytest.approx(0.5)
    assert r.at["u_city", "beyond_threshold"]
    assert r.at["u_city", "pop_beyond"] == pytest.approx(500.0)
    # rural: 2000 s = 33.3 min > 30
    assert r.at["u_rural", "beyond_threshold"]
    assert pd.isna(r.at["u_off", "beyond_threshold"])
    lenient = _by_unit(
        hpsa_threshold(
            od_nodes,
            origins,
            sites,
            units,
            category="clinic_fqhc",
            threshold_min=30,
            min_share=0.75,
        )
    )
    assert not lenient.at["u_city", "beyond_threshold"]


def test_hpsa_provider_ratio(od_nodes, origins, sites, units):
    od = od_nodes.copy()
    od.loc[(od["origin_id"] == "b") & (od["dest_id"] == "c1"), "travel_time_s"] = 1200.0
    r = _by_unit(
        hpsa_threshold(
            od, origins, sites, units, category="clinic_fqhc", threshold_min=30, provider_ratio=3500
        )
    )
    # only u_city reaches c1 (2 FTE) within 30 min: 2 / 1000 people = 1:500 -> no shortage
    assert r.at["u_city", "providers_per_person"] == pytest.approx(2 / 1000)
    assert not r.at["u_city", "ratio_shortage"]
    assert r.at["u_rural", "providers_per_person"] == 0.0
    assert r.at["u_rural", "ratio_shortage"]
    assert pd.isna(r.at["u_off", "ratio_shortage"])


def test_clean_svi_value():
    s = clean_svi_value(pd.Series([-999, 0, 12.5, "x"]))
    assert s.isna().tolist() == [True, False, False, True]
