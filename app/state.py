"""Shared sidebar (region and scenario), the cached library calls every page uses, the plan
kept in the session and the visit log.

Heavy work is cached once per process: the region with its networks
(``st.cache_resource``), the analysis per scenario (``analyze_region``), the need scores and
siting inputs per mode, the road layers and the rendered map pages.  Heavy imports (osmnx,
the solvers) happen inside the cached functions, so a page that does not need them never
pays.
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import logic
import pandas as pd
import streamlit as st

from geo_outreach import i18n
from geo_outreach.i18n import N_, _

#: session key of the dashboard's language (the sidebar's selector)
LANGUAGE_KEY = "language"
LANGUAGE_SELECT_KEY = "language_select"

REGION_ENV = "GEO_OUTREACH_APP_REGION"
"""Environment variable with the region folder (set by ``geo-outreach app --region``)."""
PLAN_KEY = "route_plan"
"""Session key of the current plan: ``{"plan": PlanOnNetwork, "dir": str, "region": ...}``."""


def region_arg() -> str | None:
    """The region the app serves: ``$GEO_OUTREACH_APP_REGION`` or None (the demo)."""
    from geo_outreach import config

    return config.app_region()


def _in_cached_function() -> bool:
    """Whether a cached function is running (an element drawn there would be replayed on
    every cache hit); Streamlit's own flag, read defensively as it is not public API."""
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import in_cached_function
    except ImportError:  # pragma: no cover - a Streamlit that moved it: no nested spinners
        return True
    return bool(in_cached_function.get())


def _cached(message: str, **cache: Any) -> Callable[[Callable[..., Any]], Any]:
    """``st.cache_resource`` whose spinner speaks the session's language (the decorator's own
    ``show_spinner`` text is fixed when the module loads). ``message`` is marked with
    :func:`~geo_outreach.i18n.N_`; Streamlit shows it only when the call takes a while."""

    def wrap(fn: Callable[..., Any]) -> Any:
        inner = st.cache_resource(show_spinner=False, **cache)(fn)

        @functools.wraps(fn)
        def call(*args: Any, **kwargs: Any) -> Any:
            if _in_cached_function():  # as Streamlit's own: only the outermost call shows one
                return inner(*args, **kwargs)
            with st.spinner(_(message)):
                return inner(*args, **kwargs)

        call.clear = inner.clear  # type: ignore[attr-defined]
        return call

    return wrap


@_cached(N_("Loading the region and its road networks..."))
def get_ctx(region: str | None) -> Any:
    from geo_outreach.network.context import open_region

    ctx = open_region(region)
    ctx.load()
    return ctx


def get_analysis(
    region: str | None, need: str, mode: str, categories: tuple[str, ...], top_share: float
) -> Any:
    """:func:`geo_outreach.analyze` for the scenario (its engine result, which the pages draw).

    Access is measured for every service category in the chosen mode; the chosen
    categories are the focus of the underserved score and of the reason sentence. The
    reasons are sentences in the session's language, so each language has its own entry.
    """
    return _analysis(region, need, mode, categories, top_share, i18n.get_language())


@_cached(N_("Scoring need and access..."), max_entries=32)
def _analysis(
    region: str | None,
    need: str,
    mode: str,
    categories: tuple[str, ...],
    top_share: float,
    lang: str,
) -> Any:
    import geo_outreach as go

    with i18n.using(lang):
        return go.analyze(
            get_ctx(region),
            need=need,
            modes=(mode,),
            categories=None,
            reason_categories=tuple(categories) or None,
            top_share=top_share,
        ).result


@_cached(N_("Scoring need..."))
def get_need(region: str | None, need: str) -> pd.DataFrame:
    """``unit_id, need_score`` (:func:`~geo_outreach.analysis.pipeline.compute_region_need`)."""
    from geo_outreach.analysis.pipeline import compute_region_need

    loaded = get_ctx(region).region
    return compute_region_need(
        loaded.units,
        need,
        region_need=loaded.manifest.need,
        source=str(loaded.manifest.manifest_path),
    )[0]


