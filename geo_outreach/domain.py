"""The words every layer shares, defined once: travel modes and weekdays (layer 0)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

__all__ = ["MODES", "WEEKDAYS", "WEEKDAY_NAMES", "Mode", "Progress"]

#: The one progress protocol of every layer: ``progress(stage, done, total)``, called
#: between steps of long work (``stage`` names the step in words, e.g. ``"walk travel
#: times"``; ``done`` of ``total`` units of it are finished).  Faces draw bars from it.
Progress = Callable[[str, int, int], None]

Mode = Literal["drive", "walk"]
#: Travel modes on the road network: by car (vans, workers who drive) and on foot.
MODES: tuple[Mode, ...] = ("drive", "walk")

#: Weekday codes, Monday first (``date.weekday()`` indexes them).
WEEKDAYS: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: Full English weekday names, Monday first.
WEEKDAY_NAMES: tuple[str, ...] = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)
