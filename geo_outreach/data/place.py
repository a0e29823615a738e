"""Defaults that follow from where a region is: its time zone, country and unit system.

All offline: the zone of a point comes from `tzfpy <https://pypi.org/project/tzfpy/>`_ (an
embedded, compact copy of the timezone-boundary-builder polygons; a wheel with no data
download), the country of a zone from the IANA ``zone.tab`` shipped with the ``tzdata``
package, and the unit system and paper size from the country.
"""

from __future__ import annotations

import functools
import logging
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from geo_outreach.errors import InputError
from geo_outreach.i18n import _

__all__ = [
    "IMPERIAL_COUNTRIES",
    "LETTER_COUNTRIES",
    "check_timezone",
    "country_of_zone",
    "paper_size",
    "timezone_at",
    "unit_system_of",
]

logger = logging.getLogger(__name__)

#: Countries whose road signs and daily use are in miles and feet.
IMPERIAL_COUNTRIES = frozenset({"US", "LR", "MM"})
#: Countries that print on US Letter rather than A4.
LETTER_COUNTRIES = frozenset(
    {"US", "CA", "MX", "CL", "CO", "VE", "PH", "CR", "GT", "DO", "PR", "SV", "NI", "PA", "BZ"}
)


def check_timezone(name: str, *, source: str = "timezone") -> str:
    """Return ``name`` when it is an IANA time zone (``Europe/Stockholm``), else raise.

    Raises
    ------
    InputError
        Naming the zone and the fix (an IANA name such as ``America/New_York``).
    """
    text = str(name).strip()
    try:
        if not text or text != str(ZoneInfo(text)):
            raise ValueError(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        close = sorted(z for z in available_timezones() if z.lower().endswith(text.lower()))[:3]
        message = (
            _(
                "unknown time zone {zone} (did you mean {close}?); give an IANA name such as "
                "America/New_York or Europe/Stockholm"
            )
            if close and text
            else _(
                "unknown time zone {zone}; give an IANA name such as America/New_York or "
                "Europe/Stockholm"
            )
        )
        raise InputError(
            message.format(zone=repr(text), close=", ".join(close)),
            source=source,
            parameter="timezone",
        ) from exc
    return text


def timezone_at(lon: float, lat: float) -> str:
    """The IANA time zone at a point (offline); ``Etc/GMT±N`` at sea."""
    import tzfpy

    zone = tzfpy.get_tz(float(lon), float(lat))
    if not zone:
        offset = round(float(lon) / 15.0)
        zone = "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"
    return zone


@functools.cache
def _zone_countries() -> dict[str, str]:
    out: dict[str, str] = {}
    try:
        text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):  # pragma: no cover
        return out
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) >= 3:
            out[parts[2]] = parts[0]
    return out


def country_of_zone(zone: str) -> str:
    """ISO 3166 code of the country of an IANA zone (``""`` when the zone has none)."""
    return _zone_countries().get(zone, "")


def unit_system_of(country: str) -> str:
    """``"imperial"`` for the US, Liberia and Myanmar, else ``"metric"``."""
    return "imperial" if country.upper() in IMPERIAL_COUNTRIES else "metric"


def paper_size(country: str) -> str:
    """``"letter"`` where US Letter is the norm, else ``"a4"``."""
    return "letter" if country.upper() in LETTER_COUNTRIES else "a4"
