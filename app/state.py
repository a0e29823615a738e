"""Shared sidebar (region and scenario) and the cached loaders every page uses.

Heavy work is cached once per process: the region with its networks
(``st.cache_resource``), the access table per region, the analysis per scenario, the
siting inputs per mode and the rendered map pages.  Heavy imports (osmnx, the solvers)
happen inside the cached functions, so a page that does not need them never pays.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import logic
import streamlit as st

REGION_ENV = "GEO_OUTREACH_APP_REGION"
"""Environment variable with the region folder (set by ``geo-outreach app --region``)."""


def region_arg() -> str | None:
    """The region the app serves: ``$GEO_OUTREACH_APP_REGION`` or None (the demo)."""
    return os.environ.get(REGION_ENV) or None


@st.cache_resource(show_spinner="Loading the region and its road networks...")
def get_ctx(region: str | None) -> Any:
    from geo_outreach.network.context import open_region

    ctx = open_region(region)
    ctx.load()
    return ctx


@st.cache_resource(show_spinner="Computing travel times to every service...")
def get_access(region: str | None) -> Any:
    return logic.access_table(get_ctx(region))


@st.cache_resource(show_spinner="Scoring need and access...")
def get_analysis(
    region: str | None, preset: str, mode: str, categories: tuple[str, ...], top_share: float
) -> logic.Analysis:
    return logic.analyze(
        get_ctx(region),
        get_access(region),
        preset=preset,
        mode=mode,
        categories=categories,
        top_share=top_share,
    )


@st.cache_resource(show_spinner="Finding candidate stops and travel times...")
def get_siting_inputs(region: str | None, mode: str) -> logic.SitingInputs:
    return logic.siting_inputs(get_ctx(region), mode)


@st.cache_resource(show_spinner="Preparing the road base map...")
def get_roads(region: str | None) -> Any:
    """Road layer data of the offline base map (built once per region)."""
    import maps

    return maps.road_layer_data(get_ctx(region))


@dataclass(frozen=True)
class Scenario:
    """The sidebar's choices, shared by every page."""

    region: str | None
    preset: str
    mode: str
    categories: tuple[str, ...]
    top_share: float


def sidebar() -> Scenario:
    """Draw the shared sidebar and return the scenario."""
    region = region_arg()
    ctx = get_ctx(region)
    units = ctx.region.units
    services = ctx.region.services
    cats = sorted(services["category"].astype(str).unique())
    presets = logic.available_presets(units) or ["svi"]
    default_preset = logic.default_preset(units)
    with st.sidebar:
        st.markdown(f"**{ctx.region.manifest.title or ctx.region.name}**")
        st.caption(
            f"{len(units)} tracts, {len(services)} services"
            + (" (synthetic)" if ctx.region.is_synthetic else "")
        )
        preset = st.selectbox(
            "Need index",
            presets,
            index=presets.index(default_preset) if default_preset in presets else 0,
            key="scenario_preset",
            help="Which community needs count (see docs/need.md)",
        )
        mode = st.radio("Travel mode", list(logic.MODES), horizontal=True, key="scenario_mode")
        default_cat = [c for c in ("clinic_fqhc",) if c in cats] or cats[:1]
        chosen = st.multiselect(
            "Services that count for access",
            cats,
            default=default_cat,
            key="scenario_categories",
        )
        top = st.slider(
            "Share of tracts flagged underserved", 0.05, 0.5, 0.2, 0.05, key="scenario_top"
        )
        st.caption(ctx.region.attribution)
    return Scenario(
        region=region,
        preset=str(preset),
        mode=str(mode),
        categories=tuple(chosen) or tuple(default_cat),
        top_share=float(top),
    )


def _category_label(code: str) -> str:
    from geo_outreach.analysis.underserved import category_name

    return category_name(code)


def scenario() -> Scenario:
    """Draw the shared sidebar and return its scenario; stop with a message if the region fails.

    Every page calls this first (pages rather than the router draw it, so a page run on
    its own, as in ``AppTest``, has the same sidebar).
    """
    from geo_outreach.errors import GeoOutreachError

    try:
        return sidebar()
    except (GeoOutreachError, ValueError, OSError) as exc:
        st.error(f"Cannot open the region: {' '.join(str(exc).split())}")
        st.stop()
        raise  # unreachable: st.stop() ends the run


def show_error(exc: Exception) -> None:
    """One clear message for a user error (never a traceback)."""
    st.error(" ".join(str(exc).split()))
