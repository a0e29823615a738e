"""CSV import: all rows or none, clear errors naming row and column, idempotent re-import,
export -> import round trip between back ends."""

from __future__ import annotations

import datetime as dt
import textwrap

import pandas as pd
import pytest
import sqlalchemy as sa

from geo_outreach.errors import InputError
from geo_outreach.visits import store as vs
from geo_outreach.visits.importer import import_csv

GOOD = """\
worker_id,visited_at,outcome,planned_visit_id,people_reached,referrals_food,referrals_health,languages,followup_needed,followup_due,note,case_id,lon,lat,unit_id,service
ana,2024-05-02 10:00,done,S01,5,2,1,es,yes,,"met 5, gave leaflets",C9,-122.63745,45.49625,41051000100,food
ana,2024-05-02 13:00,no_one_there,S03,0,0,0,,,,,,-122.67532,45.52027,41051000200,health
luis,2024-05-03,done,S02,3,0,0,en;vi,,2024-05-20,,,,,41051000200,health
"""


def write(tmp_path, text, name="visits.csv"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def n_rows(store):
    with store.engine.connect() as c:
        return c.execute(sa.text("SELECT count(*) FROM visit_versions")).scalar()


def test_import_stores_every_row(store, tmp_path):
    res = import_csv(store, write(tmp_path, GOOD), recorded_by="sup")
    assert (res.rows, res.inserted, res.already_stored) == (3, 3, 0)
    df = vs.visits_frame(store)
    assert df["people_reached"].sum() == 8
    assert df["note"].iloc[0] == "met 5, gave leaflets"  # quoted comma survives
    assert df["visited_at"].iloc[2] == pd.Timestamp("2024-05-03 12:00")  # date only -> noon
    assert df["followup_due"].iloc[0] == pd.Timestamp("2024-05-09")
    assert (df["recorded_by"] == "sup").all()
    assert df["unit_id"].iloc[0] == "41051000100"  # GEOID kept as text


def test_reimport_is_idempotent(store, tmp_path):
    p = write(tmp_path, GOOD)
    import_csv(store, p)
    again = import_csv(store, p)
    assert (again.inserted, again.already_stored) == (0, 3)
    assert n_rows(store) == 3


def test_duplicate_rows_in_file_stored_once(store, tmp_path):
    lines = GOOD.splitlines()
    p = write(tmp_path, "\n".join([*lines, lines[1]]) + "\n")
    res = import_csv(store, p)
    assert (res.inserted, res.duplicates_in_file) == (3, 1)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (("5,2,1,es", "-5,2,1,es"), r"row 2: people_reached: '-5' is negative"),
        (("2024-05-02 13:00", "2099-05-02 13:00"), r"row 3: visited_at: .* is in the future"),
        (("no_one_there", "nobody"), r"row 3: outcome"),
        (("S02", "S99"), r"row 4: planned_visit_id: 'S99' is not in the plan"),
        (("2024-05-20", "20/05/2024"), r"row 4: followup_due"),
    ],
)
def test_one_bad_row_rejects_the_whole_file(store, tmp_path, change, match):
    import_csv(store, write(tmp_path, GOOD, "first.csv"))  # already stored: must not change
    before = vs.visits_frame(store, all_versions=True)
    bad = GOOD.replace(*change).replace("ana,", "bea,")  # new rows, one of them bad
    plan = ["S01", "S02", "S03"]
    with pytest.raises(InputError, match=match) as err:
        import_csv(store, write(tmp_path, bad, "bad.csv"), plan=plan)
    assert "nothing imported" in str(err.value)
    after = vs.visits_frame(store, all_versions=True)
    pd.testing.assert_frame_equal(before, after)


def test_all_errors_are_listed(store, tmp_path):
    rows = ["worker_id,visited_at,outcome,people_reached"]
    rows += [f"w,2024-05-02,done,-{i + 1}" for i in range(15)]
    with pytest.raises(InputError, match=r"15 invalid row\(s\).*and 5 more row\(s\)"):
        import_csv(store, write(tmp_path, "\n".join(rows) + "\n"))
    assert n_rows(store) == 0


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "empty"),
        ("worker_id,outcome\nana,done\n", r"missing column\(s\) \['visited_at'\]"),
        (
            "worker_id,visited_at,outcome,people_reachd\nana,2024-05-02,done,3\n",
            r"unknown column\(s\) \['people_reachd'\]",
        ),
        (
            'worker_id,visited_at,outcome\nana,2024-05-02,done,"x",extra,fields\n',
            "not a well-formed CSV",
        ),
    ],
)
def test_malformed_csv(tmp_path, text, match):
    with vs.open_store(home=tmp_path / "h") as store:
        with pytest.raises(InputError, match=match):
            import_csv(store, write(tmp_path, text))
        assert n_rows(store) == 0


