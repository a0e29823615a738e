"""``region fetch``: a region folder from public sources (online, optional).

For a US place (``"Franklin County, Ohio"``) it writes, then validates with
:func:`~geo_outreach.data.region.init_region`:

==================  ========================================================  ==================
layer               source                                                    licence
==================  ========================================================  ==================
``network.osm``     OpenStreetMap ``highway`` ways in the place's bounding    ODbL 1.0
                    box (Overpass API, OSM XML; read by osmnx like any file)
``tracts.gpkg``     2020 census tracts, Census Bureau cartographic boundary   public domain
                    file (``cb_2020_SS_tract_500k.zip``), those meeting the
                    place
(tract columns)     ACS 5-year estimates of the variables the CDC SVI method  public domain
                    needs (Census API; a key is optional), as ``E_*``/``EP_*``
``services.gpkg``   OSM amenities mapped to categories (:data:`OSM_CATEGORIES`) ODbL 1.0
``provenance.json`` source, URL, date and licence of every layer
==================  ========================================================  ==================

Every request goes through one :class:`Fetcher` (``requests`` with short timeouts); tests
give a fetcher that replays recorded responses. Offline, the first request fails within
its timeout and :class:`FetchError` says so in one line (exit code 2).

The ACS variables follow the CDC/ATSDR SVI 2020 documentation (table :data:`ACS_VARIABLES`);
where CDC uses a subject table the percentage of the data profile is used, so the ``EP_*``
values can differ slightly from CDC's published ones.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo_outreach.errors import InputError
from geo_outreach.i18n import _

__all__ = [
    "ACS_VARIABLES",
    "OSM_CATEGORIES",
    "FetchError",
    "Fetcher",
    "fetch_region",
    "overpass_roads_query",
    "overpass_services_query",
]

logger = logging.getLogger(__name__)

NOMINATIM_URL = "https://nominatim.openstreetmap.org/search"
OVERPASS_URL = "https://overpass-api.de/api/interpreter"
TIGER_URL = "https://www2.census.gov/geo/tiger/GENZ2020/shp/cb_2020_{state}_tract_500k.zip"
ACS_URL = "https://api.census.gov/data/2020/acs/acs5"
USER_AGENT = "geo_outreach region fetch (https://github.com/geo-outreach)"

#: OSM tags -> service category of the region's services layer.
OSM_CATEGORIES: dict[tuple[str, str], str] = {
    ("amenity", "clinic"): "clinic_fqhc",
    ("amenity", "doctors"): "clinic_fqhc",
    ("healthcare", "clinic"): "clinic_fqhc",
    ("amenity", "hospital"): "hospital",
    ("amenity", "library"): "library",
    ("amenity", "community_centre"): "community_center",
    ("amenity", "social_facility"): "social_facility",
    ("social_facility", "food_bank"): "food_bank",
    ("amenity", "food_bank"): "food_bank",
}

#: ACS 5-year variables (detailed tables, ``acs/acs5``) per SVI count, with the universe
#: each percentage is taken of: ``E_<var> = sum(numerators)``, ``EP_<var> = 100 * E / D``.
ACS_VARIABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "TOTPOP": (("B01003_001E",), ()),
    "POV150": (("C17002_002E", "C17002_003E", "C17002_004E", "C17002_005E"), ("C17002_001E",)),
    "UNEMP": (("B23025_005E",), ("B23025_003E",)),
    "HBURD": (
        (
            "B25070_007E",
            "B25070_008E",
            "B25070_009E",
            "B25070_010E",
            "B25091_008E",
            "B25091_009E",
            "B25091_010E",
            "B25091_011E",
            "B25091_019E",
            "B25091_020E",
            "B25091_021E",
            "B25091_022E",
        ),
        ("B25070_001E", "B25091_001E"),
    ),
    "NOHSDP": (
        (
            "B15003_002E",
            "B15003_003E",
            "B15003_004E",
            "B15003_005E",
            "B15003_006E",
            "B15003_007E",
            "B15003_008E",
            "B15003_009E",
            "B15003_010E",
            "B15003_011E",
            "B15003_012E",
            "B15003_013E",
            "B15003_014E",
            "B15003_015E",
            "B15003_016E",
        ),
        ("B15003_001E",),
    ),
    "UNINSUR": (("B27010_017E", "B27010_033E", "B27010_050E", "B27010_066E"), ("B27010_001E",)),
    "AGE65": (
        (
            "B01001_020E",
            "B01001_021E",
            "B01001_022E",
            "B01001_023E",
            "B01001_024E",
            "B01001_025E",
            "B01001_044E",
            "B01001_045E",
            "B01001_046E",
            "B01001_047E",
            "B01001_048E",
            "B01001_049E",
        ),
        ("B01001_001E",),
    ),
    "AGE17": (("B09001_001E",), ("B01001_001E",)),
    "DISABL": (
        (
            "B18101_004E",
            "B18101_007E",
            "B18101_010E",
            "B18101_013E",
            "B18101_016E",
            "B18101_019E",
            "B18101_023E",
            "B18101_026E",
            "B18101_029E",
            "B18101_032E",
            "B18101_035E",
            "B18101_038E",
        ),
        ("B18101_001E",),
    ),
    "SNGPNT": (("B11012_010E", "B11012_015E"), ("B11012_001E",)),
    "LIMENG": (
        (
            "B16005_007E",
            "B16005_008E",
            "B16005_012E",
            "B16005_013E",
            "B16005_017E",
            "B16005_018E",
            "B16005_022E",
            "B16005_023E",
            "B16005_029E",
            "B16005_030E",
            "B16005_034E",
            "B16005_035E",
            "B16005_039E",
            "B16005_040E",
            "B16005_044E",
            "B16005_045E",
        ),
        ("B16005_001E",),
    ),
    "MINRTY": (("B01001_001E",), ("B01001_001E",)),  # minus white non-Hispanic, below
    "MUNIT": (("B25024_007E", "B25024_008E", "B25024_009E"), ("B25024_001E",)),
    "MOBILE": (("B25024_010E",), ("B25024_001E",)),
    "CROWD": (
        ("B25014_005E", "B25014_006E", "B25014_007E", "B25014_011E", "B25014_012E", "B25014_013E"),
        ("B25014_001E",),
    ),
    "NOVEH": (("B25044_003E", "B25044_010E"), ("B25044_001E",)),
    "GROUPQ": (("B26001_001E",), ("B01001_001E",)),
    "NOINT": (("B28002_013E",), ("B28002_001E",)),
}
_WHITE_NON_HISPANIC = "B03002_003E"

#: State names -> FIPS codes (the TIGER file and the Census API are per state).
STATE_FIPS = {
    "alabama": "01", "alaska": "02", "arizona": "04", "arkansas": "05", "california": "06",
    "colorado": "08", "connecticut": "09", "delaware": "10", "district of columbia": "11",
    "florida": "12", "georgia": "13", "hawaii": "15", "idaho": "16", "illinois": "17",
    "indiana": "18", "iowa": "19", "kansas": "20", "kentucky": "21", "louisiana": "22",
    "maine": "23", "maryland": "24", "massachusetts": "25", "michigan": "26", "minnesota": "27",
    "mississippi": "28", "missouri": "29", "montana": "30", "nebraska": "31", "nevada": "32",
    "new hampshire": "33", "new jersey": "34", "new mexico": "35", "new york": "36",
    "north carolina": "37", "north dakota": "38", "ohio": "39", "oklahoma": "40",
    "oregon": "41", "pennsylvania": "42", "rhode island": "44", "south carolina": "45",
    "south dakota": "46", "tennessee": "47", "texas": "48", "utah": "49", "vermont": "50",
    "virginia": "51", "washington": "53", "west virginia": "54", "wisconsin": "55",
    "wyoming": "56", "puerto rico": "72",
}  # fmt: skip


class FetchError(InputError):
    """A public source could not be reached or answered nonsense (exit code 2)."""


@dataclass
class Fetcher:
    """HTTP GET/POST with short timeouts; ``transport`` replaces the network in tests.

    ``transport(method, url, params) -> bytes`` raises :class:`OSError` when unreachable.
    """

    timeout_s: float = 10.0
    transport: Callable[[str, str, Mapping[str, Any]], bytes] | None = None
    log: list[dict[str, Any]] = field(default_factory=list)

    def get(
        self, url: str, params: Mapping[str, Any] | None = None, *, method: str = "GET"
    ) -> bytes:
        params = dict(params or {})
        try:
            if self.transport is not None:
                body = self.transport(method, url, params)
            else:
                import requests

                kw: dict[str, Any] = {
                    "timeout": (min(self.timeout_s, 5.0), self.timeout_s),
                    "headers": {"User-Agent": USER_AGENT},
                }
                if method == "POST":
                    resp = requests.post(url, data=params, **kw)
                else:
                    resp = requests.get(url, params=params, **kw)
                resp.raise_for_status()
                body = resp.content
        except Exception as exc:  # requests' errors, OSError from a transport
            detail = " ".join(str(exc).split())[:160] or type(exc).__name__
            raise FetchError(
                _(
                    "cannot reach {host} ({detail}); region fetch needs the internet. "
                    "Offline, download the files yourself and use `geo-outreach region init`"
                ).format(host=url.split("/")[2], detail=detail),
                source=url,
            ) from None
        self.log.append({"url": url, "params": {k: v for k, v in params.items() if k != "key"}})
        return body


def _json(body: bytes, url: str) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise FetchError(
            _("{url} did not answer JSON (got {got})").format(url=url, got=repr(body[:60])),
            source=url,
        ) from None


def overpass_roads_query(bbox: tuple[float, float, float, float], *, timeout_s: int = 180) -> str:
    """Overpass QL for the ``highway`` ways (with their nodes) in ``bbox`` as OSM XML."""
    s, w, n, e = bbox[1], bbox[0], bbox[3], bbox[2]
    return f'[out:xml][timeout:{timeout_s}];(way["highway"]({s},{w},{n},{e}););(._;>;);out body;'


def overpass_services_query(bbox: tuple[float, float, float, float], *, timeout_s: int = 60) -> str:
    """Overpass QL for the service amenities of :data:`OSM_CATEGORIES` in ``bbox`` (JSON)."""
    s, w, n, e = bbox[1], bbox[0], bbox[3], bbox[2]
    parts = "".join(f'nwr["{k}"="{v}"]({s},{w},{n},{e});' for k, v in OSM_CATEGORIES)
    return f"[out:json][timeout:{timeout_s}];({parts});out center tags;"


def _geocode(fetcher: Fetcher, place: str) -> tuple[tuple[float, float, float, float], str, Any]:
    """``(bbox, state FIPS, polygon)`` of a US place (Nominatim)."""
    import shapely.geometry

    url = NOMINATIM_URL
    hits = _json(
        fetcher.get(
            url,
            {"q": place, "format": "jsonv2", "polygon_geojson": 1, "addressdetails": 1, "limit": 1},
        ),
        url,
    )
    if not hits:
        raise FetchError(
            _("place {place} not found by Nominatim; write it like 'Franklin County, Ohio'").format(
                place=repr(place)
            ),
            source=url,
            parameter="PLACE",
        )
    hit = hits[0]
    address = hit.get("address", {})
    if str(address.get("country_code", "")).lower() != "us":
        country = address.get("country")
        message = (
            _(
                "{place} is in {country}; region fetch knows US census sources only. Elsewhere "
                "use `region init` with your own polygons (see docs/regions.md)"
            )
            if "country" in address
            else _(
                "{place} is in another country; region fetch knows US census sources only. "
                "Elsewhere use `region init` with your own polygons (see docs/regions.md)"
            )
        )
        raise FetchError(
            message.format(place=repr(place), country=country),
            source=url,
            parameter="PLACE",
        )
    state = STATE_FIPS.get(str(address.get("state", "")).lower())
    if state is None:
        raise FetchError(
            _("no US state found for {place}").format(place=repr(place)),
            source=url,
            parameter="PLACE",
        )
    s, n, w, e = (float(v) for v in hit["boundingbox"])
    geom = hit.get("geojson")
    poly = shapely.geometry.shape(geom) if geom else shapely.geometry.box(w, s, e, n)
    if poly.geom_type not in ("Polygon", "MultiPolygon"):
        poly = shapely.geometry.box(w, s, e, n)
    return (w, s, e, n), state, poly


def _tracts(fetcher: Fetcher, state: str, poly: Any) -> Any:
    import geopandas as gpd

    url = TIGER_URL.format(state=state)
    body = fetcher.get(url)
    try:
        zipfile.ZipFile(io.BytesIO(body)).testzip()
    except zipfile.BadZipFile:
        raise FetchError(
            _("{url} is not a ZIP file (got {got})").format(url=url, got=repr(body[:40])),
            source=url,
        ) from None
    tracts = gpd.read_file(io.BytesIO(body)).to_crs("EPSG:4326")
    keep = tracts[tracts.intersects(poly)].copy()
    if keep.empty:
        raise FetchError(
            _("no 2020 census tract of state {state} meets the place").format(state=state),
            source=url,
        )
    keep["GEOID"] = keep["GEOID"].astype(str)
    return keep.reset_index(drop=True)


def _acs(fetcher: Fetcher, state: str, counties: list[str], key: str | None) -> Any:
    import numpy as np
    import pandas as pd

    names = sorted(
        {v for nums, dens in ACS_VARIABLES.values() for v in (*nums, *dens)} | {_WHITE_NON_HISPANIC}
    )
    frames = []
    for county in counties:
        rows: list[pd.DataFrame] = []
        for k in range(0, len(names), 45):  # the API takes 50 variables per request
            params = {
                "get": ",".join(names[k : k + 45]),
                "for": "tract:*",
                "in": f"state:{state} county:{county}",
            }
            if key:
                params["key"] = key
            data = _json(fetcher.get(ACS_URL, params), ACS_URL)
            if not isinstance(data, list) or len(data) < 1:
                raise FetchError(_("{url} answered no table").format(url=ACS_URL), source=ACS_URL)
            part = pd.DataFrame(data[1:], columns=data[0])
            part["GEOID"] = part["state"] + part["county"] + part["tract"]
            rows.append(part.set_index("GEOID").drop(columns=["state", "county", "tract"]))
        frames.append(pd.concat(rows, axis=1))
    raw = pd.concat(frames).apply(pd.to_numeric, errors="coerce")
    raw = raw.where(raw >= 0)  # the API's negative codes (-666666666) mean "no estimate"
    out = pd.DataFrame(index=raw.index)
    for var, (nums, dens) in ACS_VARIABLES.items():
        count = raw[list(nums)].sum(axis=1, min_count=len(nums))
        if var == "MINRTY":
            count = raw["B01001_001E"] - raw[_WHITE_NON_HISPANIC]
        out[f"E_{var}"] = count
        if dens:
            den = raw[list(dens)].sum(axis=1, min_count=len(dens))
            with np.errstate(invalid="ignore", divide="ignore"):
                out[f"EP_{var}"] = (100.0 * count / den).where(den > 0).clip(0, 100).round(1)
    return out.fillna(-999.0).reset_index()


def _services(fetcher: Fetcher, bbox: tuple[float, float, float, float]) -> Any:
    import geopandas as gpd
    import pandas as pd

    data = _json(
        fetcher.get(OVERPASS_URL, {"data": overpass_services_query(bbox)}, method="POST"),
        OVERPASS_URL,
    )
    rows = []
    for el in data.get("elements", []):
        tags = el.get("tags", {})
        cat = next((c for (k, v), c in OSM_CATEGORIES.items() if tags.get(k) == v), None)
        if tags.get("social_facility") == "food_bank":
            cat = "food_bank"
        lon = el.get("lon", el.get("center", {}).get("lon"))
        lat = el.get("lat", el.get("center", {}).get("lat"))
        if cat is None or lon is None or lat is None:
            continue
        street = " ".join(x for x in (tags.get("addr:housenumber"), tags.get("addr:street")) if x)
        rows.append(
            {
                "site_id": f"osm-{el['type']}-{el['id']}",
                "name": tags.get("name", f"{cat.replace('_', ' ')} (unnamed)"),
                "category": cat,
                "address": street,
                "lon": float(lon),
                "lat": float(lat),
            }
        )
    if not rows:
        raise FetchError(
            _(
                "OpenStreetMap has no clinics, hospitals, libraries, community centres or food "
                "banks in the place; give your own services file with `region init`"
            ),
            source=OVERPASS_URL,
        )
    df = pd.DataFrame(rows)
    return gpd.GeoDataFrame(
        df.drop(columns=["lon", "lat"]),
        geometry=gpd.points_from_xy(df["lon"], df["lat"]),
        crs="EPSG:4326",
    )


def fetch_region(
    place: str,
    out_dir: str | Path,
    *,
    census_key: str | None = None,
    fetcher: Fetcher | None = None,
    today: dt.date | None = None,
) -> Path:
    """Fetch a US place's network, tracts with ACS variables, and services into a region.

    Parameters
    ----------
    place
        A place Nominatim knows, e.g. ``"Franklin County, Ohio"``.
    out_dir
        The region folder to write (must not exist or be empty; written whole or not at all).
    census_key
        Census API key (optional; without one the API allows a few hundred requests a day).
    fetcher
        How to reach the sources (default: the internet with 10 s timeouts).
    today
        The date recorded in the provenance (default: today).

    Returns
    -------
    Path
        The written ``region.toml``.

    Raises
    ------
    FetchError
        A source is unreachable (offline) or answered something unexpected; nothing written.
    """
    from geo_outreach.data.region import init_region
    from geo_outreach.files import atomic_dir, atomic_file

    fetcher = fetcher or Fetcher()
    target = Path(out_dir)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InputError(
            _("-o {path} exists and is not an empty folder; give a new folder").format(path=target),
            parameter="-o",
        )
    date = (today or dt.date.today()).isoformat()
    bbox, state, poly = _geocode(fetcher, place)
    roads = fetcher.get(OVERPASS_URL, {"data": overpass_roads_query(bbox)}, method="POST")
    if b"<osm" not in roads[:500]:
        raise FetchError(
            _("{url} did not answer OSM XML").format(url=OVERPASS_URL), source=OVERPASS_URL
        )
    tracts = _tracts(fetcher, state, poly)
    counties = sorted(tracts["GEOID"].str[2:5].unique())
    acs = _acs(fetcher, state, counties, census_key)
    tracts = tracts.merge(acs, on="GEOID", how="left")
    services = _services(fetcher, bbox)
    provenance = {
        "place": place,
        "fetched": date,
        "layers": {
            "network": {"file": "network.osm", "source": "OpenStreetMap via the Overpass API",
                        "url": OVERPASS_URL, "date": date,
                        "licence": "ODbL 1.0, (c) OpenStreetMap contributors"},
            "units": {"file": "tracts.gpkg", "source": "US Census Bureau 2020 cartographic "
                      "boundary file (tracts, 1:500k)", "url": TIGER_URL.format(state=state),
                      "date": date, "licence": "public domain (US government)"},
            "units_attributes": {"source": "ACS 5-year 2016-2020 (Census API), variables of "
                                 "the CDC/ATSDR SVI 2020 method", "url": ACS_URL,
                                 "date": date, "licence": "public domain (US government)"},
            "services": {"file": "services.gpkg", "source": "OpenStreetMap amenities via the "
                         "Overpass API", "url": OVERPASS_URL, "date": date,
                         "licence": "ODbL 1.0, (c) OpenStreetMap contributors",
                         "categories": {f"{k}={v}": c for (k, v), c in OSM_CATEGORIES.items()}},
        },
        "requests": fetcher.log,
    }  # fmt: skip
    with atomic_dir(target) as tmp:
        (tmp / "network.osm").write_bytes(roads)
        tracts.to_file(tmp / "tracts.gpkg", layer="tracts", driver="GPKG")
        services.to_file(tmp / "services.gpkg", layer="services", driver="GPKG")
        with atomic_file(tmp / "provenance.json") as p:
            p.write_text(json.dumps(provenance, indent=2, default=str) + "\n", encoding="utf-8")
        init_region(
            tmp,
            network=tmp / "network.osm",
            tracts=tmp / "tracts.gpkg",
            services=tmp / "services.gpkg",
            name=target.name,
            tracts_layer="tracts",
            services_layer="services",
            unit_name_col="NAMELSAD" if "NAMELSAD" in tracts.columns else None,
            site_id_col="site_id",
            address_col="address",
            attribution="Map data (c) OpenStreetMap contributors (ODbL); US Census Bureau "
            "(TIGER, ACS); SVI method: CDC/ATSDR",
            data_date=date,
            overwrite=True,
        )
    logger.info("fetched %s into %s: %d tracts, %d services", place, target, len(tracts),
                len(services))  # fmt: skip
    return target / "region.toml"
