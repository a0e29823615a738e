"""Needs and access: need index, access and underserved score per tract, with the services."""

from __future__ import annotations

import auth
import logic
import maps
import pandas as pd
import state
import streamlit as st

from geo_outreach import i18n
from geo_outreach.errors import InputError
from geo_outreach.i18n import _, format_decimal, format_people
from geo_outreach.present.labels import category_label, column_label, mode_label

actor = auth.guard("needs")
sc = state.scenario()
ctx = state.get_ctx(sc.region)
st.title(_("Needs and access"))

try:
    result = sc.analysis()
except InputError as exc:
    state.show_error(exc)
    st.stop()
tracts = result.tracts
ranked = tracts[tracts["underserved_rank"].notna()]
access_cols = logic.access_columns(result, sc.mode, sc.categories)
cats = sorted(ctx.region.services["category"].astype(str).unique())

# the column drawn -> its name for people (the choice keeps the column: a language switch
# changes the names, not what is drawn)
layers = {"underserved_score": _("Underserved score"), "need_score": _("Need index")}
for cat in [*sc.categories, *(c for c in cats if c not in sc.categories)]:
    col = f"tt_nearest_{cat}_{sc.mode}_min"
    if col in tracts.columns:
        label = _("Minutes to the nearest {service} ({mode})").format(
            service=category_label(cat, overrides=ctx.region.manifest.category_labels).lower(),
            mode=mode_label(sc.mode),
        )
        layers[col] = label

summary = result.summary(0)
c1, c2, c3, c4 = st.columns(4)
c1.metric(_("Tracts"), summary["tracts"])
c2.metric(_("Underserved tracts"), summary["underserved"])
c3.metric(_("Underserved zones"), summary["zones"])
c4.metric(_("Off the road network"), summary["off_network"])
st.caption(_("Need index: {method}.").format(method=result.need_method))

column = st.selectbox(_("Map layer"), list(layers), key="needs_layer", format_func=layers.get)
layer_label = layers[column]


@st.cache_data(show_spinner=False, max_entries=32)
def _map_html(region, need, mode, categories, top_share, column, label, lang):
    from geo_outreach.present.webmap import add_choropleth, add_layer_control, add_sites

    ctx = state.get_ctx(region)
    res = state.get_analysis(region, need, mode, categories, top_share)
    t = res.tracts.copy()
    t[column] = t[column].astype(float).where(lambda s: s < 1e9)  # inf (beyond cutoff) -> no data
    # what the tooltip and popup show: rounded as people read them (the map keeps the values)
    t["shown_value"] = t[column].round(0 if column.endswith("_min") else 2)
    t["shown_people"] = logic.people_column(t["population"])
    t["shown_need"] = t["need_score"].astype(float).round(2)
    m = maps.new_map(ctx, state.get_roads(region))
    layer = add_choropleth(
        m,
        t,
        column,
        fields=["name", "shown_value"],
        aliases=[_("Tract"), label],
        name=label,
        legend_title=label,
    )
    maps.add_popup(
        layer,
        t,
        ["shown_people", "shown_need", "underserved_rank", "reason"],
        [column_label("population"), _("Need index"), _("Underserved rank"), _("Why")],
    )
    add_sites(m, ctx.region.services, fields=["name", "category"], name=_("Services"), radius_px=5)
    add_layer_control(m)
    return maps.to_page(m)


with st.spinner(_("Drawing the map...")):
    page = _map_html(
        sc.region, sc.need, sc.mode, sc.categories, sc.top_share, column, layer_label,
        i18n.get_language(),
    )  # fmt: skip
maps.show(page)
st.caption(
    _("Click a tract for its numbers and why it ranks where it does. Grey tracts have no value.")
)

st.subheader(_("Tract details"))
options = ranked.sort_values("underserved_rank")["unit_id"].tolist() + sorted(
    set(tracts["unit_id"]) - set(ranked["unit_id"])
)
names = tracts.set_index("unit_id")["name"].astype(str).to_dict()
repeated = {n for n in names.values() if list(names.values()).count(n) > 1}
labels = {
    (f"{names[u]} ({u})" if names.get(u, u) in repeated else names.get(u, u)): u for u in options
}
uid = labels[st.selectbox(_("Tract"), list(labels), key="needs_tract")]
row = tracts.set_index("unit_id").loc[uid]
d1, d2, d3 = st.columns(3)
d1.metric(
    _("Need index"),
    _("n/a") if pd.isna(row["need_score"]) else format_decimal(row["need_score"], decimals=2),
)
d2.metric(
    _("Underserved rank"),
    _("not ranked") if pd.isna(row["underserved_rank"]) else int(row["underserved_rank"]),
)
d3.metric(_("Population"), format_people(row["population"]))
st.info(str(row["reason"]))

st.subheader(_("Most underserved tracts"))
top = ranked.sort_values("underserved_rank").head(15)
show_cols = [
    "underserved_rank",
    "name",
    "population",
    "need_score",
    "underserved_score",
    *access_cols,
    "reason",
]
st.dataframe(logic.readable_table(top, show_cols), hide_index=True, key="needs_top_table")

st.subheader(_("Underserved zones"))
zones = result.zones.drop(columns="geometry").assign(
    tracts=lambda z: [
        ", ".join(
            names.get(str(u).strip(), str(u).strip())
            for u in (ids if isinstance(ids, list | tuple) else str(ids).split(","))
        )
        for ids in z["unit_ids"]
    ]
)
st.dataframe(
    logic.readable_table(
        zones,
        [
            "zone_id",
            "tracts",
            "population",
            "need_score_mean",
            "underserved_score_max",
            "best_rank",
        ],
    ),
    hide_index=True,
    key="needs_zones_table",
)
