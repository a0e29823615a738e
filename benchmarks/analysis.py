"""Benchmark the whole analysis (need, access by car and on foot, underserved, zones).

Usage::

    python benchmarks/analysis.py [--synthetic-nodes 200000] [--skip-demo] [--skip-synthetic]
                                  [--no-old-engine] [--cluster-workers 1,2] [--keep DIR]

Cases, each against a baseline in the same run:

* the demo region and a synthetic region (200k nodes by default; ``--synthetic-nodes 1000000``
  for the statewide case): network build (cold) and cached load (the array cache) against
  unpickling the networkx graph (what the cache held before); the analysis with the compiled
  engine against the previous dense scipy engine (``engine="scipy"``), with the largest
  difference between the two results;
* Dask: the drive access step on a ``LocalCluster`` of 1 and 2 single-threaded workers against
  the same step in one single-threaded process: efficiency ``T1 / (N * T_N)`` and the overhead
  per partition (task) of the cluster run.

Wall time and CPU time (user + system of this process and its children) are both reported: the
development machines are shared, and under load the wall time mostly measures the neighbours.
Prints one JSON object per case; peak memory is the process's maximum RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo_outreach.analysis.pipeline import AnalysisParams, analyze_region
from geo_outreach.network.context import open_region


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0)


def cpu_s() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class Timer:
    def __enter__(self) -> Timer:
        self.w0, self.c0 = time.perf_counter(), cpu_s()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = round(time.perf_counter() - self.w0, 2)
        self.cpu = round(cpu_s() - self.c0, 2)


def compare(a: pd.DataFrame, b: pd.DataFrame) -> dict:
    """Largest relative difference of the numeric columns; ranks and flags identical?"""
    a = a.set_index("unit_id").sort_index()
    b = b.set_index("unit_id").sort_index()
    worst = 0.0
    for c in b.columns:
        if c == "geometry" or not pd.api.types.is_float_dtype(b[c]):
            continue
        x, y = a[c].to_numpy(float), b[c].to_numpy(float)
        same_nan = np.isnan(x) == np.isnan(y)
        if not same_nan.all():
            return {"max_rel_diff": float("inf"), "column": c}
        ok = np.isfinite(x) & np.isfinite(y)
        if ok.any():
            rel = np.abs(x[ok] - y[ok]) / np.maximum(np.abs(y[ok]), 1e-300)
            rel = rel[np.abs(y[ok]) > 0]
            worst = max(worst, float(rel.max()) if rel.size else 0.0)
    same = all(
        a[c].equals(b[c]) for c in ("underserved_rank", "underserved", "off_network", "reason")
    )
    return {"max_rel_diff": worst, "ranks_flags_reasons_identical": bool(same)}


def run_case(name: str, region, *, old_engine: bool) -> dict:
    with Timer() as build:
        ctx = open_region(region)
        ctx.load()
    cold = not all(ctx.network(m).summary.get("cached") for m in ("drive", "walk"))
    with Timer() as load:
        ctx = open_region(region)  # fresh context: the array cache
        ctx.load()
    net = ctx.network("drive")
    with Timer() as graph:
        g = net.graph  # what the cache used to hold: the pickled networkx graph
    del g
    ctx = open_region(region)
    ctx.load()
    with Timer() as new:
        result = analyze_region(ctx, AnalysisParams())
    out = {
        "case": name,
        "tracts": len(result.tracts),
        "ranked": int(result.tracts["underserved_rank"].notna().sum()),
        "sites": len(ctx.region.services),
        "drive_nodes": ctx.network("drive").n_nodes,
        "walk_nodes": ctx.network("walk").n_nodes,
        "network_build_s" if cold else "network_first_load_s": build.wall,
        "cached_load_drive_walk_s": load.wall,
        "unpickle_drive_graph_s": graph.wall,
        "analysis_wall_s": new.wall,
        "analysis_cpu_s": new.cpu,
        "steps_s": result.timings_s,
        "peak_rss_mb_after_new": peak_mb(),
    }
    if old_engine:
        ctx = open_region(region)
        ctx.load()
        with Timer() as old:
            ref = analyze_region(ctx, AnalysisParams(), engine="scipy")
        out.update(
            old_engine_wall_s=old.wall,
            old_engine_cpu_s=old.cpu,
            old_steps_s=ref.timings_s,
            speedup_wall=round(old.wall / new.wall, 2),
            speedup_cpu=round(old.cpu / new.cpu, 2),
            **compare(result.tracts, ref.tracts),
        )
    out["peak_rss_mb"] = peak_mb()
    out["load_average"] = os.getloadavg()[0]
    return out


def cluster_case(region, workers: list[int]) -> dict:
    """Drive access step: one single-threaded process vs LocalClusters of N workers."""
    from geo_outreach.network import cluster as gc
    from geo_outreach.network import traveltime
    from geo_outreach.network.traveltime import access_tables

    ctx = open_region(region)
    net = ctx.network("drive")
    snap = ctx.origins("drive")
    sites = ctx.site_nodes("drive")
    sites = sites[sites["on_network"]][["site_id", "node_id", "category"]]
    kw = {"within_s": 900.0, "cutoff_s": 3600.0, "max_mean_s": 1800.0}
    import numba

    numba.set_num_threads(1)
    access_tables(net, snap.origins.head(50), sites.head(4), **kw)  # compile once
    with Timer() as one:
        ref = access_tables(net, snap.origins, sites, **kw)
    out: dict = {
        "case": "Dask LocalCluster, drive access step",
        "site_nodes": int(sites["node_id"].nunique()),
        "sites_per_task": traveltime.SITES_PER_TASK,
        "single_process_1_thread_wall_s": one.wall,
    }
    runners: list = []
    real = gc.ClusterRunner.__init__

    def spy(self, *a, **k):  # keep the runner to read its per-task times
        real(self, *a, **k)
        runners.append(self)

    gc.ClusterRunner.__init__ = spy  # type: ignore[method-assign]
    try:
        for n in workers:
            with gc.connect(f"local:{n}") as client:
                client.run(lambda: __import__("geo_outreach.network.sweeps"))
                # warm the workers (numba cache load) outside the timing
                access_tables(net, snap.origins.head(50), sites.head(4), **kw, cluster=client)
                runners.clear()
                with Timer() as t:
                    got = access_tables(net, snap.origins, sites, **kw, cluster=client)
            tasks = runners[0].task_s
            same = got.unit_od.equals(ref.unit_od) and got.counts.equals(ref.counts)
            eff = one.wall / (n * t.wall)
            out[f"local_{n}"] = {
                "wall_s": t.wall,
                "efficiency": round(eff, 3),
                "tasks": len(tasks),
                "task_compute_s": round(sum(tasks), 2),
                "overhead_per_task_s": round((n * t.wall - sum(tasks)) / max(len(tasks), 1), 4),
                "scatter_s": round(runners[0].scatter_s, 3),
                "identical_to_single_process": bool(same),
            }
    finally:
        gc.ClusterRunner.__init__ = real  # type: ignore[method-assign]
    out["load_average"] = os.getloadavg()[0]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--synthetic-nodes", type=int, default=200_000)
    ap.add_argument("--skip-demo", action="store_true")
    ap.add_argument("--skip-synthetic", action="store_true")
    ap.add_argument("--no-old-engine", action="store_true")
    ap.add_argument("--cluster-workers", default="1,2", help="'' to skip the Dask case")
    ap.add_argument("--keep", type=Path, default=None, help="reuse/keep region + cache here")
    args = ap.parse_args()
    tmp = args.keep or Path(tempfile.mkdtemp(prefix="geo-bench-analysis-"))
    tmp.mkdir(parents=True, exist_ok=True)
    os.environ["GEO_OUTREACH_CACHE"] = str(tmp / "cache")
    try:
        if not args.skip_demo:
            case = run_case("demo region", None, old_engine=not args.no_old_engine)
            print(json.dumps(case), flush=True)
        if not args.skip_synthetic:
            from geo_outreach.data.synth import generate_region

            synth = tmp / f"synth{args.synthetic_nodes}"
            if not (synth / "region.toml").is_file():
                generate_region(synth, nodes=args.synthetic_nodes, seed=11, overwrite=True)
            name = f"synthetic {args.synthetic_nodes // 1000}k nodes"
            print(json.dumps(run_case(name, synth, old_engine=not args.no_old_engine)), flush=True)
            workers = [int(x) for x in args.cluster_workers.split(",") if x.strip()]
            if workers:
                print(json.dumps(cluster_case(synth, workers)), flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
