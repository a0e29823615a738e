"""Placing street addresses from the region's own OSM address data, offline.

OSM marks addresses with ``addr:housenumber`` and ``addr:street`` on nodes (entrances,
address points) and on ways (buildings). :func:`read_osm_addresses` streams them out of the
region's network file (PBF or XML, with pyosmium) and :func:`region_addresses` keeps the
table in the cache folder beside the region's networks, so it is read once per file.
:class:`AddressBook` matches a visit's ``address`` text ("1234 SE Main St, Portland" or
"Storgatan 12, Uppsala"): the street name is normalised (case, punctuation, the usual
abbreviations such as ``St``/``Street`` and ``NE``/``Northeast``), the house number must
match exactly (``12``, ``12A``), else the nearest number of the same parity on the same
street within :data:`NEAREST_NUMBER_SPAN` is used. No online geocoder is asked.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geo_outreach import config
from geo_outreach.errors import InputError
from geo_outreach.i18n import _

if TYPE_CHECKING:  # pragma: no cover
    from geo_outreach.data.region import Region

__all__ = [
    "ADDRESS_COLUMNS",
    "NEAREST_NUMBER_SPAN",
    "AddressBook",
    "normalize_street",
    "parse_address",
    "read_osm_addresses",
    "region_addresses",
]

logger = logging.getLogger(__name__)

ADDRESS_COLUMNS = ("housenumber", "street", "lon", "lat")
#: Farthest (in house numbers, same parity) a missing number may be placed at a neighbour's.
NEAREST_NUMBER_SPAN = 10
_CACHE_VERSION = "1"

_WORDS = {
    "st": "street",
    "str": "street",
    "ave": "avenue",
    "av": "avenue",
    "blvd": "boulevard",
    "rd": "road",
    "dr": "drive",
    "ln": "lane",
    "ct": "court",
    "pl": "place",
    "ter": "terrace",
    "hwy": "highway",
    "pkwy": "parkway",
    "sq": "square",
    "n": "north",
    "s": "south",
    "e": "east",
    "w": "west",
    "ne": "northeast",
    "nw": "northwest",
    "se": "southeast",
    "sw": "southwest",
}


def normalize_street(text: str) -> str:
    """``"NE 12th Ave."`` -> ``"northeast 12th avenue"``; ``"Storgatan"`` -> ``"storgatan"``."""
    norm = unicodedata.normalize("NFKC", str(text)).lower()
    norm = re.sub(r"[.,;:'’]", " ", norm)
    words = [_WORDS.get(w, w) for w in norm.split()]
    return " ".join(words)


_NUMBER = r"\d+\s?[a-z]?(?:[-/]\d+)?"


def _number_key(text: str) -> str:
    return re.sub(r"\s+", "", str(text).lower())


def parse_address(text: str) -> tuple[str, str] | None:
    """``(housenumber, normalised street)`` of an address, or None when it has no number.

    The part before the first comma is the street address; the number may come first
    (``"1234 SE Main St"``, North American style) or last (``"Storgatan 12B"``, European).
    """
    head = str(text).split(",")[0].strip().lower()
    if not head:
        return None
    first = re.fullmatch(rf"({_NUMBER})\s+(.+)", head)
    if first and not re.fullmatch(r"\d+(st|nd|rd|th)", first.group(1)):
        return _number_key(first.group(1)), normalize_street(first.group(2))
    last = re.fullmatch(rf"(.+?)\s+({_NUMBER})", head)
    if last:
        return _number_key(last.group(2)), normalize_street(last.group(1))
    return None


def read_osm_addresses(
    path: str | Path, *, clip: tuple[float, float, float, float] | None = None
) -> pd.DataFrame:
    """Every ``addr:housenumber`` + ``addr:street`` of an OSM file (nodes and ways).

    Parameters
    ----------
    path
        ``.osm.pbf``, ``.osm``, ``.osm.bz2`` or ``.osm.gz``.
    clip
        ``(min lon, min lat, max lon, max lat)``: keep addresses inside it.

    Returns
    -------
    pandas.DataFrame
        ``housenumber`` (as written), ``street`` (as written), ``lon``, ``lat`` (a way's
        address at the mean of its nodes).
    """
    import osmium

    from geo_outreach.data.osm import _read_error, sniff_osm

    path = Path(path)
    fmt = sniff_osm(path)
    rows: list[tuple[str, str, float, float]] = []
    try:
        fp = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.KeyFilter("addr:housenumber"))
        )
        for obj in fp:
            tags = obj.tags
            if "addr:street" not in tags:
                continue
            if obj.is_node():
                if not obj.location.valid():
                    continue
                lon, lat = obj.location.lon, obj.location.lat
            else:
                pts = [(n.location.lon, n.location.lat) for n in obj.nodes if n.location.valid()]
                if not pts:
                    continue
                lon, lat = (float(v) for v in np.mean(np.array(pts), axis=0))
            if clip is not None and not (clip[0] <= lon <= clip[2] and clip[1] <= lat <= clip[3]):
                continue
            rows.append((tags["addr:housenumber"], tags["addr:street"], lon, lat))
    except (RuntimeError, OSError, ValueError) as exc:
        raise _read_error(path, fmt, exc) from exc
    logger.info("%s: %d addresses", path.name, len(rows))
    return pd.DataFrame(rows, columns=list(ADDRESS_COLUMNS))


def _cache_file(path: Path, clip: tuple[float, float, float, float] | None) -> Path:
    stat = path.stat()
    clip_text = "all" if clip is None else ",".join(f"{v:.5f}" for v in clip)
    key = "|".join(
        [str(path.resolve()), str(stat.st_size), str(stat.st_mtime_ns), clip_text, _CACHE_VERSION]
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    return config.cache_dir() / "addresses" / f"{path.name}-{digest}.parquet"


def region_addresses(region: Region, *, cache: bool = True) -> pd.DataFrame:
    """The address table of ``region``'s network file, read once and cached."""
    from geo_outreach.files import atomic_file

    path = Path(region.network_path)
    clip = region.clip_box
    target = _cache_file(path, clip)
    if cache and target.is_file():
        return pd.read_parquet(target)
    table = read_osm_addresses(path, clip=clip)
    if cache:
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(target) as tmp:
            table.to_parquet(tmp, index=False)
    return table


