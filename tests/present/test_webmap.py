"""Offline web maps: local assets, road base layer, layers, attribution, and a real browser check."""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import threading
from html.parser import HTMLParser
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pytest
from matplotlib.colors import to_rgb
from shapely.geometry import LineString, Point, Polygon

from geo_outreach.errors import CRSError, InputError
from geo_outreach.palettes import OKABE_ITO
from geo_outreach.present import assets, webmap
from tests.browser import RequestRecorder, launch

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
X0, Y0 = -122.68, 45.50  # south-west corner of the toy region
BASE_URL = "/app/static/vendor/"


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def assets_dir() -> Path:
    """The vendor folder, fetched with npm when absent (skip when that is impossible)."""
    from tests.conftest import require, require_map_assets

    if assets.missing_assets():
        require("npm", shutil.which("npm") is not None, how="apt-get install npm")
        try:
            assets.fetch_assets()
        except InputError as exc:
            require(f"the map assets from npm ({exc})", False, how="scripts/fetch_assets.sh")
    require_map_assets()
    return assets.require_assets()


@pytest.fixture(scope="module")
def roads() -> gpd.GeoDataFrame:
    # a zig-zag with 41 nearly collinear vertices (simplification must thin it out)
    wiggle = [(X0 + 0.0005 * i, Y0 + 0.006 + (0.000005 if i % 2 else 0.0)) for i in range(41)]
    return gpd.GeoDataFrame(
        {
            "highway": ["primary", ["residential", "service"], "footway", "secondary", None],
            "name": ["A St", "B St", "path", "C Ave", "no class"],
        },
        geometry=[
            LineString([(X0, Y0 + 0.010), (X0 + 0.020, Y0 + 0.010)]),
            LineString(wiggle),
            LineString([(X0 + 0.005, Y0), (X0 + 0.005, Y0 + 0.020)]),
            LineString([(X0 + 0.015, Y0), (X0 + 0.015, Y0 + 0.020)]),
            LineString([(X0, Y0 + 0.018), (X0 + 0.020, Y0 + 0.015)]),
        ],
        crs=4326,
    ).to_crs(32610)  # any CRS is accepted


def _square(x: float, y: float, w: float) -> Polygon:
    return Polygon([(x, y), (x + w, y), (x + w, y + w), (x, y + w)])


@pytest.fixture(scope="module")
def units() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "unit_id": ["41051000100", "41051000200", "41051000300", "41051000400"],
            "need": [0.1, 0.4, 0.9, np.nan],
            "population": [1200.0, 800.0, 1500.0, 0.0],
            "secret_note": ["do-not-publish-1", "do-not-publish-2", "x", "y"],
        },
        geometry=[
            _square(X0, Y0, 0.01),
            _square(X0 + 0.01, Y0, 0.01),
            _square(X0, Y0 + 0.01, 0.01),
            _square(X0 + 0.01, Y0 + 0.01, 0.01),
        ],
        crs=4326,
    )


@pytest.fixture(scope="module")
def sites() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "site_id": ["s1", "s2", "s3"],
            "name": ["Clinic <North>", "Food bank", "Library"],
            "category": ["clinic", "food", "library"],
        },
        geometry=[
            Point(X0 + 0.004, Y0 + 0.014),
            Point(X0 + 0.016, Y0 + 0.004),
            Point(X0 + 0.012, Y0 + 0.016),
        ],
        crs=4326,
    )


@pytest.fixture(scope="module")
def routes() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"route_id": ["day-1"], "travel_time_s": [900.0]},
        geometry=[
            LineString(
                [(X0 + 0.004, Y0 + 0.014), (X0 + 0.012, Y0 + 0.016), (X0 + 0.016, Y0 + 0.004)]
            )
        ],
        crs=4326,
    )


@pytest.fixture(scope="module")
def full_map(roads, units, sites, routes) -> folium.Map:
    m = webmap.base_map(units.total_bounds, roads=roads, attribution=webmap.DEMO_ATTRIBUTION)
    webmap.add_choropleth(
        m, units, "need", fields=["unit_id", "need", "population"], legend_title="Need index"
    )
    webmap.add_sites(m, sites)
    webmap.add_routes(m, routes, fields=["route_id", "travel_time_s"])
    webmap.add_layer_control(m)
    return m


