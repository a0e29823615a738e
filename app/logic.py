"""Glue between the dashboard pages and the library: no Streamlit here, so it is testable alone.

The pages are thin: the analysis is :func:`geo_outreach.analysis.pipeline.analyze_region`,
stop siting is :mod:`geo_outreach.optimize.site_region`, route planning is
:func:`geo_outreach.optimize.routing.network.plan_on_region`, exports are
:func:`geo_outreach.present.exports.coverage_map` and
:func:`geo_outreach.present.packet.write_packet`, and visits go through
:mod:`geo_outreach.visits.store` -- the same code as the ``geo-outreach`` commands.  What is
left here turns widget values into library arguments and library results into bytes to
download.  The Streamlit caching lives in ``state.py``.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from geo_outreach.domain import MODES as _MODES
from geo_outreach.domain import WEEKDAYS
from geo_outreach.errors import InputError
from geo_outreach.i18n import N_

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

    from geo_outreach.analysis.pipeline import AnalysisResult
    from geo_outreach.optimize.routing.network import PlanInputs, PlanOnNetwork

logger = logging.getLogger(__name__)

MODES: tuple[str, ...] = _MODES
WEEK: tuple[str, ...] = WEEKDAYS
PLAN_FILES: tuple[str, ...] = (
    "routes.geojson",
    "stops.csv",
    "unscheduled.csv",
    "visits.csv",
    "workers.csv",
    "plan.json",
)
"""What a plan folder holds (the files ``geo-outreach plan -o DIR`` writes)."""

# --------------------------------------------------------------------------- analysis


NEED_LABELS: dict[str, str] = {
    "auto": N_("Automatic"),
    "cdc-svi": N_("CDC SVI, this region"),
    "column:RPL_THEMES": N_("CDC SVI, as published"),
    "svi": N_("Social vulnerability"),
    "health_access": N_("Health access"),
    "food_access": N_("Food access"),
    "language_access": N_("Language access"),
    "digital_inclusion": N_("Digital inclusion"),
}
"""Short label of each need method (they fit the sidebar; :func:`need_help` explains them)."""


def need_labels(units: pd.DataFrame) -> dict[str, str]:
    """Need methods the units support: ``AnalysisParams.need`` value -> label (translated).

    ``auto`` always; ``cdc-svi`` when the 16 ``EP_`` columns are there; each preset of
    :data:`geo_outreach.analysis.need.PRESETS` whose columns exist; ``column:RPL_THEMES``
    when the file carries CDC's own ranking.
    """
    from geo_outreach.analysis.need import PRESETS
    from geo_outreach.analysis.svi import SVI_VARIABLES
    from geo_outreach.i18n import gettext

    cols = set(units.columns)
    codes = ["auto"]
    if all(f"EP_{v}" in cols for v in SVI_VARIABLES):
        codes.append("cdc-svi")
    codes += [n for n, spec in PRESETS.items() if all(v.column in cols for v in spec.variables)]
    if "RPL_THEMES" in cols:
        codes.append("column:RPL_THEMES")
    return {
        c: gettext(NEED_LABELS[c]) if c in NEED_LABELS else c.replace("_", " ").capitalize()
        for c in codes
    }


def need_choices(units: pd.DataFrame) -> dict[str, str]:
    """Need methods the units support: label -> ``AnalysisParams.need`` value."""
    return {label: code for code, label in need_labels(units).items()}


def need_help() -> str:
    """What the need methods mean (the help of the sidebar's need index)."""
    from geo_outreach.i18n import gettext

    return gettext(
        "Which community needs count. Automatic: the CDC Social Vulnerability Index when the "
        "data has it. CDC SVI, this region: the SVI ranked among this region's tracts. "
        "CDC SVI, as published: CDC's own national ranking. The other choices are presets "
        "of docs/need.md."
    )


# --------------------------------------------------------------------------- tables people read

PEOPLE_COLUMNS = frozenset(
    {
        "population",
        "gain_population",
        "covered_population",
        "people_reached",
        "delta_covered_population",
    }
)
"""Columns counting people: shown as whole numbers."""
SHARE_COLUMNS = frozenset(
    {"covered_share", "covered_share_after", "high_need_covered_share", "reached_share"}
)
"""Columns holding a share 0..1: shown as a percentage."""
SCORE_COLUMNS = frozenset(
    {"need_score", "underserved_score", "need_score_mean", "underserved_score_max", "mean_need"}
)
"""Scores 0..1: two decimals."""

STATUS_LABELS: dict[str, str] = {
    "done": N_("Done"),
    "no_one_there": N_("No one there"),
    "cancelled": N_("Cancelled"),
    "not_recorded": N_("Not recorded"),
    "upcoming": N_("Upcoming"),
}
"""A planned stop's status (Impact's planned vs done) for people."""


def readable_table(df: pd.DataFrame, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A table for people: the ``columns`` chosen, values rounded to what people need (people
    as whole numbers, shares as percentages, scores to two decimals, minutes whole, yes/no,
    statuses as words) and human headers
    (:func:`geo_outreach.present.labels.label_columns`, in the current language)."""
    from geo_outreach.i18n import format_percent, gettext
    from geo_outreach.present.labels import label_columns

    out = pd.DataFrame(df[list(columns)] if columns is not None else df).copy()
    if "geometry" in out.columns:
        out = out.drop(columns="geometry")
    for c in out.columns:
        col = out[c]
        if c in PEOPLE_COLUMNS:
            out[c] = people_column(col)
        elif c in SHARE_COLUMNS:
            num = pd.to_numeric(col, errors="coerce")
            out[c] = [format_percent(float(v)) if pd.notna(v) else "" for v in num]
        elif c in SCORE_COLUMNS:
            out[c] = pd.to_numeric(col, errors="coerce").round(2)
        elif str(c).startswith("tt_") and str(c).endswith("_min"):
            num = pd.to_numeric(col, errors="coerce")
            out[c] = num.where(num < 1e9).round().astype("Int64")  # inf: not reachable
        elif c == "gain":
            out[c] = pd.to_numeric(col, errors="coerce").round(1)
        elif c == "status":
            out[c] = [gettext(STATUS_LABELS[v]) if v in STATUS_LABELS else v for v in col]
        elif col.dtype == bool or c == "underserved":
            out[c] = [
                "" if pd.isna(v) else (gettext("Yes") if bool(v) else gettext("No")) for v in col
            ]
    return label_columns(out)


def plan_names(stops: pd.DataFrame | None) -> tuple[dict[str, str], dict[str, str]]:
    """``(worker names, visit names)`` by id from a plan's itinerary (empty without a plan),
    so that tables show names, never the ids they are keyed by."""
    if stops is None or not len(stops):
        return {}, {}
    from geo_outreach.present.labels import worker_names

    workers = dict(zip(stops["worker_id"].astype(str), worker_names(stops), strict=True))
    visits = stops[stops["kind"] == "visit"] if "kind" in stops.columns else stops
    names = {
        str(v): str(n).strip()
        for v, n in zip(visits["visit_id"], visits["name"], strict=True)
        if pd.notna(n) and str(n).strip()
    }
    return workers, names


def named(ids: pd.Series, names: dict[str, str]) -> pd.Series:
    """Each id as its name (the id itself where no name is known)."""
    return ids.astype(str).map(lambda i: names.get(i, i))


def what_if_table(table: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """The what-if comparison (:func:`geo_outreach.optimize.siting.what_if`) for people: each
    scenario in words (stops by their ``names``), people reached and shares."""
    from geo_outreach.i18n import gettext, ngettext
    from geo_outreach.present.labels import duration_text

    def scenario(row: pd.Series) -> str:
        name = str(row["scenario"])
        if name == "base":
            return gettext("This plan")
        if name.startswith("p="):
            n = int(row["p"]) if pd.notna(row.get("p")) else int(name[2:])
            return ngettext("With {n} stop", "With {n} stops", n).format(n=n)
        if name.startswith(("close stop ", "close existing ")):
            sid = name.split(" ", 2)[2]
            return gettext("Without {stop}").format(stop=names.get(sid) or sid)
        if name.startswith("T=") and pd.notna(row.get("max_time_s")):
            return gettext("Reach within {duration}").format(
                duration=duration_text(float(row["max_time_s"]) / 60)
            )
        return name

    out = table.copy()
    out["scenario"] = [scenario(r) for _, r in out.iterrows()]
    cols = [
        c
        for c in (
            "scenario",
            "n_stops",
            "covered_population",
            "covered_share",
            "high_need_covered_share",
            "delta_covered_population",
        )
        if c in out.columns
    ]
    return readable_table(out, cols)


def access_columns(result: AnalysisResult, mode: str, categories: Sequence[str]) -> list[str]:
    """``tt_nearest_{category}_{mode}_min`` of the chosen categories that the result has."""
    cols = [f"tt_nearest_{c}_{mode}_min" for c in categories]
    return [c for c in cols if c in result.tracts.columns]


# --------------------------------------------------------------------------- siting


# --------------------------------------------------------------------------- routing


def read_upload(data: bytes, name: str) -> pd.DataFrame:
    """An uploaded CSV as an all-text table for the editor.

    Raises
    ------
    InputError
        Not UTF-8 text, binary, or not parseable as CSV; the message names the file.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(
            f"{name}: this is not a CSV text file (it is not UTF-8 text); export the sheet "
            "as 'CSV UTF-8' and upload that",
            source=name,
        ) from None
    if "\x00" in text:
        raise InputError(f"{name}: this is not a CSV text file", source=name)
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(
            f"{name}: cannot read it as CSV ({str(exc).splitlines()[0]}); check the commas "
            "and the header row",
            source=name,
        ) from None
    df.columns = [str(c).strip().lower() for c in df.columns]
    return df


def _csv_name(name: str, default: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(name or default).stem).strip("._") or default
    return f"{stem}.csv"


def plan_inputs(
    visits: pd.DataFrame,
    workers: pd.DataFrame,
    *,
    visits_name: str = "visits.csv",
    workers_name: str = "workers.csv",
) -> PlanInputs:
    """Read edited tables with :func:`~geo_outreach.optimize.routing.network.read_plan_inputs`.

    The tables are read as they are; messages name the user's file, row and column.
    """
    from geo_outreach.optimize.routing.network import read_plan_inputs

    return read_plan_inputs(
        visits,
        workers,
        visits_source=_csv_name(visits_name, "visits"),
        workers_source=_csv_name(workers_name, "workers"),
    )


def read_tables(
    visits: pd.DataFrame,
    workers: pd.DataFrame,
    *,
    visits_name: str = "visits.csv",
    workers_name: str = "workers.csv",
) -> tuple[Any, Any]:
    """The edited tables as :func:`geo_outreach.read_visits` / :func:`geo_outreach.read_workers`."""
    import geo_outreach as go

    return (
        go.read_visits(visits, source=_csv_name(visits_name, "visits")),
        go.read_workers(workers, source=_csv_name(workers_name, "workers")),
    )


def check_upload(kind: str, df: pd.DataFrame, name: str) -> None:
    """Validate one uploaded table with the routing reader (raises :class:`InputError`)."""
    import geo_outreach as go

    reader = go.read_visits if kind == "visits" else go.read_workers
    reader(df, source=_csv_name(name, kind))


def plan_zip(folder: str | Path) -> bytes:
    """The plan folder as a ZIP (what ``geo-outreach export packet --plan`` reads, unpacked)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in PLAN_FILES:
            p = Path(folder) / name
            if p.is_file():
                z.write(p, arcname=name)
    return buf.getvalue()


def plan_days(plan: PlanOnNetwork) -> list[str]:
    """Days that have at least one route, in week order."""
    have = set(plan.routes["day"].astype(str))
    return [d for d in plan.problem.days if d in have]


def start_tables(ctx: Any) -> dict[str, tuple[str, pd.DataFrame]]:
    """The visits and workers tables Plan routes starts from, as ``{kind: (name, table)}``.

    The demo region has its sample files (``data/demo_*.csv``); any other region starts
    from empty tables with the right columns (its user brings the visits, or makes a sample
    week with :func:`sample_tables`), so no demo visit ever shows on another region.
    """
    import geo_outreach as go
    from geo_outreach.optimize.routing.sample import empty_visits, empty_workers

    if go.is_demo_region(ctx):
        return {k: (f"demo_{k}.csv", demo_table(k)) for k in ("visits", "workers")}
    return {"visits": ("visits.csv", empty_visits()), "workers": ("workers.csv", empty_workers())}


def sample_tables(ctx: Any, *, seed: int = 0) -> dict[str, tuple[str, pd.DataFrame]]:
    """A sample week on the region's own streets (:func:`geo_outreach.sample_week`)."""
    import geo_outreach as go

    visits, workers = go.sample_week(ctx, seed=seed)
    return {
        "visits": ("sample_visits.csv", visits.table),
        "workers": ("sample_workers.csv", workers.table),
    }


def demo_table(name: str) -> pd.DataFrame:
    """The sample ``data/demo_<name>.csv`` shipped with the repository, all text."""
    path = Path(__file__).resolve().parents[1] / "data" / f"demo_{name}.csv"
    return pd.read_csv(path, dtype=str, keep_default_na=False)


# --------------------------------------------------------------------------- exports

SHADE_LAYERS = {"underserved_score": "underserved", "need_score": "need"}


def map_layers(shade: str, *, zones: bool, services: bool) -> tuple[list[str], str | None]:
    """``coverage_map`` layers and access column for a "shade tracts by" column."""
    layers: list[str] = []
    access = None
    if shade in SHADE_LAYERS:
        layers.append(SHADE_LAYERS[shade])
    elif shade:
        layers.append("access")
        access = shade
    if zones:
        layers.append("zones")
    if services:
        layers.append("services")
    return layers or ["services"], access


def community_size(country: str) -> str:
    """Page size of the Community map download: Letter in the US (and the other Letter
    countries), A4 elsewhere (:func:`geo_outreach.data.place.paper_size`), landscape."""
    from geo_outreach.data.place import paper_size

    return f"{paper_size(country or 'US')}-landscape"


PAPER_NAMES: dict[str, str] = {"letter": N_("US Letter"), "a4": N_("A4")}


def paper_name(size: str) -> str:
    """The paper of a page size for people (``letter-landscape`` -> ``US Letter``)."""
    from geo_outreach.i18n import gettext

    paper = size.split("-")[0]
    return gettext(PAPER_NAMES[paper]) if paper in PAPER_NAMES else paper


def community_export(
    fmt: str,
    *,
    result: AnalysisResult,
    services: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame | None,
    title: str,
    notes: str,
    shade: str,
    zones: bool,
    attribution: str,
    data_date: str = "",
    size: str = "a4-landscape",
    category_labels: dict[str, str] | None = None,
) -> Any:
    """The Community map download (:func:`~geo_outreach.present.exports.coverage_map`): a
    :class:`~geo_outreach.present.exports.MapExport` with its bytes, classes and panels."""
    from geo_outreach.present.exports import coverage_map

    layers, access = map_layers(shade, zones=zones, services=len(services) > 0)
    return coverage_map(
        None,
        fmt=fmt,
        title=title.strip() or "Community map",
        attribution=attribution,
        layers=layers,
        tracts=result.tracts,
        zones=result.zones,
        services=services,
        roads=roads,
        access_column=access,
        notes=notes,
        data_date=data_date,
        size=size,
        category_labels=category_labels,
    )


def community_map(fmt: str, **kwargs: Any) -> bytes:
    """The Community map as PNG, PDF, SVG or HTML bytes (:func:`community_export`)."""
    return bytes(community_export(fmt, **kwargs).data)


def community_preview(
    base: Callable[[tuple[float, float, float, float]], folium.Map],
    *,
    result: AnalysisResult,
    services: gpd.GeoDataFrame,
    shade: str,
    zones: bool,
    size: str = "a4-landscape",
    category_labels: dict[str, str] | None = None,
) -> folium.Map:
    """The on-page preview of the Community map: what the PNG/PDF download shows.

    ``base(bounds)`` makes the base map fitted to ``bounds``; they are the printed panel's
    extent (:func:`~geo_outreach.present.static_map.print_bounds`, same layers and page
    ``size``).  The tracts are shaded with the printed map's classes, colours and legend
    labels (:func:`~geo_outreach.present.webmap.add_print_choropleth`).
    """
    from geo_outreach.i18n import gettext
    from geo_outreach.present.labels import column_label
    from geo_outreach.present.static_map import print_bounds
    from geo_outreach.present.webmap import add_print_choropleth, add_sites

    layers, access = map_layers(shade, zones=zones, services=len(services) > 0)
    bounds = print_bounds(
        layers=layers,
        tracts=result.tracts,
        zones=result.zones if zones else None,
        services=services if len(services) else None,
        size=size,
    )
    m = base(bounds)
    chor = [x for x in layers if x in ("need", "access", "underserved")]
    if chor:
        t = result.tracts.copy()
        t["population"] = people_column(t["population"]) if "population" in t else 0
        add_print_choropleth(
            m,
            t,
            chor[0],
            access_column=access,
            fields=["name", "population"],
            aliases=[gettext("Tract"), column_label("population")],
        )
    if zones and len(result.zones):
        import folium

        z = result.zones[["zone_id", "n_units", "population", "geometry"]].copy()
        z["population"] = people_column(z["population"])
        folium.GeoJson(
            z.to_crs(4326).__geo_interface__,
            name=gettext("Underserved zones"),
            style_function=lambda f: {"fill": False, "color": "#000000", "weight": 3},
            tooltip=folium.GeoJsonTooltip(
                fields=["zone_id", "n_units", "population"],
                aliases=[gettext("Zone"), gettext("Tracts"), column_label("population")],
            ),
        ).add_to(m)
    if len(services):
        s = services[["name", "category", "geometry"]].copy()
        add_sites(
            m,
            s,
            fields=["name", "category"],
            name=gettext("Services"),
            radius_px=5,
        )
    return m


def people_column(values: pd.Series) -> pd.Series:
    """People as whole numbers (NaN stays missing)."""
    return pd.to_numeric(values, errors="coerce").round().astype("Int64")


def packet_files(
    plan_dir: str | Path,
    worker: str,
    day: str,
    week_of: dt.date | None,
    *,
    roads: gpd.GeoDataFrame | None = None,
    attribution: str = "",
    lang: str | None = None,
) -> dict[str, bytes]:
    """A worker's field packet (:func:`~geo_outreach.present.packet.write_packet`) as bytes.

    Returns ``{"pdf", "gpx", "ics", "html", "stem"}`` (``stem`` is the file name without
    suffix, ``{worker}_{date}``).  ``lang``: the packet's language (None: the page's).
    """
    from geo_outreach.present.packet import DEFAULT_ATTRIBUTION, write_packet

    with tempfile.TemporaryDirectory() as tmp:
        pk = write_packet(
            plan_dir,
            tmp,
            worker=worker,
            day=day,
            week_of=week_of,
            roads=roads,
            attribution=attribution or DEFAULT_ATTRIBUTION,
            lang=lang,
        )
        out = {p.suffix.lstrip("."): p.read_bytes() for p in pk.paths}
        out["stem"] = pk.pdf.stem.encode()
    return out


# --------------------------------------------------------------------------- visits


def new_idempotency_key() -> str:
    """A fresh submission key (made when a visit form opens, reused on every retry)."""
    return f"app:{uuid.uuid4().hex}"


def stop_key(worker: str, day: str, visit_id: str, occurrence: Any) -> str:
    """Widget-key-safe id of one planned stop."""
    raw = f"{worker}_{day}_{visit_id}_{occurrence}"
    return re.sub(r"[^A-Za-z0-9_]+", "_", raw)


def region_today(timezone: str | None) -> dt.date:
    """Today in the region's time zone: a Portland worker at 17:00 is still on the 2nd when
    the server's clock (UTC) already says the 3rd. No zone: the server's date."""
    if not timezone:
        return dt.date.today()
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo(timezone)).date()


def next_monday(today: dt.date | None = None) -> dt.date:
    """Monday of next week (the packet's default week, as in ``write_packet``)."""
    today = today or dt.date.today()
    return today + dt.timedelta(days=7 - today.weekday())
