"""Speeds per road class and ``maxspeed`` parsing.

Edge speed on the drive network is the way's ``maxspeed`` tag when it is tagged and
parseable, else the speed of its highway class in :data:`DEFAULT_DRIVE_KPH`. We do not use
osmnx's ``add_edge_speeds`` (which fills untagged edges with the mean of tagged edges of the
same class in the same file): a documented table gives the same answer for the same road in
every region and is easy to change.

The defaults are typical free-flow urban speeds in the United States (posted limits of
US cities: 25 mph residential, 30-35 mph arterials). On foot every way is walked at
``walk_kph`` (4.8 km/h = 3 mph, the common planning figure), steps at half that.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from geo_outreach.errors import InputError
from geo_outreach.i18n import _

__all__ = [
    "DEFAULT_DRIVE_KPH",
    "DRIVE_HIGHWAYS",
    "WALK_HIGHWAYS",
    "SpeedTable",
    "parse_maxspeed",
]

MPH = 1.609344

#: Free-flow drive speed per OSM highway class, km/h (used where ``maxspeed`` is absent).
DEFAULT_DRIVE_KPH: Mapping[str, float] = MappingProxyType(
    {
        "motorway": 55 * MPH,
        "motorway_link": 35 * MPH,
        "trunk": 45 * MPH,
        "trunk_link": 30 * MPH,
        "primary": 35 * MPH,
        "primary_link": 25 * MPH,
        "secondary": 30 * MPH,
        "secondary_link": 25 * MPH,
        "tertiary": 25 * MPH,
        "tertiary_link": 20 * MPH,
        "unclassified": 25 * MPH,
        "residential": 25 * MPH,
        "living_street": 10 * MPH,
        "service": 10 * MPH,
        "road": 20 * MPH,
    }
)

#: Highway classes on the drive network.
DRIVE_HIGHWAYS: frozenset[str] = frozenset(DEFAULT_DRIVE_KPH)

#: Highway classes on the walk network (motorways and cycleways excluded unless foot=yes).
WALK_HIGHWAYS: frozenset[str] = frozenset(
    {
        "trunk",
        "trunk_link",
        "primary",
        "primary_link",
        "secondary",
        "secondary_link",
        "tertiary",
        "tertiary_link",
        "unclassified",
        "residential",
        "living_street",
        "service",
        "road",
        "footway",
        "pedestrian",
        "path",
        "steps",
        "track",
        "corridor",
        "bridleway",
    }
)

_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph|knots)?", re.IGNORECASE)


def parse_maxspeed(value: object) -> float | None:
    """Return a ``maxspeed`` tag value in km/h, or ``None`` when it carries no number.

    ``"35 mph"`` -> 56.3; ``"50"`` -> 50 (km/h is OSM's default unit); lists such as
    ``"35 mph;40 mph"`` or osmnx's merged lists take the lowest value (conservative);
    ``"none"``, ``"signals"``, ``"walk"`` -> ``None``.
    """
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        parsed = [p for p in (parse_maxspeed(v) for v in value) if p is not None]
        return min(parsed) if parsed else None
    if isinstance(value, (int, float)):
        return float(value) if value > 0 else None
    speeds = []
    for part in str(value).split(";"):
        match = _NUMBER.search(part)
        if not match:
            continue
        number = float(match.group(1))
        unit = (match.group(2) or "km/h").lower()
        if unit == "mph":
            number *= MPH
        elif unit == "knots":
            number *= 1.852
        if number > 0:
            speeds.append(number)
    return min(speeds) if speeds else None


@dataclass(frozen=True)
class SpeedTable:
    """How fast each road class is travelled.

    Parameters
    ----------
    drive_kph
        Drive speed per highway class (km/h), used where ``maxspeed`` is absent.
    default_drive_kph
        Drive speed for classes missing from ``drive_kph``.
    use_maxspeed
        Use the ``maxspeed`` tag on the drive network when present.
    walk_kph
        Walking speed on every walkable way (km/h).
    steps_factor
        Walking speed multiplier on ``highway=steps``.
    """

    drive_kph: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_DRIVE_KPH))
    default_drive_kph: float = 25 * MPH
    use_maxspeed: bool = True
    walk_kph: float = 4.8
    steps_factor: float = 0.5

    def __post_init__(self) -> None:
        for name, kph in [
            *self.drive_kph.items(),
            ("default_drive_kph", self.default_drive_kph),
            ("walk_kph", self.walk_kph),
        ]:
            if not (isinstance(kph, (int, float)) and 0 < kph < 300):
                raise InputError(
                    _(
                        "speed for {name} must be a number of km/h between 0 and 300, got {got}"
                    ).format(name=repr(name), got=repr(kph)),
                    source=str(name),
                )
        if not 0 < self.steps_factor <= 1:
            raise InputError(
                _("steps_factor must be in (0, 1], got {got}").format(got=self.steps_factor)
            )

    def drive_speed(self, highway: object, maxspeed: object = None) -> float:
        """Speed in km/h of a drive edge of class ``highway`` with tag ``maxspeed``."""
        if self.use_maxspeed:
            tagged = parse_maxspeed(maxspeed)
            if tagged is not None:
                return tagged
        hw = highway[0] if isinstance(highway, (list, tuple)) else highway
        return float(self.drive_kph.get(str(hw), self.default_drive_kph))

    def walk_speed(self, highway: object) -> float:
        """Speed in km/h of a walk edge of class ``highway``."""
        hw = highway[0] if isinstance(highway, (list, tuple)) else highway
        return self.walk_kph * (self.steps_factor if hw == "steps" else 1.0)

    def fingerprint(self) -> str:
        """A stable text of the table, for cache keys."""
        items = sorted((k, round(float(v), 6)) for k, v in self.drive_kph.items())
        return repr(
            (items, self.default_drive_kph, self.use_maxspeed, self.walk_kph, self.steps_factor)
        )
