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
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from geo_outreach.domain import MODES as _MODES
from geo_outreach.domain import WEEKDAYS
from geo_outreach.errors import InputError

if TYPE_CHECKING:
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


def need_choices(units: pd.DataFrame) -> dict[str, str]:
    """Need methods the units support: label -> ``AnalysisParams.need`` value.

    ``auto`` always; ``cdc-svi`` when the 16 ``EP_`` columns are there; each preset of
    :data:`geo_outreach.analysis.need.PRESETS` whose columns exist; ``column:RPL_THEMES``
    when the file carries CDC's own ranking.
    """
    from geo_outreach.analysis.need import PRESETS
    from geo_outreach.analysis.svi import SVI_VARIABLES

    cols = set(units.columns)
    out = {"Automatic (CDC SVI when the data has it)": "auto"}
    if all(f"EP_{v}" in cols for v in SVI_VARIABLES):
        out["CDC SVI, ranked in this region"] = "cdc-svi"
    for name, spec in PRESETS.items():
        if all(v.column in cols for v in spec.variables):
            out[f"Preset: {name.replace('_', ' ')}"] = name
    if "RPL_THEMES" in cols:
        out["CDC SVI as published (RPL_THEMES)"] = "column:RPL_THEMES"
    return out


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


def community_map(
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
) -> bytes:
    """The Community map as PNG, PDF, SVG or HTML bytes (:func:`~geo_outreach.present.exports.coverage_map`)."""
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
    ).data


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


def next_monday(today: dt.date | None = None) -> dt.date:
    """Monday of next week (the packet's default week, as in ``write_packet``)."""
    today = today or dt.date.today()
    return today + dt.timedelta(days=7 - today.weekday())
