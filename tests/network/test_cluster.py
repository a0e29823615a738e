"""A Dask LocalCluster of 2 workers gives the one-machine analysis, number for number."""

import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geo_outreach.analysis.pipeline import AnalysisParams, analyze_region
from geo_outreach.cli import main
from geo_outreach.errors import InputError
from geo_outreach.network import traveltime
from geo_outreach.network.cluster import INSTALL_HINT, parse_cluster
from geo_outreach.network.context import open_region

PARAMS = AnalysisParams(cutoff_min=45)


@pytest.fixture(scope="module")
def one_machine(synth_region):
    return analyze_region(open_region(synth_region), PARAMS)


def _assert_same_analysis(got, ref):
    a = got.tracts.set_index("unit_id").sort_index()
    b = ref.tracts.set_index("unit_id").sort_index()
    assert list(a.columns) == list(b.columns)
    numeric = [c for c in b.columns if c != "geometry" and pd.api.types.is_float_dtype(b[c])]
    assert any(c.startswith("fca_") for c in numeric)
    for c in numeric:
        np.testing.assert_allclose(a[c], b[c], rtol=1e-9, atol=0, err_msg=c)
    for c in ("underserved_rank", "underserved", "off_network", "reason"):
        pd.testing.assert_series_equal(a[c], b[c], check_exact=True)


@pytest.fixture(autouse=True)
def _real_main_module(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dask's spawned workers re-run ``__main__`` from its file; an AppTest earlier in the
    same process leaves a dashboard page there (a page cannot run bare, so the workers
    died: "Nanny failed to start").  The test process's main is pytest, not a page."""
    import sys

    main = sys.modules["__main__"]
    if str(getattr(main, "__file__", "")).endswith(".py") and "/app/" in str(main.__file__):
        monkeypatch.delattr(main, "__file__")


def test_local_cluster_of_two_workers_equals_one_machine(synth_region, one_machine):
    """Site chunks on 2 worker processes (several tasks each) merge into the same numbers,
    ranks, flags and reasons as the single-process run."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(traveltime, "SITES_PER_TASK", 5)  # many partitions on a small region
        got = analyze_region(open_region(synth_region), PARAMS, cluster="local:2")
    _assert_same_analysis(got, one_machine)


def test_cluster_specs_are_checked():
    assert parse_cluster("local:3") == ("local", 3)
    assert parse_cluster("tcp://10.0.0.5:8786") == ("scheduler", "tcp://10.0.0.5:8786")
    for bad in ("local:0", "local", "10.0.0.5:8786", "yarn"):
        with pytest.raises(InputError, match="local:N"):
            parse_cluster(bad)


def test_cli_cluster_without_dask_exits_2_with_the_install_hint(
    synth_region, tmp_path, capsys, monkeypatch
):
    for name in ("dask", "distributed"):
        monkeypatch.setitem(sys.modules, name, None)  # import fails as if not installed
    code = main(
        [
            "analyze",
            "--region",
            str(synth_region),
            "-o",
            str(tmp_path / "a.gpkg"),
            "--cluster",
            "local:2",
        ]
    )
    assert code == 2
    assert "pip install 'geo-outreach[scale]'" in capsys.readouterr().err
    assert "pip install 'geo-outreach[scale]'" in INSTALL_HINT
    assert not (tmp_path / "a.gpkg").exists()


def test_cli_writes_partitioned_geoparquet_for_a_parquet_folder(
    synth_region, tmp_path, one_machine, monkeypatch
):
    from geo_outreach.present import geoparquet

    monkeypatch.setattr(geoparquet, "ROWS_PER_PART", 3)
    out = tmp_path / "run.parquet"
    args = ["analyze", "--region", str(synth_region), "-o", str(out), "--cutoff-min", "45"]
    assert main(args) == 0
    parts = sorted((out / "tracts").glob("part.*.parquet"))
    assert len(parts) == -(-len(one_machine.tracts) // 3) > 1
    tracts = geoparquet.read_geoparquet_layer(out, "tracts")
    assert isinstance(tracts, gpd.GeoDataFrame) and tracts.crs == one_machine.tracts.crs
    ref = one_machine.tracts.sort_values("unit_id").reset_index(drop=True)
    assert list(tracts["unit_id"]) == list(ref["unit_id"])
    np.testing.assert_allclose(tracts["underserved_score"], ref["underserved_score"], rtol=1e-12)
    dask_geopandas = pytest.importorskip("dask_geopandas")
    ddf = dask_geopandas.read_parquet(out / "tracts")
    assert ddf.npartitions == len(parts) and len(ddf.compute()) == len(ref)
