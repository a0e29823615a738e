""":func:`what_if`: re-solve a few scenarios and compare them."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from typing import Any

import pandas as pd

from geo_outreach.errors import InputError
from geo_outreach.i18n import _

# ---------------------------------------------------------------------------
# Problem
# ---------------------------------------------------------------------------
from .problem import SitingProblem
from .result import SitingResult
from .solve import solve_siting

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------
# What-if
# ---------------------------------------------------------------------------


def what_if(
    result: SitingResult,
    *,
    p_values: Iterable[int] | None = None,
    close_site_ids: Iterable[str] = (),
    max_time_s_values: Iterable[float] = (),
) -> pd.DataFrame:
    """Re-solve scenarios around a result and compare them.

    Parameters
    ----------
    result
        A solved :class:`SitingResult` (its problem and parameters are reused).
    p_values
        Numbers of stops to try (MCLP / p-median).  Default: ``p - 1`` and
        ``p + 1`` where valid.
    close_site_ids
        Sites to close, one scenario each: an existing service id closes that
        service (its coverage is lost, stops re-optimised); a candidate id
        forbids that stop.
    max_time_s_values
        Other coverage thresholds to try.

    Returns
    -------
    pandas.DataFrame
        One row per scenario (the first is ``"base"``): ``scenario, model, p,
        max_time_s, status, objective, gap, n_stops, covered_population,
        covered_share, high_need_covered_share, delta_objective,
        delta_covered_population, stops``.
    """
    base_params = {k: v for k, v in result.params.items()}
    model = base_params["model"]
    scenarios: list[tuple[str, SitingProblem, dict[str, Any]]] = []
    if p_values is None:
        p_values = []
        if result.p is not None:
            n = result.problem.n_candidates
            p_values = [q for q in (result.p - 1, result.p + 1) if 1 <= q <= n]
    elif model == "lscp":
        raise InputError(_("p_values do not apply to the 'lscp' model"), source="p_values")
    for q in p_values:
        scenarios.append((f"p={q}", result.problem, {**base_params, "p": int(q)}))
    for sid in close_site_ids:
        sid = str(sid)
        if sid in result.problem.existing_site_ids:
            scenarios.append(
                (f"close existing {sid}", result.problem.without_existing([sid]), base_params)
            )
        elif sid in result.problem.candidate_ids:
            exc = [*(base_params.get("exclude_candidate_ids") or []), sid]
            inc = [c for c in (base_params.get("include_candidate_ids") or []) if c != sid]
            scenarios.append(
                (
                    f"close stop {sid}",
                    result.problem,
                    {
                        **base_params,
                        "exclude_candidate_ids": exc,
                        "include_candidate_ids": inc or None,
                    },
                )
            )
        else:
            raise InputError(
                _("close_site_ids: {id} is neither an existing site nor a candidate").format(
                    id=repr(sid)
                ),
                source="close_site_ids",
            )
    for t in max_time_s_values:
        scenarios.append(
            (f"T={float(t) / 60:g} min", result.problem, {**base_params, "max_time_s": float(t)})
        )

    def row(name: str, r: SitingResult) -> dict[str, Any]:
        return {
            "scenario": name,
            "model": r.model,
            "p": r.p,
            "max_time_s": r.max_time_s,
            "status": r.status,
            "objective": r.objective,
            "gap": r.gap,
            "n_stops": len(r.stops),
            "covered_population": r.coverage_after["population"],
            "covered_share": r.coverage_after["share"],
            "high_need_covered_share": r.coverage_after["high_need_share"],
            "stops": ", ".join(r.site_ids),
        }

    rows = [row("base", result)]
    for name, prob, kw in scenarios:
        kw = dict(kw)
        kw.pop("model")
        try:
            r = solve_siting(prob, model=model, **kw)
        except InputError as exc:
            rows.append(
                {
                    "scenario": name,
                    "model": model,
                    "status": "invalid",
                    "objective": math.nan,
                    "stops": str(exc),
                }
            )
            continue
        rows.append(row(name, r))
    out = pd.DataFrame(rows)
    out["delta_objective"] = out["objective"] - result.objective
    out["delta_covered_population"] = (
        out["covered_population"] - result.coverage_after["population"]
    )
    cols = [
        "scenario",
        "model",
        "p",
        "max_time_s",
        "status",
        "objective",
        "gap",
        "n_stops",
        "covered_population",
        "covered_share",
        "high_need_covered_share",
        "delta_objective",
        "delta_covered_population",
        "stops",
    ]
    return out.reindex(columns=cols)
