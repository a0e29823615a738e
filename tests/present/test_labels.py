"""Human labels: what people read instead of engine words, in en, es and sv."""

from __future__ import annotations

import pandas as pd
import pytest

from geo_outreach.optimize.routing.io import QUALIFICATIONS
from geo_outreach.present import labels


def test_categories_have_labels_and_a_region_can_rename_them():
    assert labels.category_label("clinic_fqhc", lang="en") == "Community health center"
    assert labels.category_label("clinic_fqhc", lang="sv") == "Vårdcentral"
    assert (
        labels.category_label("substance_use_treatment", lang="es") == "Tratamiento de adicciones"
    )
    region = {"clinic_fqhc": "Clínica del pueblo"}
    assert labels.category_label("clinic_fqhc", overrides=region, lang="sv") == "Clínica del pueblo"
    # an unknown code still reads as words, never with underscores
    assert labels.category_label("mobile_dental_van") == "Mobile dental van"


def test_headers_are_words():
    df = pd.DataFrame(columns=["covered_population", "travel_time_min", "site_id", "odd_col"])
    assert list(labels.label_columns(df, lang="en").columns) == [
        "People reached", "Travel time (minutes)", "Stop", "Odd col",
    ]  # fmt: skip
    assert list(labels.label_columns(df, lang="es").columns)[:3] == [
        "Personas alcanzadas", "Tiempo de viaje (minutos)", "Parada",
    ]  # fmt: skip


def test_skills_split_into_languages_and_qualifications_by_name():
    langs, quals = labels.split_skills("so; es, nurse,social_worker")
    assert langs == ["so", "es"] and quals == ["nurse", "social_worker"]
    assert [labels.skill_label(c, lang="en") for c in langs] == ["Somali", "Spanish"]
    assert [labels.skill_label(c, lang="sv") for c in langs] == ["Somaliska", "Spanska"]
    assert labels.skill_label("nurse", lang="es") == "Enfermero/a"
    assert labels.skill_label("asl", lang="en") == "American Sign Language"
    # every qualification the routing inputs accept has a label (no code shown to people)
    assert set(QUALIFICATIONS) <= set(labels.QUALIFICATION_LABELS)


def test_people_are_whole_and_shares_name_their_denominator():
    assert labels.people_text(34723.4, lang="en") == "34,723 people"
    assert labels.people_text(1, lang="sv") == "1 person"
    assert labels.share_text(73919, 176000, lang="en") == (
        "42% of the 176,000 people on the road network"
    )
    assert labels.share_text(73919, 176000, lang="es") == (
        "el 42\xa0% de las 176.000 personas en la red viaria"
    )
    text = labels.share_text(73919, 809869, of="region", lang="sv").replace("\xa0", " ")
    assert text == "9 % av de 809 869 personerna i regionen"


def test_units_are_spelled_out():
    assert labels.duration_text(25, lang="en") == "25 minutes"
    assert labels.duration_text(90, lang="sv") == "1 timme 30 minuter"
    assert labels.duration_text(120, lang="es") == "2 horas"
    assert labels.distance_text(3218.7, unit_system="imperial", lang="en") == "2.0 miles"
    assert labels.distance_text(3200, lang="sv") == "3,2 kilometer"


def test_solver_message_for_managers():
    assert labels.siting_summary(stops=5, people=34723.1, high_need=True, lang="en") == (
        "5 stops reach 34,723 people in high-need areas."
    )
    text = labels.siting_summary(stops=1, people=900, minutes=15, status="time_limit", lang="es")
    assert text == (
        "1 parada llega a 900 personas en 15 minutos. "
        "Es el mejor plan encontrado en el tiempo disponible."
    )


@pytest.mark.parametrize(
    "code",
    ["off_network", "no_skill", "no_shift_day", "too_long", "window_unreachable",
     "single_route_infeasible", "frequency", "pinned_infeasible", "lost_to_priority"],
)  # fmt: skip
def test_every_reason_code_of_the_planner_reads_as_a_sentence(code):
    for lang in ("en", "es", "sv"):
        text = labels.reason_sentence(code, lang=lang)
        assert text.endswith(".") and "_" not in text and text[0].isupper()
    assert labels.reason_sentence(code, lang="sv") != labels.reason_sentence(code, lang="en")


