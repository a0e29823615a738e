"""Why a visit is not in the plan: structural checks before solving, and the
binding resource after solving.

Before solving, :func:`prediagnose` decides for every visit, in this order:

1. ``off_network`` - its location has no travel time in the matrix of any
   worker's mode (or of the qualified workers' modes);
2. ``no_skill`` - no worker has all its required skills;
3. ``no_shift_day`` - no qualified worker works on a day where it has a window;
4. ``too_long`` - it lasts longer than any qualified working day;
   ``window_unreachable`` - its windows cannot be reached within any shift
   (travel from the start, and back to the end, included);
5. ``single_route_infeasible`` - a route with this visit alone breaks the
   break rule or the maximum working time for every qualified worker/day;
6. ``frequency`` - its frequency with the minimum gap does not fit the usable days.

Visits that pass are *eligible* on a set of (worker, day) pairs; the solver only
offers them to those.  After solving, an eligible visit left out is explained by
:func:`explain_lost`, which tries every insertion into the qualified routes and
names the binding resource (working time, shift end, capacity, windows).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from .model import WEEKDAYS, Problem, Visit, Worker, format_clock, format_duration
from .plan import Route, schedule_route

__all__ = [
    "Diagnosis",
    "Unscheduled",
    "day_patterns",
    "explain_lost",
    "occurrence_blocks",
    "prediagnose",
]


@dataclass(frozen=True)
class Unscheduled:
    """A visit occurrence that is not in the plan, with a plain-language reason."""

    visit_id: str
    occurrence: int
    code: str
    reason: str


@dataclass(frozen=True)
class Diagnosis:
    """Result of :func:`prediagnose`.

    Attributes
    ----------
    eligible
        visit_id -> (worker_id, day) pairs where the visit alone is a feasible route.
    blocks
        visit_id -> one tuple of allowed days per occurrence (disjoint, gap-safe).
    unscheduled
        Visits that can never be planned, with the reason.
    """

    eligible: Mapping[str, tuple[tuple[str, str], ...]]
    blocks: Mapping[str, tuple[tuple[str, ...], ...]]
    unscheduled: tuple[Unscheduled, ...]


def _skills_text(skills: frozenset[str]) -> str:
    return "+".join(sorted(skills)) if skills else "none"


def _days_text(days: Iterable[str]) -> str:
    return "/".join(d for d in WEEKDAYS if d in set(days))


def _cal(calendar: Mapping[str, int] | None) -> Callable[[str], int]:
    if calendar is None:
        return WEEKDAYS.index
    return calendar.__getitem__


def day_patterns(
    usable_days: Sequence[str],
    frequency: int,
    min_gap_days: int,
    *,
    calendar: Mapping[str, int] | None = None,
    previous: Sequence[int] = (),
) -> list[tuple[str, ...]]:
    """Every valid day pattern: ``frequency`` distinct days, any two at least
    ``min_gap_days`` calendar days apart, and as far from the ``previous`` visits.

    ``calendar`` maps a day code to its calendar day number
    (:meth:`.model.Problem.calendar_day`; default: position in the week).
    """
    cal = _cal(calendar)
    g = min_gap_days
    days = sorted(
        (d for d in set(usable_days) if all(abs(cal(d) - p) >= g for p in previous)), key=cal
    )
    return [
        combo
        for combo in itertools.combinations(days, frequency)
        if all(cal(y) - cal(x) >= g for x, y in itertools.pairwise(combo))
    ]


def occurrence_blocks(
    usable_days: Sequence[str],
    frequency: int,
    min_gap_days: int,
    *,
    calendar: Mapping[str, int] | None = None,
) -> tuple[tuple[str, ...], ...] | None:
    """Split the usable days into ``frequency`` disjoint blocks, one per occurrence.

    Any choice of one day per block is at least ``min_gap_days`` calendar days
    apart, so the search can pick days freely inside blocks (the repair step then
    offers every other valid pattern, see :func:`day_patterns`).  Anchors are
    spread evenly and the slack between anchors is split between neighbouring
    blocks.  ``None`` when the frequency cannot fit.
    """
    cal = _cal(calendar)
    by_num = {cal(d): d for d in set(usable_days)}
    idx = sorted(by_num)
    k, g = frequency, min_gap_days
    if len(idx) < k:
        return None
    if k == 1:
        return (tuple(by_num[i] for i in idx),)
    left: list[int] = []
    for i in idx:
        if not left or i - left[-1] >= g:
            left.append(i)
        if len(left) == k:
            break
    if len(left) < k:
        return None
    right: list[int] = []
    for i in reversed(idx):
        if not right or right[-1] - i >= g:
            right.append(i)
        if len(right) == k:
            break
    right.reverse()
    anchors: list[int] = []
    for j in range(k):
        mid = (left[j] + right[j]) / 2
        cands = [
            i for i in idx if left[j] <= i <= right[j] and (not anchors or i - anchors[-1] >= g)
        ]
        anchors.append(min(cands, key=lambda i: (abs(i - mid), i)))
    bounds = []
    lo = -(10**9)
    for j in range(k):
        if j == k - 1:
            hi = 10**9
        else:
            slack = anchors[j + 1] - anchors[j] - g
            hi = anchors[j] + slack // 2
        bounds.append((lo, hi))
        lo = hi + g
    return tuple(tuple(by_num[i] for i in idx if a <= i <= b) for a, b in bounds)


def _reach_ok(problem: Problem, w: Worker, day: str, v: Visit) -> bool:
    a, b = w.shifts[day]
    t_in = problem.travel(w.mode, w.start_location_id, v.location_id)
    t_out = problem.travel(w.mode, v.location_id, w.end_location_id)
    if t_in is None or t_out is None:
        return False
    for win in v.windows_on(day):
        s = max(a + t_in, win.start_s)
        if s <= win.end_s and s + v.duration_s + t_out <= b:
            return True
    return False


def _sig(w: Worker, day: str) -> tuple:
    return (
        w.start_location_id,
        w.end_location_id,
        w.mode,
        w.shifts[day],
        w.break_rule if w.break_due(day) else None,
        w.max_work_on(day),
        w.capacity,
        WEEKDAYS.index(day),
    )


def prediagnose(problem: Problem) -> Diagnosis:
    """Structural feasibility of every visit (see module docstring)."""
    eligible: dict[str, tuple[tuple[str, str], ...]] = {}
    blocks: dict[str, tuple[tuple[str, ...], ...]] = {}
    out: list[Unscheduled] = []

    def fail(v: Visit, code: str, reason: str) -> None:
        if v.pinned_worker is not None or v.pinned_day is not None:
            who = " ".join(
                x
                for x in (v.pinned_worker, _days_text(v.pinned_day or ()) or None)
                if x is not None
            )
            code, reason = "pinned_infeasible", f"pinned to {who}, which cannot be met: {reason}"
        for occ in range(v.frequency):
            out.append(Unscheduled(v.visit_id, occ, code, reason))

    sigs = {(w.worker_id, d): _sig(w, d) for w in problem.workers for d in w.shifts}
    for v in problem.visits:
        memo: dict[tuple, object] = {}  # per visit: identical workers give identical answers
        modes = sorted({w.mode for w in problem.workers})
        if not any(v.location_id in problem.matrices[m] for m in modes):
            fail(
                v,
                "off_network",
                f"off the road network: location {v.location_id!r} has no travel time for "
                f"any mode ({', '.join(modes)}); check its coordinates or snap distance",
            )
            continue
        pool = [
            w for w in problem.workers if v.pinned_worker is None or w.worker_id == v.pinned_worker
        ]
        qualified = [w for w in pool if v.skills <= w.skills]
        if not qualified:
            missing = sorted(v.skills - set().union(*(w.skills for w in pool)))
            if missing:
                reason = f"no worker has the required skill {_skills_text(frozenset(missing))}"
            else:
                reason = (
                    f"no single worker has all required skills {_skills_text(v.skills)} "
                    "(each is held by someone, but not together)"
                )
            fail(v, "no_skill", reason)
            continue
        on_net = [
            w
            for w in qualified
            if problem.travel(w.mode, w.start_location_id, v.location_id) is not None
            and problem.travel(w.mode, v.location_id, w.end_location_id) is not None
        ]
        if not on_net:
            fail(
                v,
                "off_network",
                f"off the road network: location {v.location_id!r} cannot be reached by the "
                f"qualified workers' mode(s) ({', '.join(sorted({w.mode for w in qualified}))})",
            )
            continue
        pairs_day = [
            (w, d)
            for w in on_net
            for d in problem.days
            if d in w.shifts and v.windows_on(d) and (v.pinned_day is None or d in v.pinned_day)
        ]
        if not pairs_day:
            fail(
                v,
                "no_shift_day",
                f"no qualified worker (skills {_skills_text(v.skills)}) works on a day when it "
                f"can be visited ({v.describe_windows()}) within the plan days "
                f"{_days_text(problem.days)}",
            )
            continue
        longest = max(w.max_work_on(d) for w, d in pairs_day)
        if v.duration_s > longest:
            fail(
                v,
                "too_long",
                f"it lasts {format_duration(v.duration_s)}, longer than any shift of a qualified "
                f"worker (longest working day {format_duration(longest)})",
            )
            continue
        reach = []
        for w, d in pairs_day:
            key = (sigs[(w.worker_id, d)], "reach")
            if key not in memo:
                memo[key] = _reach_ok(problem, w, d, v)
            if memo[key]:
                reach.append((w, d))
        if not reach:
            w0, d0 = pairs_day[0]
            a, b = w0.shifts[d0]
            t_in = problem.travel(w0.mode, w0.start_location_id, v.location_id) or 0
            fail(
                v,
                "window_unreachable",
                f"its time windows ({v.describe_windows()}) cannot be reached within any shift "
                f"of a qualified worker, travel from the start and back included (e.g. "
                f"{w0.worker_id} {d0} {format_clock(a)}-{format_clock(b)}: "
                f"{format_duration(t_in)} to get there, {format_duration(v.duration_s)} on site)",
            )
            continue
        ok: list[tuple[str, str]] = []
        why: Counter[str] = Counter()
        for w, d in reach:
            key = (sigs[(w.worker_id, d)], "single")
            if key not in memo:
                memo[key] = schedule_route(problem, w, d, [(v, 0)])[1]
            code = str(memo[key])
            if code == "break" and _break_fits_beside(problem, w, d, v, memo, sigs):
                code = ""  # another visit before or after it can hold the break
            if code:
                why[code] += 1
            else:
                ok.append((w.worker_id, d))
        if not ok:
            w0, d0 = reach[0]
            t_in = problem.travel(w0.mode, w0.start_location_id, v.location_id) or 0
            t_out = problem.travel(w0.mode, v.location_id, w0.end_location_id) or 0
            need = t_in + v.duration_s + t_out
            br = w0.break_rule
            if "break" in why and br is not None:
                detail = (
                    f"the {br.describe()} break cannot be taken around it (it must be served "
                    f"{v.describe_windows()}, {format_duration(v.duration_s)} on site)"
                )
            else:
                extra = " + the break" if br and w0.break_due(d0) else ""
                detail = (
                    f"{format_duration(need)} of travel and service{extra} (e.g. {w0.worker_id} "
                    f"{d0}) exceeds the maximum working time of "
                    f"{format_duration(w0.max_work_on(d0))}"
                )
            fail(v, "single_route_infeasible", f"it alone does not fit in any route: {detail}")
            continue
        cal = {d: problem.calendar_day(d) for d in problem.days}
        usable = sorted(
            {d for _, d in ok if all(abs(cal[d] - p) >= v.min_gap_days for p in v.previous_days)},
            key=cal.__getitem__,
        )
        bl = occurrence_blocks(usable, v.frequency, v.min_gap_days, calendar=cal)
        if bl is None:
            prev = " and from its visit(s) before the plan" if v.previous_days else ""
            fail(
                v,
                "frequency",
                f"frequency {v.frequency} at least {v.min_gap_days} day(s) apart{prev} does not "
                f"fit the days it can be visited ({_days_text(usable)})",
            )
            continue
        ok = [(wid, d) for wid, d in ok if d in usable]
        eligible[v.visit_id] = tuple(ok)
        blocks[v.visit_id] = bl
    return Diagnosis(eligible=eligible, blocks=blocks, unscheduled=tuple(out))


def _break_fits_beside(
    problem: Problem,
    w: Worker,
    d: str,
    v: Visit,
    memo: dict,
    sigs: Mapping[tuple[str, str], object],
) -> bool:
    """Whether a route alone with ``v`` fails only for its owed break, and the break could
    come before it (after an earlier visit) or after it (before a later one).

    A lone visit cannot hold an owed break when the break must neither come first nor wait
    idle; with other visits it may.  The visit is then kept for the search (and explained
    after it when no route takes it); it is unfit only when its service always covers
    the break window.
    """
    key = (sigs[(w.worker_id, d)], "single_no_break")
    if key not in memo:
        memo[key] = schedule_route(problem, w, d, [(v, 0)], break_due=False)[1]
    if memo[key]:
        return False
    bw, br = w.break_window_on(d), w.break_rule
    if bw is None or br is None:
        return False
    length = br.duration_s
    return any(
        bw[0] + length <= win.end_s or win.start_s + v.duration_s <= bw[1] - length
        for win in v.windows_on(d)
    )


def pinned_order_ok(seq: Sequence[tuple[Visit, int]]) -> bool:
    """Whether the visits with a ``pinned_order`` come in that order."""
    orders = [v.pinned_order for v, _ in seq if v.pinned_order is not None]
    return all(a <= b for a, b in itertools.pairwise(orders))


def best_insertion(
    problem: Problem,
    route_visits: Sequence[tuple[Visit, int]],
    worker: Worker,
    day: str,
    visit: Visit,
    occurrence: int,
    *,
    base: Route | None,
    start_location_id: str | None = None,
    earliest_start_s: int | None = None,
) -> tuple[Route | None, int, Counter[str]]:
    """Cheapest feasible insertion of ``visit`` into a route (by added travel).

    Returns ``(route, added_travel_s, failure_codes)``.
    """
    codes: Counter[str] = Counter()
    best: tuple[Route | None, int] = (None, 0)
    base_travel = base.travel_s if base is not None else 0
    for pos in range(len(route_visits) + 1):
        seq = [*list(route_visits[:pos]), (visit, occurrence), *list(route_visits[pos:])]
        if not pinned_order_ok(seq):
            codes["pinned_order"] += 1
            continue
        r, code = schedule_route(
            problem,
            worker,
            day,
            seq,
            start_location_id=start_location_id,
            earliest_start_s=earliest_start_s,
        )
        if r is None:
            codes[code] += 1
            continue
        added = r.travel_s - base_travel
        if best[0] is None or added < best[1]:
            best = (r, added)
    return best[0], best[1], codes


_CODE_TEXT = {
    "max_work": "working time full",
    "shift": "shift end reached",
    "window": "windows of planned visits leave no room",
    "break": "the break cannot be placed",
    "capacity": "capacity full",
    "unreachable": "unreachable",
    "skills": "skills",
}


def explain_lost(
    problem: Problem,
    visit: Visit,
    occurrence: int,
    days: Sequence[str],
    attempts: Sequence[tuple[Worker, str, Route | None, Counter[str]]],
    *,
    added_travel_s: int | None = None,
) -> Unscheduled:
    """Reason for an eligible occurrence left out after solving.

    ``attempts`` holds, per qualified (worker, day) tried, the current route and
    the failure codes of every insertion position.  ``added_travel_s`` is set when
    an insertion was feasible but not worth it (optional visits).
    """
    if added_travel_s is not None:
        return Unscheduled(
            visit.visit_id,
            occurrence,
            "not_worth",
            f"optional (value {visit.value:g} min) and including it would add "
            f"{format_duration(added_travel_s)} of travel, more than its value",
        )
    parts = []
    codes: Counter[str] = Counter()
    for w, d, r, c in attempts:
        codes.update(c)
        used = r.duration_s if r is not None else 0
        main = c.most_common(1)[0][0] if c else "max_work"
        parts.append(
            f"{w.worker_id} {d} {format_duration(used)} of {format_duration(w.max_work_on(d))} "
            f"used ({_CODE_TEXT.get(main, main)})"
        )
    resource = "working time"
    if codes:
        top = codes.most_common(1)[0][0]
        resource = {
            "capacity": "capacity",
            "window": "time around its windows",
            "shift": "shift time",
            "break": "time around the break",
        }.get(top, "working time")
    if (
        codes
        and codes.most_common(1)[0][0] == "break"
        and all(r is None or not r.visit_stops for _, _, r, _ in attempts)
    ):  # it only failed on empty routes, for their owed break: say so, not "lost"
        w0 = attempts[0][0]
        br = w0.break_rule
        what = f"the owed break ({br.describe()})" if br is not None else "the owed break"
        return Unscheduled(
            visit.visit_id,
            occurrence,
            "single_route_infeasible",
            f"it alone does not fit in any route: {what} cannot be taken around it (it must "
            f"be served {visit.describe_windows()}) and no route with other visits that "
            "could hold the break is planned that day",
        )
    kind = "required" if visit.required else f"optional (value {visit.value:g} min)"
    shown = "; ".join(parts[:4]) + (f"; and {len(parts) - 4} more" if len(parts) > 4 else "")
    reason = (
        f"lost to higher-priority visits ({kind}): the {resource} of all shifts of workers "
        f"with skill {_skills_text(visit.skills)} on {_days_text(days)} is taken: {shown}"
    )
    return Unscheduled(visit.visit_id, occurrence, "lost_to_priority", reason)
