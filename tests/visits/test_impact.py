"""Impact summary (hand-computed), follow-ups as routing visits, reach discount, attendance
factors and overlaps with another team's layer."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from geo_outreach.errors import InputError
from geo_outreach.visits import store as vs
from geo_outreach.visits.impact import (
    FOLLOWUP_VISIT_COLUMNS,
    attendance_factors,
    find_overlaps,
    followups_as_visits,
    impact_summary,
    open_followups,
    reach_discount,
    read_layer,
)

TODAY = dt.date(2024, 5, 10)
# three tracts side by side, 0.01 degrees wide
UNITS = gpd.GeoDataFrame(
    {
        "unit_id": ["41051000100", "41051000200", "41051000300"],
        "population": [100.0, 50.0, 80.0],
        "zone_id": ["Z1", "Z1", "Z2"],
    },
    geometry=[box(-122.70 + 0.01 * i, 45.50, -122.69 + 0.01 * i, 45.51) for i in range(3)],
    crs=4326,
)


def center(i: int) -> tuple[float, float]:
    return -122.695 + 0.01 * i, 45.505


@pytest.fixture
def log(tmp_path):
    st = vs.open_store(home=tmp_path)
    r = {}
    lon, lat = center(0)
    r["a"] = vs.record_visit(  # tract 1 by coordinates only
        st,
        worker_id="ana",
        visited_at="2024-05-02 10:00",
        outcome="done",
        planned_visit_id="S01",
        people_reached=30,
        referrals={"food": 2, "health": 1},
        languages="es",
        followup_due="2024-05-09",
        lon=lon,
        lat=lat,
        service="food",
    )
    r["b"] = vs.record_visit(
        st,
        worker_id="ana",
        visited_at="2024-05-02 13:00",
        outcome="no_one_there",
        planned_visit_id="S03",
        unit_id="41051000200",
    )
    r["c"] = vs.record_visit(
        st,
        worker_id="luis",
        visited_at="2024-05-03 09:00",
        outcome="done",
        planned_visit_id="S02",
        people_reached=80,
        referrals={"housing": 4},
        languages="en;vi",
        followup_needed=True,
        unit_id="41051000200",
    )
    r["d"] = vs.record_visit(  # voided: never counts
        st,
        worker_id="luis",
        visited_at="2024-05-03 11:00",
        outcome="done",
        people_reached=500,
        unit_id="41051000300",
        followup_needed=True,
    )
    vs.void_visit(st, r["d"].record_id, changed_by="sup", reason="test")
    r["e"] = vs.record_visit(  # an early visit, before --since
        st,
        worker_id="ana",
        visited_at="2024-04-01 10:00",
        outcome="done",
        people_reached=10,
        unit_id="41051000300",
    )
    yield st, r
    st.close()


PLAN = pd.DataFrame(
    {
        "visit_id": ["S01", "S03", "S02", "S04", "S05", None],
        "worker_id": ["ana", "ana", "luis", "luis", "ana", "ana"],
        "date": [
            "2024-05-02",
            "2024-05-02",
            "2024-05-03",
            "2024-05-04",
            "2024-05-13",
            "2024-05-02",
        ],
        "kind": ["visit", "visit", "visit", "visit", "visit", "break"],
    }
)


def test_impact_summary_hand_computed(log):
    st, r = log
    res = impact_summary(
        st, since="2024-05-01", plan=PLAN, units=UNITS, underserved=UNITS.iloc[[1, 2]], today=TODAY
    )
    t = res.totals
    assert (t["visits"], t["done"], t["no_one_there"], t["cancelled"]) == (3, 2, 1, 0)
    assert t["people_reached"] == 110 and t["referrals"] == 7 and t["workers"] == 2
    ref = dict(zip(res.referrals["category"], res.referrals["referrals"], strict=True))
    assert ref == {
        "health": 1,
        "food": 2,
        "housing": 4,
        "benefits": 0,
        "mental_health": 0,
        "substance_use": 0,
    }
    by = res.reach_by_unit.set_index("unit_id")
    assert by.loc["41051000100", "people_reached"] == 30  # placed by its coordinates
    assert by.loc["41051000100", "reached_share"] == pytest.approx(0.3)
    assert by.loc["41051000200", ["visits", "visits_done", "people_reached"]].tolist() == [2, 1, 80]
    assert by.loc["41051000200", "reached_share"] == 1.0  # 80 contacts for 50 people: capped
    assert "41051000300" not in by.index  # only a voided and an early visit there
    z = res.reach_by_zone.set_index("zone_id")
    assert z.loc["Z1", ["units", "units_reached", "people_reached"]].tolist() == [2, 2, 110]
    assert z.loc["Z1", "reached_share"] == pytest.approx((30 + 50) / 150)
    assert z.loc["Z2", ["units_reached", "people_reached"]].tolist() == [0, 0]
    u = res.underserved
    assert u["units"] == 2 and u["population"] == 130 and u["units_reached"] == 1
    assert u["share_reached"] == pytest.approx(50 / 130)
    assert u["share_in_reached_units"] == pytest.approx(50 / 130)
    pvd = res.planned_vs_done.set_index("visit_id")["status"].to_dict()
    assert pvd == {
        "S01": "done",
        "S03": "no_one_there",
        "S02": "done",
        "S04": "not_recorded",
        "S05": "upcoming",
    }
    p = res.planned_totals
    assert p["planned"] == 5 and p["completion_rate"] == pytest.approx(2 / 4)
    # follow-ups: a's (due 05-09, overdue) and c's (due 05-10); the voided d's is not open
    assert res.followups["record_id"].tolist() == [r["a"].record_id, r["c"].record_id]
    assert res.followups["overdue"].tolist() == [True, False]
    assert t["followups_open"] == 2 and t["followups_overdue"] == 1
    d = res.to_dict()
    assert d["totals"] == t and d["planned_vs_done"][0]["date"] == "2024-05-02"
    import json

    json.dumps(d)  # JSON-ready


def test_since_filters_and_voided_never_counts(log):
    st, _ = log
    every = impact_summary(st, today=TODAY)
    assert every.totals["visits"] == 4 and every.totals["people_reached"] == 120
    assert impact_summary(st, since="2024-05-03", today=TODAY).totals["visits"] == 1


def test_a_done_followup_visit_closes_the_followup(log):
    st, r = log
    vs.record_visit(
        st,
        worker_id="ana",
        visited_at="2024-05-08 10:00",
        outcome="no_one_there",
        followup_of=r["a"].record_id,
    )
    assert r["a"].record_id in set(open_followups(st, today=TODAY)["record_id"])
    vs.record_visit(
        st,
        worker_id="ana",
        visited_at="2024-05-09 10:00",
        outcome="done",
        people_reached=1,
        followup_of=r["a"].record_id,
    )
    assert r["a"].record_id not in set(open_followups(st, today=TODAY)["record_id"])


def test_followups_become_routing_visits(log, tmp_path):
    from geo_outreach.optimize.routing.io import read_visits_csv

    st, r = log
    fv = followups_as_visits(
        st, today=TODAY, units=UNITS, category_skills={"housing": "case_manager"}
    )
    assert list(fv.columns) == list(FOLLOWUP_VISIT_COLUMNS)
    assert len(fv) == 2
    a, c = fv.iloc[0], fv.iloc[1]
    assert a["visit_id"] == "FU-" + r["a"].record_id[:8]
    assert a["skills"] == "es"  # held in Spanish only
    assert (a["lon"], a["lat"]) == pytest.approx(center(0))
    assert c["skills"] == "case_manager"  # en;vi: no language required; housing referral
    # c has no coordinates: placed inside its tract
    assert UNITS.geometry.iloc[1].contains(gpd.points_from_xy([c["lon"]], [c["lat"]])[0])
    assert (fv["priority"] == "required").all()  # due within a week
    later = followups_as_visits(st, today=dt.date(2024, 4, 20), required_within_days=7)
    assert later["priority"].tolist() == ["30"]  # c has no place without units -> left out
    path = tmp_path / "fu.csv"
    fv.to_csv(path, index=False)
    visits, _locs = read_visits_csv(path)  # the routing engineer's reader accepts it
    assert [v.visit_id for v in visits] == fv["visit_id"].tolist()
    assert visits[0].required and visits[0].duration_s == 30 * 60


def test_reach_discount(log):
    st, _ = log
    d = reach_discount(st, UNITS, today=dt.date(2024, 5, 3), half_life_days=30, max_discount=0.5)
    d = d.set_index("unit_id")
    assert d.loc["41051000200", "coverage"] == 1.0  # 80 reached today for 50 people
    assert d.loc["41051000200", "discount_factor"] == 0.5
    assert d.loc["41051000100", "recent_reached"] == pytest.approx(30 * 0.5 ** (1 / 30))
    assert d.loc["41051000300", "recent_reached"] == pytest.approx(10 * 0.5 ** (32 / 30))
    assert ((d["discount_factor"] >= 0.5) & (d["discount_factor"] <= 1)).all()
    much_later = reach_discount(st, UNITS, today=dt.date(2026, 1, 1)).set_index("unit_id")
    assert (much_later["discount_factor"] > d["discount_factor"] - 1e-12).all()  # fades
    with pytest.raises(InputError, match="max_discount"):
        reach_discount(st, UNITS, max_discount=2)


def test_attendance_factor_drops_with_no_shows(tmp_path):
    with vs.open_store(home=tmp_path) as st:
        for day, outcome, n in [
            (1, "done", 10),
            (2, "no_one_there", 0),
            (3, "no_one_there", 0),
            (4, "cancelled", 0),
            (5, "done", 6),
        ]:
            vs.record_visit(
                st,
                worker_id="w",
                visited_at=f"2024-05-0{day} 10:00",
                outcome=outcome,
                planned_visit_id="S01",
                people_reached=n,
            )
        vs.record_visit(
            st,
            worker_id="w",
            visited_at="2024-05-01 11:00",
            outcome="done",
            people_reached=4,
            lon=-122.6,
            lat=45.5,
        )
        f = attendance_factors(st, prior_visits=2).set_index("location_id")
    assert f.loc["S01", ["done", "no_one_there", "cancelled"]].tolist() == [2, 2, 1]
    assert f.loc["S01", "attendance_factor"] == pytest.approx((2 + 2) / (2 + 2 + 2))
    assert f.loc["S01", "expected_people"] == pytest.approx(8 * 4 / 6)
    assert f.loc["pt:-122.60000,45.50000", "attendance_factor"] == 1.0
    assert f.index[0] == "S01"  # worst first


def test_overlaps_same_tract_week_and_category(log, tmp_path):
    st, r = log
    theirs = gpd.GeoDataFrame(
        {
            "stop_id": ["T1", "T2", "T3", "T4"],
            "date": ["2024-04-29", "2024-05-02", "2024-05-09", "2024-05-03"],
            "category": ["food;housing", "health", "food", "housing"],
        },
        geometry=gpd.points_from_xy(
            [center(0)[0], center(0)[0], center(0)[0], center(1)[0]], [45.505] * 4
        ),
        crs=4326,
    )
    path = tmp_path / "theirs.gpkg"
    theirs.to_file(path, layer="stops")
    layer = read_layer(path)
    assert {"lon", "lat", "stop_id"} <= set(layer.columns)
    ov = find_overlaps(st, layer, UNITS)
    got = set(zip(ov["unit_id"], ov["category"], ov["their_ids"], strict=True))
    # ISO week 18 = 2024-04-29..05-05: T1 food (a's food referral/service) and T1 health? no;
    # T2 health matches a's health referral; T3 is the next week; T4 housing matches c
    assert got == {
        ("41051000100", "food", "T1"),
        ("41051000100", "health", "T2"),
        ("41051000200", "housing", "T4"),
    }
    assert (ov["iso_week"] == 18).all()
    assert ov.set_index("their_ids").loc["T4", "our_ids"] == r["c"].record_id


def test_overlap_csv_layer_with_unit_ids(tmp_path):
    ours = pd.DataFrame(
        {"visit_id": ["S1"], "date": ["2024-05-06"], "service": ["food"], "unit_id": ["u1"]}
    )
    p = tmp_path / "theirs.csv"
    p.write_text("id,date,category,unit_id\nX,2024-05-12,food,u1\nY,2024-05-12,food,u2\n")
    ov = find_overlaps(ours, read_layer(p))
    assert ov[["unit_id", "our_ids", "their_ids"]].values.tolist() == [["u1", "S1", "X"]]
    assert find_overlaps(ours, read_layer(p).assign(category="housing")).empty


def test_impact_of_an_empty_log(tmp_path):
    with vs.open_store(home=tmp_path) as st:
        res = impact_summary(st, units=UNITS, underserved=UNITS, today=TODAY)
    assert res.totals["visits"] == 0 and res.underserved["share_reached"] == 0.0
    assert res.reach_by_unit.empty and res.followups.empty
    assert np.isfinite(res.underserved["population"])


def test_bad_tables_give_input_errors(log):
    st, _ = log
    with pytest.raises(InputError, match="plan: column 'date'"):
        impact_summary(st, plan=PLAN.assign(date="next tuesday"))
    with pytest.raises(InputError, match="plan: give the plan's stops"):
        impact_summary(st, plan=pd.DataFrame({"visit_id": ["S01"]}))
    with pytest.raises(InputError, match="underserved: give a table"):
        impact_summary(st, underserved=["41051000100"])  # type: ignore[arg-type]
    with pytest.raises(InputError, match="theirs: needs a date column"):
        find_overlaps(st, pd.DataFrame({"unit_id": ["u1"], "category": ["food"]}))
    with pytest.raises(InputError, match="theirs: column 'date'"):
        find_overlaps(st, pd.DataFrame({"date": ["soon"], "unit_id": ["u"], "category": ["food"]}))
