"""Plan stops (manager): where should the mobile unit stop? MCLP / LSCP / p-median."""

from __future__ import annotations

import json

import auth
import logic
import maps
import state
import streamlit as st

from geo_outreach.errors import GeoOutreachError, InputError
from geo_outreach.i18n import _, format_decimal, format_people, format_percent
from geo_outreach.present.labels import (
    candidate_reason,
    category_label,
    mode_choice,
    share_text,
    siting_summary,
)

actor = auth.guard("stops")
sc = state.scenario()
ctx = state.get_ctx(sc.region)
st.title(_("Plan stops"))
st.caption(
    _(
        "Choose where a mobile unit should stop so the most people in need are within reach. "
        "Candidates are community venues and spaced points on larger roads."
    )
)

GOALS = {  # the model code -> what a manager wants (the choice keeps the code)
    "mclp": _("Reach the most people in need with a given number of stops"),
    "lscp": _("Fewest stops that reach everyone"),
    "pmedian": _("Shortest average trip with a given number of stops"),
}
cats = sorted(ctx.region.services["category"].astype(str).unique())
with st.form("stops_form"):
    a, b, c = st.columns(3)
    model = a.selectbox(_("Goal"), list(GOALS), key="stops_model", format_func=GOALS.__getitem__)
    p = b.number_input(_("Number of stops"), 1, 30, 5, key="stops_p")
    t_min = c.slider(_("Reach within (minutes)"), 5, 45, 15, key="stops_T")
    d, e, f = st.columns(3)
    mode = d.radio(
        _("Travel mode"),
        list(logic.MODES),
        index=1,
        horizontal=True,
        key="stops_mode",
        format_func=mode_choice,  # "On foot"; the value stays the code (walk)
    )
    floor_pct = e.slider(
        _("Equity floor: % of high-need people reached"),
        0,
        100,
        0,
        5,
        key="stops_floor",
        help=_("0 = no floor. High need = the 20% of tracts with the highest need index."),
    )
    existing = f.selectbox(
        _("Existing services already reaching people"),
        ["", *cats],
        key="stops_existing",
        format_func=lambda c: (
            category_label(c, overrides=ctx.region.manifest.category_labels) if c else _("(none)")
        ),
        help=_("People within reach of these services count as reached already."),
    )
    limit = st.number_input(
        _("Search time limit (seconds)"),
        1,
        300,
        10,
        key="stops_limit",
        help=_("The search stops here with its best plan so far."),
    )
    run = st.form_submit_button(_("Run"), type="primary")

if run:
    import geo_outreach as go

    try:
        with st.spinner(_("Solving...")):
            found = go.site_stops(
                ctx,
                None,
                need=sc.need,
                model=model,
                p=int(p),
                within_min=float(t_min),
                mode=mode,
                equity_floor=floor_pct / 100 if floor_pct else None,
                existing=existing or None,
                time_limit_s=float(limit),
                actor=actor,
            )
        st.session_state["stops_result"] = (found, sc.region)
        st.session_state.pop("stops_whatif", None)
    except (InputError, GeoOutreachError) as exc:
        state.show_error(exc)

saved = st.session_state.get("stops_result")
if saved is None or saved[1] != sc.region:
    st.info(_("Set the options and press Run."))
    st.stop()
found = saved[0]
res, mode = found.result, found.mode
before, after = res.coverage_before, res.coverage_after
if res.status in ("optimal", "time_limit") and res.model in ("mclp", "lscp"):
    st.success(
        siting_summary(
            stops=len(res.stops),
            people=after.get("population", 0),
            minutes=(res.max_time_s or 0) / 60 or None,
            status=res.status,
        )
    )
else:
    (st.success if res.status in ("optimal", "time_limit") else st.warning)(res.message)
with st.expander(_("Solver details")):
    st.caption(res.message)  # the engine's own words (need-weighted demand, gap)

m1, m2, m3, m4 = st.columns(4)
m1.metric(_("Stops"), len(res.stops))
m2.metric(
    _("People reached"),
    format_people(after.get("population", 0)),
    delta=format_people(after.get("population", 0) - before.get("population", 0)),
)
m3.metric(
    _("Share reached"),
    format_percent(after.get("share", 0)),
    delta=format_percent(after.get("share", 0) - before.get("share", 0)),
)
m4.metric(_("Share reached in high-need tracts"), format_percent(after.get("high_need_share", 0)))
if after.get("share", 0) > 0:
    st.caption(share_text(after["population"], after["population"] / after["share"]))
if res.price_of_floor is not None:
    st.caption(
        _("Price of the equity floor: {value} need-weighted demand.").format(
            value=format_decimal(res.price_of_floor, decimals=1)
        )
    )

