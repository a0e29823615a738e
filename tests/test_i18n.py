"""Languages: resolution order, context-local choice, locale formatting, catalogues."""

from __future__ import annotations

import contextvars
import datetime as dt
import re
import threading
from pathlib import Path

import pytest

from geo_outreach import i18n


def test_resolution_order(monkeypatch):
    monkeypatch.delenv("GEO_OUTREACH_LANG", raising=False)
    assert i18n.resolve_language() == "en"
    assert i18n.resolve_language(region="sv") == "sv"
    monkeypatch.setenv("GEO_OUTREACH_LANG", "es_MX.UTF-8")
    assert i18n.resolve_language(region="sv") == "es"  # environment beats the region
    assert i18n.resolve_language(account="sv", region="en") == "sv"  # account beats env
    assert i18n.resolve_language("en", account="sv") == "en"  # explicit beats all
    # an account or region language without a catalogue is skipped, an explicit one is refused
    assert i18n.resolve_language(account="fi") == "es"
    with pytest.raises(ValueError, match="en, es, sv"):
        i18n.resolve_language("fi")


def test_region_default_from_country():
    assert i18n.country_language("SE") == "sv"
    assert i18n.country_language("mx") == "es"
    assert i18n.country_language("US") is None


def test_language_is_context_local(monkeypatch):
    """A worker's sheet in Spanish while the manager's context stays English."""
    monkeypatch.delenv("GEO_OUTREACH_LANG", raising=False)
    seen: dict[str, str] = {}

    def worker() -> None:
        i18n.set_language("es")
        seen["worker"] = i18n.get_language()

    t = threading.Thread(target=contextvars.copy_context().run, args=(worker,))
    t.start()
    t.join()
    assert seen["worker"] == "es"
    assert i18n.get_language() == "en"
    with i18n.using("sv") as lang:
        assert lang == "sv" and i18n.get_language() == "sv"
    assert i18n.get_language() == "en"


def test_locale_formatting():
    assert i18n.format_people(34723.4, lang="en") == "34,723"
    assert i18n.format_people(34723.4, lang="es") == "34.723"
    assert i18n.format_people(34723.4, lang="sv").replace("\xa0", " ") == "34 723"
    assert i18n.format_decimal(4.4521, decimals=1, lang="sv") == "4,5"
    assert i18n.format_percent(0.42, lang="en") == "42%"
    assert i18n.format_percent(0.42, lang="es").replace("\xa0", " ") == "42 %"
    day = dt.date(2026, 3, 2)
    assert i18n.format_date(day, form="EEEE d MMMM y", lang="es") == "lunes 2 marzo 2026"
    assert i18n.format_date(day, form="EEEE d MMMM y", lang="sv") == "måndag 2 mars 2026"
    assert i18n.format_time(dt.time(14, 5), lang="sv") == "14:05"
    assert i18n.format_time(dt.time(14, 5), lang="en").replace("\u202f", " ") == "2:05 PM"
    assert i18n.clock(9 * 60 + 30, lang="es") == "9:30"


def test_pseudo_locale_marks_every_string():
    assert i18n.gettext("Notes", lang=i18n.PSEUDO) == "⟦Notes⟧"
    assert i18n.ngettext("{n} visit", "{n} visits", 2, lang=i18n.PSEUDO) == "⟦{n} visits⟧"


# --------------------------------------------------------------------------- catalogues

ROOT = Path(__file__).resolve().parents[1]


def _catalog(lang: str):
    from babel.messages.pofile import read_po

    with (i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "geo_outreach.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def _source_ids() -> set:
    """Message ids in the sources now, extracted as scripts/i18n.sh does (babel.cfg)."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with (ROOT / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    ids = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords, comment_tags=()
    ):
        if message:
            ids.add(message if isinstance(message, str) else tuple(message))
    return ids


def _ids(catalog) -> set:
    return {m.id if isinstance(m.id, str) else tuple(m.id) for m in catalog if m.id}


@pytest.mark.parametrize("lang", ["es", "sv"])
def test_every_message_has_a_translation(lang):
    catalog = _catalog(lang)
    untranslated, fuzzy, placeholders = [], [], []
    for m in catalog:
        if not m.id:
            continue
        forms = [m.string] if isinstance(m.string, str) else list(m.string)
        if not all(forms):
            untranslated.append(m.id)
        elif m.fuzzy:
            fuzzy.append(m.id)
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        want = set(re.findall(r"\{[^}]*\}", ids[-1]))
        if any(set(re.findall(r"\{[^}]*\}", f)) != want for f in forms if f):
            placeholders.append(m.id)
    assert untranslated == [], f"{lang}: no translation for {untranslated}"
    assert fuzzy == [], f"{lang}: fuzzy (unchecked) translations {fuzzy}"
    assert placeholders == [], f"{lang}: placeholders differ from the English in {placeholders}"


def test_catalogues_are_up_to_date_with_the_sources():
    """A string added to the sources and not extracted (scripts/i18n.sh) fails here."""
    in_sources = _source_ids()
    assert len(in_sources) > 100
    for lang in i18n.LANGUAGES:
        in_catalog = _ids(_catalog(lang))
        missing = sorted(map(str, in_sources - in_catalog))
        stale = sorted(map(str, in_catalog - in_sources))
        assert missing == [], f"{lang}: not in the catalogue (run scripts/i18n.sh): {missing}"
        assert stale == [], f"{lang}: no longer in the sources (run scripts/i18n.sh): {stale}"


def test_a_fresh_clone_translates_without_a_build_step(tmp_path, monkeypatch):
    """No .mo (git-ignored, so absent in a fresh clone): the .po is compiled in memory."""
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    for lang in ("es", "sv"):
        src = ROOT / "geo_outreach" / "locale" / lang / "LC_MESSAGES" / "geo_outreach.po"
        (tmp_path / lang / "LC_MESSAGES").mkdir(parents=True)
        (tmp_path / lang / "LC_MESSAGES" / "geo_outreach.po").write_bytes(src.read_bytes())
    i18n.translator.cache_clear()
    try:
        assert i18n.gettext("Break", lang="es") == "Descanso"
        assert i18n.gettext("Break", lang="sv") == "Rast"
        assert i18n.ngettext("{n} visit", "{n} visits", 2, lang="es") == "{n} visitas"
        assert i18n.gettext("Break", lang="en") == "Break"
    finally:
        i18n.translator.cache_clear()