def test_not_utf8_is_read_as_cp1252_with_a_notice(tmp_path):
    """A spreadsheet's 'CSV' (cp1252) is read, accents intact, and the user is told."""
    from geo_outreach.data.readers import EncodingNotice

    p = tmp_path / "latin1.csv"
    p.write_bytes("worker_id;visited_at;outcome;note\nana;2024-05-02;done;café\n".encode("cp1252"))
    with vs.open_store(home=tmp_path / "h") as store:
        with pytest.warns(EncodingNotice, match="cp1252"):
            res = import_csv(store, p)
        assert res.inserted == 1
        exported = tmp_path / "out.csv"
        vs.export_csv(store, exported)
    assert "café" in exported.read_text(encoding="utf-8")


def test_missing_file(tmp_path):
    with vs.open_store(home=tmp_path / "h") as store, pytest.raises(InputError, match="not found"):
        import_csv(store, tmp_path / "nope.csv")


def test_export_then_import_into_another_database(store, tmp_path):
    """Moving from the laptop's SQLite to the team's PostgreSQL keeps every current visit."""
    with vs.open_store(home=tmp_path / "laptop") as laptop:
        import_csv(laptop, write(tmp_path, GOOD))
        first = vs.visits_frame(laptop).iloc[0]["record_id"]
        vs.correct_visit(laptop, first, changed_by="sup", people_reached=6)
        gone = vs.visits_frame(laptop).iloc[1]["record_id"]
        vs.void_visit(laptop, gone, changed_by="sup", reason="test entry")
        out = tmp_path / "export.csv"
        vs.export_csv(laptop, out, include_voided=True)
        src = vs.visits_frame(laptop)
    res = import_csv(store, out)
    assert (res.inserted, res.skipped_voided) == (2, 1)
    dst = vs.visits_frame(store)
    cols = ["worker_id", "visited_at", "outcome", "people_reached", "unit_id", "languages"]
    pd.testing.assert_frame_equal(
        src[cols].reset_index(drop=True), dst[cols].reset_index(drop=True)
    )
    assert (dst["case_id"] == "").all()  # exports carry no case ids
    assert import_csv(store, out).inserted == 0  # idempotent through record_id + version


def test_times_are_stored_in_utc_and_shown_in_the_region_zone(tmp_path, monkeypatch):
    import time

    from geo_outreach.visits.models import local_time

    monkeypatch.setenv("TZ", "Asia/Tokyo")  # the server's own zone must not matter
    time.tzset()
    try:
        # an offset is an instant; a time without one is wall-clock time in the region
        text = (
            "worker_id,visited_at,outcome\nana,2024-05-02T17:00:00+00:00,done\n"
            "ben,2024-05-02 23:30,done\n"
        )
        with vs.open_store(home=tmp_path / "h") as store:
            import_csv(store, write(tmp_path, text), timezone="America/New_York")
            df = vs.visits_frame(store).sort_values("worker_id")
            out = tmp_path / "export.csv"
            vs.export_csv(store, out)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert df["visited_at"].tolist() == [
        pd.Timestamp("2024-05-02 17:00"),  # stored in UTC
        pd.Timestamp("2024-05-03 03:30"),  # 23:30 EDT is 03:30 UTC the next day
    ]
    assert (df["timezone"] == "America/New_York").all()
    shown = local_time(df["visited_at"], "America/New_York")
    assert [t.strftime("%H:%M") for t in shown] == ["13:00", "23:30"]
    assert df["visit_date"].dt.day.tolist() == [2, 2]  # the day where the visit happened
    exported = pd.read_csv(out, dtype=str).sort_values("worker_id")
    assert exported["visited_at"].tolist() == ["2024-05-02T13:00:00-04:00", "2024-05-02T23:30:00-04:00"]
