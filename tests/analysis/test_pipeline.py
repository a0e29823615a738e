"""The whole analysis on a small synthetic region: shapes, off-network handling, properties."""

import geopandas as gpd
import numpy as np
import pyogrio
import pytest

from geo_outreach.analysis.pipeline import AnalysisParams, analyze_region
from geo_outreach.errors import InputError
from geo_outreach.network.context import open_region
from geo_outreach.present.layers import write_analysis_gpkg


@pytest.fixture(scope="module")
def result(synth_region):
    return analyze_region(open_region(synth_region), AnalysisParams(cutoff_min=45))


def test_every_unit_once_with_need_access_and_reason(result, synth_region):
    t = result.tracts
    units = open_region(synth_region).region.units
    assert sorted(t["unit_id"]) == sorted(units["unit_id"])
    assert t["reason"].map(lambda r: isinstance(r, str) and len(r) > 10).all()
    for mode in ("drive", "walk"):
        assert any(c.startswith("tt_nearest_") and c.endswith(f"_{mode}_min") for c in t.columns)
    ranked = t[t["underserved_rank"].notna()]
    assert len(ranked) >= 3
    # rank = 1 + number of units with a strictly higher score (ties share the best rank)
    scores = ranked["underserved_score"].to_numpy()
    for rank, score in zip(ranked["underserved_rank"].astype(int), scores, strict=True):
        assert rank == 1 + int(np.sum(scores > score + 1e-12))


def test_zero_population_and_off_network_units_are_not_ranked(result):
    t = result.tracts
    assert t.loc[t["off_network"], "underserved_rank"].isna().all()
    off = t[t["off_network"]]
    assert off["reason"].str.contains("road network").all()
    assert result.summary()["off_network"] == len(off)


def test_need_is_cdc_svi_when_columns_exist(result):
    assert "CDC/ATSDR SVI" in result.need_method
    need = result.tracts["need_score"].dropna()
    assert need.between(0, 1).all() and need.max() == 1.0


def test_summary_top_is_sorted(result):
    top = result.summary(5)["top"]
    assert [r["rank"] for r in top] == sorted(r["rank"] for r in top)
    assert all(r["reason"] for r in top)


def test_gpkg_layers_round_trip(result, tmp_path):
    path = write_analysis_gpkg(result, tmp_path / "a.gpkg")
    layers = dict(pyogrio.list_layers(path))
    assert set(layers) == {"tracts", "zones"}
    back = gpd.read_file(path, layer="tracts")
    assert len(back) == len(result.tracts)
    assert {"unit_id", "underserved_rank", "reason", "off_network"} <= set(back.columns)


def test_params_validated():
    with pytest.raises(InputError, match="modes"):
        AnalysisParams(modes=("bike",))
    with pytest.raises(InputError, match="within_min"):
        AnalysisParams(within_min=90, cutoff_min=60)


def test_unknown_category_is_an_error(synth_region):
    with pytest.raises(InputError, match="unknown service categories"):
        analyze_region(open_region(synth_region), AnalysisParams(categories=("spaceport",)))
