"""Languages of what people read: gettext catalogues (Babel) and locale formatting.

The one home of translation. Every user-facing string goes through :func:`_` (or
:func:`ngettext`; :func:`N_` marks a string for extraction where it is translated later), and
every number, share, date and time that people read goes through the ``format_*`` helpers.

Catalogues live in ``geo_outreach/locale/{lang}/LC_MESSAGES/geo_outreach.po`` (extracted from
the sources and compiled with Babel, see ``scripts/i18n.sh`` and ``docs/i18n.md``). A compiled
``.mo`` beside its ``.po`` is used when it is at least as new; otherwise the ``.po`` is compiled
in memory on first use, so a fresh clone needs no build step.

The current language is context-local (:mod:`contextvars`): a CLI run, a Streamlit session or
one export sets its own with :func:`set_language` or :func:`using`, so a worker's route sheet
can be printed in Spanish while the manager's session stays in English. When nothing was set,
the language is :func:`resolve_language` with no arguments (``GEO_OUTREACH_LANG``, else
English).

``xx`` is a pseudo-locale for tests: every translated string comes back wrapped in ``⟦ ⟧``,
so a page rendered in ``xx`` shows at a glance which strings bypassed gettext.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gettext as _gettext
import io
import logging
from collections.abc import Callable, Iterator
from contextvars import ContextVar, Token
from pathlib import Path
from typing import Any, TypeVar

from geo_outreach import config

__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "LOCALE_DIR",
    "N_",
    "PSEUDO",
    "_",
    "clock",
    "country_language",
    "format_date",
    "format_decimal",
    "format_people",
    "format_percent",
    "format_time",
    "get_language",
    "gettext",
    "in_language",
    "input_kind",
    "ngettext",
    "normalise_language",
    "resolve_language",
    "set_language",
    "translator",
    "using",
]

logger = logging.getLogger(__name__)
R = TypeVar("R")

DOMAIN = "geo_outreach"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES: tuple[str, ...] = ("en", "es", "sv")
"""Languages with a complete catalogue (``en`` is the source language)."""
PSEUDO = "xx"
"""Pseudo-locale: each translated string wrapped in ``⟦ ⟧`` (for tests)."""
PSEUDO_OPEN, PSEUDO_CLOSE = "⟦", "⟧"
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "es": "Español", "sv": "Svenska"}
"""Each language's name in itself (what a language selector shows)."""

#: Countries whose regions default to a language other than English.
_COUNTRY_LANGUAGES: dict[str, str] = {
    "SE": "sv",
    "AX": "sv",
    **{
        c: "es"
        for c in (
            [
                "ES",
                "AR",
                "BO",
                "CL",
                "CO",
                "CR",
                "CU",
                "DO",
                "EC",
                "SV",
                "GQ",
                "GT",
                "HN",
                "MX",
                "NI",
                "PA",
                "PY",
                "PE",
                "PR",
                "UY",
                "VE",
            ]
        )
    },
}

_current: ContextVar[str | None] = ContextVar("geo_outreach_language", default=None)


def normalise_language(lang: str) -> str:
    """``"es"`` from ``"es"``, ``"ES"``, ``"es_MX"`` or ``"es-MX"``.

    Raises
    ------
    ValueError
        When the language has no catalogue (the message lists those that do).
    """
    code = str(lang).strip().lower().replace("-", "_").split("_")[0]
    if code not in LANGUAGES and code != PSEUDO:
        raise ValueError(
            f"language {lang!r} is not available; choose one of {', '.join(LANGUAGES)}"
        )
    return code


def country_language(country: str | None) -> str | None:
    """Default language of a region in ``country`` (ISO 3166 code): ``sv`` in Sweden,
    ``es`` in Spanish-speaking countries, None elsewhere (English then applies)."""
    return _COUNTRY_LANGUAGES.get((country or "").strip().upper())


def resolve_language(
    lang: str | None = None,
    *,
    account: str | None = None,
    region: str | None = None,
) -> str:
    """The language to use: explicit ``lang`` > the ``account``'s preference >
    ``GEO_OUTREACH_LANG`` > the ``region``'s default > ``"en"``.

    Parameters
    ----------
    lang
        An explicit choice (``--lang``, a function's ``lang=``); None when not given.
    account
        The signed-in or printed-for person's language preference, None when unset.
    region
        The region's default language (see :func:`country_language`), None when unset.

    Raises
    ------
    ValueError
        When an explicit ``lang`` or the environment names a language without a catalogue.
        An unknown account or region language is logged and skipped.
    """
    if lang:
        return normalise_language(lang)
    for source, value in (("account", account),):
        if value:
            try:
                return normalise_language(value)
            except ValueError:
                logger.warning("%s language %r has no catalogue; ignored", source, value)
    env = config.language(default="")
    if env:
        return normalise_language(env)
    if region:
        try:
            return normalise_language(region)
        except ValueError:
            logger.warning("region language %r has no catalogue; ignored", region)
    return "en"


class _Pseudo(_gettext.NullTranslations):
    """Wraps every string in markers so untranslated text stands out."""

    def gettext(self, message: str) -> str:
        return f"{PSEUDO_OPEN}{message}{PSEUDO_CLOSE}" if message else message

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return self.gettext(msgid1 if n == 1 else msgid2)

    def pgettext(self, context: str, message: str) -> str:
        return self.gettext(message)


