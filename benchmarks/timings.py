"""Timings that used to be assertions in the test suite (moved here: on shared 2-core machines
a wall-clock bound in a test fails with the load, not with the code).

Usage::

    python benchmarks/timings.py [--osm PATH] [--synth-nodes 100000]

Cases:

* ``cache``: a network loaded cold (read OSM XML, build, compile) vs from its cache, on the demo
  region's OSM file (target: cached at least 5x faster);
* ``synth``: writing a synthetic region of ``--synth-nodes`` OSM nodes (target: 100k nodes in
  under a minute).

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--osm", type=Path, default=DEMO_OSM)
    parser.add_argument("--synth-nodes", type=int, default=100_000)
    args = parser.parse_args()
    if args.osm.is_file():
        print(json.dumps(cache_case(args.osm)))
    else:
        print(json.dumps({"case": "cache", "skipped": f"{args.osm} not found"}))
    print(json.dumps(synth_case(args.synth_nodes)))


if __name__ == "__main__":
    main()
