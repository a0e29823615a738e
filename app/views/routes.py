"""Plan routes (manager): who visits what, when, over the week.

The plan is :func:`geo_outreach.optimize.routing.network.plan_on_region`, the code of
``geo-outreach plan``: travel times and route lines follow the roads.
"""

from __future__ import annotations

import datetime as dt

import auth
import logic
import maps
import pandas as pd
import state
import streamlit as st

from geo_outreach.errors import GeoOutreachError, InputError
from geo_outreach.i18n import N_, _, format_date, format_decimal, format_time, ngettext
from geo_outreach.present.labels import (
    chart_time_format,
    column_label,
    day_label,
    distance_text,
    duration_text,
    kind_label,
    label_columns,
    mode_label,
    reason_sentence,
    skill_label,
    split_skills,
    time_text,
    worker_names,
)

actor = auth.guard("routes")
sc = state.scenario()
ctx = state.get_ctx(sc.region)
st.title(_("Plan routes"))
st.caption(_("Upload or edit the visits and the workers, pick the days and plan the week."))

STAGES = {
    "network": N_("Loading the road networks"),
    "snap": N_("Placing visits and workers on the roads"),
    "solve": N_("Searching for the best plan"),
    "geometry": N_("Drawing the routes along the roads"),
}
UPLOAD_LABELS = {"visits": N_("Visits CSV"), "workers": N_("Workers CSV")}


def _skills_text(skills: object) -> str:
    """A skills list (``es, nurse``) as language and qualification names."""
    langs, quals = split_skills(str(skills) if isinstance(skills, str) else "")
    return ", ".join(skill_label(c) for c in [*langs, *quals])


def _table(kind: str) -> tuple[pd.DataFrame, str] | None:
    """The visits or workers table: an upload (checked by the library reader) or the sample."""
    up = st.file_uploader(_(UPLOAD_LABELS[kind]), type=None, key=f"routes_upload_{kind}")
    if up is None:
        st.session_state.pop(f"routes_{kind}_upload_id", None)
        st.session_state.pop(f"routes_{kind}_upload_error", None)
    elif st.session_state.get(f"routes_{kind}_upload_id") != up.file_id:
        st.session_state[f"routes_{kind}_upload_id"] = up.file_id
        try:
            df = logic.read_upload(up.getvalue(), up.name)
            logic.check_upload(kind, df, up.name)
        except InputError as exc:
            st.session_state[f"routes_{kind}_upload_error"] = str(exc)
        else:
            st.session_state.pop(f"routes_{kind}_upload_error", None)
            st.session_state[f"routes_{kind}_src"] = (up.name, df)
    if f"routes_{kind}_upload_error" in st.session_state:
        state.show_error(InputError(st.session_state[f"routes_{kind}_upload_error"]))
    src = st.session_state.get(f"routes_{kind}_src")
    name, base = src if src is not None else START[kind]
    if kind == "visits":
        caption = ngettext(
            "Visits from {file} ({n} row)", "Visits from {file} ({n} rows)", len(base)
        )
    else:
        caption = ngettext(
            "Workers from {file} ({n} row)", "Workers from {file} ({n} rows)", len(base)
        )
    st.caption(caption.format(file=name, n=len(base)))  # the browser tests wait on it
    # human headers; the table itself keeps the CSV's columns (the help names each one)
    headers = {
        c: st.column_config.Column(
            column_label(str(c)), help=_("CSV column: {column}").format(column=c)
        )
        for c in base.columns
    }
    if "mode" in base.columns:  # drive, walk... as people say them; the cell keeps the code
        headers["mode"] = st.column_config.SelectboxColumn(
            column_label("mode"),
            help=_("CSV column: {column}").format(column="mode"),
            options=list(logic.MODES),
            format_func=mode_label,
        )
    edited = st.data_editor(
        base,
        num_rows="dynamic",
        column_config=headers,
        key=f"routes_edit_{kind}_{name}_{st.session_state.get(f'routes_{kind}_rev', 0)}",
        width="stretch",
        height=240,
    )
    return edited, name


START = logic.start_tables(ctx)  # the demo's samples, or empty tables on any other region
if START["visits"][1].empty and st.button(
    _("Make a sample week for this region"),
    key="routes_sample",
    help=_("Seeded visits and workers on this region's own streets, for trying the tool"),
):
    for kind, src in logic.sample_tables(ctx).items():
        st.session_state[f"routes_{kind}_src"] = src

tab_v, tab_w = st.tabs([_("Visits"), _("Workers")])
with tab_v:
    visits = _table("visits")
with tab_w:
    workers = _table("workers")

