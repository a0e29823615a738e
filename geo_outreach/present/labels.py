"""Human labels: the one place where engine words become what people read.

Service categories, column headers, units spelled out, people as whole numbers, shares with
their denominator, skills as language or qualification names, solver messages for managers and
the reasons of unscheduled visits as sentences. Everything is translated through
:mod:`geo_outreach.i18n` into the current language (or ``lang=``).

Machine outputs (CSV, GeoJSON, ``--json``, GPX) keep ids and English keys and do not use this
module.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping

import pandas as pd

from geo_outreach.i18n import N_, format_decimal, format_people, format_percent, gettext, ngettext
from geo_outreach.i18n import using as _using
from geo_outreach.optimize.routing.io import LANGUAGES as _LANGUAGE_SKILLS
from geo_outreach.optimize.routing.io import QUALIFICATIONS as _QUALIFICATIONS

__all__ = [
    "CATEGORY_LABELS",
    "COLUMN_LABELS",
    "QUALIFICATION_LABELS",
    "REASON_SENTENCES",
    "REFERRAL_LABELS",
    "ROAD_SENTENCES",
    "candidate_reason",
    "category_label",
    "chart_time_format",
    "class_range_text",
    "column_label",
    "day_label",
    "distance_text",
    "duration_text",
    "kind_label",
    "label_columns",
    "mode_choice",
    "mode_label",
    "people_text",
    "reason_sentence",
    "referral_label",
    "route_label",
    "route_names",
    "share_text",
    "siting_summary",
    "skill_details",
    "skill_label",
    "split_skills",
    "time_text",
    "worker_names",
]

logger = logging.getLogger(__name__)

CATEGORY_LABELS: dict[str, str] = {
    "clinic_fqhc": N_("Community health center"),
    "clinic": N_("Clinic"),
    "hospital": N_("Hospital"),
    "pharmacy": N_("Pharmacy"),
    "food_bank": N_("Food bank"),
    "food_pantry": N_("Food pantry"),
    "senior_center": N_("Senior center"),
    "mental_health": N_("Mental health services"),
    "substance_use_treatment": N_("Substance use treatment"),
    "community_center": N_("Community center"),
    "library": N_("Library"),
    "shelter": N_("Shelter"),
    "school": N_("School"),
    "social_services": N_("Social services"),
    "dental": N_("Dental care"),
}
"""Default label of each service category code (a region's ``[labels.categories]`` overrides)."""

QUALIFICATION_LABELS: dict[str, str] = {
    "nurse": N_("Nurse"),
    "doctor": N_("Doctor"),
    "pharmacist": N_("Pharmacist"),
    "social_worker": N_("Social worker"),
    "case_manager": N_("Case manager"),
    "peer_support": N_("Peer support"),
    "benefits": N_("Benefits advice"),
    "enrollment": N_("Enrollment help"),
    "mental_health": N_("Mental health"),
    "counselor": N_("Counselor"),
    "interpreter": N_("Interpreter"),
    "driver": N_("Driver"),
    "cdl": N_("Commercial driver's license"),
    "paramedic": N_("Paramedic"),
    "dentist": N_("Dentist"),
    "harm_reduction": N_("Harm reduction"),
}
"""Label of each qualification code of the routing inputs."""

COLUMN_LABELS: dict[str, str] = {
    "unit_id": N_("Area"),
    "name": N_("Name"),
    "address": N_("Address"),
    "category": N_("Service"),
    "population": N_("People"),
    "need": N_("Need index"),
    "high_need": N_("High need"),
    "rank": N_("Rank"),
    "site_id": N_("Stop"),
    "reason": N_("Why"),
    "gain_population": N_("People newly reached"),
    "covered_population": N_("People reached"),
    "covered_share": N_("Share reached"),
    "n_units": N_("Areas reached"),
    "mean_need": N_("Average need index"),
    "travel_time_min": N_("Travel time (minutes)"),
    "travel_time_s": N_("Travel time (seconds)"),
    "dist_m": N_("Distance (metres)"),
    "worker_id": N_("Worker"),
    "worker_name": N_("Worker"),
    "day": N_("Day"),
    "sequence": N_("Order"),
    "visit_id": N_("Visit"),
    "arrival": N_("Arrival"),
    "start": N_("Start"),
    "end": N_("End"),
    "languages": N_("Languages"),
    "qualifications": N_("Qualifications"),
    "skills": N_("Languages and qualifications"),
    "notes": N_("Notes"),
    "code": N_("Reason code"),
    "occurrence": N_("Occurrence"),
    "priority": N_("Priority"),
    "duration_min": N_("Time on site (minutes)"),
    # routing: the visits and workers tables, the routes and stops of a plan
    "lon": N_("Longitude"),
    "lat": N_("Latitude"),
    "location_id": N_("Place"),
    "windows": N_("Time windows"),
    "frequency": N_("Visits per week"),
    "min_gap_days": N_("Days between visits"),
    "start_lon": N_("Start longitude"),
    "start_lat": N_("Start latitude"),
    "end_lon": N_("End longitude"),
    "end_lat": N_("End latitude"),
    "mode": N_("Travel mode"),
    "shift": N_("Shift"),
    "break": N_("Break"),
    "max_work_h": N_("Most working hours"),
    "capacity": N_("Capacity"),
    "pinned_worker": N_("Pinned to worker"),
    "pinned_day": N_("Pinned to day"),
    "worker": N_("Worker"),
    "route": N_("Route"),
    "seq": N_("Order"),
    "kind": N_("Type"),
    "n_stops": N_("Stops"),
    "travel": N_("Travel time"),
    "distance": N_("Distance"),
    "working_time": N_("Working time"),
    "details": N_("Details"),
    # the analysis, siting and impact tables of the dashboard
    "underserved_rank": N_("Underserved rank"),
    "need_score": N_("Need index"),
    "underserved_score": N_("Underserved score"),
    "zone_id": N_("Zone"),
    "tracts": N_("Tracts"),
    "need_score_mean": N_("Average need index"),
    "underserved_score_max": N_("Highest underserved score"),
    "best_rank": N_("Best underserved rank"),
    "gain": N_("Need-weighted gain"),
    "scenario": N_("Scenario"),
    "high_need_covered_share": N_("Share reached in high-need tracts"),
    "delta_covered_population": N_("Change in people reached"),
    "visits": N_("Visits"),
    "visits_done": N_("Visits done"),
    "people_reached": N_("People reached"),
    "referrals": N_("Referrals"),
    "reached_share": N_("Share of the people reached"),
    "underserved": N_("Underserved"),
    "followup_due": N_("Follow-up due"),
    "days_overdue": N_("Days overdue"),
    "planned_visit_id": N_("Visit"),
    "status": N_("Status"),
    "done_by": N_("Done by"),
}
"""Header of each engine column people see in a table."""

REASON_SENTENCES: dict[str, str] = {
    "off_network": N_("The place is not on the road network, so no travel time can be worked out."),
    "no_skill": N_("No worker has the language or qualification this visit needs."),
    "no_shift_day": N_("No qualified worker works on a day when this visit can be made."),
    "too_long": N_("The visit takes longer than any qualified worker's shift."),
    "window_unreachable": N_("The visit's time window cannot be reached within any shift."),
    "single_route_infeasible": N_("Even on its own, the visit does not fit into any route."),
    "frequency": N_("The visit cannot be repeated as often as asked within the plan's days."),
    "pinned_infeasible": N_("The visit is fixed to a worker or day that cannot make it."),
    "lost_to_priority": N_(
        "Higher-priority visits took all the time of the workers who could make it."
    ),
    "not_worth": N_("The visit was left out because its value is lower than the travel it adds."),
}
"""A sentence for managers for each reason code of an unscheduled visit."""


def _t(message: str, lang: str | None) -> str:
    return gettext(message, lang=lang)


def category_label(
    code: str, *, overrides: Mapping[str, str] | None = None, lang: str | None = None
) -> str:
    """What people read for a service category code.

    Parameters
    ----------
    code
        The category as in the services file (``clinic_fqhc``).
    overrides
        The region's labels (``RegionManifest.category_labels``); used as written (a region
        names its own services in its own language).
    lang
        Language (default: the current one).

    Returns
    -------
    str
        The region's label, else the default label translated, else the code with its
        underscores spelled as spaces and a capital first letter.
    """
    if overrides and code in overrides:
        return overrides[code]
    if code in CATEGORY_LABELS:
        return _t(CATEGORY_LABELS[code], lang)
    text = str(code).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


MODE_LABELS: dict[str, str] = {
    "drive": N_("by car"),
    "walk": N_("on foot"),
    "bike": N_("by bicycle"),
    "transit": N_("by public transport"),
}
"""How a travel mode reads in a sentence."""

MODE_CHOICES: dict[str, str] = {
    "drive": N_("By car"),
    "walk": N_("On foot"),
    "bike": N_("By bicycle"),
    "transit": N_("By public transport"),
}
"""How a travel mode reads as an option to choose (a radio button, a menu)."""


KIND_LABELS: dict[str, str] = {
    "start": N_("Start of the day"),
    "end": N_("End of the day"),
    "visit": N_("Visit"),
    "break": N_("Break"),
    "travel": N_("Travel"),
    "wait": N_("Waiting"),
}
"""What each kind of a plan's stop or timeline segment reads as."""


def kind_label(kind: str, *, lang: str | None = None) -> str:
    """A stop or timeline segment kind for people (``wait`` -> ``Waiting``)."""
    return _t(KIND_LABELS[kind], lang) if kind in KIND_LABELS else str(kind)


def day_label(code: str, *, lang: str | None = None) -> str:
    """A weekday code of a plan (``Mon``) as the day's name (``Monday`` / ``Lunes`` /
    ``Måndag``); anything else as it is."""
    name = _weekday_name(code, "stand-alone", lang)
    return name[:1].upper() + name[1:] if name else str(code)


def _weekday_name(code: str, context: str, lang: str | None) -> str:
    """Babel's wide name of a weekday code in ``context`` (``"stand-alone"``: a heading,
    ``"format"``: inside a phrase); "" for anything but a weekday code."""
    from babel import Locale

    from geo_outreach.domain import WEEKDAYS
    from geo_outreach.i18n import _locale

    if code not in WEEKDAYS:
        return ""
    return str(Locale.parse(_locale(lang)).days[context]["wide"][WEEKDAYS.index(code)])


def mode_label(mode: str, *, lang: str | None = None) -> str:
    """A travel mode for people (``drive`` -> ``by car``)."""
    return _t(MODE_LABELS[mode], lang) if mode in MODE_LABELS else str(mode)


def mode_choice(mode: str, *, lang: str | None = None) -> str:
    """A travel mode as an option to choose (``drive`` -> ``By car``)."""
    return _t(MODE_CHOICES[mode], lang) if mode in MODE_CHOICES else str(mode)


def column_label(column: str, *, lang: str | None = None) -> str:
    """Header for an engine column (unknown columns: spaces for underscores, capitalised).

    Travel-time columns ``tt_nearest_{category}_{mode}_min`` read ``Minutes to the nearest
    community health center (by car)``.
    """
    if column in COLUMN_LABELS:
        return _t(COLUMN_LABELS[column], lang)
    if column.startswith("tt_nearest_") and column.endswith("_min"):
        category, _sep, mode = column[len("tt_nearest_") : -len("_min")].rpartition("_")
        if category and mode in MODE_LABELS:
            return _t(N_("Minutes to the nearest {service} ({mode})"), lang).format(
                service=category_label(category, lang=lang).lower(),
                mode=mode_label(mode, lang=lang),
            )
    text = str(column).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def label_columns(df: pd.DataFrame, *, lang: str | None = None) -> pd.DataFrame:
    """A copy of ``df`` with human headers (see :func:`column_label`)."""
    return df.rename(columns={c: column_label(str(c), lang=lang) for c in df.columns})


def skill_label(code: str, *, lang: str | None = None) -> str:
    """A skill code as a language name (``so`` -> ``Somali`` / ``somalí`` / ``somaliska``) or
    a qualification (``nurse`` -> ``Nurse``)."""
    code = str(code).strip().lower()
    if code in QUALIFICATION_LABELS:
        return _t(QUALIFICATION_LABELS[code], lang)
    if code == "asl":
        return _t(N_("American Sign Language"), lang)
    if code in _LANGUAGE_SKILLS or len(code) == 2:
        from babel import Locale

        from geo_outreach.i18n import _locale

        name = Locale.parse(_locale(lang)).languages.get(code)
        if name:
            return name[:1].upper() + name[1:]
    return code.replace("_", " ")


def split_skills(skills: str | Iterable[str]) -> tuple[list[str], list[str]]:
    """``(languages, qualifications)`` codes of a skills list (text ``"es, nurse"`` or codes)."""
    items = (
        skills.replace(";", ",").replace("|", ",").split(",") if isinstance(skills, str) else skills
    )
    langs: list[str] = []
    quals: list[str] = []
    for raw in items:
        code = str(raw).strip().lower()
        if not code:
            continue
        if code in _QUALIFICATIONS or code in QUALIFICATION_LABELS:
            quals.append(code)
        elif code in _LANGUAGE_SKILLS or len(code) == 2:
            langs.append(code)
        else:  # a word the plan invented: a qualification is the safer column
            quals.append(code)
    return list(dict.fromkeys(langs)), list(dict.fromkeys(quals))


def people_text(count: float, *, lang: str | None = None) -> str:
    """A number of people, whole, with its word (``34,723 people``)."""
    n = round(float(count)) if math.isfinite(count) else 0
    return ngettext("{n} person", "{n} people", n, lang=lang).format(n=format_people(n, lang=lang))


def share_text(
    covered: float,
    total: float,
    *,
    of: str = "road",
    lang: str | None = None,
) -> str:
    """A share with its denominator: ``42% of the 176,000 people on the road network``.

    Parameters
    ----------
    covered, total
        People (unweighted) reached and the people the share is of.
    of
        What ``total`` counts: ``"road"`` (people on the road network), ``"region"`` (everyone
        in the region) or ``"high_need"`` (people in high-need areas).
    lang
        Language (default: the current one).
    """
    share = covered / total if total > 0 else 0.0
    pct = format_percent(share, lang=lang)
    people = format_people(total, lang=lang)
    template = {
        "road": N_("{share} of the {people} people on the road network"),
        "region": N_("{share} of the {people} people in the region"),
        "high_need": N_("{share} of the {people} people in high-need areas"),
    }[of]
    return _t(template, lang).format(share=pct, people=people)


def duration_text(minutes: float, *, lang: str | None = None) -> str:
    """A duration spelled out: ``25 minutes``, ``1 hour 30 minutes``."""
    total = max(round(float(minutes)), 0) if math.isfinite(minutes) else 0
    h, m = divmod(total, 60)
    hours = ngettext("{n} hour", "{n} hours", h, lang=lang).format(n=h) if h else ""
    mins = ngettext("{n} minute", "{n} minutes", m, lang=lang).format(n=m) if m or not h else ""
    return " ".join(x for x in (hours, mins) if x)


def distance_text(metres: float, *, unit_system: str = "metric", lang: str | None = None) -> str:
    """A distance spelled out in the region's units: ``3.2 kilometres`` / ``2.0 miles``."""
    if unit_system == "imperial":
        value = metres / 1609.344
        return _t(N_("{value} miles"), lang).format(
            value=format_decimal(value, decimals=1, lang=lang)
        )
    value = metres / 1000.0
    return _t(N_("{value} kilometres"), lang).format(
        value=format_decimal(value, decimals=1, lang=lang)
    )


def reason_sentence(code: str, *, lang: str | None = None) -> str:
    """A manager's sentence for an unscheduled visit's reason code (unknown codes: a generic
    sentence, never the code)."""
    if code in REASON_SENTENCES:
        return _t(REASON_SENTENCES[code], lang)
    logger.debug("no sentence for reason code %r", code)
    return _t(N_("The plan could not fit this visit."), lang)


def siting_summary(
    *,
    stops: int,
    people: float,
    minutes: float | None = None,
    high_need: bool = False,
    status: str = "optimal",
    lang: str | None = None,
) -> str:
    """The solver's answer for managers: ``5 stops reach 34,723 people in high-need tracts``.

    Parameters
    ----------
    stops
        Number of stops chosen.
    people
        People (unweighted) newly reached by them.
    minutes
        The reach threshold, when there is one (``within 15 minutes``).
    high_need
        Whether ``people`` counts only people in high-need areas.
    status
        The solver's status; anything but ``optimal`` adds that the answer is the best found
        in the time allowed.
    lang
        Language (default: the current one).
    """
    with _using(lang):
        n = format_people(people)
        if high_need:
            text = ngettext(
                "{stops} stop reaches {people} people in high-need areas",
                "{stops} stops reach {people} people in high-need areas",
                stops,
            )
        else:
            text = ngettext(
                "{stops} stop reaches {people} people",
                "{stops} stops reach {people} people",
                stops,
            )
        text = text.format(stops=stops, people=n)
        if minutes is not None and math.isfinite(minutes):
            text += " " + gettext(N_("within {duration}")).format(duration=duration_text(minutes))
        text += "."
        if status != "optimal":
            text += " " + gettext(N_("This is the best plan found in the time allowed."))
        return text


REFERRAL_LABELS: dict[str, str] = {
    "health": N_("Health care"),
    "food": N_("Food"),
    "housing": N_("Housing"),
    "benefits": N_("Benefits"),
    "mental_health": N_("Mental health"),
    "substance_use": N_("Substance use"),
}
"""What people read for a referral category of the visit log
(:data:`geo_outreach.visits.models.CATEGORIES`)."""


def referral_label(code: str, *, lang: str | None = None) -> str:
    """A referral category for people (``substance_use`` -> ``Substance use``)."""
    if code in REFERRAL_LABELS:
        return _t(REFERRAL_LABELS[code], lang)
    text = str(code).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def route_label(worker: str, day: str, *, lang: str | None = None) -> str:
    """A route as people name it: the worker's name and the day (``Ana, Monday``; the day as
    written inside a phrase: ``Ana, lunes``)."""
    name = _weekday_name(day, "format", lang) or str(day)
    return _t(N_("{worker}, {day}"), lang).format(worker=worker, day=name)


def worker_names(frame: pd.DataFrame) -> pd.Series:
    """Each row's worker as people know them: ``worker_name``, else ``worker_id``; a name two
    workers share gets each worker's id added (``Ana (w1)``, ``Ana (w2)``)."""
    ids = frame["worker_id"].astype(str)
    names = ids
    if "worker_name" in frame.columns:
        given = frame["worker_name"].fillna("").astype(str).str.strip()
        names = given.where(~given.isin(["", "nan", "None"]), ids)
    shared = names.groupby(names).transform(lambda n: ids[n.index].nunique() > 1)
    return names.where(~shared.astype(bool), names + " (" + ids + ")")


def route_names(frame: pd.DataFrame, *, lang: str | None = None) -> pd.Series:
    """The name people read for each row's route (:func:`route_label`), from ``worker_name``
    (else ``worker_id``) and ``day``.

    Two routes never share a name (:func:`worker_names`).  A frame without ``worker_id`` keeps its ``route_id``
    (else "Route 1", "Route 2", ...).
    """
    if "worker_id" not in frame.columns:
        if "route_id" in frame.columns:
            return frame["route_id"].astype(str)
        return pd.Series(
            [_t(N_("Route {n}"), lang).format(n=i + 1) for i in range(len(frame))],
            index=frame.index,
        )
    names = worker_names(frame)
    if "day" not in frame.columns:
        return names
    return pd.Series(
        [
            route_label(n, str(d), lang=lang)
            for n, d in zip(names, frame["day"].astype(str), strict=True)
        ],
        index=frame.index,
    )


ROAD_SENTENCES: dict[str, tuple[str, str]] = {
    "primary": (N_("On a main road"), N_("On a main road, where {n} streets meet")),
    "secondary": (N_("On a secondary road"), N_("On a secondary road, where {n} streets meet")),
    "tertiary": (N_("On a collector street"), N_("On a collector street, where {n} streets meet")),
    "trunk": (N_("On a highway"), N_("On a highway, where {n} streets meet")),
    "": (N_("On a larger road"), N_("On a larger road, where {n} streets meet")),
}
"""Why a place on the road network is a candidate stop, per OSM road class: on its own,
and where three or more streets meet there."""


def candidate_reason(row: Mapping[str, object], *, lang: str | None = None) -> str:
    """Why a place was a candidate stop, for managers (a row of
    the ``stops`` of :class:`geo_outreach.Stops` or of a candidate layer).

    Built from the row's ``source`` (``sites``, ``file``, ``network``) and its ``category``,
    ``listed_in``, ``road_class`` and ``n_streets``; a row without them keeps its ``reason``.
    """

    def given(key: str) -> str:
        v = row.get(key)
        return "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)

    source = given("source")
    if source == "sites" and given("category"):
        return _t(N_("An existing service: {category}"), lang).format(
            category=category_label(given("category"), lang=lang)
        )
    if source == "file" and given("listed_in"):
        return _t(N_("On your list of places ({file})"), lang).format(file=given("listed_in"))
    if source == "network" and given("n_streets"):
        n = int(float(given("n_streets")))
        plain, meet = ROAD_SENTENCES.get(given("road_class"), ROAD_SENTENCES[""])
        if n < 3:  # a bend or the end of a road: no crossing to speak of
            return _t(plain, lang)
        return _t(meet, lang).format(n=format_decimal(n, decimals=0, lang=lang))
    return given("reason")


def class_range_text(
    low: float, high: float, *, minutes: bool = False, lang: str | None = None
) -> str:
    """A map class's range as its legend writes it (``0,206 – 0,298`` in Spanish).

    Values under 100 have three significant digits (at most three decimals), larger ones
    are whole; ``minutes``: one decimal under 10, whole minutes above.  A class of one value
    is written once.
    """

    def one(value: float) -> str:
        if value == 0 or not math.isfinite(value):
            return f"{value:g}"
        if minutes:
            return format_decimal(value, decimals=1 if abs(value) < 10 else 0, lang=lang)
        digits = max(0, 2 - math.floor(math.log10(abs(value))))
        return format_decimal(value, decimals=min(digits, 3), lang=lang)

    return one(low) if low == high else f"{one(low)} – {one(high)}"


def time_text(value: object, *, lang: str | None = None) -> str:
    """A plan's clock time (``"09:05"``, or minutes after midnight) as people read it in
    ``lang`` (``9:05 AM`` / ``9:05`` / ``09:05``); empty or unreadable values as they are."""
    from geo_outreach.errors import InputError
    from geo_outreach.i18n import clock
    from geo_outreach.optimize.routing.model import parse_clock

    if isinstance(value, int | float):
        return clock(float(value), lang=lang)
    text = "" if value is None else str(value).strip()
    try:
        return clock(parse_clock(text) / 60, lang=lang)
    except InputError:
        return text


def skill_details(codes: str, *, lang: str | None = None) -> list[str]:
    """What a stop's skills say to the worker: ``es;ru;nurse`` -> ``["Speaks: Spanish,
    Russian", "Needs: Nurse"]`` (languages and qualifications apart; empty parts left out)."""
    langs, quals = split_skills(str(codes or ""))
    out = []
    if langs:
        out.append(
            _t(N_("Speaks: {languages}"), lang).format(
                languages=", ".join(skill_label(c, lang=lang) for c in langs)
            )
        )
    if quals:
        out.append(
            _t(N_("Needs: {qualifications}"), lang).format(
                qualifications=", ".join(skill_label(c, lang=lang) for c in quals)
            )
        )
    return out


def chart_time_format(*, lang: str | None = None) -> str:
    """The d3 time format of a chart's clock axis as ``lang`` writes clock times
    (``%-I:%M %p`` where the language counts 12 hours, else ``%H:%M``)."""
    from babel import Locale

    from geo_outreach.i18n import _locale

    pattern = str(Locale.parse(_locale(lang)).time_formats["short"].pattern)
    return "%-I:%M %p" if "a" in pattern else "%H:%M"
