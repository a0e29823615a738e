"""``geo-outreach plan``: a day or week of visits on the region's road network.

Parsing, one call to :func:`geo_outreach.plan_routes` and printing.  The folder is
written by :meth:`geo_outreach.Plan.save`: ``routes.geojson`` (one LineString per worker
and day following the roads), ``stops.csv`` (the ordered itinerary with times),
``unscheduled.csv`` (every visit left out, with its reason), the inputs ``visits.csv``
and ``workers.csv``, and ``plan.json`` (its manifest: region, time zone, seed, summary,
checker verdict).
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

from geo_outreach.cli._common import (
    add_region_args,
    existing_file,
    number,
    print_json,
    seed,
    travel_times_label,
    whole,
)
from geo_outreach.errors import InputError
from geo_outreach.i18n import N_, _, format_decimal
from geo_outreach.optimize.routing.solve import DEFAULT_MAX_ITERATIONS, DEFAULT_TIME_LIMIT_S

OUTPUT_FILES = ("routes.geojson", "stops.csv", "unscheduled.csv", "visits.csv", "workers.csv")


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
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--visits", type=existing_file, metavar="V.csv", help="visits CSV")
    source.add_argument(
        "--from-stops",
        type=existing_file,
        metavar="STOPS.gpkg",
        help="plan visits to the stops chosen by `geo-outreach site` (with --windows and "
        "--duration-min)",
    )
    parser.add_argument(
        "--windows",
        default="",
        metavar="TEXT",
        help="with --from-stops: when the stops take place, e.g. 'Mon-Fri 10:00-14:00'",
    )
    parser.add_argument(
        "--duration-min",
        type=number(above=0),
        default=120.0,
        metavar="M",
        help="with --from-stops: minutes on site at every stop (120)",
    )
    parser.add_argument(
        "--workers", required=True, type=existing_file, metavar="W.csv", help="workers CSV"
    )
    parser.add_argument(
        "--days",
        type=whole(minimum=1, maximum=7),
        default=5,
        metavar="N",
        help="plan the first N days of the week starting Monday (1-7; default 5 = Mon-Fri)",
    )
    parser.add_argument(
        "--time-limit",
        type=number(above=0.0, maximum=24 * 3600.0),
        default=DEFAULT_TIME_LIMIT_S,
        metavar="S",
        help=f"wall-clock cap in seconds on everything after the road networks are loaded "
        f"(default {DEFAULT_TIME_LIMIT_S:g}): placing, travel times, search, route lines; the "
        "search normally ends at --max-iterations first",
    )
    parser.add_argument(
        "--max-iterations",
        type=whole(minimum=1),
        default=DEFAULT_MAX_ITERATIONS,
        metavar="N",
        help=f"search iterations (default {DEFAULT_MAX_ITERATIONS}): the stop rule, so the same "
        "inputs give byte-identical stops.csv on any machine; the JSON summary's stopped_by says "
        "whether the iteration limit or the time cap ended the search",
    )
    parser.add_argument(
        "--seed", type=seed, default=0, metavar="K", help="random seed (0 to 2**64-1; default 0)"
    )
    parser.add_argument(
        "--lock",
        type=_lock,
        action="append",
        default=[],
        metavar='"WORKER DAY"',
        help='lock a whole route, e.g. --lock "ow_ana Mon" (repeatable): it holds exactly the '
        "visits pinned to that worker and day (pinned_worker, pinned_day, pinned_order columns) "
        "and the rest is planned around it",
    )
    parser.add_argument(
        "--balance",
        choices=("time", "visits"),
        default=None,
        help="even out working time (or visits) across each day's workers; travel may rise by "
        "at most 25%%; the JSON summary reports workload_spread_h (max - min hours)",
    )
    parser.add_argument("-o", "--output", required=True, metavar="OUT_DIR", help="output folder")
    parser.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    parser.add_argument(
        "--publish",
        action="store_true",
        help="also publish the plan to the team database for --week-of (docs/team.md)",
    )
    parser.add_argument(
        "--week-of",
        metavar="YYYY-MM-DD",
        help="with --publish or --visit-log: any date of the plan's week",
    )
    parser.add_argument(
        "--visit-log",
        nargs="?",
        const="",
        default=None,
        metavar="URL",
        help="take each visit's preferred_worker (who last visited it or its household) and "
        "last_visit (days it was done in the two weeks before --week-of, default next week) "
        "from the visit log (the local one, or a database URL); columns given in the CSV win",
    )
    parser.add_argument(
        "--db", metavar="URL", default=None, help="with --publish: the team database URL"
    )
    parser.set_defaults(func=run)


def _visit_log(url: str | None) -> Any:
    """``--visit-log``: None (not asked), the local log (``""``) or a database URL."""
    if url is None:
        return None
    if url:
        return url
    from geo_outreach.visits.store import default_db_url

    return default_db_url()


def _lock(text: str) -> tuple[str, str]:
    """``"ow_ana Mon"`` -> ``("ow_ana", "Mon")`` (an argparse ``type``)."""
    parts = text.split()
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    if len(parts) != 2 or parts[1].title()[:3] not in days:
        raise argparse.ArgumentTypeError(
            _('expected "WORKER DAY" like "ow_ana Mon", got {text}').format(text=repr(text))
        )
    return parts[0], parts[1].title()[:3]


class _Stages:
    """Progress on a terminal: one bar per stage, a clock while the solver runs."""

    LABELS: ClassVar[dict[str, str]] = {
        "network": N_("road networks"),
        "snap": N_("snapping locations"),
        "geometry": N_("route geometry"),
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
            return travel_times_label(stage.split(":", 1)[1])
        return _(self.LABELS[stage]) if stage in self.LABELS else stage

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
            desc=_("solving"),
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
            _("--days must be from 1 to 7 (days of one week starting Monday), got {days}").format(
                days=args.days
            ),
            source="--days",
        )
    if not args.time_limit > 0:
        raise InputError(
            _("--time-limit must be a positive number of seconds"), source="--time-limit"
        )
    if not args.max_snap_m > 0:
        raise InputError(
            _("--max-snap-m must be a positive number of metres"), source="--max-snap-m"
        )
    out = Path(args.output)
    if args.publish != bool(args.week_of) and not (args.week_of and args.visit_log is not None):
        raise InputError(
            _("--publish and --week-of go together: --publish --week-of YYYY-MM-DD"),
            source="--week-of",
        )
    from geo_outreach.team.plans import monday_of

    if args.week_of:
        monday_of(args.week_of)  # a bad date fails before the search
    if args.visit_log is not None and args.from_stops:
        raise InputError(_("--visit-log needs --visits (a visits CSV)"), source="--visit-log")

    import geo_outreach as go
    from geo_outreach.files import check_output_path

    check_output_path(
        out,
        kind="dir",
        inputs=(args.visits, args.workers, args.from_stops),
        replace_dir_with_manifest=not _holds_only_plan_files(out),
        parameter="-o",
    )
    if args.from_stops:
        visits = go.read_stops(args.from_stops).to_visits(
            windows=args.windows, duration_min=args.duration_min
        )
    else:
        visits = go.read_visits(
            args.visits,
            visit_log=_visit_log(args.visit_log),
            week_of=monday_of(args.week_of) if args.week_of else None,
        )
    workers = go.read_workers(args.workers)
    check_plan_size(visits, workers)  # before any network or matrix is built
    region = go.open_region(args.region, max_snap_m=args.max_snap_m)
    with _stages(args.time_limit + 5.0) as progress:
        plan = go.plan_routes(
            region,
            visits,
            workers,
            days=args.days,
            time_limit_s=args.time_limit,
            max_iterations=args.max_iterations,
            seed=args.seed,
            locked=args.lock,
            balance=args.balance,
            progress=progress,
        )
    plan.save(out)
    summary = plan.summary()
    summary["max_iterations"] = args.max_iterations
    summary["outputs"] = {k.split(".")[0]: str(out / k) for k in OUTPUT_FILES}
    if args.publish:
        from geo_outreach.cli.plans import publish_folder

        pub = publish_folder(
            out, week_of=args.week_of, region=plan.region, db=args.db, region_dir=args.region
        )
        summary["published"] = {k: pub[k] for k in ("id", "week_of", "status", "superseded")}
    if args.json:
        print_json(summary)
    from geo_outreach.present.labels import day_label

    print(
        _(
            "planned {scheduled} visit(s) on {routes} route(s) over {days}; {unscheduled} "
            "unscheduled ({off_network} off the road network); total travel {hours} h; wrote "
            "{files} to {path}"
        ).format(
            scheduled=summary["scheduled"],
            routes=summary["routes"],
            days=", ".join(day_label(d) for d in summary["days"]),
            unscheduled=summary["unscheduled"],
            off_network=summary["off_network"],
            hours=format_decimal(summary["total_travel_h"], decimals=1),
            files=", ".join(OUTPUT_FILES),
            path=out,
        ),
        file=sys.stderr,
    )
    return 0


#: Memory per pair of places per travel mode while planning (travel-time and distance tables,
#: the solver's copies): a 10,000-visit plan grew to about 14 GB (issue 13).
BYTES_PER_PAIR = 150
MEMORY_ENV = "GEO_OUTREACH_MAX_PLAN_MEMORY_GB"  # read in geo_outreach.config


def _memory_limit_gb() -> float:
    from geo_outreach.config import MAX_PLAN_MEMORY_ENV, max_plan_memory_gb

    try:
        return max_plan_memory_gb()
    except ValueError as exc:
        raise InputError(
            _("{variable}: {problem}; give a number of gigabytes").format(
                variable=MAX_PLAN_MEMORY_ENV, problem=exc
            ),
            parameter=MAX_PLAN_MEMORY_ENV,
        ) from None


def check_plan_size(visits: Any, workers: Any) -> None:
    """Refuse a plan whose travel tables would not fit in memory, before building them.

    The tables grow with the square of the number of places (visits and worker starts/ends)
    and with the number of travel modes.

    Raises
    ------
    InputError
        Naming the estimate, the limit and what to do.
    """
    ids = set(visits.locations["location_id"]) | set(workers.locations["location_id"])
    places = len(ids)
    modes = max(1, len({w.mode for w in workers.workers}))
    need_gb = BYTES_PER_PAIR * places**2 * modes / 1e9
    limit_gb = _memory_limit_gb()
    if need_gb > limit_gb:
        raise InputError(
            _(
                "{source}: {visits} visits at {places} places by {modes} travel mode(s) need "
                "about {need} GB for the travel tables, more than the limit of {limit} GB (half "
                "this machine's memory; {variable} sets it); split the visits into smaller plans "
                "(by area or by week)"
            ).format(
                source=visits.source,
                visits=len(visits),
                places=places,
                modes=modes,
                need=f"{need_gb:.1f}",
                limit=f"{limit_gb:.1f}",
                variable=MEMORY_ENV,
            ),
            source=visits.source,
            parameter="visits",
        )


def _holds_only_plan_files(folder: Path) -> bool:
    """True when ``folder`` holds nothing but files a plan writes (so it may be replaced)."""
    if not folder.is_dir():
        return False
    known = {*OUTPUT_FILES, "plan.json", "manifest.json"}
    return all(p.name in known for p in folder.iterdir())
