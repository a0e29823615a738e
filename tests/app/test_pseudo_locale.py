"""The pseudo-locale ``xx`` wraps every translated string in ⟦ ⟧: a page rendered in it shows
no words outside the markers except data values (region names, attribution, numbers) and
Streamlit's own widget texts."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo_outreach.i18n import PSEUDO, PSEUDO_OPEN

from .conftest import APP_MAIN


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
    out += [("table header", str(c)) for df in at.dataframe for c in df.value.columns]
    return out


def _untranslated(at: AppTest, data_values: set[str]) -> list[tuple[str, str]]:
    return [
        (kind, text)
        for kind, text in _texts(at)
        if text.strip() and text not in data_values and text != "🌐" and PSEUDO_OPEN not in text
    ]


#: the pages converted so far (docs/i18n.md); each new one is added here
PAGES = [None, "views/community.py", "views/stops.py", "views/impact.py"]


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
    assert len(texts) > 10  # the page was drawn
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
