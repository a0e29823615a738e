"""My day (worker, phone): today's ordered stops, the route, the field packet, and one form
per stop to record what happened in the visit log (:mod:`geo_outreach.visits.store`)."""

from __future__ import annotations

import datetime as dt
import functools

import auth
import logic
import maps
import pandas as pd
import state
import streamlit as st

from geo_outreach.errors import GeoOutreachError, InputError
from geo_outreach.i18n import N_, _, format_date, get_language, gettext, ngettext
from geo_outreach.present.labels import (
    column_label,
    duration_text,
    referral_label,
    route_names,
    skill_details,
    time_text,
)

actor = auth.guard("my-day")
if actor.role != "owner":  # accounts exist: the published plan of the signed-in worker
    import team_day

    team_day.render(actor)
    st.stop()
sc = state.scenario()
ctx = state.get_ctx(sc.region)
st.title(_("My day"))

saved = state.current_plan(sc.region)
if saved is None:
    st.info(
        _("No plan yet. A manager plans the week on **Plan routes**; or plan the sample week now.")
    )
    start = logic.start_tables(ctx)
    demo = not start["visits"][1].empty
    label = _("Plan the sample week") if demo else _("Make a sample week for this region")
    if st.button(label, key="myday_demo"):
        try:
            with st.spinner(_("Planning...")):
                tables = start if demo else logic.sample_tables(ctx)
                state.make_plan(
                    sc.region,
                    tables["visits"][1],
                    tables["workers"][1],
                    days=list(logic.WEEK[:5]),
                    time_limit_s=5.0,
                    visits_name=tables["visits"][0],
                    workers_name=tables["workers"][0],
                )
            st.rerun()
        except (InputError, GeoOutreachError) as exc:
            state.show_error(exc)
    st.stop()

plan = saved["plan"]
routes = plan.routes
if routes.empty:
    st.warning(_("The plan has no route."))
    st.stop()
names = dict(zip(routes["worker_id"], routes["worker_name"].fillna(""), strict=False))
labels = {(f"{n} ({w})" if n and n != w else w): w for w, n in names.items()}
worker = labels[st.selectbox(_("Who are you?"), list(labels), key="myday_worker")]
days = [
    d
    for d in logic.plan_days(plan)
    if ((routes["worker_id"] == worker) & (routes["day"] == d)).any()
]


def _day_name(day: str) -> str:
    """A plan day as the worker reads it: ``Mon`` -> ``Monday`` / ``lunes`` / ``måndag``."""
    if day in logic.WEEK:  # a weekday code: its name in the page's language
        name = format_date(dt.date(2024, 1, 1 + logic.WEEK.index(day)), form="EEEE")  # a Monday
        return name[:1].upper() + name[1:]
    return str(day)


day = st.selectbox(_("Day"), days, key="myday_day", format_func=_day_name)

route = routes[(routes["worker_id"] == worker) & (routes["day"] == day)].iloc[0]
mine = plan.stops[(plan.stops["worker_id"] == worker) & (plan.stops["day"] == day)]
visits = mine[mine["kind"] == "visit"]

st.markdown(
    _("{stops} · start {start} · back {back} · travel {travel}").format(
        stops="**" + ngettext("{n} stop", "{n} stops", len(visits)).format(n=len(visits)) + "**",
        start=time_text(route["start"]),
        back=time_text(route["end"]),
        travel=duration_text(float(route["travel_s"]) / 60.0),
    )
)


@st.cache_data(show_spinner=False, max_entries=32)
def _day_map(region, _plan, worker, day, plan_dir, lang):  # lang: the tooltips' language
    import geopandas as gpd

    from geo_outreach.present.webmap import add_routes, add_sites

    ctx = state.get_ctx(region)
    r = _plan.routes
    lines = r[(r["worker_id"] == worker) & (r["day"] == day)]
    m = maps.new_map(ctx, state.get_roads(region), bounds=lines.total_bounds)
    add_routes(  # the route by the worker's name and day (headers: column_label)
        m,
        lines.assign(route=route_names(lines)),
        route_column="route",
        fields=["route", "n_stops"],
        palette=list(lines["colour"]),
        name=_("Route"),
        legend=False,
    )
    s = _plan.stops
    s = s[(s["worker_id"] == worker) & (s["day"] == day) & (s["kind"] == "visit")]
    s = s.dropna(subset=["lon", "lat"])
    if len(s):
        s = s.assign(start=s["start"].map(time_text))
        tips = {c: column_label(c) for c in ("name", "start", "address")}
        stop = column_label("site_id")  # "Stop"
        pts = gpd.GeoDataFrame(
            s.rename(columns=tips).assign(
                **{stop: [str(i) for i in range(1, len(s) + 1)]}, label="stop"
            ),
            geometry=gpd.points_from_xy(s["lon"], s["lat"]),
            crs="EPSG:4326",
        )
        add_sites(
            m,
            pts,
            category_column="label",
            fields=[stop, *tips.values()],
            colors={"stop": "#D55E00"},
            radius_px=8,
            name=_("Stops"),
            legend=False,
        )
    return maps.to_page(m)


