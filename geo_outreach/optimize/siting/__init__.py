"""Mobile-unit stop siting: maximal coverage, set covering and p-median on HiGHS.

The core is :func:`from_cost_matrix`, which turns a (dense or sparse) travel-time
matrix between *demand points* and *candidate stops* into a :class:`SitingProblem`;
:func:`from_od_table` is a thin adapter over the shared long OD table
(``origin_id, dest_id, travel_time_s``) and the per-unit origins table.
:func:`solve_siting` builds a sparse mixed-integer model directly with
``highspy`` and returns a :class:`SitingResult` a manager can read: the chosen
stops in order of marginal gain, which units each stop covers, coverage before
and after, and the price of an equity floor.  :func:`what_if` re-solves a few
scenarios (p - 1, p + 1, closing a site, another time threshold) and returns a
comparison table.

Demand is counted at the origin nodes of a unit (``unit_id, node_id, weight``),
so a unit whose origins are partly within reach counts partly.  The weight of a
demand point is ``population * need * origin weight``.

Existing fixed services (e.g. clinics of the category being planned) count as
already covering: demand within ``max_time_s`` of an existing site adds nothing
to the coverage objective, must not be covered again in set covering, and can be
assigned to the existing site in the p-median.

Models
------
``"mclp"``
    Maximal covering: choose ``p`` stops maximising the need-weighted demand
    newly covered within ``max_time_s``.
``"lscp"``
    Location set covering: the fewest stops covering every required demand
    point within ``max_time_s``.  When no set of stops can, the result has status
    ``"infeasible"``, names the demand that no candidate reaches and gives the
    smallest threshold that would make the problem feasible.
``"pmedian"``
    Choose ``p`` stops minimising the need-weighted travel time from each
    demand point to its nearest open stop (or existing site).

Modules, one concern each: ``problem`` (building the problem), ``highs`` (the HiGHS
wrapper), ``models`` (the formulations), ``heuristics`` (greedy start and order), ``result``
(the answer), ``solve`` (:func:`solve_siting`) and ``whatif`` (:func:`what_if`).
"""

from .problem import SitingProblem, from_cost_matrix, from_od_table
from .result import SitingResult
from .solve import solve_siting
from .whatif import what_if

__all__ = [
    "SitingProblem",
    "SitingResult",
    "from_cost_matrix",
    "from_od_table",
    "solve_siting",
    "what_if",
]