c1, c2, c3 = st.columns([3, 1, 1])
days = c1.multiselect(
    _("Days"),
    list(logic.WEEK),
    default=list(logic.WEEK[:5]),
    format_func=day_label,
    key="routes_days",
)
limit = c2.number_input(
    _("Time limit (s)"),
    1,
    600,
    10,
    key="routes_limit",
    help=_("The search stops here with its best plan so far."),
)
c3.write("")
run = c3.button(_("Plan"), type="primary", key="routes_run")

if run and visits is not None and workers is not None:
    try:
        with st.status(_("Planning the week..."), expanded=False) as status:
            seen: set[str] = set()

            def progress(stage: str, done: int, total: int) -> None:
                step = stage.split(":")[0]
                label = _(STAGES[step]) if step in STAGES else _("Computing travel times")
                if stage.startswith("matrix:"):
                    label = _("Working out travel times {mode}").format(
                        mode=mode_label(stage.split(":", 1)[1])
                    )
                if label not in seen:
                    seen.add(label)
                    status.write(label)

            saved = state.make_plan(
                sc.region,
                visits[0],
                workers[0],
                days=list(days),
                time_limit_s=float(limit),
                visits_name=visits[1],
                workers_name=workers[1],
                progress=progress,
            )
            status.update(
                label=_("Planned in {seconds} s").format(
                    seconds=format_decimal(saved["plan"].result.runtime_s, decimals=1)
                ),
                state="complete",
            )
    except (InputError, GeoOutreachError) as exc:
        state.show_error(exc)

saved = state.current_plan(sc.region)
if saved is None:
    st.info(_("Press Plan to schedule the visits."))
    st.stop()
plan = saved["plan"]
summary = plan.summary()

m1, m2, m3, m4 = st.columns(4)
m1.metric(_("Visits planned"), summary["scheduled"])
m2.metric(_("Not planned"), summary["unscheduled"])
m3.metric(_("Routes"), summary["routes"])
m4.metric(_("Travel time"), duration_text(summary["total_travel_s"] / 60))
if summary["violations"]:
    st.warning(
        ngettext(
            "The checker found {n} problem in the plan.",
            "The checker found {n} problems in the plan.",
            summary["violations"],
        ).format(n=summary["violations"])
    )