@dataclass
class AddressBook:
    """Look-up of addresses in an address table (:func:`read_osm_addresses`)."""

    table: pd.DataFrame
    _exact: dict[tuple[str, str], tuple[float, float]] = field(init=False, repr=False)
    _streets: dict[str, list[tuple[int, float, float]]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        missing = [c for c in ADDRESS_COLUMNS if c not in self.table.columns]
        if missing:
            raise InputError(
                _("address table lacks columns {columns}").format(columns=missing),
                source="addresses",
            )
        self._exact = {}
        self._streets = {}
        for number, street, lon, lat in self.table[list(ADDRESS_COLUMNS)].itertuples(index=False):
            s = normalize_street(street)
            for part in re.split(r"[;,]", str(number)):
                key = _number_key(part)
                if not key:
                    continue
                self._exact.setdefault((s, key), (float(lon), float(lat)))
                digits = re.match(r"\d+", key)
                if digits:
                    self._streets.setdefault(s, []).append((int(digits.group()), lon, lat))

    def __len__(self) -> int:
        return len(self._exact)

    def locate(self, address: str) -> tuple[float, float, str] | None:
        """``(lon, lat, how)`` of ``address`` (``how``: ``"exact"`` or ``"nearest number"``),
        or None when its street or number is not in the table."""
        parsed = parse_address(address)
        if parsed is None:
            return None
        number, street = parsed
        hit = self._exact.get((street, number))
        if hit is not None:
            return hit[0], hit[1], "exact"
        digits = re.match(r"\d+", number)
        candidates = self._streets.get(street, [])
        if not digits or not candidates:
            return None
        n = int(digits.group())
        same = [c for c in candidates if c[0] % 2 == n % 2] or candidates
        best = min(same, key=lambda c: abs(c[0] - n))
        if abs(best[0] - n) > NEAREST_NUMBER_SPAN:
            return None
        return float(best[1]), float(best[2]), "nearest number"