@_cached(N_("Finding candidate stops and travel times..."))
def get_siting_inputs(region: str | None, mode: str) -> Any:
    """:func:`geo_outreach.optimize.site_region.siting_inputs` per mode."""
    from geo_outreach.optimize.site_region import siting_inputs

    return siting_inputs(get_ctx(region), mode)


@_cached(N_("Preparing the road base map..."))
def get_road_edges(region: str | None) -> Any:
    """Drive-network road edges (:func:`geo_outreach.present.exports.road_edges`)."""
    from geo_outreach.present.exports import road_edges

    return road_edges(get_ctx(region).network("drive"))


@_cached(N_("Preparing the road base map..."))
def get_roads(region: str | None) -> Any:
    """Road layer data of the offline base map (built once per region)."""
    import maps

    ctx = get_ctx(region)
    return maps.road_layer_data(ctx, get_road_edges(region))


@st.cache_resource(show_spinner=False)
def _open_store(url: str) -> Any:
    from geo_outreach.visits.store import open_store

    return open_store(url)


def visit_store() -> Any:
    """The visit log of ``GEO_OUTREACH_DB_URL`` / ``GEO_OUTREACH_HOME`` (opened once per URL)."""
    from geo_outreach.visits.store import default_db_url

    return _open_store(default_db_url())


@dataclass(frozen=True)
class Scenario:
    """The sidebar's choices, shared by every page."""

    region: str | None
    need: str
    mode: str
    categories: tuple[str, ...]
    top_share: float

    def analysis(self) -> Any:
        """The cached :class:`~geo_outreach.analysis.pipeline.AnalysisResult`."""
        return get_analysis(self.region, self.need, self.mode, self.categories, self.top_share)


def apply_language(actor: Any = None) -> str:
    """Set this run's language (context-local, so other sessions keep theirs) and return it.

    The session's choice in the sidebar, else the signed-in account's language, else
    ``GEO_OUTREACH_LANG``, else the region's default, else English. Before sign-in nobody has
    chosen: ``GEO_OUTREACH_LANG`` (the sign-in form itself stays in English).
    """
    chosen = st.session_state.get(LANGUAGE_KEY)
    account = getattr(actor, "language", None) if getattr(actor, "role", "") != "owner" else None
    try:
        lang = i18n.resolve_language(chosen, account=account)
    except ValueError:
        lang = i18n.resolve_language(account=account)
    i18n.set_language(lang)
    return lang


def language_selector() -> str:
    """The sidebar's language selector (each language by its own name); returns the choice.

    The choice is kept under :data:`LANGUAGE_KEY`, apart from the widget's own state, so it
    stays when the user moves to another page (each page draws its own selector).
    """
    current = i18n.get_language()
    options = list(i18n.LANGUAGES)
    if current not in options:  # the pseudo-locale of the tests
        options.append(current)

    def chosen() -> None:
        st.session_state[LANGUAGE_KEY] = st.session_state[LANGUAGE_SELECT_KEY]

    lang = st.sidebar.selectbox(
        "🌐",
        options,
        index=options.index(current),
        key=LANGUAGE_SELECT_KEY,
        on_change=chosen,
        format_func=lambda c: i18n.LANGUAGE_NAMES.get(c, c),
        label_visibility="collapsed",
    )
    i18n.set_language(lang)
    return str(lang)


#: the analysis controls of the sidebar
CONTROLS: tuple[str, ...] = ("need", "mode", "categories", "top_share")

#: page (its file in ``app/views`` without ``.py``) -> the sidebar controls that act on it.
#: The others stay hidden there (their last choice is kept for the pages that show them).
#: Pages not listed get every control.
PAGE_CONTROLS: dict[str, tuple[str, ...]] = {
    "needs": CONTROLS,
    "community": CONTROLS,
    "impact": CONTROLS,  # the underserved flags come from the analysis of the scenario
    "stops": ("need",),  # the stop finder has its own travel mode and services
    "routes": (),
    "my_day": (),
}

