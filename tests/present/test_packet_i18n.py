"""Route sheets in the worker's language, and a layout whose text never overprints.

Both read the rendered PDF back with poppler (``pdftotext``), as a person would see it.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import subprocess
from pathlib import Path

import pytest

from geo_outreach import i18n
from geo_outreach.present import packet
from tests.conftest import require_tool
from tests.present.test_packet import STOPS_CSV, write_plan

#: English labels the sheet prints (headings, words of its sentences); none may be left on a
#: Spanish or Swedish sheet. Data values (names, addresses, notes) are the plan's own.
ENGLISH_LABELS = [
    "Route sheet", "Time", "Place and address", "Languages", "Qualifications", "Notes", "Done",
    "Break", "arrive", "Page", "Sources", "Printed from", "visits", "this page", "time)",
    "Tuesday", "March", "Spanish", "Russian", "Vietnamese", "English", "Nurse", "Depot",
    "Map data", "contributors", "End:",
]  # fmt: skip
EXPECTED = {
    "es": ["Hoja de ruta", "Hora", "Lugar y dirección", "Idiomas", "Cualificaciones", "Notas",
           "Hecho", "Descanso", "llegada 8:52", "Página 1 de 1", "martes 4 de marzo de 2025",
           "4 visitas", "Español", "Ruso", "Enfermero/a", "Fuentes", "colaboradores"],
    "sv": ["Besökslista", "Tid", "Plats och adress", "Språk", "Kompetenser", "Anteckningar",
           "Klart", "Rast", "ankomst 08:52", "Sida 1 av 1", "tisdag 4 mars 2025", "4 besök",
           "Spanska", "Ryska", "Sjuksköterska", "Källor", "bidragsgivare"],
}  # fmt: skip


def _text(pdf: Path) -> str:
    require_tool("pdftotext")
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True)
    return " ".join(out.stdout.decode("utf-8").split())


def _words(pdf: Path) -> list[tuple[int, float, float, float, float, str]]:
    """Every word of the PDF with its box: ``(page, x0, y0, x1, y1, text)`` in points."""
    require_tool("pdftotext")
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True)
    words = []
    for page, body in enumerate(out.stdout.decode("utf-8").split("<page ")[1:]):
        for m in re.finditer(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
            body,
        ):
            x0, y0, x1, y1 = map(float, m.groups()[:4])
            words.append((page, x0, y0, x1, y1, html.unescape(m.group(5))))
    return words


# a nurse visit, so the qualifications column has a value
PLAN = STOPS_CSV.replace("Mr. Olsen,\"700 NE Broadway, Portland\",13:40,14:00,14:30,-122.6580,"
                         "45.5350,en,", "Mr. Olsen,\"700 NE Broadway, Portland\",13:40,14:00,"
                         "14:30,-122.6580,45.5350,en;nurse,")  # fmt: skip


@pytest.fixture(scope="module")
def plan(tmp_path_factory) -> Path:
    assert "en;nurse" in PLAN
    return write_plan(tmp_path_factory.mktemp("plan"), PLAN)


@pytest.mark.parametrize("lang", ["es", "sv"])
def test_route_sheet_in_spanish_and_swedish_has_no_english_label(plan, tmp_path, lang):
    out = packet.write_packet(
        plan, tmp_path, worker="w1", day="Tue", week_of=dt.date(2025, 3, 3), html=False, lang=lang
    )
    text = _text(out.pdf)
    left = [w for w in ENGLISH_LABELS if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text)]
    assert left == [], f"English left on the {lang} sheet: {left}"
    missing = [w for w in EXPECTED[lang] if w not in text]
    assert missing == [], f"not on the {lang} sheet: {missing}\n{text}"
    # the calendar and the GPX speak the same language; ids, keys and times stay as they are
    ics = out.ics.read_text(encoding="utf-8")
    assert ("Parada 1: Rosa Martinez" if lang == "es" else "Stopp 1: Rosa Martinez") in ics
    assert "Visit v01" not in ics  # no internal id in what people read
    gpx = out.gpx.read_text(encoding="utf-8")
    assert (
        "<type>visit</type>" in gpx
        and ("Idiomas: Español" if lang == "es" else "Språk: Spanska") in gpx
    )


def test_the_manager_stays_in_english_while_a_sheet_prints_in_spanish(plan, tmp_path):
    with i18n.using("en"):
        packet.write_packet(plan, tmp_path, worker="w1", day="Tue", html=False, lang="es")
        assert i18n.get_language() == "en"
        assert i18n._("Break") == "Break"


def _overlaps(words):
    """Pairs of words on the same page whose boxes overlap (by more than a hair)."""
    bad = []
    for i, a in enumerate(words):
        for b in words[i + 1 :]:
            if a[0] != b[0]:
                continue
            dx = min(a[3], b[3]) - max(a[1], b[1])
            dy = min(a[4], b[4]) - max(a[2], b[2])
            if dx > 0.5 and dy > 0.5:
                bad.append((a[5], b[5]))
    return bad


@pytest.mark.parametrize(("page", "lang"), [("letter", "en"), ("a4", "sv"), ("letter", "es")])
def test_long_names_wrap_and_no_text_overprints(tmp_path, page, lang):
    long_name = "Nguyen-Abdirahman extended family household at the back of the building"
    rows = ["worker_id,day,sequence,visit_id,name,address,start,end,lon,lat,languages,notes"]
    for i in range(1, 9):
        t0 = 8 * 60 + i * 40
        rows.append(
            f"w,Mon,{i},v{i},{long_name} {i},{1000 + i} Southeast Martin Luther King Jr Boulevard,"
            f"{t0 // 60:02d}:{t0 % 60:02d},{(t0 + 30) // 60:02d}:{(t0 + 30) % 60:02d},"
            f"{-122.67 + i * 0.002},{45.51 + (i % 4) * 0.003},so;es;vi;nurse;social_worker,"
            "Call ahead; the buzzer does not work and the stairs are on the left"
        )
    write_plan(tmp_path / "p", "\n".join(rows) + "\n", routes=False)
    out = packet.write_packet(
        tmp_path / "p", tmp_path / "o", worker="w", day="Mon", week_of=dt.date(2025, 3, 3),
        html=False, page=page, lang=lang, attribution="Map data (c) OpenStreetMap contributors "
        "(ODbL); US Census Bureau ACS 2018-2022 five-year estimates; county public health "
        "department service directory, updated quarterly",
    )  # fmt: skip
    words = _words(out.pdf)
    # below the map (the table and the footer): the map's stop numbers sit on their markers
    map_bottom = (0.5 + 0.9 + 3.6) * 72
    table = [w for w in words if w[2] > map_bottom]
    assert len(table) > 100
    assert _overlaps(table) == []
    text = _text(out.pdf)
    assert "Somali" in text or "Somalí" in text or "Somaliska" in text
    assert text.count("Boulevard") == 8  # long addresses wrap, never cut
    with_number = [w for w in words if re.fullmatch(r"\d+", w[5]) and w[2] > 700]
    assert with_number, "page number printed"
