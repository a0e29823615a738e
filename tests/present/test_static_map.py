"""Printable coverage maps: pages read back as images and text, greyscale-distinct classes."""

from __future__ import annotations

import io
import itertools
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from PIL import Image
from shapely.geometry import LineString, Point, box

from geo_outreach.errors import CRSError, InputError
from geo_outreach.present import classify as cl
from geo_outreach.present import static_map as sm

X0, Y0 = -122.70, 45.50
W = 0.01  # tract width in degrees
ATTR = "Map data (c) OpenStreetMap contributors (ODbL); US Census Bureau; CDC/ATSDR SVI"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


def _tracts() -> gpd.GeoDataFrame:
    """A 5 x 3 grid; need rises left to right; one off-network, one unreachable, one no data."""
    rows = []
    for j in range(3):
        for i in range(5):
            uid = f"41051{j}{i:05d}"
            rows.append(
                {
                    "unit_id": uid,
                    "name": f"Tract {j}-{i}",
                    "population": 1000.0,
                    "need_score": i / 4 + j * 0.01,
                    "tt_nearest_clinic_fqhc_drive_min": 2.0 + 3 * i + j,
                    "off_network": False,
                    "geometry": box(X0 + i * W, Y0 + j * W, X0 + (i + 1) * W, Y0 + (j + 1) * W),
                }
            )
    gdf = gpd.GeoDataFrame(rows, crs=4326)
    gdf.loc[14, ["off_network", "need_score", "tt_nearest_clinic_fqhc_drive_min"]] = [
        True,
        np.nan,
        np.nan,
    ]
    gdf.loc[13, "tt_nearest_clinic_fqhc_drive_min"] = np.inf  # beyond the cutoff
    gdf.loc[12, "tt_nearest_clinic_fqhc_drive_min"] = np.nan  # no value
    return gdf


@pytest.fixture(scope="module")
def tracts() -> gpd.GeoDataFrame:
    return _tracts()


@pytest.fixture(scope="module")
def roads() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"highway": ["primary", "residential", "footway"]},
        geometry=[
            LineString([(X0, Y0 + 1.5 * W), (X0 + 5 * W, Y0 + 1.5 * W)]),
            LineString([(X0 + 2.5 * W, Y0), (X0 + 2.5 * W, Y0 + 3 * W)]),
            LineString([(X0 + 0.2 * W, Y0 + 0.2 * W), (X0 + 4 * W, Y0 + 2.8 * W)]),
        ],
        crs=4326,
    )


@pytest.fixture(scope="module")
def stops() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"kind": ["new", "new", "existing"], "name": ["A", "B", "C"], "sequence": [1, 2, 3]},
        geometry=[
            Point(X0 + 0.5 * W, Y0 + 0.5 * W),
            Point(X0 + 3.5 * W, Y0 + 2.5 * W),
            Point(X0 + 2 * W, Y0 + 1.2 * W),
        ],
        crs=4326,
    )


@pytest.fixture(scope="module")
def routes() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"worker_id": ["w1", "w2"], "worker_name": ["Ana", "Bo"], "day": ["Mon", "Mon"]},
        geometry=[
            LineString([(X0 + 0.5 * W, Y0 + 0.5 * W), (X0 + 3.5 * W, Y0 + 2.5 * W)]),
            LineString([(X0 + 1 * W, Y0 + 2.5 * W), (X0 + 4 * W, Y0 + 0.5 * W)]),
        ],
        crs=4326,
    )


def _needs(tool: str) -> str:
    from tests.conftest import require_tool

    return require_tool(tool)


def _pdf_pages(data: bytes, tmp_path: Path, dpi: int) -> list[Image.Image]:
    _needs("pdftoppm")
    pdf = tmp_path / "map.pdf"
    pdf.write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(tmp_path / "page")], check=True
    )
    return [Image.open(p).convert("RGB") for p in sorted(tmp_path.glob("page*.png"))]


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    _needs("pdftotext")
    pdf = tmp_path / "text.pdf"
    pdf.write_bytes(data)
    out = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    )
    return " ".join(out.stdout.split())


def _grey_at(img: Image.Image, panel: sm.PanelInfo, geom) -> np.ndarray:
    """Greyscale pixels in a 5 x 5 patch around a tract's representative point."""
    pt = gpd.GeoSeries([geom.representative_point()], crs=4326).to_crs(panel.crs).iloc[0]
    col, row = panel.to_pixel(pt.x, pt.y)
    grey = np.asarray(img.convert("L"), dtype=float)
    c, r = round(col), round(row)
    return grey[r - 2 : r + 3, c - 2 : c + 3]


# --------------------------------------------------------------------------- classes and palette


