"""``region fetch`` on recorded responses of each source (offline), and a live test."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest

from geo_outreach.cli import main
from geo_outreach.data import fetch as fx

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fetch"


def replay(method: str, url: str, params: dict[str, Any]) -> bytes:
    """Answer as the sources did, from the files recorded in tests/fixtures/fetch."""
    if url == fx.NOMINATIM_URL:
        return (FIXTURES / "nominatim.json").read_bytes()
    if url == fx.OVERPASS_URL:
        assert method == "POST"
        name = "overpass_roads.osm" if "[out:xml]" in params["data"] else "overpass_services.json"
        return (FIXTURES / name).read_bytes()
    if url == fx.TIGER_URL.format(state="41"):
        return (FIXTURES / "cb_2020_41_tract_500k.zip").read_bytes()
    if url == fx.ACS_URL:
        table = json.loads((FIXTURES / "acs5_41_051.json").read_text())
        want = [*params["get"].split(","), "state", "county", "tract"]
        idx = [table[0].index(c) for c in want]  # the API answers the columns asked for
        return json.dumps([[row[i] for i in idx] for row in table]).encode()
    raise OSError(f"no recorded response for {url}")


def test_fetch_writes_a_region_from_recorded_responses(tmp_path: Path) -> None:
    fetcher = fx.Fetcher(transport=replay)
    out = tmp_path / "tiny"
    manifest = fx.fetch_region("Tinytown, Oregon", out, fetcher=fetcher)
    assert manifest == out / "region.toml"
    import geo_outreach as go

    region = go.open_region(out)
    units = region.region.units
    assert sorted(units["unit_id"]) == ["41051000100", "41051000200"]  # those meeting the place
    assert {"E_POV150", "EP_POV150", "EP_NOVEH", "E_TOTPOP"} <= set(units.columns)
    assert units["population"].tolist() == [1200.0, 800.0]
    sites = region.region.services
    assert sorted(sites["category"]) == ["clinic_fqhc", "food_bank", "library"]  # no bench
    assert region.region.timezone == "America/Los_Angeles"
    prov = json.loads((out / "provenance.json").read_text())
    assert set(prov["layers"]) == {"network", "units", "units_attributes", "services"}
    assert all(layer["licence"] and layer["date"] for layer in prov["layers"].values())
    assert not any("key" in r["params"] for r in prov["requests"])
    analysis = go.analyze(region, modes=("drive",))  # the fetched region analyses
    assert analysis.summary()["ranked"] >= 1
    gpd.read_file(out / "tracts.gpkg", layer="tracts")


def test_fetch_offline_fails_fast_in_one_line(tmp_path: Path, capsys, monkeypatch) -> None:
    def no_network(*args: Any, **kw: Any) -> None:
        raise OSError("network is unreachable")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    t0 = time.perf_counter()
    code = main(["region", "fetch", "Franklin County, Ohio", "-o", str(tmp_path / "r"),
                 "--timeout", "3"])  # fmt: skip
    assert time.perf_counter() - t0 < 10
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "region init" in err and "internet" in err
    assert not (tmp_path / "r").exists()


def test_fetch_outside_the_us_says_what_to_do(tmp_path: Path) -> None:
    def sweden(method: str, url: str, params: dict[str, Any]) -> bytes:
        hit = json.loads((FIXTURES / "nominatim.json").read_text())
        hit[0]["address"].update(country="Sverige", country_code="se", state="Uppsala län")
        return json.dumps(hit).encode()

    with pytest.raises(fx.FetchError, match="region init"):
        fx.fetch_region("Uppsala", tmp_path / "se", fetcher=fx.Fetcher(transport=sweden))


@pytest.mark.online
def test_fetch_live(tmp_path: Path) -> None:
    try:
        socket.create_connection(("nominatim.openstreetmap.org", 443), timeout=3).close()
    except OSError:
        pytest.skip("no network")
    manifest = fx.fetch_region("Yellow Springs, Ohio", tmp_path / "ys")
    assert manifest.is_file()
