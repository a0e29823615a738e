"""Impact (manager): what the field work reached, from the visit log
(:func:`geo_outreach.visits.impact.impact_summary`)."""

from __future__ import annotations

import datetime as dt

import auth
import logic
import maps
import pandas as pd
import state
import streamlit as st

from geo_outreach.errors import GeoOutreachError, InputError
from geo_outreach.i18n import _, format_date, format_people, format_percent, ngettext
from geo_outreach.present.labels import referral_label

actor = auth.guard("impact")
sc = state.scenario()
ctx = state.get_ctx(sc.region)
st.title(_("Impact"))
st.caption(
    _(
        "Reach by tract, referrals by category, follow-ups due and planned vs done, from the "
        "visits recorded on My day (or imported with geo-outreach visits import)."
    )
)

since = st.date_input(
    _("Visits since"),
    logic.region_today(ctx.region.timezone) - dt.timedelta(days=28),
    key="impact_since",
)
saved = state.current_plan(sc.region)
use_plan = st.checkbox(
    _("Compare with this session's plan"),
    value=saved is not None,
    disabled=saved is None,
    key="impact_use_plan",
    help=_("Planned vs done needs a plan made on Plan routes (or My day's sample week)."),
)

try:
    from geo_outreach.visits.impact import impact_summary

    store = state.visit_store()
    analysis = sc.analysis()
    flags = analysis.tracts[["unit_id", "population", "underserved"]].copy()
    flags["underserved"] = flags["underserved"].fillna(False).astype(bool)
    summary = impact_summary(
        store,
        since=since,
        plan=saved["plan"].stops if (use_plan and saved is not None) else None,
        units=ctx.region.units[["unit_id", "population", "geometry"]],
        underserved=flags,
    )
except (InputError, GeoOutreachError) as exc:
    state.show_error(exc)
    st.stop()

t = summary.totals
m1, m2, m3, m4 = st.columns(4)
m1.metric(_("Visits recorded"), t["visits"])
m2.metric(_("People reached"), format_people(t["people_reached"]))
m3.metric(_("Referrals"), t["referrals"])
m4.metric(
    _("Follow-ups open"),
    t["followups_open"],
    delta=ngettext("{n} overdue", "{n} overdue", t["followups_overdue"]).format(
        n=t["followups_overdue"]
    )
    if t["followups_overdue"]
    else None,
    delta_color="inverse",
)
if t["visits"] == 0:
    st.info(_("No visit recorded in this period yet. Workers record visits on **My day**."))
    st.stop()

u = summary.underserved
if u.get("population"):
    st.markdown(
        _(
            "**Underserved tracts reached:** {reached} of {tracts} ({share} of their population "
            "lives in a tract with a completed visit)."
        ).format(
            reached=u["units_reached"],
            tracts=u["units"],
            share=format_percent(u["share_in_reached_units"]),
        )
    )

reach = summary.reach_by_unit
placed = reach[reach["unit_id"] != ""]


@st.cache_data(show_spinner=False, max_entries=16)
def _reach_map(region, key, _reach, lang):
    from geo_outreach.present.webmap import add_choropleth, add_layer_control

    ctx = state.get_ctx(region)
    units = ctx.region.units[["unit_id", "name", "geometry"]].merge(
        _reach[["unit_id", "people_reached", "visits"]], on="unit_id", how="left"
    )
    units["shown_people"] = logic.people_column(units["people_reached"])
    m = maps.new_map(ctx, state.get_roads(region))
    add_choropleth(
        m,
        units,
        "people_reached",
        fields=["name", "shown_people", "visits"],
        aliases=[_("Tract"), _("People reached"), _("Visits")],
        name=_("People reached"),
        legend_title=_("People reached"),
        cmap="Greens",
    )
    add_layer_control(m)
    return maps.to_page(m)


if len(placed):
    key = tuple(map(tuple, placed[["unit_id", "people_reached", "visits"]].to_numpy().tolist()))
    with st.spinner(_("Drawing the map...")):
        page = _reach_map(sc.region, key, placed, state.i18n.get_language())
    maps.show(page, height=420)

st.subheader(_("Reach by tract"))
names = ctx.region.units.set_index("unit_id")["name"].astype(str)
table = reach.assign(name=reach["unit_id"].map(names).fillna(_("(no tract)")))
st.dataframe(
    logic.readable_table(
        table,
        [
            "name",
            "visits",
            "visits_done",
            "people_reached",
            "referrals",
            "reached_share",
            "underserved",
        ],
    ),
    hide_index=True,
    key="impact_reach",
)

st.subheader(_("Referrals by category"))
refs = summary.referrals.assign(category=summary.referrals["category"].map(referral_label))
refs = refs.set_index("category")["referrals"]
st.bar_chart(refs, horizontal=True, height=220)

from geo_outreach.team.roles import allowed  # noqa: E402

if not allowed(actor, "impact.details"):  # planners: aggregates only
    st.caption(_("Follow-ups and planned-vs-done per visit are shown to managers."))
    st.stop()

worker_names, visit_names = logic.plan_names(saved["plan"].stops if saved is not None else None)
st.subheader(_("Follow-ups due"))
fu = summary.followups
if fu.empty:
    st.success(_("No open follow-up."))
else:
    show = fu[["followup_due", "days_overdue", "worker_id", "planned_visit_id", "unit_id"]].copy()
    show["followup_due"] = [
        format_date(d, form="medium") if pd.notna(d) else ""
        for d in pd.to_datetime(show["followup_due"]).dt.date
    ]
    # names, not the ids the log keys them by
    show["worker_id"] = logic.named(show["worker_id"], worker_names)
    show["planned_visit_id"] = logic.named(show["planned_visit_id"], visit_names)
    show["unit_id"] = show["unit_id"].map(names).fillna(_("(no tract)"))  # the tract's name
    st.dataframe(logic.readable_table(show), hide_index=True, key="impact_followups")

if use_plan and saved is not None:
    st.subheader(_("Planned vs done"))
    pt = summary.planned_totals
    p1, p2, p3 = st.columns(3)
    p1.metric(_("Planned stops"), int(pt.get("planned", 0)))
    p2.metric(_("Done"), int(pt.get("done", 0)))
    rate = pt.get("completion_rate")
    p3.metric(_("Completion"), _("n/a") if rate is None or rate != rate else format_percent(rate))
    pvd = summary.planned_vs_done
    pvd = pvd.assign(
        visit_id=logic.named(pvd["visit_id"], visit_names),
        worker_id=logic.named(pvd["worker_id"], worker_names),
        done_by=logic.named(pvd["done_by"], worker_names),
    )
    st.dataframe(
        logic.readable_table(pvd, ["visit_id", "worker_id", "status", "done_by"]),
        hide_index=True,
        key="impact_planned",
    )