days_planned = logic.plan_days(plan)
if days_planned:
    day = st.radio(
        _("Day on the map"),
        days_planned,
        horizontal=True,
        format_func=day_label,
        key="routes_map_day",
    )

    @st.cache_data(show_spinner=False, max_entries=16)
    def _routes_map(region, _plan, day, plan_dir, lang):
        import geopandas as gpd

        from geo_outreach.present.webmap import add_layer_control, add_routes, add_sites

        ctx = state.get_ctx(region)
        who = worker_names(pd.DataFrame(_plan.routes.drop(columns="geometry")))
        lines = _plan.routes.assign(worker=who)[_plan.routes["day"] == day]
        m = maps.new_map(ctx, state.get_roads(region))
        colours = dict(zip(lines["worker"], lines["colour"], strict=True))
        if len(lines):
            # the tooltip shows the columns' names: human headers, values as people read them
            shown = gpd.GeoDataFrame(
                {
                    _("Worker"): lines["worker"],
                    _("Day"): lines["day"].map(day_label),
                    _("Stops"): lines["n_stops"],
                    _("Start"): lines["start"].map(time_text),
                    _("End"): lines["end"].map(time_text),
                },
                geometry=lines.geometry,
                crs=lines.crs,
            )
            add_routes(
                m,
                shown,
                route_column=_("Worker"),
                fields=[_("Worker"), _("Day"), _("Stops"), _("Start"), _("End")],
                palette=[colours[w] for w in dict.fromkeys(lines["worker"])],
                name=_("Routes on {day}").format(day=day_label(day)),
            )
        s = _plan.stops
        s = s.assign(worker=worker_names(s), start=s["start"].map(time_text))
        s = s[(s["day"] == day) & (s["kind"] == "visit")].dropna(subset=["lon", "lat"])
        if len(s):
            pts = gpd.GeoDataFrame(
                s, geometry=gpd.points_from_xy(s["lon"], s["lat"]), crs="EPSG:4326"
            )
            add_sites(
                m,
                pts,
                category_column="worker",
                fields=["seq", "name", "start"],
                colors=colours,
                radius_px=5,
                name=_("Stops"),
                legend=False,
            )
        add_layer_control(m)
        return maps.to_page(m)

    with st.spinner(_("Drawing routes...")):
        page = _routes_map(sc.region, plan, day, saved["dir"], state.i18n.get_language())
    maps.show(page)

    st.subheader(_("Timelines"))
    import altair as alt

    from geo_outreach.present.timeline import SEGMENT_COLOURS

    tl = saved["result"].timeline(day=day)
    if len(tl):  # a Gantt chart: one row per worker, wall-clock times of the region
        # wall-clock times as naive values: the chart shows them as they are in any browser zone
        visit_names = plan.stops.drop_duplicates("visit_id").set_index("visit_id")["name"]
        what = [
            str(visit_names.get(v, "")) or kind_label(k)
            if k == "visit"
            else _("{kind}, {duration}").format(kind=kind_label(k), duration=duration_text(m))
            for k, v, m in zip(tl["kind"], tl["visit_id"], tl["duration_min"], strict=True)
        ]
        tl = tl.assign(
            start=tl["start"].dt.tz_localize(None),
            end=tl["end"].dt.tz_localize(None),
            at=tl["start"].map(format_time) + "–" + tl["end"].map(format_time),
            kind=tl["kind"].map(kind_label),
            label=what,
        )
        hhmm = alt.Axis(
            format=chart_time_format(),
            title=_("{day}, time in {timezone}").format(
                day=day_label(day), timezone=saved["result"].timezone
            ),
        )
        gantt = (
            alt.Chart(tl)
            .mark_bar(stroke="white", strokeWidth=1)
            .encode(
                x=alt.X("start:T", axis=hhmm),
                x2="end:T",
                y=alt.Y("worker:N", title=None),
                color=alt.Color(
                    "kind:N",
                    title=None,
                    scale=alt.Scale(
                        domain=[kind_label(k) for k in SEGMENT_COLOURS],
                        range=list(SEGMENT_COLOURS.values()),
                    ),
                    legend=alt.Legend(orient="top"),
                ),
                tooltip=[
                    alt.Tooltip("worker:N", title=_("Worker")),
                    alt.Tooltip("kind:N", title=_("Type")),
                    alt.Tooltip("label:N", title=_("What")),
                    alt.Tooltip("at:N", title=_("Time")),
                ],
            )
            .properties(height=alt.Step(32))  # one 32 px row per worker
        )
        st.altair_chart(gantt, width="stretch", key="routes_gantt")
    r = pd.DataFrame(plan.routes.drop(columns="geometry"))
    r = r.assign(worker=worker_names(r))[r["day"] == day]
    units = ctx.region.unit_system
    r = r.assign(
        mode=r["mode"].map(mode_label),
        start=r["start"].map(time_text),
        end=r["end"].map(time_text),
        travel=(r["travel_s"] / 60).map(duration_text),
        distance=r["dist_m"].map(lambda d: distance_text(d, unit_system=units)),
        working_time=(r["duration_s"] / 60).map(duration_text),
    )
    cols = ["worker", "mode", "start", "end", "n_stops", "travel", "distance", "working_time"]
    st.dataframe(label_columns(r[cols]), hide_index=True, key="routes_timeline")
    with st.expander(_("Stops of the day, in order")):
        ds = plan.stops[plan.stops["day"] == day]
        ds = ds.assign(
            worker=worker_names(ds),
            kind=ds["kind"].map(kind_label),
            name=ds["name"].where(ds["kind"] == "visit", ""),  # the kind says what the rest are
            **{c: ds[c].map(time_text) for c in ("arrival", "start", "end")},
        )
        st.dataframe(
            label_columns(ds[["worker", "seq", "kind", "name", "arrival", "start", "end"]]),
            hide_index=True,
            key="routes_day_stops",
        )

with st.expander(_("Pin visits and re-plan")):
    st.caption(
        _(
            "Pinned visits stay with their worker on their day; locked routes keep their visits "
            "in order and take no others. Everything else is planned again."
        )
    )
    pv = plan.stops[plan.stops["kind"] == "visit"]
    pv = pv.assign(worker=worker_names(pv))
    where = pv.groupby("visit_id", sort=False).agg(
        name=("name", "first"),
        who=("worker", "first"),
        day=("day", lambda d: ", ".join(day_label(x) for x in d)),
    )
    twice = set(where["name"][where["name"].duplicated(keep=False)])

    def _visit_choice(v: str) -> str:
        """A visit by its name (with its id when the name is empty or shared), who and when."""
        name = str(where.at[v, "name"]).strip()
        if not name or name in twice:
            name = f"{name} ({v})".strip() if name else str(v)
        return _("{visit}: {worker}, {day}").format(
            visit=name, worker=where.at[v, "who"], day=where.at[v, "day"]
        )

    pins = st.multiselect(
        _("Pin these visits where they are"),
        list(where.index),
        format_func=_visit_choice,
        key="routes_pin",
    )
    route_keys = list(dict.fromkeys(zip(pv["worker_id"], pv["day"], strict=True)))
    names = dict(zip(pv["worker_id"], pv["worker"], strict=False))
    locks = st.multiselect(
        _("Lock these routes"),
        route_keys,
        format_func=lambda k: _("{worker} on {day}").format(
            worker=names.get(k[0]) or k[0], day=day_label(k[1])
        ),
        key="routes_lock",
    )
    if st.button(_("Pin and re-plan"), key="routes_replan", disabled=not (pins or locks)):
        try:
            with st.spinner(_("Planning again around the pins...")):
                state.replan_pinned(
                    sc.region,
                    saved,
                    visits[0],
                    workers[0],
                    visit_ids=pins,
                    routes=locks,
                    days=list(days),
                    time_limit_s=float(limit),
                    visits_name=visits[1],
                    workers_name=workers[1],
                )
        except (InputError, GeoOutreachError) as exc:
            state.show_error(exc)
        else:
            st.rerun()