@pytest.fixture(scope="module")
def inline_html(full_map, assets_dir, tmp_path_factory) -> Path:
    return webmap.to_html(full_map, tmp_path_factory.mktemp("inline") / "map.html")


# --------------------------------------------------------------------------- helpers


class _Tags(HTMLParser):
    """Collect script src, stylesheet href and inline style text."""

    def __init__(self) -> None:
        super().__init__()
        self.script_src: list[str] = []
        self.link_href: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.script_src.append(a["src"])
        if tag == "link" and a.get("href"):
            self.link_href.append(a["href"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def _tags(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    return parser


def _geojson_layers(m: folium.Map) -> dict[str, folium.GeoJson]:
    return {c.layer_name: c for c in m._children.values() if isinstance(c, folium.GeoJson)}


def _luminance(colour: str) -> float:
    r, g, b = to_rgb(colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


# --------------------------------------------------------------------------- asset table & fetching


def test_asset_table_covers_every_link_folium_writes():
    m = folium.Map(tiles=None)
    page = m.get_root().render()
    urls = re.findall(r'<script[^>]+src="([^"]+)"', page) + re.findall(
        r'<link[^>]+href="([^"]+)"', page
    )
    assert urls, "folium wrote no links at all: the regexes are out of date"
    assert [u for u in urls if assets.asset_for_url(u) is None] == []


def test_fetch_is_idempotent_and_keeps_licenses(assets_dir):
    assert assets.fetch_assets() == []  # everything present: nothing downloaded
    for folder in {a.folder for a in assets.ASSETS if a.package != assets.GENERATED}:
        files = [p.name.lower() for p in (assets_dir / folder).iterdir()]
        assert any(f.startswith(("license", "copying")) for f in files) or "package.json" in files
    for a in assets.ASSETS:
        assert (assets_dir / a.relpath).stat().st_size > 100, a.relpath


def test_missing_assets_raise_input_error_naming_the_fix(full_map, tmp_path):
    with pytest.raises(InputError, match=r"scripts/fetch_assets\.sh") as info:
        webmap.to_html(full_map, tmp_path / "m.html", assets_dir=tmp_path / "empty")
    assert str(tmp_path / "empty") in str(info.value)


def test_env_var_sets_vendor_dir(monkeypatch, tmp_path):
    monkeypatch.setenv(assets.ENV_VAR, str(tmp_path))
    assert assets.vendor_dir() == tmp_path
    monkeypatch.delenv(assets.ENV_VAR)
    assert assets.vendor_dir().parts[-3:] == ("app", "static", "vendor")


# --------------------------------------------------------------------------- rewriting


def test_inline_page_loads_nothing_from_any_host(inline_html):
    page = inline_html.read_text(encoding="utf-8")
    tags = _tags(page)
    assert tags.script_src == []
    assert tags.link_href == []
    assert not re.search(r"<(script|link)\b[^>]*(src|href)\s*=\s*[\"']?(https?:)?//", page)
    # every url() in the embedded CSS is a data: URI (fonts, marker images)
    css_urls = re.findall(r"url\(\s*['\"]?([^'\")]{0,40})", "".join(tags.styles))
    assert css_urls and all(u.startswith(("data:", "#")) for u in css_urls), set(css_urls) - {""}
    assert "L.map(" in page  # the map script
    assert 't.version="1.9.3"' in page  # ...and Leaflet 1.9.3 itself, embedded


def test_inline_page_embeds_each_font_once(inline_html):
    page = inline_html.read_text(encoding="utf-8")
    woff2 = re.findall(r"data:font/woff2;base64,([A-Za-z0-9+/]{64})", page)
    assert len(woff2) >= 4  # 3 Font Awesome styles + glyphicons (+ v4 shims)
    assert len(woff2) == len(set(woff2))
    assert len(page) < 2_500_000


def test_url_mode_points_every_asset_at_the_base_url(full_map, assets_dir):
    page = assets.render_offline_html(full_map, mode="url", base_url=BASE_URL)
    tags = _tags(page)
    links = tags.script_src + tags.link_href
    assert len(links) == 10
    for link in links:
        assert link.startswith(BASE_URL), link
        assert (assets_dir / link[len(BASE_URL) :]).is_file(), link


def test_url_mode_needs_base_url(full_map, assets_dir):
    with pytest.raises(InputError, match="base_url"):
        assets.render_offline_html(full_map, mode="url")


def test_localize_map_rewrites_links_streamlit_folium_reads(assets_dir):
    m = folium.Map(tiles=None)
    assets.localize_map(m, base_url=BASE_URL)
    links = [url for _, url in m.default_js + m.default_css]
    assert links and all(u.startswith(BASE_URL) for u in links)
    assert folium.Map.default_js[0][1].startswith("https://")  # class untouched


def test_unvendored_plugin_is_refused_unless_not_strict(assets_dir, tmp_path):
    from folium.plugins import MarkerCluster

    m = folium.Map(tiles=None)
    MarkerCluster().add_to(m)
    with pytest.raises(InputError, match="markercluster"):
        webmap.to_html(m, tmp_path / "m.html")
    page = assets.render_offline_html(m, strict=False)
    assert "leaflet.markercluster" in page  # left as it was
    assert "cdn.jsdelivr.net/npm/leaflet@1.9.3" not in page


# --------------------------------------------------------------------------- map content


def test_base_map_has_no_tiles_and_a_simplified_road_layer(full_map, roads):
    assert not [c for c in full_map._children.values() if isinstance(c, folium.TileLayer)]
    layer = _geojson_layers(full_map)["Roads"]
    classes = {f["properties"]["road_class"] for f in layer.data["features"]}
    assert classes == {"major", "secondary", "local", "path"}
    # only the class travels to the page, not names or other columns
    assert all(set(f["properties"]) == {"road_class"} for f in layer.data["features"])
    local = next(f for f in layer.data["features"] if f["id"] == "local")
    n_vertices = sum(len(line) for line in local["geometry"]["coordinates"])
    assert n_vertices < 41 / 4  # 41-vertex wiggle + 2-vertex line, 5 m tolerance
    lon = [pt[0] for line in local["geometry"]["coordinates"] for pt in line]
    assert min(lon) == pytest.approx(X0, abs=1e-5)  # back in lon/lat


def test_road_class_styles_major_roads_heavier():
    assert webmap.road_class("motorway_link") == "major"
    assert webmap.road_class(["tertiary", "residential"]) == "secondary"
    assert webmap.road_class(None) == "local"
    assert webmap.ROAD_STYLES["major"]["weight"] > webmap.ROAD_STYLES["local"]["weight"]


def test_tiles_option_adds_a_tile_layer(units):
    m = webmap.base_map(units.total_bounds, tiles="OpenStreetMap", attribution="x")
    assert [c for c in m._children.values() if isinstance(c, folium.TileLayer)]


def test_attribution_is_in_the_page(full_map):
    page = full_map.get_root().render()
    assert f"attributionControl.addAttribution({json.dumps(webmap.DEMO_ATTRIBUTION)})" in page


def test_choropleth_writes_only_listed_properties(full_map):
    layer = _geojson_layers(full_map)["need"]
    props = [set(f["properties"]) for f in layer.data["features"]]
    assert props == [{"unit_id", "need", "population"}] * 4
    assert layer.data["features"][0]["id"] == "41051000100"  # string ids kept
    page = full_map.get_root().render()
    assert "do-not-publish" not in page
    assert "Need index" in page  # legend title
    assert "No data" in page  # the NaN unit has a legend entry


def test_choropleth_colours_darken_with_value(units):
    m = webmap.base_map(units.total_bounds, attribution="x")
    layer = webmap.add_choropleth(m, units, "need", k=3)
    fills = {f["id"]: layer.style_function(f)["fillColor"] for f in layer.data["features"]}
    lum = [_luminance(fills[u]) for u in ["41051000100", "41051000200", "41051000300"]]
    assert lum[0] > lum[1] > lum[2]
    assert fills["41051000400"] == "#d9d9d9"  # NaN


def test_sites_get_distinct_colour_blind_safe_colours(units, sites):
    m = webmap.base_map(units.total_bounds, attribution="x")
    colours = webmap.add_sites(m, sites)
    assert set(colours) == {"clinic", "food", "library"}
    assert len(set(colours.values())) == 3 and set(colours.values()) <= set(OKABE_ITO)
    page = m.get_root().render()
    assert "Clinic &lt;North&gt;" in page and "Clinic <North>" not in page  # escaped tooltip


@pytest.mark.parametrize(
    "bounds",
    [(1, 2, 3), (-122.6, 45.5, -122.7, 45.6), (0, 0, float("nan"), 1), (0, 95, 1, 96)],
)
def test_bad_bounds_are_input_errors(bounds):
    with pytest.raises(InputError, match="bounds"):
        webmap.base_map(bounds, attribution="x")


def test_attribution_is_required(units):
    with pytest.raises(InputError, match="attribution"):
        webmap.base_map(units.total_bounds, attribution="  ")


def test_layers_without_crs_or_with_wrong_geometry_are_input_errors(units, sites):
    m = webmap.base_map(units.total_bounds, attribution="x")
    with pytest.raises(CRSError, match="roads"):
        webmap.base_map(
            units.total_bounds,
            roads=gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1, 1)])]),
            attribution="x",
        )
    with pytest.raises(InputError, match="LineString"):
        webmap.base_map(units.total_bounds, roads=units, attribution="x")
    with pytest.raises(InputError, match="no column"):
        webmap.add_choropleth(m, units, "missing_column")
    with pytest.raises(InputError, match="Point"):
        webmap.add_sites(m, units.assign(category="a", name="n"))


