"""Community map (planner): compose a coverage map and download it as PNG, PDF or offline HTML.

The downloads are :func:`geo_outreach.present.exports.coverage_map`, the code behind
``geo-outreach export map``; they are made when a button is pressed.
"""

from __future__ import annotations

import html

import auth
import logic
import maps
import state
import streamlit as st

from geo_outreach import i18n
from geo_outreach.errors import InputError
from geo_outreach.i18n import _
from geo_outreach.present.labels import category_label, mode_label
from geo_outreach.present.webmap import add_layer_control

actor = auth.guard("community")
sc = state.scenario()
ctx = state.get_ctx(sc.region)
st.title(_("Community map"))
st.caption(
    _("Compose a map for a meeting or a report, then download it: it opens offline in any browser.")
)

try:
    analysis = sc.analysis()
except InputError as exc:
    state.show_error(exc)
    st.stop()

cats = sorted(ctx.region.services["category"].astype(str).unique())
# the column that shades the tracts ("" for none) -> its name for people (the choice keeps
# the column: a language switch changes the names, not the map)
SHADES = {"underserved_score": _("Underserved score"), "need_score": _("Need index"), "": _("None")}
for cat in [*sc.categories, *(c for c in cats if c not in sc.categories)]:
    col = f"tt_nearest_{cat}_{sc.mode}_min"
    if col in analysis.tracts.columns:
        label = _("Minutes to the nearest {service} ({mode})").format(
            service=category_label(cat, overrides=ctx.region.manifest.category_labels).lower(),
            mode=mode_label(sc.mode),
        )
        SHADES[col] = label

a, b = st.columns(2)
title = a.text_input(_("Title"), _("Where people are underserved"), key="community_title")
shade = b.selectbox(
    _("Shade tracts by"), list(SHADES), key="community_shade", format_func=SHADES.get
)
show_cats = st.multiselect(
    _("Services to show"),
    cats,
    default=list(sc.categories),
    key="community_cats",
    format_func=lambda c: category_label(c, overrides=ctx.region.manifest.category_labels),
)
show_zones = st.checkbox(_("Outline underserved zones"), True, key="community_zones")
notes = st.text_area(_("Notes (shown under the title)"), "", key="community_notes")


size = logic.community_size(ctx.region.country)  # Letter in the US, A4 elsewhere


@st.cache_data(show_spinner=False, max_entries=16)
def _community_map(
    region, need, mode, categories, top_share, title, shade, show_cats, show_zones, notes, size,
    lang,
):  # fmt: skip
    """The on-page preview: the download's classes, colours, legend and extent (Leaflet from
    the app's static folder, cached road layer)."""
    import folium

    ctx = state.get_ctx(region)
    res = state.get_analysis(region, need, mode, categories, top_share)
    sites = ctx.region.services[ctx.region.services["category"].astype(str).isin(show_cats)]
    m = logic.community_preview(
        lambda bounds: maps.new_map(ctx, state.get_roads(region), bounds=bounds),
        result=res,
        services=sites,
        shade=shade,
        zones=show_zones,
        size=size,
        category_labels=ctx.region.manifest.category_labels,
    )
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
    return maps.to_page(m)


args = (
    sc.region,
    sc.need,
    sc.mode,
    sc.categories,
    sc.top_share,
    title,
    shade,
    tuple(show_cats),
    bool(show_zones),
    notes,
    size,
    i18n.get_language(),
)
with st.spinner(_("Drawing the map...")):
    page = _community_map(*args)
maps.show(page, height=560)

services = ctx.region.services[ctx.region.services["category"].astype(str).isin(show_cats)]
roads = state.get_road_edges(sc.region)
attribution = ctx.region.attribution


def _export(fmt: str):
    """Deferred download: the map is drawn only when its button is pressed."""
    shade_col, zones_on, the_title, the_notes = shade, bool(show_zones), title, notes
    lang = i18n.get_language()  # the download speaks the page's language

    def make() -> bytes:
        with i18n.using(lang):
            return _make()

    def _make() -> bytes:
        return logic.community_map(
            fmt,
            result=analysis,
            services=services,
            roads=roads,
            title=the_title,
            notes=the_notes,
            shade=shade_col,
            zones=zones_on,
            attribution=attribution,
            size=size,
            category_labels=ctx.region.manifest.category_labels,
        )

    return make


st.caption(_("Download the map: PNG for slides, PDF to print, HTML to open offline in a browser."))
d1, d2, d3 = st.columns(3)
paper = _("{paper} paper, landscape (the paper of the region's country)").format(
    paper=logic.paper_name(size)
)
for col, fmt, label, mime, tip in (
    (d1, "png", _("Download map (PNG)"), "image/png", None),
    (d2, "pdf", _("Download map (PDF)"), "application/pdf", paper),
    (d3, "html", _("Download map (HTML, works offline)"), "text/html", None),
):
    col.download_button(
        label,
        _export(fmt),
        help=tip,
        file_name=f"community_map.{fmt}",
        mime=mime,
        key=f"community_download_{fmt}",
        on_click="ignore",
        width="stretch",
    )
