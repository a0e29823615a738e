"""Timings that used to be assertions in the test suite (moved here: on shared 2-core machines
a wall-clock bound in a test fails with the load, not with the code).

Usage::

    python benchmarks/timings.py [--osm PATH] [--synth-nodes 100000]

Cases:

* ``cache``: a network loaded cold (read OSM XML, build, compile) vs from its cache, on the demo
  region's OSM file (target: cached at least 5x faster);
* ``synth``: writing a synthetic region of ``--synth-nodes`` OSM nodes (target: 100k nodes in
  under a minute);
* ``time_limit``: a week planned on the demo region with ``time_limit_s`` (``--time-limit``)
  and an iteration limit too high to be reached, timed from the end of the network load to
  the finished plan (target: within the limit plus 10 %).

Prints one JSON object per case with the seconds, the ratio or the target, and ``met``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo_outreach.data.synth import generate_region
from geo_outreach.network.graph import load_networks

DEMO_OSM = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "portland-central"
    / "network"
    / "portland_central.osm.bz2"
)


def cache_case(osm: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        cold = load_networks(osm, ("drive",), cache_dir=Path(tmp))["drive"]
        cold_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        warm = load_networks(osm, ("drive",), cache_dir=Path(tmp))["drive"]
        warm_s = time.perf_counter() - t0
    assert warm.summary["cached"] and warm.n_nodes == cold.n_nodes
    ratio = cold_s / warm_s
    return {"case": "cache", "osm": str(osm), "cold_s": round(cold_s, 2),
            "cached_s": round(warm_s, 2), "ratio": round(ratio, 1), "target": ">= 5x",
            "met": ratio >= 5}  # fmt: skip


def synth_case(nodes: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        generate_region(Path(tmp) / "big", nodes=nodes, seed=5)
        elapsed = time.perf_counter() - t0
    return {"case": "synth", "nodes": nodes, "seconds": round(elapsed, 1),
            "target": "< 60 s for 100k nodes", "met": elapsed < 60 * nodes / 100_000}  # fmt: skip


def time_limit_case(limit_s: float) -> dict:
    import warnings

    import geo_outreach as go

    warnings.simplefilter("ignore")
    root = Path(__file__).resolve().parents[1]
    region = go.open_region()
    region.load()
    marks: dict[str, float] = {}

    def progress(stage: str, done: int, total: int) -> None:
        marks.setdefault(stage, time.perf_counter())
        marks[stage + ".last"] = time.perf_counter()

    visits = go.read_visits(root / "data" / "demo_visits.csv")
    workers = go.read_workers(root / "data" / "demo_workers.csv")
    plan = go.plan_routes(region, visits, workers, days=5, time_limit_s=limit_s,
                          max_iterations=10**9, seed=0, progress=progress)  # fmt: skip
    after_load = time.perf_counter() - marks["snap"]
    stages = {
        "prepare_s": marks["solve"] - marks["snap"],
        "search_s": marks["solve.last"] - marks["solve"],
        "lines_s": marks["geometry.last"] - marks["geometry"] if "geometry" in marks else 0.0,
    }
    return {"case": "time_limit", "limit_s": limit_s, "after_network_s": round(after_load, 2),
            **{k: round(v, 2) for k, v in stages.items()},
            "stopped_by": plan.summary().get("stopped_by"), "target": "<= limit + 10 %",
            "met": after_load <= limit_s * 1.1}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--osm", type=Path, default=DEMO_OSM)
    parser.add_argument("--synth-nodes", type=int, default=100_000)
    parser.add_argument("--time-limit", type=float, default=10.0)
    args = parser.parse_args()
    print(json.dumps(time_limit_case(args.time_limit)))
    if args.osm.is_file():
        print(json.dumps(cache_case(args.osm)))
    else:
        print(json.dumps({"case": "cache", "skipped": f"{args.osm} not found"}))
    print(json.dumps(synth_case(args.synth_nodes)))


if __name__ == "__main__":
    main()
