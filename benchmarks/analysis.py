"""Benchmark the whole analysis (need, access by car and on foot, underserved, zones).

Usage::

    python benchmarks/analysis.py [--synthetic-nodes 200000] [--skip-synthetic]

Cases: the demo region with a warm network cache, and a synthetic region of about 1,000 tracts on a
200k-node network. The network build (cold, then cached) is timed separately from the analysis. The
baseline in the same run is the travel-time step done with networkx (single-source Dijkstra from
every origin node, sampled and extrapolated) to show where the time would go without the compiled
engine. Prints one JSON object per case; peak memory is the process's maximum RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo_outreach.analysis.pipeline import AnalysisParams, analyze_region
from geo_outreach.network.context import open_region


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0)


def nx_per_source_s(net, sources: np.ndarray, sample: int = 10) -> float:
    g = nx.DiGraph()
    for u, v, d in net.graph.edges(data=True):
        if not g.has_edge(u, v) or d["travel_time"] < g[u][v]["weight"]:
            g.add_edge(u, v, weight=d["travel_time"])
    pick = np.random.default_rng(0).choice(sources, min(sample, sources.size), replace=False)
    t0 = time.perf_counter()
    for s in pick:
        nx.single_source_dijkstra_path_length(g, int(s), weight="weight", cutoff=3600)
    return (time.perf_counter() - t0) / pick.size


def run_case(name: str, region, cache: Path) -> dict:
    import os

    os.environ["GEO_OUTREACH_CACHE"] = str(cache)
    t0 = time.perf_counter()
    ctx = open_region(region)
    ctx.load()
    build_s = time.perf_counter() - t0
    ctx = open_region(region)  # fresh context, cached networks
    t0 = time.perf_counter()
    result = analyze_region(ctx, AnalysisParams())
    analysis_s = time.perf_counter() - t0
    origin_nodes = sum(ctx.origins(m).origins["node_id"].nunique() for m in ("drive", "walk"))
    per_src = nx_per_source_s(
        ctx.network("drive"), ctx.origins("drive").origins["node_id"].unique()
    )
    return {
        "case": name,
        "tracts": len(result.tracts),
        "ranked": int(result.tracts["underserved_rank"].notna().sum()),
        "drive_nodes": ctx.network("drive").n_nodes,
        "walk_nodes": ctx.network("walk").n_nodes,
        "network_build_or_load_s": round(build_s, 1),
        "analysis_warm_s": round(analysis_s, 2),
        "steps_s": result.timings_s,
        "networkx_travel_times_estimate_s": round(per_src * origin_nodes, 1),
        "peak_rss_mb": peak_mb(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--synthetic-nodes", type=int, default=200_000)
    ap.add_argument("--skip-synthetic", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="geo-bench-analysis-"))
    try:
        print(json.dumps(run_case("demo region (warm cache)", None, tmp / "cache")), flush=True)
        if not args.skip_synthetic:
            from geo_outreach.data.synth import generate_region

            synth = tmp / "synth"
            generate_region(synth, nodes=args.synthetic_nodes, seed=11, overwrite=True)
            print(
                json.dumps(
                    run_case(
                        f"synthetic {args.synthetic_nodes // 1000}k nodes", synth, tmp / "cache"
                    )
                ),
                flush=True,
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
