"""Loading a region and every bad input at the boundary: one test per error message."""

import hashlib
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon, box

from geo_outreach.data.region import derive_site_ids, init_region, load_region, read_manifest
from geo_outreach.errors import CRSError, InputError
from tests.conftest import tiny_services, tiny_units


def _hashes(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()
    }


def test_tiny_region_loads_with_canonical_columns(tiny_region):
    before = _hashes(tiny_region)
    region = load_region(tiny_region)
    assert region.units["unit_id"].tolist() == ["41051000100", "41051000200", "41051000300"]
    assert region.units["population"].dtype == float
    assert "E_TOTPOP" in region.units.columns  # originals kept
    assert set(region.services["category"]) == {"clinic_fqhc", "library"}
    assert region.services["capacity"].tolist() == [2.0, 1.0, 1.0]
    assert region.services["site_id"].is_unique
    assert _hashes(tiny_region) == before  # nothing the user gave is modified


def test_site_ids_are_stable_under_reordering():
    s = tiny_services()
    ids = derive_site_ids(s["name"], s["category"], s.geometry.x, s.geometry.y)
    rev = s.iloc[::-1]
    ids_rev = derive_site_ids(rev["name"], rev["category"], rev.geometry.x, rev.geometry.y)
    assert dict(zip(s["name"], ids, strict=False)) == dict(zip(rev["name"], ids_rev, strict=False))


def _rewrite_units(region_dir: Path, gdf: gpd.GeoDataFrame) -> None:
    (region_dir / "tracts.gpkg").unlink()
    gdf.to_file(region_dir / "tracts.gpkg", layer="tracts")


def _rewrite_services(region_dir: Path, gdf: gpd.GeoDataFrame) -> None:
    (region_dir / "services.gpkg").unlink()
    gdf.to_file(region_dir / "services.gpkg", layer="services")


def test_missing_manifest(tmp_path):
    with pytest.raises(InputError, match="region init"):
        load_region(tmp_path)


def test_missing_file_names_it(tiny_region):
    (tiny_region / "services.gpkg").unlink()
    with pytest.raises(InputError, match=r"service sites file not found: .*services\.gpkg"):
        load_region(tiny_region)


def test_missing_network_file(tiny_region):
    (tiny_region / "roads.osm").unlink()
    with pytest.raises(InputError, match="road network file not found"):
        load_region(tiny_region)


def test_missing_column_names_column_and_option(tiny_region):
    text = (tiny_region / "region.toml").read_text().replace('"E_TOTPOP"', '"POP"')
    (tiny_region / "region.toml").write_text(text)
    with pytest.raises(InputError, match=r"no column 'POP' .*population_col"):
        load_region(tiny_region)


def test_duplicate_ids(tiny_region):
    units = tiny_units()
    units.loc[1, "GEOID"] = units.loc[0, "GEOID"]
    _rewrite_units(tiny_region, units)
    with pytest.raises(InputError, match=r"duplicate id\(s\) in 'GEOID': \['41051000100'\]"):
        load_region(tiny_region)


def test_non_numeric_population(tiny_region):
    units = tiny_units()
    units["E_TOTPOP"] = ["1200", "many", "5"]
    _rewrite_units(tiny_region, units)
    with pytest.raises(InputError, match=r"must be numeric.*'many'"):
        load_region(tiny_region)


def test_negative_population(tiny_region):
    units = tiny_units()
    units["E_TOTPOP"] = [1200, -999, 5]
    _rewrite_units(tiny_region, units)
    with pytest.raises(InputError, match="negative"):
        load_region(tiny_region)


def test_empty_layer(tiny_region):
    _rewrite_services(tiny_region, tiny_services().iloc[:0])
    with pytest.raises(InputError, match="empty"):
        load_region(tiny_region)


def test_wrong_layer_name(tiny_region):
    text = (tiny_region / "region.toml").read_text().replace('layer = "tracts"', 'layer = "tract"')
    (tiny_region / "region.toml").write_text(text)
    with pytest.raises(InputError, match=r"no layer 'tract'.*\['tracts'\]"):
        load_region(tiny_region)


def test_missing_crs(tiny_region):
    _rewrite_units(tiny_region, tiny_units().set_crs(None, allow_override=True))
    with pytest.raises(CRSError, match="no coordinate reference system"):
        load_region(tiny_region)


def test_projected_coordinates_labelled_as_degrees(tiny_region):
    units = tiny_units().to_crs("EPSG:32610").set_crs("EPSG:4326", allow_override=True)
    _rewrite_units(tiny_region, units)
    with pytest.raises(CRSError, match="look projected"):
        load_region(tiny_region)


def test_other_crs_is_reprojected(tiny_region):
    _rewrite_services(tiny_region, tiny_services().to_crs("EPSG:32610"))
    region = load_region(tiny_region)
    assert region.services.crs.to_epsg() == 4326
    assert region.services.geometry.x.iloc[1] == pytest.approx(tiny_services().geometry.x.iloc[1])


def test_services_far_from_units_point_to_crs_mix_up(tiny_region):
    services = tiny_services()
    services = services.set_geometry([Point(10, 50)] * len(services))
    _rewrite_services(tiny_region, services)
    with pytest.raises(InputError, match="wrong CRS"):
        load_region(tiny_region)