stops = found.stops


@st.cache_data(show_spinner=False, max_entries=16)
def _stops_map(region, _found, key, lang):
    from geo_outreach.present.webmap import add_choropleth, add_layer_control, add_sites

    ctx = state.get_ctx(region)
    units = ctx.region.units[["unit_id", "name", "geometry"]].merge(
        _found.result.units[["unit_id", "covered_share_after"]], on="unit_id", how="left"
    )
    units["shown_share"] = [
        format_percent(v) if v == v else None for v in units["covered_share_after"].astype(float)
    ]
    m = maps.new_map(ctx, state.get_roads(region))
    add_choropleth(
        m,
        units,
        "covered_share_after",
        fields=["name", "shown_share"],
        aliases=[_("Tract"), _("Share reached")],
        name=_("Share reached after"),
        bins=[0, 0.25, 0.5, 0.75, 0.99, 1.0],
        cmap="Greens",
    )
    stop_names = dict(zip(_found.stops["site_id"], _found.stops["name"].astype(str), strict=False))
    if len(_found.coverage):
        areas = _found.coverage.assign(
            name=_found.coverage["site_id"].map(stop_names).fillna(_found.coverage["site_id"])
        )
        maps.add_polygons(
            m, areas, name=_("Areas reached"), color="#0072B2", fields=["name", "rank"]
        )
    st_ = _found.stops.copy()
    st_["label"] = _("new stop")
    for col in ("gain_population", "covered_population"):
        st_[col] = logic.people_column(st_[col])
    if len(st_):
        add_sites(
            m,
            st_,
            category_column="label",
            fields=["rank", "name", "gain_population", "covered_population"],
            colors={_("new stop"): "#D55E00"},
            radius_px=9,
            name=_("Stops"),
        )
    add_layer_control(m)
    return maps.to_page(m)


key = (mode, res.model, res.p, res.max_time_s, tuple(res.site_ids), res.equity_floor)
with st.spinner(_("Drawing the map...")):
    page = _stops_map(sc.region, found, key, state.i18n.get_language())
maps.show(page)

st.subheader(_("Chosen stops, in order of gain"))
st.dataframe(
    logic.readable_table(
        stops.assign(reason=[candidate_reason(r) for r in stops.to_dict("records")]),
        ["rank", "name", "reason", "gain_population", "covered_population", "n_units"],
    ),
    hide_index=True,
    key="stops_table",
)

st.subheader(_("Plan visits to these stops"))
v1, v2, v3 = st.columns([2, 1, 1])
stop_windows = v1.text_input(
    _("When the unit is at a stop"),
    "Mon-Fri 10:00-14:00",
    key="stops_windows",
    help=_("Days and hours, as in the visits file: Mon-Fri 10:00-14:00, Tue/Thu 09:00-12:00."),
)
stop_minutes = v2.number_input(_("Minutes at each stop"), 15, 480, 120, 15, key="stops_duration")
v3.write("")
if v3.button(_("Plan visits to these stops"), key="stops_to_routes"):
    try:
        visits = found.to_visits(windows=stop_windows, duration_min=float(stop_minutes))
    except (InputError, GeoOutreachError) as exc:
        state.show_error(exc)
    else:
        # Plan routes reads its visits table from here (as after an upload)
        st.session_state["routes_visits_src"] = (_("the stops of Plan stops"), visits.table)
        st.switch_page("views/routes.py")

st.subheader(_("What if?"))
w1, w2 = st.columns(2)
stop_names = dict(zip(stops["site_id"], stops["name"].astype(str), strict=False))
close = w1.multiselect(
    _("Close a stop"),
    res.site_ids,
    key="stops_close",
    format_func=lambda sid: stop_names.get(sid) or sid,  # names, not internal ids
)
t_alt = w2.multiselect(_("Other reach times (minutes)"), [5, 10, 15, 20, 30, 45], key="stops_talt")
if st.button(_("Compare scenarios"), key="stops_compare"):
    from geo_outreach.optimize.siting import what_if

    try:
        with st.spinner(_("Re-solving scenarios...")):
            st.session_state["stops_whatif"] = what_if(
                res, close_site_ids=close, max_time_s_values=[t * 60.0 for t in t_alt]
            )
    except (InputError, GeoOutreachError) as exc:
        state.show_error(exc)
if "stops_whatif" in st.session_state:
    st.dataframe(
        logic.what_if_table(st.session_state["stops_whatif"], stop_names),
        hide_index=True,
        key="stops_whatif_table",
    )

st.download_button(
    _("Download stops (JSON)"),
    json.dumps(res.to_json_dict(), indent=2),
    file_name="stops.json",
    mime="application/json",
    key="stops_download",
)
