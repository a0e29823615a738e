"""geo_outreach dashboard: one router over the pages; each page draws the shared sidebar
(``state.scenario()``) first.

With accounts in the team database everyone signs in first (``auth.py``) and sees only the
pages of their role; without, the dashboard runs in single-user mode and says so.

Run it with ``geo-outreach app`` (which turns on static serving for the offline map
libraries under ``app/static/vendor``), or ``streamlit run app/main.py
--server.enableStaticServing true``.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
for _p in (str(_HERE), str(_HERE.parent)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import streamlit as st  # noqa: E402

st.set_page_config(page_title="geo_outreach", page_icon=":world_map:", layout="wide")

import auth  # noqa: E402
import state  # noqa: E402

from geo_outreach.i18n import N_, _  # noqa: E402

state.apply_language()  # before sign-in: GEO_OUTREACH_LANG (the form's labels stay English)
actor = auth.current_actor()  # checked against the sessions table on every run
if actor is None:
    auth.sign_in_page()  # stops the run
    raise SystemExit  # unreachable
state.apply_language(actor)  # the session's choice, else the account's language
auth.account_box(actor)

#: section -> (file, title, icon, url path) of every page, the first being the default
PAGES: dict[str, list[tuple[str, str, str, str]]] = {
    N_("Analysis"): [
        ("needs.py", N_("Needs and access"), ":material/map:", "needs"),
        ("community.py", N_("Community map"), ":material/public:", "community"),
    ],
    N_("Planning"): [
        ("stops.py", N_("Plan stops"), ":material/location_on:", "stops"),
        ("routes.py", N_("Plan routes"), ":material/route:", "routes"),
    ],
    N_("Field"): [
        ("my_day.py", N_("My day"), ":material/today:", "my-day"),
        ("impact.py", N_("Impact"), ":material/insights:", "impact"),
    ],
}

# Every page is registered so that a direct URL reaches the page's own guard (a plain
# refusal, not Streamlit's "Page not found"); the sidebar lists only the role's pages.  The
# default page (served at "/") is a hidden one that opens the role's first page: were a
# real page the default, its own URL (/my-day for a worker) would be "not found".
_allowed = auth.allowed_pages(actor)
_first: list[st.Page] = []
_nav: dict[str, list[st.Page]] = {}
for _section, _entries in PAGES.items():
    for _file, _title, _icon, _path in _entries:
        _page = st.Page(
            str(_HERE / "views" / _file),
            title=_(_title),
            icon=_icon,
            url_path=_path,
            visibility="visible" if _path in _allowed else "hidden",
        )
        _nav.setdefault(_(_section), []).append(_page)
        if _path in _allowed and not _first:
            _first.append(_page)


def _home() -> None:
    """The role's first page (nothing allowed: say so)."""
    if not _first:
        st.error(_("refused: your account may open no page of the dashboard; ask an admin"))
        st.stop()
    st.switch_page(_first[0], query_params=st.query_params.to_dict())  # keeps ?date=


_nav = {"": [st.Page(_home, title=_("Home"), url_path="home", default=True, visibility="hidden")],
        **_nav}  # fmt: skip
st.navigation(_nav).run()
