""":func:`solve_siting`: validate, build, solve and explain (infeasible floors and covers)."""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp

from geo_outreach.errors import InputError
from geo_outreach.i18n import _

# ---------------------------------------------------------------------------
# Problem
# ---------------------------------------------------------------------------
from .heuristics import _greedy_start, _nearest_time
from .models import (
    _add_floor,
    _build_lscp,
    _build_mclp,
    _build_pmedian,
    _drop_floor,
    _run_spec,
    _x_bounds,
)
from .problem import SitingProblem
from .result import SitingResult, _assemble, _fmt_time

logger = logging.getLogger(__name__)
Model = Literal["mclp", "lscp", "pmedian"]
_MODELS = ("mclp", "lscp", "pmedian")
_EPS = 1e-9


def _ids_to_cols(problem: SitingProblem, ids: Iterable[str] | None, name: str) -> set[int]:
    if ids is None:
        return set()
    pos = {c: j for j, c in enumerate(problem.candidate_ids)}
    out = set()
    for s in ids:
        if str(s) not in pos:
            raise InputError(
                _("{name}: {id} is not a candidate id (e.g. {examples})").format(
                    name=name, id=repr(s), examples=list(problem.candidate_ids)[:5]
                ),
                source=name,
            )
        out.add(pos[str(s)])
    return out


def _required_mask(problem: SitingProblem, required_unit_ids: Iterable[str] | None) -> np.ndarray:
    d = problem.demand
    mask = d["weight"].to_numpy() > 0
    if required_unit_ids is not None:
        req = {str(u) for u in required_unit_ids}
        known = set(d["unit_id"])
        unknown = req - known
        if unknown:
            raise InputError(
                _("required_unit_ids {unknown} are not units of this problem").format(
                    unknown=sorted(unknown)[:5]
                ),
                source="required_unit_ids",
            )
        mask = mask & d["unit_id"].isin(req).to_numpy()
    return mask


def _lscp_infeasibility(
    problem: SitingProblem,
    required: np.ndarray,
    existing: np.ndarray,
    max_time_s: float,
    hi: np.ndarray,
) -> tuple[list[int], float, str]:
    """Required points no allowed candidate covers, the smallest feasible T, and a message."""
    allowed = hi[problem.pair_candidate] > 0
    best = (
        problem.existing_min_time_s()
        if problem.existing_covered is None
        else np.full(problem.n_demand, np.inf)
    )
    if problem.existing_covered is not None:
        best[np.asarray(problem.existing_covered, dtype=bool)] = 0.0
    np.minimum.at(best, problem.pair_demand[allowed], problem.pair_time_s[allowed])
    req = np.flatnonzero(required)
    bad = [int(i) for i in req if best[i] > max_time_s + _EPS]
    t_min = float(best[req].max()) if len(req) else 0.0
    if not bad:
        return [], t_min, ""
    d = problem.demand
    worst = max(bad, key=lambda i: best[i])
    names = ", ".join(
        _("{demand} (unit {unit})").format(demand=d["demand_id"].iat[i], unit=d["unit_id"].iat[i])
        for i in bad[:5]
    )
    if len(bad) > 5:
        names = _("{names} and {count} more").format(names=names, count=len(bad) - 5)
    if math.isfinite(t_min):
        fix = _(
            "the smallest max_time_s covering every required demand is {time} (set by {demand})"
        ).format(time=_fmt_time(t_min), demand=d["demand_id"].iat[worst])
    else:
        never = [int(i) for i in bad if not math.isfinite(best[i])]
        fix = _(
            "{count} of them ({demand}, ...) is reached by no "
            "candidate at any travel time; add candidates near them or drop them from "
            "required_unit_ids"
        ).format(count=len(never), demand=d["demand_id"].iat[never[0]])
    msg = _(
        "set covering is infeasible at max_time_s={time}: {count} required "
        "demand point(s) cannot be covered by any candidate: {names}; {fix}"
    ).format(time=_fmt_time(max_time_s), count=len(bad), names=names, fix=fix)
    return bad, t_min, msg