@pytest.mark.parametrize("palette", ["viridis", "cividis", "magma", "YlGnBu", "Blues", "YlOrRd"])
@pytest.mark.parametrize("n", [2, 5, 7])
def test_class_colours_get_darker_with_the_class_and_stay_apart_in_grey(palette, n):
    colours = sm.class_colours(palette, n)
    lightness = [cl._lightness(c) for c in colours]
    assert all(a > b for a, b in itertools.pairwise(lightness))
    assert min(np.diff(lightness) * -1) > 60 / n  # print-distinct steps


@pytest.mark.parametrize("palette", ["RdBu", "Set1", "tab10", "jet"])
def test_palettes_unreadable_in_greyscale_are_refused(palette):
    with pytest.raises(InputError, match="greyscale"):
        sm.class_colours(palette, 5)


def test_schemes_give_their_kind_of_breaks():
    y = np.array([1, 1.1, 1.2, 1.3, 5, 5.1, 5.2, 9, 9.1, 9.3, np.nan, np.inf])
    edges, idx = sm.classify(y, scheme="natural-breaks", k=3)
    assert list(idx[:10]) == [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]  # the three clusters
    assert list(idx[10:]) == [-1, -1]
    edges, _ = sm.classify(y, scheme="equal_interval", k=4)
    assert np.allclose(np.diff(edges), (9.3 - 1) / 4)
    _, idx = sm.classify(np.arange(20.0), scheme="quantiles", k=4)
    assert np.bincount(idx).tolist() == [5, 5, 5, 5]
    with pytest.raises(InputError, match="scheme"):
        sm.classify(y, scheme="jenks-ish")
    with pytest.raises(InputError, match="k must"):
        sm.classify(y, k=12)


def test_access_label_names_mode_category_and_unit():
    assert sm.access_label("tt_nearest_clinic_fqhc_drive_min") == (
        "Drive time to the nearest community health center (minutes)"
    )
    assert "Walk" in sm.access_label("tt_nearest_library_walk_min")


# --------------------------------------------------------------------------- pages


def test_png_classes_have_distinct_grey_levels_in_print(tracts, stops):
    out = sm.render_static_map(
        title="Need",
        attribution=ATTR,
        layers=["need"],
        tracts=tracts,
        fmt="png",
        dpi=80,
        size="letter-landscape",
    )
    img = Image.open(io.BytesIO(out.data))
    assert img.size == (880, 680)
    panel = out.panels[0]
    cb = out.classes["need"]
    assert len(cb.colours) == 5 and sum(cb.counts) == 14  # the off-network tract is not counted
    _, idx = sm.classify(tracts.loc[~tracts["off_network"], "need_score"], k=5)
    levels: dict[int, list[float]] = {}
    for geom, c in zip(tracts.geometry[~tracts["off_network"]], idx, strict=True):
        patch = _grey_at(img, panel, geom)
        assert patch.std() < 3  # a flat fill
        levels.setdefault(int(c), []).append(float(patch.mean()))
    means = [np.mean(levels[c]) for c in sorted(levels)]
    assert all(np.ptp(v) < 3 for v in levels.values())  # same class, same grey
    assert all(a - b > 15 for a, b in itertools.pairwise(means))  # darker = higher
    # the off-network tract is hatched: light and dark pixels, not a flat fill
    hatched = _grey_at(img, panel, tracts.geometry.iloc[14])
    assert hatched.max() - hatched.min() > 60


def test_pdf_page_reads_back_with_maps_legend_and_attribution(
    tracts, roads, stops, routes, tmp_path
):
    out = sm.render_static_map(
        title="Outreach coverage",
        attribution=ATTR,
        layers=["need", "access", "stops", "routes"],
        tracts=tracts,
        roads=roads,
        stops=stops,
        routes=routes,
        fmt="pdf",
        size="a4-portrait",
        data_date="ACS 2016-2020",
        notes="Stops are proposals for the March meeting.",
        dpi=100,
    )
    (page,) = _pdf_pages(out.data, tmp_path, dpi=100)
    assert abs(page.size[0] - 827) <= 2 and abs(page.size[1] - 1169) <= 2
    grey = np.asarray(page.convert("L"), dtype=float)
    assert grey.std() > 20  # not blank
    for panel in out.panels:
        left, top, right, bottom = (int(v) for v in panel.bbox_px)
        area = grey[top + 5 : bottom - 5, left + 5 : right - 5]
        assert (area < 200).mean() > 0.15  # each map area is drawn on
    assert [p.layer for p in out.panels] == ["need", "access"]
    text = _pdf_text(out.data, tmp_path)
    for words in [
        "Outreach coverage",
        "OpenStreetMap contributors",
        "ACS 2016-2020",
        "A: Need index",
        "B: Drive time to the nearest community health center",
        "No road-network data",
        "Not reachable within the cutoff",
        "No data",
        "Stops are proposals",
        "N",
        "Routes",
        "Ana, Monday",  # a route is its worker's name and day, never the worker's id
        "Existing",
        *(x.split("  ")[0] for x in out.classes["need"].labels),
        *(x.split("  ")[0] for x in out.classes["access"].labels),
    ]:
        assert words in text, words
    assert "w1" not in text
    ARTIFACTS.mkdir(exist_ok=True)
    page.save(ARTIFACTS / "static_map_a4_portrait.png")


