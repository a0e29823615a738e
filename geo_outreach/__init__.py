"""geo_outreach: find underserved areas, site mobile-unit stops and plan outreach routes.

The public API is :mod:`geo_outreach.api`, re-exported here lazily::

    import geo_outreach as go
    region = go.open_region()
    analysis = go.analyze(region)

Importing the package loads none of the heavy engines (osmnx, pyvrp, highspy); they load
when a function that needs them is first called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_API = (
    "DEFAULT_TIME_LIMIT_S",
    "DamagedOutputWarning",
    "DataQualityWarning",
    "EmptyCatchmentWarning",
    "EncodingNotice",
    "GeoOutreachError",
    "GeoOutreachWarning",
    "InputError",
    "NoSolutionError",
    "OffNetworkWarning",
    "RenormalisedWeightsWarning",
    "Analysis",
    "Plan",
    "Progress",
    "Stops",
    "Visits",
    "Workers",
    "analyze",
    "coverage_map",
    "export_data",
    "field_packet",
    "is_demo_region",
    "open_region",
    "plan_routes",
    "read_analysis",
    "read_plan",
    "read_stops",
    "read_visits",
    "read_workers",
    "region_timezone",
    "sample_week",
    "site_stops",
)

__all__ = ["__version__", *_API]

if TYPE_CHECKING:
    from geo_outreach.api import *  # noqa: F403


def __getattr__(name: str) -> Any:
    if name in _API:
        from geo_outreach import api

        value = getattr(api, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'geo_outreach' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