def solve_siting(
    problem: SitingProblem,
    *,
    model: Model = "mclp",
    p: int | None = None,
    max_time_s: float | None = None,
    equity_floor: float | None = None,
    required_unit_ids: Iterable[str] | None = None,
    include_candidate_ids: Iterable[str] | None = None,
    exclude_candidate_ids: Iterable[str] | None = None,
    time_limit_s: float = 60.0,
    mip_rel_gap: float = 1e-6,
    threads: int | None = None,
) -> SitingResult:
    """Choose mobile-unit stops.

    Parameters
    ----------
    problem
        From :func:`from_cost_matrix` or :func:`from_od_table`.
    model
        ``"mclp"`` (maximal coverage, needs ``p`` and ``max_time_s``),
        ``"lscp"`` (fewest stops covering all required demand, needs
        ``max_time_s``) or ``"pmedian"`` (needs ``p``; ``max_time_s`` optional,
        used for coverage reporting and the equity floor).
    p
        Number of stops (MCLP, p-median).
    max_time_s
        Coverage threshold T in seconds (a stop covers a demand point when
        the travel time is <= T).
    equity_floor
        Fraction in (0, 1]: at least this share of the population of
        high-need demand points must be covered within ``max_time_s``
        (existing coverage counts).  The model is also solved without the
        floor to report ``price_of_floor``.
    required_unit_ids
        LSCP: units whose demand must all be covered (default: every demand
        point with positive weight), e.g. the tracts with need rank >= 0.8.
    include_candidate_ids, exclude_candidate_ids
        Candidates forced open / forbidden (e.g. a closed venue).
    time_limit_s
        HiGHS time limit per solve; on expiry the best stops found are returned
        with status ``"time_limit"`` and their gap.
    mip_rel_gap
        Relative optimality gap at which HiGHS stops.
    threads
        HiGHS threads (default: HiGHS's choice).

    Returns
    -------
    SitingResult

    Raises
    ------
    InputError
        For a missing or invalid parameter.
    SolverError
        When HiGHS fails for another reason.
    """
    if model not in _MODELS:
        raise InputError(
            _("model must be one of {models}, got {got}").format(models=_MODELS, got=repr(model)),
            source="model",
        )
    if max_time_s is not None and (not math.isfinite(max_time_s) or max_time_s < 0):
        raise InputError(
            _("max_time_s must be a finite number >= 0, got {got}").format(got=max_time_s),
            source="max_time_s",
        )
    if model in ("mclp", "lscp") and max_time_s is None:
        raise InputError(
            _("model {model} needs max_time_s (coverage threshold in seconds)").format(
                model=repr(model)
            ),
            source="max_time_s",
        )
    if model in ("mclp", "pmedian"):
        if p is None or int(p) != p or p < 1:
            raise InputError(
                _("model {model} needs p, a whole number of stops >= 1; got {got}").format(
                    model=repr(model), got=repr(p)
                ),
                source="p",
            )
        p = int(p)
    elif p is not None:
        raise InputError(
            _("p is not used by 'lscp' (it finds the fewest stops); drop p"), source="p"
        )
    if equity_floor is not None:
        if not (0 < equity_floor <= 1):
            raise InputError(
                (
                    _("equity_floor must be a fraction in (0, 1] (pass 0.8 for 80 %); got {got}")
                    if equity_floor > 1
                    else _("equity_floor must be a fraction in (0, 1]; got {got}")
                ).format(got=equity_floor),
                source="equity_floor",
            )
        if max_time_s is None:
            raise InputError(
                _("equity_floor needs max_time_s (coverage is measured within it)"),
                source="equity_floor",
            )
    if time_limit_s <= 0:
        raise InputError(_("time_limit_s must be > 0"), source="time_limit_s")
    include = _ids_to_cols(problem, include_candidate_ids, "include_candidate_ids")
    exclude = _ids_to_cols(problem, exclude_candidate_ids, "exclude_candidate_ids")
    if include & exclude:
        raise InputError(
            _("a candidate is both included and excluded"), source="include_candidate_ids"
        )
    n_allowed = problem.n_candidates - len(exclude)
    if p is not None and p > n_allowed:
        raise InputError(
            _(
                "p={p} exceeds the {available} available candidates; lower p or add candidates"
            ).format(p=p, available=n_allowed),
            source="p",
        )
    if p is not None and len(include) > p:
        raise InputError(
            _("{count} candidates are forced open but p={p}").format(count=len(include), p=p),
            source="p",
        )
    params: dict[str, Any] = {
        "model": model,
        "p": p,
        "max_time_s": max_time_s,
        "equity_floor": equity_floor,
        "required_unit_ids": None if required_unit_ids is None else list(required_unit_ids),
        "include_candidate_ids": None
        if include_candidate_ids is None
        else list(include_candidate_ids),
        "exclude_candidate_ids": None
        if exclude_candidate_ids is None
        else list(exclude_candidate_ids),
        "time_limit_s": time_limit_s,
        "mip_rel_gap": mip_rel_gap,
        "threads": threads,
    }
    lo, hi = _x_bounds(problem, include, exclude)
    solve_kw: dict[str, Any] = {
        "time_limit_s": time_limit_s,
        "mip_rel_gap": mip_rel_gap,
        "threads": threads,
    }
    d = problem.demand
    w = d["weight"].to_numpy()
    n_x = problem.n_candidates
    common: dict[str, Any] = {
        "p": p,
        "max_time_s": max_time_s,
        "equity_floor": equity_floor,
        "params": params,
    }

    cov = problem.coverage_matrix(max_time_s) if max_time_s is not None else None
    existing = problem.covered_by_existing(max_time_s)
    if cov is not None:
        cov_allowed = cov.copy()
        if exclude:
            cov_allowed = sp.csr_array(cov_allowed @ sp.diags_array(hi))
            cov_allowed.eliminate_zeros()
        reach = np.diff(cov_allowed.indptr) > 0
        unreachable = tuple(d["demand_id"].to_numpy()[(w > 0) & ~existing & ~reach].tolist())
    else:
        cov_allowed = None
        unreachable = ()

    min_t = None
    y_points: np.ndarray | None = None
    if model == "mclp":
        assert cov_allowed is not None and p is not None
        spec, y_points = _build_mclp(problem, cov_allowed, existing, p, lo, hi)
        spec.start_x = _greedy_start(problem, model, p, cov_allowed, existing, lo, hi)
    elif model == "lscp":
        assert cov_allowed is not None and max_time_s is not None
        req_mask = _required_mask(problem, required_unit_ids)
        required = req_mask & ~existing
        bad, min_t, msg = _lscp_infeasibility(problem, req_mask, existing, max_time_s, hi)
        if bad:
            logger.info(msg)  # the result (and the CLI error) carries it
            return _assemble(
                problem,
                model=model,
                status="infeasible",
                message=msg,
                objective=math.nan,
                gap=math.inf,
                chosen=[],
                objective_without_floor=None,
                price_of_floor=None,
                unreachable=tuple(d["demand_id"].iat[i] for i in bad),
                min_feasible_time_s=min_t,
                solve_time_s=0.0,
                **common,
            )
        spec = _build_lscp(problem, cov_allowed, np.flatnonzero(required), lo, hi)
        spec.start_x = _greedy_start(
            problem, model, None, cov_allowed, existing, lo, hi, required=required
        )
    else:
        assert p is not None
        ex_min = problem.existing_min_time_s()
        allowed = hi[problem.pair_candidate] > 0
        has_pair = np.zeros(problem.n_demand, dtype=bool)
        has_pair[problem.pair_demand[allowed]] = True
        has_pair |= np.isfinite(ex_min)
        points = np.flatnonzero((w > 0) & has_pair)
        unreachable = tuple(d["demand_id"].to_numpy()[(w > 0) & ~has_pair].tolist())
        if unreachable:
            logger.warning(
                "p-median: %d demand point(s) are reached by no candidate or existing site and are"
                " left out of the objective (e.g. %s)",
                len(unreachable),
                unreachable[0],
            )
        spec = _build_pmedian(problem, p, lo, hi, points)
        spec.start_x = _greedy_start(problem, model, p, None, existing, lo, hi)

    if equity_floor is not None:
        assert cov_allowed is not None
        _add_floor(spec, problem, cov_allowed, existing, equity_floor, y_points)

    out = _run_spec(spec, **solve_kw)
    t_total = out.time_s
    obj_wo = price = None
    if equity_floor is not None:
        free = _run_spec(_drop_floor(spec), **solve_kw)
        t_total += free.time_s
        if free.x is not None:
            obj_wo = free.objective
            if out.x is not None:
                price = (obj_wo - out.objective) if spec.maximize else (out.objective - obj_wo)
                price = max(price, 0.0)

    if out.x is None:
        msg = _("HiGHS found no solution ({status})").format(status=out.solver_status)
        if out.status == "infeasible" and equity_floor is not None:
            msg = _floor_infeasible_message(
                problem, cov_allowed, existing, equity_floor, model, p, lo, hi, solve_kw
            )
        elif out.status == "infeasible" and model == "pmedian":
            msg = _(
                "p-median is infeasible with p={p}: some demand can only be reached by "
                "excluded candidates or more than p stops are needed; raise p or add candidates"
            ).format(p=p)
        logger.info(msg)  # the result (and the CLI error) carries it
        return _assemble(
            problem,
            model=model,
            status=out.status,
            message=msg,
            objective=math.nan,
            gap=out.gap,
            chosen=[],
            objective_without_floor=obj_wo,
            price_of_floor=None,
            unreachable=unreachable,
            min_feasible_time_s=min_t,
            solve_time_s=t_total,
            **common,
        )
    x = out.x[:n_x]
    chosen = [int(j) for j in np.flatnonzero(x > 0.5)]
    # exact objective from the chosen stops (y variables are continuous)
    if model == "mclp":
        assert cov_allowed is not None
        newly = (np.asarray(cov_allowed[:, chosen].sum(axis=1)).reshape(-1) > 0) & ~existing
        objective = float(w[newly].sum())
    elif model == "lscp":
        objective = float(len(chosen))
    else:
        nt = _nearest_time(problem, chosen)
        objective = float((w * np.where(np.isfinite(nt), nt, 0.0))[points].sum())
    what = {
        "mclp": f"{len(chosen)} stops cover {objective:.6g} need-weighted demand not already "
        f"covered within {_fmt_time(max_time_s or 0)}",
        "lscp": f"{len(chosen)} stops cover every required demand within "
        f"{_fmt_time(max_time_s or 0)}",
        "pmedian": f"{len(chosen)} stops give need-weighted travel time {objective:.6g} s",
    }[model]
    gap = out.gap
    if not math.isfinite(gap) and equity_floor is None:
        # stopped before HiGHS had a dual bound: use a simple valid bound instead
        if model == "mclp":
            assert cov_allowed is not None and p is not None
            todo = (w > 0) & ~existing
            col_w = np.asarray(cov_allowed.T @ np.where(todo, w, 0.0)).reshape(-1)
            bound = min(float(w[todo].sum()), float(np.sort(col_w)[::-1][:p].sum()))
        elif model == "lscp":
            bound = 1.0 if objective > 0 else 0.0
        else:
            bound = spec.offset  # every point at its nearest candidate or existing site
        gap = abs(objective - bound) / max(abs(objective), 1e-12) if objective else 0.0
    msg = f"{out.status}: {what} (gap {gap:.2%})"
    if price is not None:
        msg += f"; the equity floor of {equity_floor:.0%} costs {price:.6g} in objective"
    if out.status != "optimal":
        logger.warning("siting stopped with status %s, gap %.3g", out.status, gap)
    return _assemble(
        problem,
        model=model,
        status=out.status,
        message=msg,
        objective=objective,
        gap=gap,
        chosen=chosen,
        objective_without_floor=obj_wo,
        price_of_floor=price,
        unreachable=unreachable,
        min_feasible_time_s=min_t,
        solve_time_s=t_total,
        **common,
    )