#: session keys of the scenario's widgets; the choice is also kept under ``KEPT + key``
#: (a widget's own state is dropped on a page that does not draw it)
WIDGET_KEYS: dict[str, str] = {
    "need": "scenario_need",
    "mode": "scenario_mode",
    "categories": "scenario_categories",
    "top_share": "scenario_top",
}
KEPT = "kept_"


def current_page() -> str:
    """The running page: the file name (without ``.py``) of the ``app/views`` script that is
    running, ``""`` outside a page (the router)."""
    import inspect

    views = Path(__file__).resolve().parent / "views"
    frame = inspect.currentframe()
    while frame is not None:
        path = Path(frame.f_code.co_filename)
        if path.parent == views:
            return path.stem
        frame = frame.f_back
    return ""


def page_controls(page: str | None = None) -> tuple[str, ...]:
    """The sidebar controls shown on ``page`` (default: the running page)."""
    return PAGE_CONTROLS.get(current_page() if page is None else page, CONTROLS)


def _kept(name: str, default: Any) -> Any:
    return st.session_state.get(KEPT + WIDGET_KEYS[name], default)


def _keep(name: str, value: Any) -> None:
    st.session_state[KEPT + WIDGET_KEYS[name]] = value


def sidebar(page: str | None = None) -> Scenario:
    """Draw the shared sidebar and return the scenario.

    Only the controls of :data:`PAGE_CONTROLS` for ``page`` (default: the running page) are
    drawn; the hidden ones take their last choice in this session, else their default.
    """
    from geo_outreach.present.labels import category_label, mode_choice

    shown = page_controls(page)
    language_selector()  # the run's language was set by main.py (apply_language)
    region = region_arg()
    ctx = get_ctx(region)
    units = ctx.region.units
    services = ctx.region.services
    cats = sorted(services["category"].astype(str).unique())
    needs = logic.need_labels(units)
    default_cat = [c for c in ("clinic_fqhc",) if c in cats] or cats[:1]
    need = _kept("need", "auto")
    need = need if need in needs else "auto"
    mode = _kept("mode", logic.MODES[0])
    chosen = [c for c in _kept("categories", default_cat) if c in cats]
    top = float(_kept("top_share", 0.2))
    with st.sidebar:
        st.markdown(f"**{ctx.region.manifest.title or ctx.region.name}**")
        if shown:
            st.caption(
                _("{tracts} tracts, {services} services").format(
                    tracts=len(units), services=len(services)
                )
                + (" " + _("(synthetic)") if ctx.region.is_synthetic else "")
            )
        if "need" in shown:
            codes = list(needs)
            need = st.selectbox(
                _("Need index"),
                codes,
                index=codes.index(need),
                key=WIDGET_KEYS["need"],
                format_func=lambda c: needs[c],
                help=logic.need_help(),
            )
            _keep("need", need)
        if "mode" in shown:
            mode = st.radio(
                _("Travel mode"),
                list(logic.MODES),
                index=list(logic.MODES).index(mode) if mode in logic.MODES else 0,
                horizontal=True,
                key=WIDGET_KEYS["mode"],
                format_func=mode_choice,  # "By car"; the value stays the code (drive)
            )
            _keep("mode", mode)
        if "categories" in shown:
            overrides = ctx.region.manifest.category_labels
            chosen = st.multiselect(
                _("Services for access"),
                cats,
                default=chosen,
                key=WIDGET_KEYS["categories"],
                format_func=lambda c: category_label(c, overrides=overrides),
                help=_(
                    "The services whose travel times make the access part of the underserved score."
                ),
            )
            _keep("categories", list(chosen))
        if "top_share" in shown:
            top = st.slider(
                _("Tracts flagged underserved"),
                0.05,
                0.5,
                top,
                0.05,
                key=WIDGET_KEYS["top_share"],
                format="%.2f",
                help=_(
                    "The share of tracts flagged underserved: those with the highest "
                    "underserved score."
                ),
            )
            _keep("top_share", float(top))
        st.caption(ctx.region.attribution)
    return Scenario(
        region=region,
        need=str(need),
        mode=str(mode),
        categories=tuple(chosen) or tuple(default_cat),
        top_share=float(top),
    )


