"""``geo-outreach plan``: a day or week of visits on the region's road network.

Writes ``routes.geojson`` (one LineString per worker and day following the roads),
``stops.csv`` (the ordered itinerary with times) and ``unscheduled.csv`` (every visit
left out, with its reason) into the output folder.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

from geo_outreach.cli._common import add_region_args, open_from_args, print_json
from geo_outreach.errors import InputError
from geo_outreach.optimize.routing.solve import DEFAULT_MAX_ITERATIONS, DEFAULT_TIME_LIMIT_S

OUTPUT_FILES = ("routes.geojson", "stops.csv", "unscheduled.csv")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "plan",
        help="route workers and vans over the visits of a day or a week",
        description="Plan who visits what, when: travel times and route lines come from the "
        "region's road network (drive for vans and workers by car, walk for workers on foot). "
        "Visits farther than --max-snap-m from the network are left out with the reason 'off "
        "the road network'. Writes routes.geojson, stops.csv and unscheduled.csv into OUT_DIR. "
        "CSV columns: see docs/routing.md.",
    )
    add_region_args(parser)
    parser.add_argument("--visits", required=True, metavar="V.csv", help="visits CSV")
    parser.add_argument("--workers", required=True, metavar="W.csv", help="workers CSV")
    parser.add_argument(
        "--days",
        type=int,
        default=5,
        metavar="N",
        help="plan the first N days of the week starting Monday (1-7; default 5 = Mon-Fri)",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=DEFAULT_TIME_LIMIT_S,
        metavar="S",
        help=f"wall-clock cap on the search in seconds (default {DEFAULT_TIME_LIMIT_S:g}; a "
        "repair pass of up to 5 s follows); the search normally ends at --max-iterations",
    )
    parser.add_argument(
        "--max-iterations",
        type=int,
        default=DEFAULT_MAX_ITERATIONS,
        metavar="N",
        help=f"search iterations (default {DEFAULT_MAX_ITERATIONS}): the stop rule, so the same "
        "inputs give byte-identical stops.csv on any machine; the JSON summary's stopped_by says "
        "whether the iteration limit or the time cap ended the search",
    )
    parser.add_argument("--seed", type=int, default=0, metavar="K", help="random seed (default 0)")
    parser.add_argument("-o", "--output", required=True, metavar="OUT_DIR", help="output folder")
    parser.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    parser.set_defaults(func=run)


class _Stages:
    """Progress on a terminal: one bar per stage, a clock while the solver runs."""

    LABELS: ClassVar[dict[str, str]] = {
        "network": "road networks",
        "snap": "snapping locations",
        "geometry": "route geometry",
    }

    def __init__(self, *, enabled: bool, solve_s: float) -> None:
        self.enabled = enabled
        self.solve_s = solve_s
        self._bar: Any = None
        self._stage = ""
        self._stop: threading.Event | None = None
        self._thread: threading.Thread | None = None

    def _label(self, stage: str) -> str:
        if stage.startswith("matrix:"):
            return f"{stage.split(':', 1)[1]} travel times"
        return self.LABELS.get(stage, stage)

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        if stage != self._stage:
            self.close()
            self._stage = stage
            if stage == "solve":
                self._start_clock()
                return
            self._bar = tqdm(desc=self._label(stage), file=sys.stderr, leave=False)
        if stage == "solve":
            if done >= total:
                self.close()
            return
        if self._bar is not None:
            self._bar.total = total
            self._bar.n = done
            self._bar.refresh()

    def _start_clock(self) -> None:
        from tqdm import tqdm

        bar = tqdm(
            desc="solving",
            total=round(self.solve_s),
            unit="s",
            file=sys.stderr,
            leave=False,
            bar_format="{desc}: {bar} {n:.0f}/{total:.0f} s",
        )
        stop = threading.Event()
        t0 = time.monotonic()

        def tick() -> None:
            while not stop.wait(0.5):
                bar.n = min(bar.total, time.monotonic() - t0)
                bar.refresh()

        self._bar, self._stop = bar, stop
        self._thread = threading.Thread(target=tick, daemon=True)
        self._thread.start()

    def close(self) -> None:
        if self._stop is not None:
            self._stop.set()
            if self._thread is not None:
                self._thread.join()
            self._stop = self._thread = None
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        self._stage = ""


@contextmanager
def _stages(solve_s: float) -> Iterator[Callable[[str, int, int], None]]:
    st = _Stages(enabled=sys.stderr.isatty(), solve_s=solve_s)
    try:
        yield st
    finally:
        st.close()


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.days <= 7:
        raise InputError(
            f"--days must be from 1 to 7 (days of one week starting Monday), got {args.days}",
            source="--days",
        )
    if not args.time_limit > 0:
        raise InputError("--time-limit must be a positive number of seconds", source="--time-limit")
    if args.max_iterations < 1:
        raise InputError(
            f"--max-iterations must be at least 1, got {args.max_iterations}",
            source="--max-iterations",
        )
    if not args.max_snap_m > 0:
        raise InputError("--max-snap-m must be a positive number of metres", source="--max-snap-m")
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise InputError(f"-o {out} is a file; give a folder for the outputs", source="-o")

    from geo_outreach.optimize.routing.network import plan_on_region, read_plan_inputs

    inputs = read_plan_inputs(args.visits, args.workers)
    ctx = open_from_args(args)
    with _stages(args.time_limit + 5.0) as progress:
        plan = plan_on_region(
            ctx,
            inputs.visits,
            inputs.workers,
            inputs.locations,
            days=args.days,
            time_limit_s=args.time_limit,
            max_iterations=args.max_iterations,
            seed=args.seed,
            max_snap_m=args.max_snap_m,
            details=inputs.details,
            progress=progress,
        )
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / name for name in OUTPUT_FILES}
    _write_geojson(plan.routes, paths["routes.geojson"])
    plan.stops.to_csv(paths["stops.csv"], index=False)
    plan.unscheduled.to_csv(paths["unscheduled.csv"], index=False)
    summary = plan.summary()
    summary["region"] = ctx.region.name if hasattr(ctx, "region") else None
    summary["time_limit_s"] = args.time_limit
    summary["seed"] = args.seed
    summary["max_iterations"] = args.max_iterations
    summary["outputs"] = {k.split(".")[0]: str(p) for k, p in paths.items()}
    if args.json:
        print_json(summary)
    print(
        f"planned {summary['scheduled']} visit(s) on {summary['routes']} route(s) over "
        f"{'/'.join(summary['days'])}; {summary['unscheduled']} unscheduled "
        f"({summary['off_network']} off the road network); total travel "
        f"{summary['total_travel_h']:.1f} h; wrote {', '.join(OUTPUT_FILES)} to {out}",
        file=sys.stderr,
    )
    return 0


def _write_geojson(routes: Any, path: Path) -> None:
    """Write a FeatureCollection (RFC 7946 lon/lat), one feature per route."""
    path.write_text(routes.to_crs("EPSG:4326").to_json(drop_id=True) + "\n", encoding="utf-8")