# --------------------------------------------------------------------------- real browser


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module (skips when it or Playwright is missing)."""
    with launch() as b:
        yield b


def _browse(browser, url: str, screenshot: Path | None = None) -> dict:
    page = browser.new_page(viewport={"width": 900, "height": 650})
    try:
        rec = RequestRecorder(page)
        page.goto(url)
        page.wait_for_selector(".leaflet-overlay-pane svg path", timeout=10_000)
        page.wait_for_load_state("load")  # every inline script (each layer) has run
        fills = page.eval_on_selector_all(
            ".leaflet-overlay-pane svg path", "els => els.map(e => e.getAttribute('fill'))"
        )
        result = {
            "recorder": rec,
            "requests": rec.requests,
            "errors": rec.errors,
            "fills": fills,
            "attribution": page.inner_text(".leaflet-control-attribution"),
            "legend": " ".join(page.locator(".geo-outreach-legend").all_inner_texts()),
            # loads the font through the (inlined or served) CSS; 0 faces when it fails
            "fa_fonts": page.evaluate(
                "document.fonts.load('900 16px \"Font Awesome 6 Free\"').then(f => f.length)"
            ),
        }
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot))
        return result
    finally:
        page.close()


@pytest.mark.browser
def test_inline_page_renders_offline_in_chromium(browser, inline_html, full_map):
    out = _browse(browser, inline_html.as_uri(), screenshot=ARTIFACTS / "webmap_inline.png")
    out["recorder"].assert_local(("file://", "data:"))
    assert out["errors"] == []
    # roads (4 classes, no fill) + 4 units + 1 route + 3 site circles
    layer = _geojson_layers(full_map)["need"]
    unit_fills = {layer.style_function(f)["fillColor"] for f in layer.data["features"]}
    assert unit_fills <= set(out["fills"])
    assert out["fills"].count("none") >= 4 + 1  # road classes + route
    assert len(out["fills"]) >= 4 + 4 + 1 + 3
    assert webmap.DEMO_ATTRIBUTION in out["attribution"]
    assert "Need index" in out["legend"] and "Clinic" in out["legend"]  # the label, not the code
    assert out["fa_fonts"] >= 1  # the embedded icon font decodes


@pytest.mark.browser
def test_url_mode_page_renders_from_a_local_server(browser, full_map, assets_dir, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "vendor").symlink_to(assets_dir, target_is_directory=True)
    page = assets.render_offline_html(full_map, mode="url", base_url="/vendor/")
    (site / "map.html").write_text(page, encoding="utf-8")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(site))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        out = _browse(browser, f"http://127.0.0.1:{server.server_port}/map.html")
    finally:
        server.shutdown()
        server.server_close()
    out["recorder"].assert_local(("http://127.0.0.1:", "data:"))
    assert any("/vendor/leaflet@1.9.3/dist/leaflet.js" in u for u in out["requests"])
    assert out["errors"] == []
    assert out["fa_fonts"] >= 1  # Font Awesome's font file was found through the CSS
    assert webmap.DEMO_ATTRIBUTION in out["attribution"]


def test_sites_then_routes_then_roads_stay_above_choropleth(full_map):
    # full_map adds sites before routes; sites must still end on top
    names = [obj.layer_name for obj in full_map.objects_to_stay_in_front]
    assert names[0] == "Roads"
    assert names[1] == "Routes"
    assert all(n.startswith("Sites: ") for n in names[2:]) and len(names) == 5


def test_streamlit_folium_gets_local_links(full_map, assets_dir, monkeypatch):
    sf = pytest.importorskip("streamlit_folium")
    captured: dict = {}
    monkeypatch.setattr(sf, "_component_func", lambda **kw: captured.update(kw))
    m = webmap.base_map((-122.7, 45.5, -122.6, 45.6), attribution="x")
    assets.localize_map(m, base_url=BASE_URL)
    sf.st_folium(m, returned_objects=[])
    links = captured["js_links"] + captured["css_links"]
    assert len(links) == 10 and all(u.startswith(BASE_URL) for u in links)
    # a localized map can still be exported inline
    tags = _tags(assets.render_offline_html(m, mode="inline"))
    assert tags.script_src == [] and tags.link_href == []


@pytest.mark.browser
def test_attribution_is_one_line_on_a_phone_and_opens_on_tap(browser, inline_html):
    """On a small screen the attribution takes one short line; a tap shows all of it."""

    def box(width: int, *, tap: bool = False) -> dict:
        page = browser.new_page(viewport={"width": width, "height": 700}, has_touch=True)
        try:
            page.goto(inline_html.as_uri())
            page.wait_for_selector(".leaflet-control-attribution")
            page.wait_for_load_state("load")
            att = page.locator(".leaflet-control-attribution")
            if tap:
                w = att.bounding_box()["width"]
                att.tap(position={"x": w - 4, "y": 5})  # the text's end, not the Leaflet link
            return att.evaluate(
                "e => ({h: e.getBoundingClientRect().height, w: e.getBoundingClientRect().width,"
                " cut: e.scrollWidth > e.clientWidth + 1, title: e.title})"
            )
        finally:
            page.close()

    wide, phone = box(900), box(360)
    opened = box(360, tap=True)
    assert not wide["cut"]
    assert phone["cut"] and phone["w"] <= 360 * 0.45 + 1 and phone["h"] < 24
    assert webmap.DEMO_ATTRIBUTION in phone["title"]  # the whole text on hover/long press
    assert not opened["cut"] and opened["h"] > phone["h"]  # tapped: every line shows


def test_statewide_tracts_are_simplified_by_their_extent() -> None:
    """A state's tracts are simplified more than a county's (the page stays small), and a
    county keeps the 10 m default."""
    from geo_outreach.data.synth import tract_polygons
    from geo_outreach.present.webmap import units_tolerance_m

    state = tract_polygons(200, seed=2, extent_km=(600.0, 420.0))
    county = tract_polygons(200, seed=2, extent_km=(30.0, 25.0))
    assert units_tolerance_m(county) == 10.0
    assert 50 < units_tolerance_m(state) < 80
    bounds = tuple(state.total_bounds)
    auto = webmap.add_choropleth(webmap.base_map(bounds, attribution="x"), state, "need_score")
    fixed = webmap.add_choropleth(
        webmap.base_map(bounds, attribution="x"), state, "need_score", simplify_m=10.0
    )

    def n_coords(layer) -> int:
        return sum(len(f["geometry"]["coordinates"][0]) for f in layer.data["features"])

    assert n_coords(auto) < 0.6 * n_coords(fixed)
