"""The sidebar shows the controls that act on the page, and its texts fit its default width."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from .conftest import APP_MAIN

#: Longest sidebar label or option (characters) that shows whole at the default sidebar width
#: (about 300 px: a selectbox shows some 30 characters before it cuts the text with "...").
MAX_SIDEBAR_TEXT = 30


@pytest.fixture(autouse=True)
def _needs_map_assets() -> None:
    from tests.conftest import require_map_assets

    require_map_assets()


def _app() -> AppTest:
    at = AppTest.from_file(str(APP_MAIN), default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    return at


def _sidebar_labels(at: AppTest) -> set[str]:
    sb = at.sidebar
    return {
        str(w.label)
        for kind in ("selectbox", "multiselect", "radio", "slider")
        for w in getattr(sb, kind)
    }


def test_the_sidebar_shows_only_the_controls_of_the_page(app_env: Path) -> None:
    at = _app()
    labels = _sidebar_labels(at)  # Needs and access
    assert {"Need index", "Travel mode"} <= labels
    at.sidebar.radio(key="scenario_mode").set_value("walk").run()
    for page in ("views/routes.py", "views/my_day.py"):
        at.switch_page(page).run()
        assert not at.exception, at.exception
        labels = _sidebar_labels(at)
        assert "Need index" not in labels and "Travel mode" not in labels, page
        assert not at.sidebar.slider, page
        # the region's name and the language selector stay
        assert [w for w in at.sidebar.selectbox if w.key == "language_select"], page
    at.switch_page("views/stops.py").run()
    labels = _sidebar_labels(at)
    assert "Need index" in labels and "Travel mode" not in labels  # it has its own mode
    # back on a page with the controls: the choice made there is kept
    at.switch_page("views/community.py").run()
    assert not at.exception, at.exception
    assert at.sidebar.radio(key="scenario_mode").value == "walk"


@pytest.mark.parametrize("lang", ["en", "es", "sv"])
def test_every_sidebar_text_fits_the_default_width(
    app_env: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    monkeypatch.setenv("GEO_OUTREACH_LANG", lang)
    at = _app()
    sb = at.sidebar
    texts: list[str] = []
    for kind in ("selectbox", "multiselect", "radio", "slider"):
        for w in getattr(sb, kind):
            if w.key == "language_select":
                continue
            texts.append(str(w.label))
            texts += [str(o) for o in getattr(w, "options", [])]
    assert len(texts) > 8
    too_long = [t for t in texts if len(t) > MAX_SIDEBAR_TEXT]
    assert too_long == []