st.subheader(_("Not planned, and why"))
if plan.unscheduled.empty:
    st.success(_("Every visit is planned."))
else:
    u = plan.unscheduled
    names = u["name"].astype(str).str.strip()
    shown = pd.DataFrame(
        {
            # the visit's name (its id when it has none)
            "name": names.where(~names.isin(["", "nan", "None"]), u["visit_id"].astype(str)),
            "skills": u["skills"].map(_skills_text) if "skills" in u else "",
            "reason": u["code"].map(reason_sentence),
        }
    )
    if "occurrence" in u and pd.to_numeric(u["occurrence"], errors="coerce").max() > 0:
        # a visit asked more than once a week: which of its visits (1st, 2nd...)
        shown.insert(1, "occurrence", pd.to_numeric(u["occurrence"]).astype(int) + 1)
    st.dataframe(label_columns(shown), hide_index=True, key="routes_unscheduled")
    with st.expander(_("The planner's details")):
        st.caption(
            _(
                "The planner's own words (in English), for whoever looks into a visit that was "
                "left out."
            )
        )
        st.dataframe(
            label_columns(shown[["name"]].assign(details=u["reason"])),
            hide_index=True,
            key="routes_unscheduled_details",
        )

if actor.role != "owner":  # accounts exist: publish to the team
    from geo_outreach.team.plans import monday_of, publish_plan
    from geo_outreach.team.roles import AccessDeniedError

    with st.container(border=True):
        st.markdown(_("**Publish to the team**: workers see the published plan on My day."))
        p1, p2 = st.columns([2, 1])
        week = p1.date_input(
            _("Week of"), monday_of(logic.region_today(ctx.region.timezone)), key="routes_publish_week",
            help=_("Any date of the plan's week (taken as its Monday)"),
        )  # fmt: skip
        p2.write("")
        if p2.button(_("Publish"), type="primary", key="routes_publish"):
            try:
                pub = publish_plan(
                    state.visit_store(), saved["dir"], week_of=week, region=ctx.region.name,
                    streets=lambda: state.get_road_edges(sc.region), actor=actor,
                )  # fmt: skip
            except (InputError, GeoOutreachError, AccessDeniedError) as exc:
                state.show_error(exc)
            else:
                old = pub.get("superseded") or []
                monday = pub["week_of"]
                if isinstance(monday, str):
                    monday = dt.date.fromisoformat(monday)
                facts = {"id": pub["id"], "week": format_date(monday)}
                if old:
                    text = ngettext(
                        "Published plan {id} for the week of {week} (replaces plan {old})",
                        "Published plan {id} for the week of {week} (replaces plans {old})",
                        len(old),
                    ).format(old=", ".join(map(str, old)), **facts)
                else:
                    text = _("Published plan {id} for the week of {week}").format(**facts)
                # kept for this plan: a rerun (a map event) must not wipe the confirmation
                st.session_state["routes_published"] = (saved["dir"], text)
        done = st.session_state.get("routes_published")
        if done is not None and done[0] == saved["dir"]:
            st.success(done[1])

d1, d2 = st.columns(2)
d1.download_button(
    _("Download the stops (CSV)"),
    plan.stops.to_csv(index=False).encode("utf-8"),
    file_name="stops.csv",
    mime="text/csv",
    key="routes_download",
)
d2.download_button(
    _("Download the plan folder (ZIP)"),
    logic.plan_zip(saved["dir"]),
    file_name="plan.zip",
    mime="application/zip",
    key="routes_download_zip",
    help=_("routes.geojson, stops.csv and unscheduled.csv, as geo-outreach plan writes them"),
)