def test_routing_tables_and_kinds_read_as_words():
    from geo_outreach.domain import WEEKDAYS
    from geo_outreach.i18n import PSEUDO_OPEN
    from geo_outreach.optimize.routing.sample import VISIT_COLUMNS, WORKER_COLUMNS
    from geo_outreach.present.timeline import SEGMENT_KINDS

    # every column of the visits and workers tables has a header of its own (no "Lon", "Min gap")
    assert set(VISIT_COLUMNS) | set(WORKER_COLUMNS) <= set(labels.COLUMN_LABELS)
    assert labels.column_label("min_gap_days", lang="en") == "Days between visits"
    # the kinds of a plan's stops and of its timeline's segments: words, translated
    for kind in {*SEGMENT_KINDS, "start", "end"}:
        assert labels.kind_label(kind, lang="xx").startswith(PSEUDO_OPEN), kind
    assert labels.kind_label("wait", lang="en") == "Waiting"
    # weekday codes as the day's name in each language
    assert labels.day_label("Mon", lang="en") == "Monday"
    assert labels.day_label("Wed", lang="es") == "Miércoles"
    assert labels.day_label("Sun", lang="sv") == "Söndag"
    assert [labels.day_label(d, lang="en") for d in WEEKDAYS][-1] == "Sunday"
    assert labels.day_label("2026-12-07") == "2026-12-07"  # a date stays as it is


def test_routes_are_named_by_worker_and_day_never_by_id():
    routes = pd.DataFrame(
        {
            "worker_id": ["w1", "w2", "w3", "w4"],
            "worker_name": ["Ana", "Ana", "", "Bo"],
            "day": ["Mon", "Mon", "Tue", "Wed"],
        }
    )
    en = labels.route_names(routes, lang="en").tolist()
    # two workers called Ana stay apart; a worker without a name is known by the id
    assert en == ["Ana (w1), Monday", "Ana (w2), Monday", "w3, Tuesday", "Bo, Wednesday"]
    es = labels.route_names(routes, lang="es").tolist()
    assert es[3] == "Bo, miércoles"  # the day as written inside a phrase
    assert labels.route_names(routes.iloc[3:], lang="sv").tolist() == ["Bo, onsdag"]
    assert labels.route_names(pd.DataFrame({"x": [1, 2]}), lang="es").tolist() == [
        "Ruta 1",
        "Ruta 2",
    ]


@pytest.mark.parametrize("lang", ["en", "es", "sv"])
def test_why_a_place_is_a_candidate_stop_is_a_sentence_in_the_readers_language(lang):
    site = {"source": "sites", "category": "library", "reason": "existing library 'Central'"}
    listed = {"source": "file", "listed_in": "places.csv", "reason": "listed in places.csv ('x')"}
    crossing = {"source": "network", "road_class": "primary", "n_streets": 4.0, "reason": "node"}
    bend = {"source": "network", "road_class": "secondary", "n_streets": 2, "reason": "node"}
    own = {"reason": "the parish hall"}
    texts = [labels.candidate_reason(r, lang=lang) for r in (site, listed, crossing, bend)]
    assert texts[0].endswith(labels.category_label("library", lang=lang))
    assert "places.csv" in texts[1] and "4" in texts[2] and "2" not in texts[3]
    assert len(set(texts)) == 4 and not any("_" in t or "node" in t for t in texts)
    if lang != "en":  # none of the English sentence is left
        english = [labels.candidate_reason(r, lang="en") for r in (site, crossing, bend)]
        assert not set(texts) & set(english)
    assert labels.candidate_reason(own, lang=lang) == "the parish hall"  # a user's own words


def test_map_classes_write_numbers_as_the_language_does():
    assert labels.class_range_text(0.026, 0.2064, lang="en") == "0.026 – 0.206"
    assert labels.class_range_text(0.026, 0.2064, lang="es") == "0,026 – 0,206"
    assert labels.class_range_text(1234.4, 1234.4, lang="en") == "1,234"
    assert labels.class_range_text(2.55, 14.2, minutes=True, lang="sv") == "2,6 – 14"


def test_clock_times_are_written_as_the_language_writes_them():
    assert labels.time_text("09:05", lang="en") == "9:05\u202fAM"
    assert labels.time_text("13:40", lang="en") == "1:40\u202fPM"
    assert labels.time_text("09:05", lang="es") == "9:05"
    assert labels.time_text("09:05", lang="sv") == "09:05"
    assert labels.time_text(545.0, lang="sv") == "09:05"  # minutes after midnight
    assert labels.time_text("", lang="en") == "" and labels.time_text("soon", lang="en") == "soon"
    assert labels.chart_time_format(lang="en") == "%-I:%M %p"  # the Gantt chart's axis too
    assert labels.chart_time_format(lang="sv") == "%H:%M"


def test_a_stops_skills_say_languages_and_qualifications_apart():
    assert labels.skill_details("es;ru;nurse", lang="en") == [
        "Speaks: Spanish, Russian",
        "Needs: Nurse",
    ]
    assert labels.skill_details("nurse", lang="en") == ["Needs: Nurse"]  # no language: none said
    assert labels.skill_details("", lang="en") == []
    es = labels.skill_details("so;nurse", lang="es")
    assert len(es) == 2 and not any("Speaks" in t or "Needs" in t for t in es)
