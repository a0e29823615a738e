"""Community map (planner): compose a coverage map and export it as one offline HTML file."""

from __future__ import annotations

import html

import maps
import state
import streamlit as st

from geo_outreach.analysis.underserved import category_name
from geo_outreach.errors import InputError

sc = state.scenario()
ctx = state.get_ctx(sc.region)
st.title("Community map")
st.caption(
    "Compose a map for a meeting or a report, then download it: it opens offline in any browser."
)

try:
    analysis = state.get_analysis(sc.region, sc.preset, sc.mode, sc.categories, sc.top_share)
except InputError as exc:
    state.show_error(exc)
    st.stop()

SHADES = {"Underserved score": "underserved_score", "Need index": "need_score", "None": ""}
for col in analysis.access_columns:
    cat = col.removeprefix("tt_nearest_").removesuffix(f"_{sc.mode}_min")
    SHADES[f"Minutes to nearest {category_name(cat)}"] = col
cats = sorted(ctx.region.services["category"].astype(str).unique())

a, b = st.columns(2)
title = a.text_input("Title", "Where people are underserved", key="community_title")
shade = b.selectbox("Shade tracts by", list(SHADES), key="community_shade")
show_cats = st.multiselect(
    "Services to show", cats, default=list(sc.categories), key="community_cats"
)
show_zones = st.checkbox("Outline underserved zones", True, key="community_zones")
notes = st.text_area("Notes (shown under the title)", "", key="community_notes")


@st.cache_data(show_spinner="Drawing the map...", max_entries=16)
def _community_map(
    region, preset, mode, categories, top_share, title, shade, show_cats, show_zones, notes, inline
):
    import folium

    from geo_outreach.present.webmap import add_choropleth, add_layer_control, add_sites

    ctx = state.get_ctx(region)
    res = state.get_analysis(region, preset, mode, categories, top_share)
    m = maps.new_map(ctx, state.get_roads(region))
    label = [k for k, v in SHADES.items() if v == shade]
    if shade:
        t = res.tracts.copy()
        t[shade] = t[shade].astype(float).where(lambda s: s < 1e9)
        add_choropleth(
            m,
            t,
            shade,
            fields=["name", shade],
            aliases=["Tract", label[0] if label else shade],
            name=label[0] if label else shade,
        )
    if show_zones and len(res.zones):
        maps.add_polygons(
            m,
            res.zones,
            name="Underserved zones",
            color="#CC79A7",
            fields=["zone_id", "n_units", "population"],
        )
    sites = ctx.region.services[ctx.region.services["category"].astype(str).isin(show_cats)]
    if len(sites):
        add_sites(m, sites, fields=["name", "category"], name="Services", radius_px=5)
    head = f"<b style='font-size:15px'>{html.escape(title)}</b>"
    if notes.strip():
        head += "<br>" + html.escape(notes).replace("\n", "<br>")
    box = folium.Element(
        "<div style='position:fixed;top:10px;left:50px;z-index:1000;background:rgba(255,255,255,.92);"
        "padding:6px 10px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);font:13px sans-serif;"
        f"max-width:60%'>{head}</div>"
    )
    m.get_root().html.add_child(box)
    add_layer_control(m)
    return maps.to_page(m, inline=inline)


args = (
    sc.region,
    sc.preset,
    sc.mode,
    sc.categories,
    sc.top_share,
    title,
    SHADES[shade],
    tuple(show_cats),
    bool(show_zones),
    notes,
)
maps.show(_community_map(*args, False), height=560)
st.download_button(
    "Download map (HTML, works offline)",
    _community_map(*args, True),
    file_name="community_map.html",
    mime="text/html",
    key="community_download",
)
st.caption("PNG and PDF exports come with the exports module.")
