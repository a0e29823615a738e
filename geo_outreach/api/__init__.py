"""The public API (the orchestration layer): ``import geo_outreach as go``.

Every name here is also an attribute of the package itself, loaded on first use so that
``import geo_outreach`` stays fast (osmnx, pyvrp, highspy load only when used)::

    import geo_outreach as go
    region = go.open_region()
    analysis = go.analyze(region, need="auto", modes=("drive", "walk"))
    stops = go.site_stops(region, analysis, p=4, within_min=15, mode="walk")
    visits = stops.to_visits(windows="Mon-Fri 10:00-14:00", duration_min=120)
    plan = go.plan_routes(region, visits, go.read_workers("data/demo_workers.csv"))
    plan.save("out/plan")
"""

from geo_outreach.api.pipeline import (
    DEFAULT_TIME_LIMIT_S,
    Progress,
    analyze,
    coverage_map,
    export_data,
    field_packet,
    is_demo_region,
    open_region,
    plan_routes,
    region_timezone,
    sample_week,
    site_stops,
)
from geo_outreach.api.readers import read_analysis, read_plan, read_stops, read_visits, read_workers
from geo_outreach.api.results import Analysis, Plan, Stops, Visits, Workers
from geo_outreach.data.readers import EncodingNotice
from geo_outreach.errors import (
    DataQualityWarning,
    EmptyCatchmentWarning,
    GeoOutreachError,
    GeoOutreachWarning,
    InputError,
    NoSolutionError,
    OffNetworkWarning,
    RenormalisedWeightsWarning,
)
from geo_outreach.files import DamagedOutputWarning

__all__ = [
    "DEFAULT_TIME_LIMIT_S",
    "Analysis",
    "DamagedOutputWarning",
    "DataQualityWarning",
    "EmptyCatchmentWarning",
    "EncodingNotice",
    "GeoOutreachError",
    "GeoOutreachWarning",
    "InputError",
    "NoSolutionError",
    "OffNetworkWarning",
    "Plan",
    "Progress",
    "RenormalisedWeightsWarning",
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
]
