"""The dashboard with accounts (AppTest): sign-in first, pages by role, a worker's own
published day, refusals of other days and of direct page URLs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from .conftest import APP_MAIN, has_vendor_assets

pytestmark = pytest.mark.skipif(
    not has_vendor_assets(), reason="map assets missing: run scripts/fetch_assets.sh"
)
PW = "long enough"


@pytest.fixture
def team(app_env: Path, visit_home: Path, planned: dict) -> dict:
    """Accounts and a published plan (week of this Monday) in the app's database."""
    from geo_outreach.team import accounts as ac
    from geo_outreach.team import plans as pl
    from geo_outreach.visits.store import open_store

    monday = pl.monday_of(dt.date.today())
    with open_store() as st:
        ac.add_user(st, "maria", role="manager", password=PW)
        ac.add_user(st, "ana", role="worker", worker_id="ana", password=PW)
        ac.add_user(st, "pat", role="planner", password=PW)
        ac.add_user(st, "gone", role="worker", worker_id="ben", password=PW)
        ac.disable_user(st, "gone")
        plan = pl.publish_plan(st, planned["dir"], week_of=monday)
    return {"plan": plan, "monday": monday}


def _text(at: AppTest) -> str:
    parts = []
    for kind in ("title", "markdown", "caption", "info", "error", "warning", "success", "header"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [str(e.label) for e in at.button]
    for df in at.dataframe:
        parts.append(df.value.to_string())
    return "\n".join(parts)


def _sign_in(at: AppTest, user: str, pw: str = PW) -> AppTest:
    at.text_input(key="auth_username").input(user)
    at.text_input(key="auth_password").input(pw)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def _main(**qp: str) -> AppTest:
    at = AppTest.from_file(str(APP_MAIN), default_timeout=180)
    for k, v in qp.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def test_anonymous_sees_only_the_sign_in(team):
    at = _main()
    assert [t.value for t in at.title] == ["Sign in"]
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.metric and not at.dataframe
    assert "single-user mode" not in _text(at)


def test_wrong_password_and_disabled_user_are_refused(team):
    at = _sign_in(_main(), "maria", "not the password")
    assert "wrong username or password" in _text(at)
    assert [t.value for t in at.title] == ["Sign in"]
    at = _sign_in(_main(), "gone")
    assert "disabled" in _text(at)


def test_worker_sees_exactly_their_published_day_and_not_another(team):
    monday = team["monday"].isoformat()
    at = _sign_in(_main(date=monday), "ana")
    assert "Sign out" in [b.label for b in at.sidebar.button]
    assert [t.value for t in at.title] == ["My day"]
    route = next(
        r for r in team["plan"]["routes"] if r["worker_id"] == "ana" and r["date"] == monday
    )
    assert route["stops"]
    text = _text(at)
    from geo_outreach.present.labels import time_text

    for s in route["stops"]:  # the times as the worker's language writes them
        when = f"{time_text(s['start'], lang='en')}–{time_text(s['end'], lang='en')}"
        assert f"**{s['seq']}. {when} · {s['name']}**" in text
    others = {
        s["name"] for r in team["plan"]["routes"] if r["worker_id"] != "ana" for s in r["stops"]
    }
    mine = {s["name"] for s in route["stops"]}
    assert not any(f"· {n}**" in text for n in others - mine)
    # a changed query parameter does not show another worker's day
    at.query_params["worker"] = "ben"
    at.run()
    assert "refused" in _text(at) and "ben" in _text(at)
    assert not any(f"· {n}**" in _text(at) for n in others - mine)


def test_direct_page_url_is_refused_for_a_worker(team):
    from geo_outreach.team.accounts import start_session
    from geo_outreach.visits.store import open_store

    with open_store() as st:
        token, _ = start_session(st, "ana", PW)
    at = AppTest.from_file(str(APP_MAIN.parent / "views" / "routes.py"), default_timeout=180)
    at.session_state["auth_token"] = token
    at.run()
    assert any("refused" in e.value and "worker" in e.value for e in at.error)
    assert [t.value for t in at.title] == []  # nothing of the page was drawn
    at.session_state["auth_token"] = "forged"
    at.run()
    assert [t.value for t in at.title] == ["Sign in"]


def test_planner_pages_have_no_client_names(team, plan_tables):
    visits, _ = plan_tables
    at = _sign_in(_main(), "pat")
    assert [t.value for t in at.title] == ["Needs and access"]
    text = _text(at)
    for name in visits["name"]:
        assert name not in text
    for addr in visits["address"]:
        assert addr not in text


def test_manager_sees_every_page_and_signs_out(team):
    at = _sign_in(_main(), "maria")
    assert [t.value for t in at.title] == ["Needs and access"]
    at.sidebar.button(key="auth_sign_out").click().run()
    assert [t.value for t in at.title] == ["Sign in"]


# role -> the pages it may open (written out by hand, not derived from PAGE_ACTIONS)
PAGE_MATRIX = {
    "manager": {"needs", "community", "stops", "routes", "my-day", "impact"},
    "worker": {"my-day"},
    "planner": {"needs", "community", "impact"},
    "admin": set(),
}
PAGE_FILES = {
    "needs": "needs.py", "community": "community.py", "stops": "stops.py",
    "routes": "routes.py", "my-day": "my_day.py", "impact": "impact.py",
}  # fmt: skip


@pytest.mark.parametrize("role", sorted(PAGE_MATRIX))
def test_role_page_matrix_each_page_checks_for_itself(team, role):
    """Every page opened directly (its script, as a forged URL reaches it) with a signed-in
    user of each role: drawn when the role may, else a plain refusal and nothing drawn."""
    from geo_outreach.team.accounts import add_user, start_session
    from geo_outreach.visits.store import open_store

    user = {"manager": "maria", "worker": "ana", "planner": "pat", "admin": "root"}[role]
    with open_store() as st:
        if role == "admin":
            add_user(st, "root", role="admin", password=PW)
        token, _ = start_session(st, user, PW)
    for page, file in PAGE_FILES.items():
        at = AppTest.from_file(str(APP_MAIN.parent / "views" / file), default_timeout=180)
        at.session_state["auth_token"] = token
        at.query_params["date"] = team["monday"].isoformat()
        at.run()
        assert not at.exception, (role, page, at.exception)
        refusals = [e.value for e in at.error if "refused" in e.value]
        if page in PAGE_MATRIX[role]:
            assert not refusals, (role, page, refusals)
            assert at.title, (role, page)
        else:
            assert len(refusals) == 1 and role in refusals[0], (role, page, refusals)
            assert "Traceback" not in refusals[0] and "\n" not in refusals[0].strip()
            assert not at.title, (role, page)  # nothing of the page was drawn


def test_forged_session_values_are_refused(team):
    """A token that is not a session, and a worker's changed session value, get nothing."""
    from geo_outreach.team.accounts import start_session
    from geo_outreach.visits.store import open_store

    with open_store() as st:
        token, _ = start_session(st, "ana", PW)
    day = AppTest.from_file(str(APP_MAIN.parent / "views" / "my_day.py"), default_timeout=180)
    day.session_state["auth_token"] = token[:-2] + "xx"  # a forged token
    day.run()
    assert [t.value for t in day.title] == ["Sign in"]
    # the worker's own session with a forged "worker" picked elsewhere: still their own day
    day.session_state["auth_token"] = token
    day.session_state["team_day_worker"] = "ben"
    day.query_params["date"] = team["monday"].isoformat()
    day.query_params["worker"] = "ben"
    day.run()
    errors = [e.value for e in day.error]
    assert any("refused" in e and "ben" in e for e in errors), errors
    assert not any(str(c.value).startswith("**1.") for c in day.markdown)


def test_a_manager_prints_a_spanish_speaking_workers_sheet_in_spanish(team, tmp_path):
    """The manager's My day for a worker whose account speaks Spanish: the packet's route
    sheet is in Spanish (read back from the PDF), the manager's page stays in English."""
    import re
    import subprocess

    from geo_outreach.team.accounts import set_language
    from geo_outreach.visits.store import open_store
    from tests.conftest import require_tool
    from tests.present.test_packet_i18n import ENGLISH_LABELS

    with open_store() as st:
        set_language(st, "ana", "es")
    at = _sign_in(_main(), "maria")
    at.switch_page("views/my_day.py").run()
    at.date_input(key="team_day_date").set_value(team["monday"]).run()
    at.selectbox(key="team_day_worker").set_value("ana").run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["My day"]
    at.button(key="team_packet").click().run()
    assert not at.exception, at.exception
    assert at.session_state["team_packet_files"][0][1] == "ana"
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(at.session_state["team_packet_files"][1]["pdf"])
    require_tool("pdftotext")
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True)
    text = " ".join(out.stdout.decode("utf-8").split())
    assert "Hoja de ruta" in text and "Página 1" in text, text
    data = " ".join(
        f"{s['name']} {s['address']}"
        for r in team["plan"]["routes"]
        if r["worker_id"] == "ana"
        for s in r["stops"]
    )
    labels = [w for w in ENGLISH_LABELS if w not in data]
    left = [w for w in labels if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text)]
    assert left == [], f"English left on the Spanish sheet: {left}"
    # the manager's page is still in English
    assert [t.value for t in at.title] == ["My day"]
    assert "Route sheet (PDF, to print)" in {b.label for b in at.get("download_button")}