def test_invalid_geometry_repaired_and_reported(tiny_region):
    units = tiny_units()
    x0, y0, x1, y1 = units.geometry.iloc[0].bounds
    bowtie = Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
    units = units.set_geometry([bowtie, *units.geometry.iloc[1:]])
    _rewrite_units(tiny_region, units)
    region = load_region(tiny_region)
    assert region.units.geometry.is_valid.all()
    assert any(
        "repaired 1 invalid geometry" in line and "41051000100" in line for line in region.report
    )


def test_wrong_geometry_type_for_units(tiny_region):
    units = tiny_units().set_geometry(tiny_units().geometry.centroid)
    _rewrite_units(tiny_region, units)
    with pytest.raises(InputError, match=r"\['Point'\] geometries, expected"):
        load_region(tiny_region)


def test_wrong_geometry_type_for_services(tiny_region):
    services = tiny_services().set_geometry([box(-122.65, 45.52, -122.649, 45.521)] * 3)
    _rewrite_services(tiny_region, services)
    with pytest.raises(InputError, match="representative_point"):
        load_region(tiny_region)


def test_csv_services_with_lon_lat(tiny_region):
    s = tiny_services()
    df = pd.DataFrame(
        {
            "name": s["name"],
            "category": s["category"],
            "capacity": s["capacity"],
            "lon": s.geometry.x,
            "lat": s.geometry.y,
        }
    )
    df.to_csv(tiny_region / "services.csv", index=False)
    text = (tiny_region / "region.toml").read_text()
    text = text.replace('path = "services.gpkg"\nlayer = "services"', 'path = "services.csv"')
    (tiny_region / "region.toml").write_text(text)
    region = load_region(tiny_region)
    assert len(region.services) == 3


def test_csv_without_coordinates(tiny_region):
    pd.DataFrame({"name": ["a"], "category": ["x"]}).to_csv(tiny_region / "s.csv", index=False)
    text = (tiny_region / "region.toml").read_text()
    text = text.replace('path = "services.gpkg"\nlayer = "services"', 'path = "s.csv"')
    (tiny_region / "region.toml").write_text(text)
    with pytest.raises(InputError, match="no coordinates: add 'lon' and 'lat'"):
        load_region(tiny_region)


def test_ids_keep_leading_zeros_from_csv(tmp_path, tiny_region):
    units = tiny_units()
    units["GEOID"] = ["01001000100", "01001000200", "01001000300"]
    df = pd.DataFrame(
        {"GEOID": units["GEOID"], "E_TOTPOP": units["E_TOTPOP"], "wkt": units.geometry.to_wkt()}
    )
    df.to_csv(tiny_region / "units.csv", index=False)
    text = (tiny_region / "region.toml").read_text()
    text = text.replace('path = "tracts.gpkg"\nlayer = "tracts"', 'path = "units.csv"')
    (tiny_region / "region.toml").write_text(text)
    region = load_region(tiny_region)
    assert region.units["unit_id"].iloc[0] == "01001000100"


def test_init_region_writes_a_loadable_manifest(tiny_region, tmp_path):
    target = tmp_path / "mine"
    path = init_region(
        target,
        network=tiny_region / "roads.osm",
        tracts=tiny_region / "tracts.gpkg",
        services=tiny_region / "services.gpkg",
        capacity_col="capacity",
    )
    manifest = read_manifest(path)
    assert manifest.network == (tiny_region / "roads.osm").resolve()
    assert len(load_region(target).units) == 3
    with pytest.raises(InputError, match="overwrite=True"):
        init_region(
            target,
            network=tiny_region / "roads.osm",
            tracts=tiny_region / "tracts.gpkg",
            services=tiny_region / "services.gpkg",
        )


def test_init_region_with_bad_column_leaves_no_manifest(tiny_region, tmp_path):
    with pytest.raises(InputError, match="no column 'POP'"):
        init_region(
            tmp_path / "bad",
            network=tiny_region / "roads.osm",
            tracts=tiny_region / "tracts.gpkg",
            services=tiny_region / "services.gpkg",
            population_col="POP",
        )
    assert not (tmp_path / "bad" / "region.toml").exists()


@pytest.mark.realdata
def test_demo_region_real_data():
    region = load_region()
    assert not region.is_synthetic
    assert len(region.units) == 197
    assert len(region.services) == 146
    assert region.units["unit_id"].str.len().eq(11).all()
    assert "OpenStreetMap" in region.attribution


def test_demo_falls_back_to_synthetic_when_data_absent(tmp_path, monkeypatch):
    monkeypatch.setenv("GEO_OUTREACH_DATA", str(tmp_path / "nowhere"))
    monkeypatch.setattr(
        "geo_outreach.data.region.synthetic_demo_dir", lambda **_: _small_synth(tmp_path)
    )
    region = load_region()
    assert region.is_synthetic
    assert len(region.units) > 0 and len(region.services) > 0


def _small_synth(tmp_path: Path) -> Path:
    from geo_outreach.data.synth import generate_region

    target = tmp_path / "synth"
    generate_region(target, nodes=600, seed=1, overwrite=True)
    return target
