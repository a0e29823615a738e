"""``geo-outreach visits ...`` and ``geo-outreach impact``: exit codes, one-line errors,
the database chosen by setting or --db, no case ids in exports."""

from __future__ import annotations

import json
import sqlite3

import pandas as pd
import pytest

from geo_outreach.cli import main

CSV = """\
worker_id,visited_at,outcome,planned_visit_id,people_reached,referrals_food,languages,followup_due,case_id,unit_id
ana,2024-05-02 10:00,done,S01,5,2,es,2024-05-09,CASE-77,41051000100
ana,2024-05-02 13:00,no_one_there,S03,0,0,,,,41051000200
luis,2024-05-03 09:00,done,S02,3,0,en,,,41051000200
"""


@pytest.fixture
def home(tmp_path, monkeypatch):
    h = tmp_path / "home"
    monkeypatch.setenv("GEO_OUTREACH_HOME", str(h))
    monkeypatch.delenv("GEO_OUTREACH_DB_URL", raising=False)
    return h


@pytest.fixture
def visits_csv(tmp_path):
    p = tmp_path / "day.csv"
    p.write_text(CSV)
    return p


def n_visits(db):
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT count(*) FROM visit_versions").fetchone()[0]
    finally:
        con.close()


def test_import_export_backup(home, visits_csv, tmp_path, capsys):
    assert main(["visits", "import", str(visits_csv), "--by", "sup"]) == 0
    assert "imported 3 visit(s)" in capsys.readouterr().out
    assert n_visits(home / "visits.sqlite") == 3  # created on first use in GEO_OUTREACH_HOME
    assert main(["visits", "import", str(visits_csv)]) == 0
    assert (
        "imported 0 visit(s)" in capsys.readouterr().out and n_visits(home / "visits.sqlite") == 3
    )
    out = tmp_path / "out" / "visits.csv"
    assert main(["visits", "export", str(out)]) == 2  # a missing folder is a typo, not created
    assert "does not exist" in capsys.readouterr().err and not out.parent.exists()
    out.parent.mkdir()
    assert main(["visits", "export", str(out)]) == 0
    exported = pd.read_csv(out, dtype=str)
    assert len(exported) == 3 and "case_id" not in exported.columns
    assert "CASE-77" not in out.read_text()
    bk = tmp_path / "backup.sqlite"
    assert main(["visits", "backup", str(bk)]) == 0
    assert n_visits(bk) == 3


def test_db_option_wins_over_the_setting(home, visits_csv, tmp_path):
    db = tmp_path / "team.sqlite"
    assert main(["visits", "import", str(visits_csv), "--db", f"sqlite:///{db}"]) == 0
    assert n_visits(db) == 3 and not (home / "visits.sqlite").exists()


def test_bad_file_exit_2_one_line_and_nothing_stored(home, visits_csv, tmp_path, capsys):
    main(["visits", "import", str(visits_csv)])
    capsys.readouterr()
    bad = tmp_path / "bad.csv"
    bad.write_text(CSV.replace("luis", "bea").replace(",3,0,en", ",-3,0,en"))
    assert main(["visits", "import", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: bad.csv") and "row 4" in err and "negative" in err
    assert len(err.splitlines()) == 1
    assert n_visits(home / "visits.sqlite") == 3


def test_plan_check_on_import(home, visits_csv, tmp_path, capsys):
    plan = tmp_path / "stops.csv"
    plan.write_text("visit_id,worker_id,date\nS01,ana,2024-05-02\nS02,luis,2024-05-03\n")
    assert main(["visits", "import", str(visits_csv), "--plan", str(plan)]) == 2
    assert "'S03' is not in the plan" in capsys.readouterr().err


def test_void_and_history(home, visits_csv, capsys):
    main(["visits", "import", str(visits_csv)])
    con = sqlite3.connect(home / "visits.sqlite")
    rid = con.execute("SELECT record_id FROM visit_versions ORDER BY id LIMIT 1").fetchone()[0]
    con.close()
    capsys.readouterr()
    assert main(["visits", "void", rid, "--by", "sup", "--reason", "entered twice"]) == 0
    assert main(["visits", "history", rid]) == 0
    out = capsys.readouterr().out
    assert "void" in out and "entered twice" in out and "CASE-77" not in out
    assert main(["visits", "void", "nope", "--by", "sup", "--reason", "x"]) == 2


def test_impact_json(home, visits_csv, tmp_path, capsys):
    main(["visits", "import", str(visits_csv)])
    plan = tmp_path / "stops.csv"
    plan.write_text("visit_id,worker_id,date\nS01,ana,2024-05-02\nS03,ana,2024-05-02\n")
    under = tmp_path / "under.csv"
    under.write_text("unit_id,population\n41051000200,60\n")
    capsys.readouterr()
    rc = main(
        [
            "impact",
            "--json",
            "--since",
            "2024-05-02",
            "--plan",
            str(plan),
            "--underserved",
            str(under),
        ]
    )
    assert rc == 0
    d = json.loads(capsys.readouterr().out)
    assert d["totals"]["visits"] == 3 and d["totals"]["people_reached"] == 8
    assert d["referrals"]["food"] == 2
    assert d["underserved"]["share_reached"] == pytest.approx(3 / 60)
    assert d["planned_totals"]["done"] == 1 and d["planned_totals"]["no_one_there"] == 1
    assert d["reach_by_unit"][0]["unit_id"] == "41051000100"  # leading digits kept as text
    assert main(["impact", "--since", "2024-05-03"]) == 0
    assert "1 visit(s) since 2024-05-03" in capsys.readouterr().out


def test_bad_db_url(home, capsys):
    assert main(["impact", "--db", "mysql://x@y/z"]) == 2
    assert "not supported" in capsys.readouterr().err