with st.spinner(_("Drawing your route...")):
    _page = _day_map(sc.region, plan, worker, day, saved["dir"], get_language())
maps.show(_page, height=380)

# --------------------------------------------------------------------------- field packet


@st.cache_data(show_spinner=False, max_entries=16)
def _packet(plan_dir, worker, day, week_of, region, lang):  # lang: the packet's language
    return logic.packet_files(
        plan_dir,
        worker,
        day,
        week_of,
        roads=state.get_road_edges(region),
        attribution=state.get_ctx(region).region.attribution,
        lang=lang,
    )


with st.expander(_("Field packet: printable sheet, GPS, calendar, offline map")):
    week_of = st.date_input(
        _("Week starting"), logic.next_monday(), key="myday_week", help=_("Dates on the packet")
    )
    pk_key = (saved["dir"], worker, day, week_of)
    if st.button(_("Make my field packet"), key="myday_packet", width="stretch"):
        try:
            with st.spinner(_("Making your field packet...")):
                made = _packet(*pk_key, sc.region, get_language())
            st.session_state["myday_packet_files"] = (pk_key, made)
        except (InputError, GeoOutreachError) as exc:
            state.show_error(exc)
    made = st.session_state.get("myday_packet_files")
    if made is not None and made[0] == pk_key:
        files = made[1]
        stem = files["stem"].decode()
        for suffix, label, mime in (
            ("pdf", _("Route sheet (PDF, to print)"), "application/pdf"),
            ("gpx", _("GPS route (GPX)"), "application/gpx+xml"),
            ("ics", _("Calendar (ICS)"), "text/calendar"),
            ("html", _("Offline map (HTML)"), "text/html"),
        ):
            if suffix in files:
                st.download_button(
                    label,
                    files[suffix],
                    file_name=f"{stem}.{suffix}",
                    mime=mime,
                    key=f"myday_dl_{suffix}",
                    width="stretch",
                    on_click="ignore",
                )

# --------------------------------------------------------------------------- the stops

#: outcome code -> what the worker reads (translated when drawn)
OUTCOMES = {"done": N_("Done"), "no_one_there": N_("No one there"), "cancelled": N_("Cancelled")}


def _outcome(code: str, lang: str | None = None) -> str:
    """An outcome for people, in ``lang`` (default: the page's language)."""
    return gettext(OUTCOMES[code], lang=lang) if code in OUTCOMES else str(code)


try:
    store = state.visit_store()
except (InputError, GeoOutreachError) as exc:
    store = None
    state.show_error(
        InputError(
            _("The visit log cannot be opened, so visits cannot be recorded: {reason}").format(
                reason=exc
            )
        )
    )

recorded: dict[str, pd.Series] = {}
if store is not None:
    from geo_outreach.visits.store import visits_frame

    today = visits_frame(store, since=logic.region_today(ctx.region.timezone))
    today = today[today["worker_id"] == worker]
    for r in today.itertuples(index=False):
        if r.planned_visit_id:
            recorded[str(r.planned_visit_id)] = r


