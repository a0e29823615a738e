"""Reader of Solomon VRPTW instances and their translation to a routing problem.

The instance becomes visits and workers of :mod:`.model` - the same path the product
uses - with DIMACS distances: ``floor(10 * euclid)`` as integer "seconds", windows
and service times scaled by 10, one identical worker per customer (unlimited fleet).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from geo_outreach.errors import InputError
from geo_outreach.i18n import _

from .model import Problem, ProblemBuilder, TravelMatrix, Visit, Window, Worker

__all__ = ["SolomonInstance", "read_solomon", "solomon_problem"]


@dataclass(frozen=True)
class SolomonInstance:
    """Parsed instance; row 0 of the arrays is the depot."""

    name: str
    vehicles: int
    capacity: int
    x: np.ndarray
    y: np.ndarray
    demand: np.ndarray
    ready: np.ndarray
    due: np.ndarray
    service: np.ndarray


def read_solomon(path: str | Path) -> SolomonInstance:
    """Read a Solomon-format text file.

    Raises
    ------
    InputError
        When the file lacks the VEHICLE or CUSTOMER sections or a row is malformed.
    """
    p = Path(path)
    try:
        lines = [ln.strip() for ln in p.read_text().splitlines()]
    except OSError as exc:
        raise InputError(
            _("{path}: cannot read ({exc})").format(path=p, exc=exc), source=str(p)
        ) from exc
    lines = [ln for ln in lines if ln]
    if not lines:
        raise InputError(_("{path}: empty file").format(path=p), source=str(p))
    name = lines[0]
    try:
        vi = next(i for i, ln in enumerate(lines) if ln.upper().startswith("VEHICLE"))
        ci = next(i for i, ln in enumerate(lines) if ln.upper().startswith("CUSTOMER"))
        nums = lines[vi + 2].split()
        vehicles, capacity = int(nums[0]), int(nums[1])
    except (StopIteration, IndexError, ValueError) as exc:
        raise InputError(
            _("{path}: not a Solomon instance (needs VEHICLE and CUSTOMER sections)").format(
                path=p
            ),
            source=str(p),
        ) from exc
    rows = []
    for ln in lines[ci + 1 :]:
        parts = ln.split()
        if not parts or not parts[0].lstrip("-").isdigit():
            continue
        if len(parts) < 7:
            raise InputError(
                _("{path}: customer row {row} has fewer than 7 numbers").format(
                    path=p, row=repr(ln)
                ),
                source=str(p),
            )
        rows.append([float(x) for x in parts[:7]])
    if len(rows) < 2:
        raise InputError(_("{path}: no customers").format(path=p), source=str(p))
    a = np.array(rows)
    return SolomonInstance(
        name=name,
        vehicles=vehicles,
        capacity=capacity,
        x=a[:, 1],
        y=a[:, 2],
        demand=a[:, 3].astype(np.int64),
        ready=a[:, 4].astype(np.int64),
        due=a[:, 5].astype(np.int64),
        service=a[:, 6].astype(np.int64),
    )


def solomon_problem(inst: SolomonInstance, *, num_vehicles: int | None = None) -> Problem:
    """Visits and workers of a Solomon instance (times x10, DIMACS distances).

    ``num_vehicles`` defaults to the number of customers (unlimited fleet).
    Horizon: one day (``Mon``); shift = the depot window.
    """
    n = len(inst.x)
    ids = tuple(f"n{i}" for i in range(n))
    dx = inst.x[:, None] - inst.x[None, :]
    dy = inst.y[:, None] - inst.y[None, :]
    dist = np.floor(10 * np.sqrt(dx * dx + dy * dy) + 1e-9).astype(np.int64)
    b = ProblemBuilder(days=("Mon",))
    b.add_matrix("drive", TravelMatrix(ids, dist))
    depot_close = int(inst.due[0]) * 10
    k = num_vehicles if num_vehicles is not None else n - 1
    for j in range(k):
        b.add_worker(
            Worker(
                f"veh{j + 1}",
                ids[0],
                ids[0],
                {"Mon": (int(inst.ready[0]) * 10, depot_close)},
                capacity=int(inst.capacity),
            )
        )
    for i in range(1, n):
        svc = int(inst.service[i]) * 10
        b.add_visit(
            Visit(
                f"c{i}",
                ids[i],
                svc,
                windows=(Window(int(inst.ready[i]) * 10, int(inst.due[i]) * 10),),
                demand=int(inst.demand[i]),
            )
        )
    return b.build()
