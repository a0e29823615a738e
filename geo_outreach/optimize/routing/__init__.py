"""Scheduling and routing of mobile units and outreach workers (PyVRP).

Public API::

    from geo_outreach.optimize.routing import (
        ProblemBuilder, Visit, Worker, Window, BreakRule, TravelMatrix,
        solve, Parameters, RoutingResult, replan, check_plan,
    )

See ``docs/routing.md`` for the model, its trade-offs and the CSV formats.
"""

from .checker import Violation, check_plan
from .diagnose import Unscheduled
from .model import (
    DAY_S,
    WEEKDAYS,
    BreakRule,
    Problem,
    ProblemBuilder,
    TravelMatrix,
    Visit,
    Window,
    Worker,
)
from .plan import Route, Stop, schedule_route
from .replan import replan
from .solve import Parameters, RoutingResult, solve

__all__ = [
    "DAY_S",
    "WEEKDAYS",
    "BreakRule",
    "Parameters",
    "Problem",
    "ProblemBuilder",
    "Route",
    "RoutingResult",
    "Stop",
    "TravelMatrix",
    "Unscheduled",
    "Violation",
    "Visit",
    "Window",
    "Worker",
    "check_plan",
    "replan",
    "schedule_route",
    "solve",
]
