"""The pseudo-locale ``xx`` wraps every translated string in ⟦ ⟧: a page rendered in it shows
no words outside the markers except data values (region names, attribution, numbers) and
Streamlit's own widget texts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo_outreach.i18n import PSEUDO, PSEUDO_CLOSE, PSEUDO_OPEN

from .conftest import APP_MAIN, app_module, planned_routes_page, region_today, shown_headers
from .test_team_pages import PW, team  # noqa: F401 (the team's accounts and plan)


@pytest.fixture(autouse=True)
def _needs_map_assets() -> None:
    from tests.conftest import require_map_assets

    require_map_assets()


def _texts(at: AppTest) -> list[tuple[str, str]]:
    """What the page says in its own words: headings, captions, metric and widget labels."""
    out: list[tuple[str, str]] = []
    for kind in ("title", "header", "subheader", "caption"):
        out += [(kind, str(e.value)) for e in getattr(at, kind)]
    out += [("metric", str(m.label)) for m in at.metric]
    for kind in (
        "selectbox", "multiselect", "radio", "slider", "button", "text_input", "text_area",
        "checkbox",
    ):  # fmt: skip
        out += [(kind, str(w.label)) for w in getattr(at, kind)]
    # table headers too: an engine column name (snake_case) is not a header people read
    out += [("table header", h) for df in at.dataframe for h in shown_headers(df)]
    return out


def _untranslated(at: AppTest, data_values: set[str]) -> list[tuple[str, str]]:
    return [
        (kind, text)
        for kind, text in _texts(at)
        if text.strip() and text not in data_values and text != "🌐" and PSEUDO_OPEN not in text
    ]


#: the pages converted so far (docs/i18n.md); each new one is added here
PAGES = [
    None, "views/community.py", "views/stops.py", "views/impact.py", "views/routes.py",
    "views/my_day.py",
]  # fmt: skip

#: fewer texts than 10 on a page that is fully drawn: My day without a plan (a title, a
#: message and the sample week's button)
MIN_TEXTS = {"views/my_day.py": 3}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p or "views/needs.py")
def test_page_in_the_pseudo_locale_has_no_untranslated_string(
    app_env: Path, monkeypatch: pytest.MonkeyPatch, page: str | None
) -> None:
    from geo_outreach.data.region import load_region

    monkeypatch.setenv("GEO_OUTREACH_LANG", PSEUDO)
    region = load_region(app_env)
    data_values = {region.attribution, region.manifest.title, region.name}
    at = AppTest.from_file(str(APP_MAIN), default_timeout=180)
    at.run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    texts = _texts(at)
    assert len(texts) > MIN_TEXTS.get(page, 10)  # the page was drawn
    assert _untranslated(at, data_values) == []
    # the sidebar's language selector offers each language by its own name
    langs = [w for w in at.selectbox if w.key == "language_select"]
    assert langs and langs[0].value == PSEUDO


def test_a_planned_week_in_the_pseudo_locale_has_no_untranslated_string(
    app_env: Path, monkeypatch: pytest.MonkeyPatch, plan_tables: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    """Plan routes once the week is planned: metrics, tables, the Gantt chart and the pins."""
    import json

    from geo_outreach.data.region import load_region
    from geo_outreach.i18n import using
    from geo_outreach.present.labels import column_label

    visits, workers = plan_tables
    monkeypatch.setenv("GEO_OUTREACH_LANG", PSEUDO)
    region = load_region(app_env)
    # one-hour shifts: some visits stay unplanned, so the page explains why
    at = planned_routes_page(visits, workers.assign(shift="Mon-Fri 09:00-10:00"), limit_s=1)
    assert len(at.metric) == 4  # the week was planned and its page drawn
    assert _untranslated(at, {region.attribution, region.manifest.title, region.name}) == []
    # the tables people read (not the editors of the CSV tables): translated headers only
    csv_columns = {*visits.columns, *workers.columns, "pinned_worker", "pinned_day"}
    tables = [df.value for df in at.dataframe if not set(df.value.columns) <= csv_columns]
    assert len(tables) >= 2  # the routes of the day and their stops
    for table in tables:
        assert all(PSEUDO_OPEN in str(c) for c in table.columns), list(table.columns)
    with using(PSEUDO):
        kind, mode, why = column_label("kind"), column_label("mode"), column_label("reason")
    kinds = [t[kind] for t in tables if kind in t.columns]
    assert kinds and all(PSEUDO_OPEN in k for k in kinds[0])  # "visit", "start" as words
    modes = [t[mode] for t in tables if mode in t.columns]
    assert modes and all(PSEUDO_OPEN in m for m in modes[0])  # "drive" as "by car"
    reasons = [t[why] for t in tables if why in t.columns]
    assert reasons and all(PSEUDO_OPEN in r for r in reasons[0])  # sentences, not engine text
    # the Gantt chart: its legend and axis in the page's language, workers by name
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    enc = spec["encoding"]
    assert all(PSEUDO_OPEN in k for k in enc["color"]["scale"]["domain"])
    assert PSEUDO_OPEN in enc["x"]["axis"]["title"]
    assert all(PSEUDO_OPEN in t["title"] for t in enc["tooltip"])


@pytest.mark.parametrize("lang", ["en", PSEUDO])
def test_publishing_says_which_plan_it_published_and_replaced(
    app_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    plan_tables: tuple[pd.DataFrame, pd.DataFrame],
    lang: str,
) -> None:
    """A manager publishes the week twice: the second confirmation names the plan it replaces
    (in English as the browser test reads it; in the pseudo locale wholly translated)."""
    import re

    from geo_outreach.i18n import format_date, using
    from geo_outreach.team import accounts
    from geo_outreach.team.plans import monday_of
    from geo_outreach.visits.store import open_store

    monkeypatch.setenv("GEO_OUTREACH_LANG", lang)
    with open_store() as store:
        accounts.add_user(store, "maria", role="manager", password="long enough")
    at = AppTest.from_file(str(APP_MAIN), default_timeout=180)
    at.run()
    # the session's own choice beats the account's (accounts take only real catalogues)
    at.session_state[app_module("state").LANGUAGE_KEY] = lang
    at.text_input(key="auth_username").input("maria")
    at.text_input(key="auth_password").input("long enough")
    at.button[0].click().run()
    at = planned_routes_page(*plan_tables, limit_s=1, at=at)
    if lang == PSEUDO:  # the page with its publish box (the sidebar's account box is auth's)
        main = [b.label for b in at.main.button] + [c.value for c in at.main.caption]
        assert [t for t in main if PSEUDO_OPEN not in t] == []
        box = [m.value for m in at.main.markdown if "Publish" in m.value]
        assert box and all(m.startswith(PSEUDO_OPEN) for m in box)
    with using(lang):
        week = format_date(monday_of(region_today(app_env)))

    def published() -> str:
        at.button(key="routes_publish").click().run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        text = at.success[-1].value
        if lang == PSEUDO:
            assert text.startswith(PSEUDO_OPEN) and text.endswith(PSEUDO_CLOSE), text
            text = text[1:-1]
        return text

    first = published()
    found = re.fullmatch(rf"Published plan (\d+) for the week of {week}", first)
    assert found, first
    second = published()
    assert re.fullmatch(
        rf"Published plan (?!{found[1]}\b)\d+ for the week of {week} \(replaces plan {found[1]}\)",
        second,
    ), second


def test_the_sidebar_language_changes_the_page(app_env: Path, monkeypatch) -> None:
    from geo_outreach.i18n import using

    monkeypatch.setenv("GEO_OUTREACH_LANG", "en")
    at = AppTest.from_file(str(APP_MAIN), default_timeout=180)
    at.run()
    assert at.title[0].value == "Needs and access"
    next(w for w in at.selectbox if w.key == "language_select").select("sv").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Behov och tillgång"
    assert "Områden" in [m.label for m in at.metric]
    # the choice stays when the user opens another page (AppTest formats the choices it
    # sends back in the test's own language: the browser sends what it shows)
    with using("sv"):
        at.switch_page("views/community.py").run()
    assert at.title[0].value == "Karta för allmänheten"


# --------------------------------------------------------------------------- My day, in full

#: what a page says, beyond :func:`_texts`: messages, markdown, expanders, every widget label
_VALUE_KINDS = ("title", "header", "subheader", "caption", "markdown", "info", "success",
                "warning", "error")  # fmt: skip
_LABEL_KINDS = ("selectbox", "multiselect", "radio", "slider", "button", "text_input",
                "text_area", "checkbox", "number_input", "date_input", "expander")  # fmt: skip


def _all_texts(at: AppTest) -> list[tuple[str, str]]:
    out = [(k, str(e.value)) for k in _VALUE_KINDS for e in getattr(at, k)]
    out += [(k, str(w.label)) for k in _LABEL_KINDS for w in getattr(at, k)]
    # the page's own choices (the sidebar's shared controls are the analysis pages' concern)
    out += [("radio option", str(o)) for r in at.main.radio for o in r.options]
    for kind in ("download_button", "link_button"):
        out += [(kind, str(e.label)) for e in at.get(kind)]
    return out


def _words_left(text: str, data_values: set[str]) -> str:
    """The letters of ``text`` outside the pseudo markers once the data values are taken out
    ("" when every word of the page's own went through gettext)."""
    import re

    inner = re.compile(r"⟦[^⟦⟧]*⟧")
    while inner.search(text):
        text = inner.sub(" ", text)
    text = re.sub(r"\d{1,2}:\d\d(?:[\s\u202f]?[AP]M)?", " ", text)  # clock times: Babel's
    for value in sorted(data_values, key=len, reverse=True):
        if value:
            text = text.replace(value, " ")
    return " ".join(re.findall(r"[^\W\d_]+", text))


def _untranslated_anywhere(at: AppTest, data_values: set[str]) -> list[tuple[str, str]]:
    return [(k, t) for k, t in _all_texts(at) if _words_left(t, data_values)]


def _region_values(app_env: Path) -> set[str]:
    from geo_outreach.data.region import load_region

    region = load_region(app_env)
    return {region.attribution, region.manifest.title, region.name}


def test_my_day_with_a_plan_in_the_pseudo_locale_has_no_untranslated_string(
    app_env: Path, visit_home: Path, planned: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The single-user My day with its stops, a recorded visit and the field packet: every
    word is translated but the plan's own values (names, addresses, ids, the worker)."""
    monkeypatch.setenv("GEO_OUTREACH_LANG", PSEUDO)
    plan = planned["plan"]
    stops = plan.stops[plan.stops["kind"] == "visit"]
    data = _region_values(app_env) | {"Ana (ana)", "Ben (ben)"}
    data |= set(stops["name"]) | set(stops["address"]) | set(stops["visit_id"])
    at = AppTest.from_file(str(APP_MAIN), default_timeout=180)
    at.session_state["route_plan"] = planned
    at.run()
    at.switch_page("views/my_day.py").run()
    assert not at.exception, at.exception
    texts = _all_texts(at)
    assert any(k == "expander" for k, _ in texts) and any(k == "radio" for k, _ in texts)
    assert _untranslated_anywhere(at, data) == []
    # a visit saved and the packet made: their messages and buttons too
    worker = at.selectbox(key="myday_worker").value.split("(")[-1].rstrip(")")
    day = at.selectbox(key="myday_day").value
    mine = stops[(stops["worker_id"] == worker) & (stops["day"] == day)]
    first = mine.iloc[0]
    sk = "_".join([worker, day, first["visit_id"], str(first["occurrence"])])
    at.button(key=f"rec_save_{sk}").click().run()
    at.button(key="myday_packet").click().run()
    assert not at.exception, at.exception
    assert at.success and at.get("download_button")
    assert _untranslated_anywhere(at, data) == []


def test_the_signed_in_workers_day_in_the_pseudo_locale_has_no_untranslated_string(
    app_env: Path,
    team: dict,  # noqa: F811 (the fixture imported above)
) -> None:
    """The published day of a signed-in worker (team mode): stop cards, navigation links,
    the record form and its refusal of another day, the field packet, the account box."""
    from geo_outreach.team.accounts import start_session
    from geo_outreach.visits.store import open_store

    monday = team["monday"].isoformat()
    route = next(
        r for r in team["plan"]["routes"] if r["worker_id"] == "ana" and r["date"] == monday
    )
    assert route["stops"]
    data = _region_values(app_env) | {"ana", "OpenStreetMap", "Apple Maps"}  # + map apps' names
    data |= {s["name"] for s in route["stops"]} | {s["address"] for s in route["stops"]}
    data |= {str(s["visit_id"]) for s in route["stops"]}
    with open_store() as st:
        token, _ = start_session(st, "ana", PW)
    at = AppTest.from_file(str(APP_MAIN), default_timeout=180)
    at.session_state["auth_token"] = token
    at.session_state["language"] = PSEUDO  # as if chosen in the sidebar
    at.query_params["date"] = monday
    at.run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == [f"{PSEUDO_OPEN}My day⟧"]
    assert len(at.get("link_button")) == 3 * len(route["stops"])
    assert _untranslated_anywhere(at, data) == []
    # the first stop's form saved (a day that is not today asks to confirm first)
    next(b for b in at.button if "Save" in b.label).click().run()
    at.button(key="team_packet").click().run()
    assert not at.exception, at.exception
    assert at.error if monday != region_today(app_env).isoformat() else at.success
    assert at.get("download_button")
    assert _untranslated_anywhere(at, data) == []
    # another worker's day: the refusal is translated too
    at.query_params["worker"] = "ben"
    at.run()
    refusals = [e.value for e in at.error]
    assert refusals and all(e.startswith(PSEUDO_OPEN) for e in refusals), refusals


# --------------------------------------------------------------------------- errors, in full
@pytest.mark.parametrize(
    ("damage", "column"),
    [("missing column", "duration_min"), ("not a number", "duration_min")],
)
def test_a_bad_table_is_explained_in_the_users_language(
    app_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    plan_tables: tuple[pd.DataFrame, pd.DataFrame],
    damage: str,
    column: str,
) -> None:
    """A manager's visits table with a mistake: the page says what is wrong in the manager's
    language (the library's message, not only the page's frame around it)."""
    monkeypatch.setenv("GEO_OUTREACH_LANG", PSEUDO)
    visits, workers = plan_tables
    if damage == "missing column":
        bad = visits.drop(columns=[column])
    else:
        bad = visits.astype({column: object})
        bad.loc[bad.index[0], column] = "half an hour"
    at = AppTest.from_file(str(APP_MAIN), default_timeout=180)
    at.run()
    at.switch_page("views/routes.py").run()
    at.session_state["routes_visits_src"] = ("visits.csv", bad)
    at.session_state["routes_workers_src"] = ("workers.csv", workers)
    at.run()
    if not at.error:  # the tables are read when the week is planned
        at.button(key="routes_run").click().run()
    assert not at.exception, at.exception
    errors = [str(e.value) for e in at.error]
    assert errors, "the mistake was not reported"
    data = {"visits.csv", column, "half an hour", *map(str, bad.columns)}
    for text in errors:
        assert PSEUDO_OPEN in text
        # the codes a user types (columns like duration_min) are data; no English words left
        assert _words_left(text, data) == "", text


def test_why_a_tract_ranks_is_said_in_the_users_language(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Needs and access explains the chosen tract with a sentence built from its numbers:
    the sentence, not only the page around it, is in the user's language."""
    monkeypatch.setenv("GEO_OUTREACH_LANG", PSEUDO)
    at = AppTest.from_file(str(APP_MAIN), default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    reasons = [str(i.value) for i in at.info]
    assert reasons and any(PSEUDO_OPEN in r for r in reasons), reasons
    assert [r for r in reasons if _words_left(r, set())] == []