@pytest.mark.parametrize("size", ["a4-portrait", "letter-landscape", "slide-16x9"])
def test_sizes_give_their_page_shape_and_panels_do_not_overlap(size, tracts):
    out = sm.render_static_map(
        title="T",
        attribution=ATTR,
        layers=["need", "access"],
        tracts=tracts,
        size=size,
        fmt="png",
        dpi=50,
    )
    w, h = Image.open(io.BytesIO(out.data)).size
    ew, eh = sm.PAGE_SIZES[size]
    assert abs(w - ew * 50) <= 1 and abs(h - eh * 50) <= 1
    a, b = (p.bbox_px for p in out.panels)
    assert a[2] <= b[0] or a[3] <= b[1]  # side by side or stacked
    assert all(0 <= v <= max(w, h) for v in (*a, *b))


def test_svg_is_valid_xml_with_real_text(tracts):
    out = sm.render_static_map(
        title="Coverage <SVG>", attribution=ATTR, layers=["need"], tracts=tracts, fmt="svg"
    )
    root = ET.fromstring(out.data)
    texts = " ".join("".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "Coverage <SVG>" in texts and "OpenStreetMap" in texts


def test_point_categories_and_routes_differ_by_shape_not_only_colour(tracts, stops, routes):
    out = sm.render_static_map(
        title="T",
        attribution=ATTR,
        layers=["stops", "routes"],
        tracts=tracts,
        stops=stops,
        routes=routes,
        dpi=50,
    )
    markers = [m for _, m in out.categories["stops"].values()]
    dashes = [d for _, d in out.categories["routes"].values()]
    assert len(set(markers)) == len(markers) == 2
    assert len({str(d) for d in dashes}) == 2
    assert set(out.categories["routes"]) == {"Ana, Monday", "Bo, Monday"}


def test_stops_only_map_fits_the_stops(stops):
    out = sm.render_static_map(
        title="Stops", attribution=ATTR, layers=["stops"], stops=stops, dpi=50
    )
    panel = out.panels[0]
    pts = stops.to_crs(panel.crs)
    assert (pts.geometry.x > panel.xlim[0]).all() and (pts.geometry.x < panel.xlim[1]).all()
    assert (pts.geometry.y > panel.ylim[0]).all() and (pts.geometry.y < panel.ylim[1]).all()


def test_bad_requests_are_input_errors(tracts, stops):
    with pytest.raises(InputError, match="unknown layer"):
        sm.render_static_map(title="T", attribution=ATTR, layers=["nope"], tracts=tracts)
    with pytest.raises(InputError, match="no routes"):
        sm.render_static_map(title="T", attribution=ATTR, layers=["routes"], tracts=tracts)
    with pytest.raises(InputError, match="size"):
        sm.render_static_map(title="T", attribution=ATTR, tracts=tracts, size="a3")
    with pytest.raises(InputError, match="attribution"):
        sm.render_static_map(title="T", attribution=" ", tracts=tracts)
    with pytest.raises(InputError, match="at most two"):
        sm.render_static_map(
            title="T", attribution=ATTR, tracts=tracts, layers=["need", "access", "underserved"]
        )
    with pytest.raises(InputError, match="no column"):
        sm.render_static_map(
            title="T",
            attribution=ATTR,
            tracts=tracts,
            layers=["access"],
            access_column="tt_missing_min",
        )
    with pytest.raises(CRSError):
        sm.render_static_map(
            title="T", attribution=ATTR, tracts=tracts.set_crs(None, allow_override=True)
        )


@pytest.mark.parametrize(
    ("lang", "words", "english"),
    [
        ("es", ["Índice de necesidad", "Tiempo en coche", "centro de salud comunitario",
                "Sin datos de la red viaria", "Rutas", "Fuentes"], ["Need index", "Drive time"]),
        ("sv", ["Behovsindex", "Restid med bil till närmaste vårdcentral", "Data om vägnätet saknas",
                "Rutter", "Källor", "Kartan gjord"], ["Need index", "Drive time", "Map made"]),
    ],
)  # fmt: skip
def test_pdf_legend_in_the_readers_language(tracts, roads, routes, tmp_path, lang, words, english):
    out = sm.render_static_map(
        title="Cobertura",
        attribution="OpenStreetMap",
        layers=["need", "access", "routes"],
        tracts=tracts,
        roads=roads,
        routes=routes,
        fmt="pdf",
        dpi=60,
        lang=lang,
    )
    text = " ".join(_pdf_text(out.data, tmp_path).split())
    assert [w for w in words if w not in text] == []
    assert [w for w in english if w in text] == []