def _floor_infeasible_message(
    problem: SitingProblem,
    cov: sp.csr_array | None,
    existing: np.ndarray,
    equity_floor: float,
    model: str,
    p: int | None,
    lo: np.ndarray,
    hi: np.ndarray,
    solve_kw: Mapping[str, Any],
) -> str:
    """Say the best high-need coverage reachable when the floor cannot be met."""
    assert cov is not None
    d = problem.demand
    pop = d["population"].to_numpy()
    hn = d["high_need"].to_numpy(dtype=bool)
    total = float(pop[hn].sum())
    if model == "lscp" or p is None:
        reach = (np.diff(cov.indptr) > 0) | existing
        best = float(pop[hn & reach].sum()) / total
        return _(
            "equity floor {floor} is infeasible: at most {best} of the "
            "high-need population is reachable within max_time_s; lower the floor or raise "
            "max_time_s"
        ).format(floor=f"{equity_floor:.0%}", best=f"{best:.1%}")
    tmp = dataclasses.replace(problem, demand=d.assign(weight=np.where(hn, pop, 0.0)))
    spec, _names = _build_mclp(tmp, cov, existing, p, lo, hi)
    out = _run_spec(spec, **solve_kw)
    if out.x is None:
        return _("equity floor {floor} is infeasible with p={p}").format(
            floor=f"{equity_floor:.0%}", p=p
        )
    chosen = np.flatnonzero(out.x[: problem.n_candidates] > 0.5)
    cov_hn = (np.asarray(cov[:, chosen].sum(axis=1)).reshape(-1) > 0) | existing
    best = float(pop[hn & cov_hn].sum()) / total
    return _(
        "equity floor {floor} is infeasible with p={p}: at most {best} of the "
        "high-need population can be covered within max_time_s; lower the floor, raise p or "
        "raise max_time_s"
    ).format(floor=f"{equity_floor:.0%}", p=p, best=f"{best:.1%}")