def _po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translator(lang: str) -> _gettext.NullTranslations:
    """The gettext translations of ``lang`` (``en`` and a missing catalogue: identity).

    Parameters
    ----------
    lang
        A language code (see :func:`normalise_language`).

    Returns
    -------
    gettext.NullTranslations
        Use its ``gettext`` / ``ngettext``; strings the catalogue lacks come back as given.
    """
    code = normalise_language(lang)
    if code == PSEUDO:
        return _Pseudo()
    po = _po_path(code)
    mo = po.with_suffix(".mo")
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fh:
            return _gettext.GNUTranslations(fh)
    if not po.is_file():
        if code != "en":
            logger.warning("no catalogue for %r at %s; showing English", code, po)
        return _gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as fh:
        catalog = read_po(fh, locale=code, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    logger.debug("compiled %s in memory (%d messages)", po, len(catalog))
    return _gettext.GNUTranslations(buf)


def get_language() -> str:
    """The current context's language (set by :func:`set_language`), else
    :func:`resolve_language` with no arguments."""
    lang = _current.get()
    return lang if lang is not None else resolve_language()


def set_language(lang: str | None) -> Token[str | None]:
    """Set the current context's language (None: back to the default resolution).

    Returns
    -------
    contextvars.Token
        Give it to ``_current.reset`` or prefer :func:`using` for a scoped change.
    """
    return _current.set(normalise_language(lang) if lang else None)


@contextlib.contextmanager
def using(lang: str | None) -> Iterator[str]:
    """Within the block, the current language is ``lang`` (None: leave it as it is)."""
    if not lang:
        yield get_language()
        return
    token = set_language(lang)
    try:
        yield get_language()
    finally:
        _current.reset(token)


def in_language(func: Callable[..., R]) -> Callable[..., R]:
    """Decorator: run ``func`` in the language of its keyword argument ``lang`` (None: the
    current language), so everything it translates inside speaks that language."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> R:
        with using(kwargs.get("lang")):
            return func(*args, **kwargs)

    return wrapper


def gettext(message: str, *, lang: str | None = None) -> str:
    """``message`` in ``lang`` (default: the current language)."""
    return translator(lang or get_language()).gettext(message)


def _(message: str) -> str:
    """``message`` in the current language (the gettext convention)."""
    return translator(get_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int, *, lang: str | None = None) -> str:
    """The singular or plural form for ``n`` in ``lang`` (default: the current language)."""
    return translator(lang or get_language()).ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 (the gettext convention)
    """Mark ``message`` for extraction without translating it now (translate it later with
    :func:`_` when the language is known)."""
    return message


#: the kinds of input the library names inside its messages ("visits file x.csv is empty")
_INPUT_KINDS: dict[str, str] = {
    "visits": N_("visits"),
    "workers": N_("workers"),
    "input": N_("input"),
    "table": N_("table"),
    "layer": N_("layer"),
    "units": N_("units"),
    "stops": N_("stops"),
    "candidate stops": N_("candidate stops"),
    "plan stops": N_("plan stops"),
    "plan input": N_("plan input"),
    "plan unscheduled visits": N_("plan unscheduled visits"),
}


def input_kind(what: str) -> str:
    """The kind of input ``what`` (``"visits"``, ``"candidate stops"``) in the current
    language, for a message that names it; anything else (a flag such as ``--plan``, a file
    format such as ``CSV``, a caller's own words) is returned as given."""
    return _(_INPUT_KINDS[what]) if what in _INPUT_KINDS else what


# --------------------------------------------------------------------------- formatting


def _locale(lang: str | None) -> str:
    code = normalise_language(lang or get_language())
    return {"en": "en_US", "es": "es_ES", "sv": "sv_SE", PSEUDO: "en_US"}[code]


def format_decimal(value: float, *, decimals: int | None = None, lang: str | None = None) -> str:
    """A number as people read it in ``lang`` (``34,723.5`` / ``34.723,5`` / ``34 723,5``).

    Parameters
    ----------
    value
        The number.
    decimals
        Exactly this many decimals (None: as many as needed, at most 3).
    lang
        Language (default: the current one).
    """
    from babel.numbers import format_decimal as _fd

    fmt = None if decimals is None else ("#,##0." + "0" * decimals if decimals else "#,##0")
    return _fd(value, format=fmt, locale=_locale(lang))


def format_people(value: float, *, lang: str | None = None) -> str:
    """A count of people as a whole number with the locale's grouping (``73,919``)."""
    return format_decimal(round(float(value)), decimals=0, lang=lang)


def format_percent(share: float, *, decimals: int = 0, lang: str | None = None) -> str:
    """A share (0..1) as a percentage in ``lang`` (``42%`` / ``42 %``)."""
    from babel import Locale
    from babel.numbers import format_percent as _fp

    loc = _locale(lang)
    fmt = Locale.parse(loc).percent_formats[None].pattern  # "#,##0%", "#,##0 %"
    head, zero, tail = fmt.rpartition("0")
    fmt = head + zero + ("." + "0" * decimals if decimals else "") + tail
    return _fp(share, format=fmt, locale=loc)


def format_date(value: dt.date, *, form: str = "long", lang: str | None = None) -> str:
    """A date in ``lang``: ``form`` is ``short``, ``medium``, ``long``, ``full`` (with the
    weekday) or a Babel pattern such as ``"EEEE d MMMM y"``."""
    from babel.dates import format_date as _fd

    return _fd(value, format=form, locale=_locale(lang))


def format_time(value: dt.time | dt.datetime, *, lang: str | None = None) -> str:
    """A clock time for people in ``lang`` (``9:30 AM`` / ``9:30`` / ``09:30``).

    Machine outputs (CSV, GPX, ``--json``) keep 24 h ``HH:MM`` and do not use this.
    """
    from babel.dates import format_time as _ft

    return _ft(value, format="short", locale=_locale(lang))


def clock(minutes: float, *, lang: str | None = None) -> str:
    """Minutes after midnight as a clock time for people (empty when not finite)."""
    import math

    if not math.isfinite(minutes):
        return ""
    total = round(minutes) % (24 * 60)
    return format_time(dt.time(total // 60, total % 60), lang=lang)
