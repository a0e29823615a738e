"""Languages: resolution order, context-local choice, locale formatting, catalogues."""

from __future__ import annotations

import contextvars
import datetime as dt
import threading

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