def scenario(page: str | None = None) -> Scenario:
    """Draw the shared sidebar and return its scenario; stop with a message if the region fails.

    Every page calls this first (pages rather than the router draw it, so a page run on
    its own, as in ``AppTest``, has the same sidebar).  ``page`` (default: the running page)
    picks the controls drawn (:data:`PAGE_CONTROLS`).
    """
    from geo_outreach.errors import GeoOutreachError

    try:
        return sidebar(page)
    except (GeoOutreachError, ValueError, OSError) as exc:
        st.error(_("Cannot open the region: {error}").format(error=" ".join(str(exc).split())))
        st.stop()
        raise  # unreachable: st.stop() ends the run


def show_error(exc: Exception) -> None:
    """One clear message for a user error (never a traceback)."""
    st.error(" ".join(str(exc).split()))


# --------------------------------------------------------------------------- the plan


def make_plan(
    region: str | None,
    visits: pd.DataFrame,
    workers: pd.DataFrame,
    *,
    days: list[str],
    time_limit_s: float,
    visits_name: str = "visits.csv",
    workers_name: str = "workers.csv",
    progress: Callable[[str, int, int], None] | None = None,
    locked: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    """Plan with :func:`geo_outreach.plan_routes` and keep it in the session.

    The plan is also saved as a plan folder (:meth:`geo_outreach.Plan.save`) that the field
    packet and the download read.  ``saved["result"]`` is the :class:`geo_outreach.Plan`
    (its timeline and pins), ``saved["plan"]`` the engine's plan.  ``locked`` routes
    keep the visits pinned to them.  Raises :class:`InputError` for bad tables or days.
    """
    import geo_outreach as go
    from geo_outreach.errors import InputError

    if not days:
        raise InputError(_("choose at least one day to plan"), source="days")
    v, w = logic.read_tables(visits, workers, visits_name=visits_name, workers_name=workers_name)
    made = go.plan_routes(
        get_ctx(region),
        v,
        w,
        days=days,
        time_limit_s=time_limit_s,
        seed=0,
        progress=progress,
        locked=tuple(locked),
    )
    folder = made.save(Path(tempfile.mkdtemp(prefix="geo_outreach_plan_")))
    plan = made.solution
    saved = {"plan": plan, "result": made, "dir": str(folder), "region": region}
    st.session_state[PLAN_KEY] = saved
    return saved


def replan_pinned(
    region: str | None,
    saved: dict[str, Any],
    visits: pd.DataFrame,
    workers: pd.DataFrame,
    *,
    visit_ids: Sequence[str],
    routes: Sequence[tuple[str, str]],
    days: list[str],
    time_limit_s: float,
    visits_name: str = "visits.csv",
    workers_name: str = "workers.csv",
) -> dict[str, Any]:
    """Pin the chosen visits and routes where the current plan put them, and plan again.

    ``visits`` is the page's visits table (edits since the plan kept); with the pins
    (:meth:`geo_outreach.Plan.pinned_visits`) it becomes the page's table (the editor
    shows the pin columns).  The chosen routes are locked.
    """
    pinned = saved["result"].pinned_visits(visit_ids, routes=routes, visits=visits)
    new = make_plan(
        region,
        pinned,
        workers,
        days=days,
        time_limit_s=time_limit_s,
        visits_name=visits_name,
        workers_name=workers_name,
        locked=routes,
    )
    st.session_state["routes_visits_src"] = (visits_name, pinned)
    st.session_state["routes_visits_rev"] = st.session_state.get("routes_visits_rev", 0) + 1
    return new


def current_plan(region: str | None) -> dict[str, Any] | None:
    """The plan of this session for ``region``, or None."""
    saved = st.session_state.get(PLAN_KEY)
    if saved is None or saved.get("region") != region:
        return None
    return saved
