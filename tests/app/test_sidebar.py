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


def test_the_travel_mode_reads_as_words_and_keeps_its_code(app_env: Path) -> None:
    at = _app()
    radio = at.sidebar.radio(key="scenario_mode")
    assert list(radio.options) == ["By car", "On foot"]  # what people read, not drive/walk
    assert not radio.proto.captions  # the name is the option itself: no caption under it
    radio.set_value("walk").run()
    assert not at.exception, at.exception
    assert at.sidebar.radio(key="scenario_mode").value == "walk"


def test_choices_survive_a_language_switch(app_env: Path) -> None:
    """Pick "On foot" and another need index, switch to Swedish: the page keeps walking and
    that need index, shown in Swedish. The browser still holds the English label "On foot",
    which is no Swedish option: Streamlit reads it with the labels it was drawn with, so the
    page gets the code, not the stale label (and nothing is reset)."""
    at = _app()
    needs = at.sidebar.selectbox(key="scenario_need")
    other_need = next(o for o in needs.options if o != needs.options[needs.index])
    needs.select_index(needs.options.index(other_need)).run()
    at.sidebar.radio(key="scenario_mode").set_value("walk").run()
    chosen_need = at.sidebar.selectbox(key="scenario_need").value
    assert at.sidebar.radio(key="scenario_mode").value == "walk"
    from streamlit.proto.WidgetStates_pb2 import WidgetState
    from streamlit.testing.v1.element_tree import Radio

    mode_id = at.sidebar.radio(key="scenario_mode").id
    sent = Radio._widget_state

    def as_a_browser(self: Radio) -> WidgetState:  # the label it showed, not the code
        if self.id == mode_id:
            return WidgetState(id=mode_id, string_value="On foot")
        return sent.fget(self)  # type: ignore[attr-defined]

    Radio._widget_state = property(as_a_browser)  # type: ignore[assignment,method-assign]
    try:
        next(w for w in at.sidebar.selectbox if w.key == "language_select").select("sv").run()
    finally:
        Radio._widget_state = sent  # type: ignore[method-assign]
    assert not at.exception, at.exception
    radio = at.sidebar.radio(key="scenario_mode")
    assert radio.value == "walk"
    assert list(radio.options) == ["Med bil", "Till fots"]
    assert at.sidebar.selectbox(key="scenario_need").value == chosen_need
    from geo_outreach import i18n

    with i18n.using("sv"):  # AppTest formats the value it sends in the test's own language
        at.run()  # the next run (the browser now holds the Swedish label) keeps it too
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