def _save(sk: str, row: pd.Series) -> None:
    """Store the form of stop ``sk`` once (same idempotency key on every press)."""
    from geo_outreach.visits.models import CATEGORIES
    from geo_outreach.visits.store import StoreBusyError, record_visit

    ss = st.session_state
    follow = bool(ss[f"rec_follow_{sk}"])
    try:
        stored = record_visit(
            store,
            worker_id=worker,
            visited_at=dt.datetime.now(dt.UTC).replace(microsecond=0),  # stored in UTC
            timezone=ctx.region.timezone,  # shown, and dated, in the region's zone
            outcome=ss[f"rec_outcome_{sk}"],
            planned_visit_id=str(row["visit_id"]),
            people_reached=int(ss[f"rec_people_{sk}"]),
            referrals={c: int(ss[f"rec_ref_{c}_{sk}"]) for c in CATEGORIES},
            followup_needed=follow,
            followup_due=ss[f"rec_due_{sk}"] if follow else None,
            note=ss[f"rec_note_{sk}"],
            lon=float(row["lon"]) if pd.notna(row["lon"]) else None,
            lat=float(row["lat"]) if pd.notna(row["lat"]) else None,
            idempotency_key=ss[f"rec_key_{sk}"],
            plan=plan.stops,
        )
    except StoreBusyError:
        ss[f"rec_msg_{sk}"] = (
            "error",
            _("The visit log is busy right now; press Save again (it is stored only once)."),
        )
    except InputError as exc:
        ss[f"rec_msg_{sk}"] = ("error", " ".join(str(exc).split()))
    else:
        ss[f"rec_msg_{sk}"] = (
            ("success", _("Saved: {outcome}.").format(outcome=_outcome(stored.record.outcome)))
            if stored.created
            else ("info", _("Already saved: this visit is stored once."))
        )


from geo_outreach.visits.models import CATEGORIES  # noqa: E402

for i, (_idx, row) in enumerate(visits.iterrows(), start=1):
    sk = logic.stop_key(worker, day, row["visit_id"], row["occurrence"])
    done = recorded.get(str(row["visit_id"]))
    with st.container(border=True):
        tick = f" · ✓ {_outcome(done.outcome)}" if done is not None else ""
        st.markdown(
            f"**{i}. {time_text(row['start'])}–{time_text(row['end'])}"
            f" · {row['name'] or row['visit_id']}**{tick}"
        )
        details = []
        if row["address"]:
            details.append(_("Address: {address}").format(address=row["address"]))
        details += skill_details(str(row["languages"] or ""))
        if row["notes"]:
            details.append(_("Note: {note}").format(note=row["notes"]))
        st.caption(" · ".join(details))
        if store is None:
            continue
        msg = st.session_state.get(f"rec_msg_{sk}")
        with st.expander(_("Record this visit"), expanded=msg is not None and msg[0] == "error"):
            if f"rec_key_{sk}" not in st.session_state:  # made when the form opens
                st.session_state[f"rec_key_{sk}"] = logic.new_idempotency_key()
            with st.form(f"rec_form_{sk}", border=False):
                st.radio(
                    _("What happened?"),
                    list(OUTCOMES),
                    format_func=functools.partial(_outcome, lang=get_language()),
                    horizontal=True,
                    key=f"rec_outcome_{sk}",
                )
                st.number_input(_("People reached"), 0, 999, 1, key=f"rec_people_{sk}")
                st.caption(_("Referrals made"))
                cols = st.columns(3)
                for k, c in enumerate(CATEGORIES):
                    cols[k % 3].number_input(referral_label(c), 0, 99, 0, key=f"rec_ref_{c}_{sk}")
                st.checkbox(_("Follow-up needed"), key=f"rec_follow_{sk}")
                st.date_input(
                    _("Follow-up by"),
                    logic.region_today(ctx.region.timezone) + dt.timedelta(days=7),
                    key=f"rec_due_{sk}",
                )
                st.text_area(_("Note (no client names)"), key=f"rec_note_{sk}", height=68)
                st.form_submit_button(
                    _("Save"),
                    type="primary",
                    width="stretch",
                    key=f"rec_save_{sk}",
                    on_click=_save,
                    args=(sk, row),
                )
            if msg is not None:
                {"success": st.success, "info": st.info, "error": st.error}[msg[0]](msg[1])
                if msg[0] != "error" and st.button(
                    _("Record another visit here"), key=f"rec_new_{sk}"
                ):
                    st.session_state[f"rec_key_{sk}"] = logic.new_idempotency_key()
                    st.session_state.pop(f"rec_msg_{sk}", None)
                    st.rerun()

st.download_button(
    _("Download my day (CSV)"),
    mine.to_csv(index=False).encode("utf-8"),
    file_name=f"{worker}_{day}.csv",
    mime="text/csv",
    key="myday_download",
)
