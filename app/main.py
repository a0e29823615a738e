"""geo_outreach dashboard: one router over the pages; each page draws the shared sidebar
(``state.scenario()``) first.

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

PAGES = {
    "Analysis": [
        st.Page(
            str(_HERE / "views" / "needs.py"),
            title="Needs and access",
            icon=":material/map:",
            url_path="needs",
            default=True,
        ),
        st.Page(
            str(_HERE / "views" / "community.py"),
            title="Community map",
            icon=":material/public:",
            url_path="community",
        ),
    ],
    "Planning": [
        st.Page(
            str(_HERE / "views" / "stops.py"),
            title="Plan stops",
            icon=":material/location_on:",
            url_path="stops",
        ),
        st.Page(
            str(_HERE / "views" / "routes.py"),
            title="Plan routes",
            icon=":material/route:",
            url_path="routes",
        ),
    ],
    "Field": [
        st.Page(
            str(_HERE / "views" / "my_day.py"),
            title="My day",
            icon=":material/today:",
            url_path="my-day",
        ),
        st.Page(
            str(_HERE / "views" / "impact.py"),
            title="Impact",
            icon=":material/insights:",
            url_path="impact",
        ),
    ],
}

st.navigation(PAGES).run()
