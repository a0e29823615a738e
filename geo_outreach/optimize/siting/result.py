"""The answer of a siting solve (:class:`SitingResult`) and how it is assembled."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

# ---------------------------------------------------------------------------
# Problem
# ---------------------------------------------------------------------------
from .heuristics import _greedy_order, _nearest_time
from .problem import SitingProblem

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------
# Result
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SitingResult:
    """Answer of :func:`solve_siting`.

    Attributes
    ----------
    model
        ``"mclp"``, ``"lscp"`` or ``"pmedian"``.
    status
        ``"optimal"``, ``"time_limit"`` (best found, see ``gap``),
        ``"infeasible"`` or HiGHS's own word for anything else.
    message
        One human sentence: what was solved or why it could not be.
    objective
        MCLP: need-weighted demand newly covered by the stops (existing
        coverage excluded).  LSCP: number of stops.  p-median: need-weighted
        travel time in seconds (sum of weight x time).  NaN when no solution.
    gap
        Relative MIP gap reported by HiGHS (0 when proven optimal).
    p, max_time_s, equity_floor
        Parameters solved with.
    stops
        Chosen stops in greedy order of marginal gain, columns ``rank,
        site_id, reason, gain, gain_population, covered_population,
        covered_weight, mean_need, n_units, unit_ids``.  ``gain`` is the
        need-weighted demand a stop adds given the stops ranked before it (and
        existing sites); for p-median without ``max_time_s`` it is the increase
        of need-weighted travel time if that stop alone closed (``gain_kind``).
    gain_kind
        ``"coverage"`` or ``"closure_regret_s"``.
    stop_units
        Long table ``site_id, unit_id, covered_population, unit_population,
        covered_share``: which units (and what share of their population) each
        stop reaches within ``max_time_s``.
    units
        Per unit: ``unit_id, population, need, high_need,
        covered_share_before, covered_share_after, covered_population_after,
        travel_time_s_after`` (population-weighted mean time to the nearest
        open stop or existing site).
    coverage_before, coverage_after
        Totals: ``population``, ``share``, ``weighted``, ``high_need_share``.
    objective_without_floor, price_of_floor
        With an equity floor: the objective of the same problem without it and
        the objective lost to the floor (>= 0).
    unreachable_demand
        Demand ids no candidate reaches (within ``max_time_s`` for coverage
        models; at all for p-median).
    min_feasible_time_s
        LSCP: smallest threshold at which every required demand can be covered
        (inf when some demand is unreachable at any threshold).
    solve_time_s
        Wall time of the HiGHS runs.
    problem, params
        The problem and keyword arguments solved, for :func:`what_if`.
    """

    model: str
    status: str
    message: str
    objective: float
    gap: float
    p: int | None
    max_time_s: float | None
    equity_floor: float | None
    stops: pd.DataFrame
    gain_kind: str
    stop_units: pd.DataFrame
    units: pd.DataFrame
    coverage_before: dict[str, float]
    coverage_after: dict[str, float]
    objective_without_floor: float | None
    price_of_floor: float | None
    unreachable_demand: tuple[str, ...]
    min_feasible_time_s: float | None
    solve_time_s: float
    problem: SitingProblem = field(repr=False)
    params: dict[str, Any] = field(repr=False)

    @property
    def site_ids(self) -> list[str]:
        """Chosen stop ids in order of marginal gain."""
        return self.stops["site_id"].tolist()

    def to_json_dict(self) -> dict[str, Any]:
        """JSON-ready summary (the CLI ``--json`` contract).

        Keys: ``model, status, message, objective, gap, p, max_time_s,
        covered_population, covered_share, coverage_before, coverage_after,
        equity_floor, objective_without_floor, price_of_floor,
        min_feasible_time_s, unreachable_demand, stops`` where ``stops`` is a
        list of ``{"site_id", "gain", "gain_population", "covered_population",
        "reason", "unit_ids"}`` in order of marginal gain.  Non-finite numbers
        become ``None``.
        """

        def num(v: Any) -> Any:
            if v is None:
                return None
            v = float(v)
            return v if math.isfinite(v) else None

        return {
            "model": self.model,
            "status": self.status,
            "message": self.message,
            "objective": num(self.objective),
            "gap": num(self.gap),
            "p": self.p,
            "max_time_s": num(self.max_time_s),
            "covered_population": num(self.coverage_after.get("population")),
            "covered_share": num(self.coverage_after.get("share")),
            "coverage_before": {k: num(v) for k, v in self.coverage_before.items()},
            "coverage_after": {k: num(v) for k, v in self.coverage_after.items()},
            "equity_floor": num(self.equity_floor),
            "objective_without_floor": num(self.objective_without_floor),
            "price_of_floor": num(self.price_of_floor),
            "min_feasible_time_s": num(self.min_feasible_time_s),
            "unreachable_demand": list(self.unreachable_demand),
            "stops": [
                {
                    "site_id": str(r.site_id),
                    "gain": num(r.gain),
                    "gain_population": num(r.gain_population),
                    "covered_population": num(r.covered_population),
                    "reason": str(r.reason),
                    "unit_ids": list(r.unit_ids),
                }
                for r in self.stops.itertuples(index=False)
            ],
        }


_STOP_COLUMNS = [
    "rank",
    "site_id",
    "reason",
    "gain",
    "gain_population",
    "covered_population",
    "covered_weight",
    "mean_need",
    "n_units",
    "unit_ids",
]


def _coverage_summary(problem: SitingProblem, covered: np.ndarray | None) -> dict[str, float]:
    d = problem.demand
    pop = d["population"].to_numpy()
    w = d["weight"].to_numpy()
    hn = d["high_need"].to_numpy(dtype=bool)
    if covered is None:
        nan = math.nan
        return {"population": nan, "share": nan, "weighted": nan, "high_need_share": nan}
    tot = float(pop.sum())
    hn_tot = float(pop[hn].sum())
    return {
        "population": float(pop[covered].sum()),
        "share": float(pop[covered].sum() / tot) if tot > 0 else math.nan,
        "weighted": float(w[covered].sum()),
        "high_need_share": float(pop[hn & covered].sum() / hn_tot) if hn_tot > 0 else math.nan,
    }


def _assemble(
    problem: SitingProblem,
    *,
    model: str,
    status: str,
    message: str,
    objective: float,
    gap: float,
    chosen: list[int],
    p: int | None,
    max_time_s: float | None,
    equity_floor: float | None,
    objective_without_floor: float | None,
    price_of_floor: float | None,
    unreachable: tuple[str, ...],
    min_feasible_time_s: float | None,
    solve_time_s: float,
    params: dict[str, Any],
) -> SitingResult:
    d = problem.demand
    pop = d["population"].to_numpy()
    w = d["weight"].to_numpy()
    need = d["need"].to_numpy()
    units = d["unit_id"].to_numpy()
    cand = problem.candidate_ids
    base = before = after = None
    stop_rows: list[dict[str, Any]] = []
    su_rows: list[pd.DataFrame] = []
    unit_pop = d.groupby("unit_id", sort=False)["population"].sum()
    if max_time_s is not None:
        cov = problem.coverage_matrix(max_time_s)
        cov_csc = sp.csc_array(cov)
        base = problem.covered_by_existing(max_time_s)
        before = base
        after = base.copy()
        if chosen:
            after |= np.asarray(cov[:, chosen].sum(axis=1)).reshape(-1) > 0
    nearest = _nearest_time(problem, chosen)
    if chosen:
        if max_time_s is not None:
            assert base is not None
            order = _greedy_order(cov_csc, w, pop, base, chosen)
            gain_kind = "coverage"
        else:
            # p-median without a threshold: regret of closing each stop alone
            wt = np.where(np.isfinite(nearest), nearest, 0.0)
            base_obj = float((w * wt).sum())
            regrets = []
            for j in chosen:
                others = [k for k in chosen if k != j]
                t = _nearest_time(problem, others)
                lost = ~np.isfinite(t) & np.isfinite(nearest)
                t = np.where(np.isfinite(t), t, np.where(lost, np.inf, 0.0))
                val = float((w * t).sum()) - base_obj if not lost.any() else math.inf
                regrets.append((j, val, math.nan))
            order = sorted(regrets, key=lambda r: -r[1])
            gain_kind = "closure_regret_s"
        for rank, (j, g, gp) in enumerate(order, start=1):
            if max_time_s is not None:
                rows = cov_csc.indices[cov_csc.indptr[j] : cov_csc.indptr[j + 1]]
            else:
                rows = np.zeros(0, dtype=np.int64)
            cp = float(pop[rows].sum())
            uids = list(dict.fromkeys(units[rows].tolist()))
            stop_rows.append(
                {
                    "rank": rank,
                    "site_id": cand[j],
                    "reason": problem.candidate_reason[j],
                    "gain": g,
                    "gain_population": gp,
                    "covered_population": cp,
                    "covered_weight": float(w[rows].sum()),
                    "mean_need": float((need[rows] * pop[rows]).sum() / cp) if cp > 0 else math.nan,
                    "n_units": len(uids),
                    "unit_ids": tuple(uids),
                }
            )
            if len(rows):
                part = (
                    pd.DataFrame({"unit_id": units[rows], "covered_population": pop[rows]})
                    .groupby("unit_id", sort=False, as_index=False)["covered_population"]
                    .sum()
                )
                part.insert(0, "site_id", cand[j])
                su_rows.append(part)
    else:
        gain_kind = "coverage" if max_time_s is not None else "closure_regret_s"
    stops = pd.DataFrame(stop_rows, columns=_STOP_COLUMNS)
    if su_rows:
        stop_units = pd.concat(su_rows, ignore_index=True)
    else:
        stop_units = pd.DataFrame(
            {
                "site_id": pd.Series(dtype="str"),
                "unit_id": pd.Series(dtype="str"),
                "covered_population": pd.Series(dtype=float),
            }
        )
    stop_units["unit_population"] = stop_units["unit_id"].map(unit_pop).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        stop_units["covered_share"] = (
            stop_units["covered_population"] / stop_units["unit_population"]
        )
    # per-unit table
    tt = np.where(np.isfinite(nearest), nearest, np.nan)
    frame = pd.DataFrame(
        {
            "unit_id": units,
            "population": pop,
            "need_pop": need * pop,
            "high_need": d["high_need"].to_numpy(dtype=bool),
            "cov_before": pop * (before if before is not None else np.nan),
            "cov_after": pop * (after if after is not None else np.nan),
            "tt_pop": np.where(np.isfinite(tt), tt * pop, 0.0),
            "tt_popw": np.where(np.isfinite(tt), pop, 0.0),
            "need_plain": need,
        }
    )
    g = frame.groupby("unit_id", sort=False)
    ut = pd.DataFrame(
        {
            "population": g["population"].sum(),
            "need": g["need_pop"].sum() / g["population"].sum().where(lambda s: s > 0),
            "high_need": g["high_need"].any(),
            "covered_population_before": g["cov_before"].sum(min_count=1),
            "covered_population_after": g["cov_after"].sum(min_count=1),
            "travel_time_s_after": g["tt_pop"].sum() / g["tt_popw"].sum().where(lambda s: s > 0),
        }
    )
    ut["need"] = ut["need"].fillna(g["need_plain"].mean())
    popu = ut["population"].where(ut["population"] > 0)
    ut["covered_share_before"] = ut["covered_population_before"] / popu
    ut["covered_share_after"] = ut["covered_population_after"] / popu
    ut = ut.reset_index()[
        [
            "unit_id",
            "population",
            "need",
            "high_need",
            "covered_share_before",
            "covered_share_after",
            "covered_population_after",
            "travel_time_s_after",
        ]
    ]
    return SitingResult(
        model=model,
        status=status,
        message=message,
        objective=objective,
        gap=gap,
        p=p,
        max_time_s=max_time_s,
        equity_floor=equity_floor,
        stops=stops,
        gain_kind=gain_kind,
        stop_units=stop_units,
        units=ut,
        coverage_before=_coverage_summary(problem, before),
        coverage_after=_coverage_summary(problem, after),
        objective_without_floor=objective_without_floor,
        price_of_floor=price_of_floor,
        unreachable_demand=unreachable,
        min_feasible_time_s=min_feasible_time_s,
        solve_time_s=solve_time_s,
        problem=problem,
        params=params,
    )


# ---------------------------------------------------------------------------
# Public solve
# ---------------------------------------------------------------------------


def _fmt_time(t: float) -> str:
    return f"{t:.0f} s ({t / 60:.1f} min)"
