"""The pseudo-locale ``xx`` wraps every translated string in ⟦ ⟧: a page rendered in it shows
no words outside the markers except data values (region names, attribution, numbers) and
Streamlit's own widget texts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo_outreach.i18n import PSEUDO, PSEUDO_OPEN

from .conftest import APP_MAIN
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
    return out


def _untranslated(at: AppTest, data_values: set[str]) -> list[tuple[str, str]]:
    return [
        (kind, text)
        for kind, text in _texts(at)
        if text.strip() and text not in data_values and text != "🌐" and PSEUDO_OPEN not in text
    ]


#: the pages converted so far (docs/i18n.md); each new one is added here
PAGES = [None, "views/community.py", "views/stops.py", "views/impact.py", "views/my_day.py"]

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


def test_the_sidebar_language_changes_the_page(app_env: Path, monkeypatch) -> None:
    monkeypatch.setenv("GEO_OUTREACH_LANG", "en")
    at = AppTest.from_file(str(APP_MAIN), default_timeout=180)
    at.run()
    assert at.title[0].value == "Needs and access"
    next(w for w in at.selectbox if w.key == "language_select").select("sv").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Behov och tillgång"
    assert "Områden" in [m.label for m in at.metric]
    # the choice stays when the user opens another page
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
    assert at.error if monday != dt.date.today().isoformat() else at.success
    assert at.get("download_button")
    assert _untranslated_anywhere(at, data) == []
    # another worker's day: the refusal is translated too
    at.query_params["worker"] = "ben"
    at.run()
    refusals = [e.value for e in at.error]
    assert refusals and all(e.startswith(PSEUDO_OPEN) for e in refusals), refusals
