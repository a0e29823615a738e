"""Benchmark the travel-time engine against networkx, and region load cold vs cached.

Usage::

    python benchmarks/traveltime.py [--synthetic-nodes 100000] [--nx-sample 40] [--skip-synthetic]

Prints one JSON object per case. Each case times geo_outreach's csgraph engine and networkx's
``single_source_dijkstra_path_length`` on the *same* graph in the same process, checks that the
answers agree to 1e-6 s, and reports the speedup. networkx is run on a sample of the sources
(``--nx-sample``) and its time extrapolated per source, because running it on every source of the
100k-node case takes many minutes; the ratio is per source, so the sample does not bias it.
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
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo_outreach.data.region import load_region
from geo_outreach.network.graph import load_networks
from geo_outreach.network.snap import snap_sites, unit_origins
from geo_outreach.network.traveltime import od_table


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def simple_digraph(net) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(net.graph.nodes)
    for u, v, d in net.graph.edges(data=True):
        if not g.has_edge(u, v) or d["travel_time"] < g[u][v]["weight"]:
            g.add_edge(u, v, weight=d["travel_time"])
    return g


def compare(name: str, net, origins: pd.DataFrame, dests: pd.DataFrame, nx_sample: int) -> dict:
    t0 = time.perf_counter()
    od = od_table(net, origins, dests)
    ours_s = time.perf_counter() - t0
    g = simple_digraph(net)
    rng = np.random.default_rng(0)
    src_nodes = origins["node_id"].drop_duplicates().to_numpy()
    sample = rng.choice(src_nodes, size=min(nx_sample, src_nodes.size), replace=False)
    dest_nodes = dict(zip(dests["id"], dests["node_id"], strict=False))
    t0 = time.perf_counter()
    ref = {
        int(s): nx.single_source_dijkstra_path_length(g, int(s), weight="weight") for s in sample
    }
    nx_sample_s = time.perf_counter() - t0
    nx_s = nx_sample_s / sample.size * src_nodes.size
    # agreement on the sampled sources
    by_node = dict(zip(origins["id"], origins["node_id"], strict=False))
    check = od[od["origin_id"].map(by_node).isin(set(int(s) for s in sample))]
    err = max(
        (
            abs(ref[int(by_node[o])][dest_nodes[d]] - t)
            for o, d, t in zip(
                check["origin_id"], check["dest_id"], check["travel_time_s"], strict=False
            )
        ),
        default=0.0,
    )
    expected_pairs = sum(1 for s in sample for d in dests["node_id"] if int(d) in ref[int(s)])
    n_sample_ids = int(origins["node_id"].isin(sample).sum())
    assert err < 1e-6, f"{name}: max difference {err} s"
    return {
        "case": name,
        "nodes": net.n_nodes,
        "edges": net.n_edges,
        "origins": len(origins),
        "origin_nodes": int(src_nodes.size),
        "destinations": len(dests),
        "pairs": len(od),
        "geo_outreach_s": round(ours_s, 3),
        "networkx_s_extrapolated": round(nx_s, 2),
        "networkx_sampled_sources": int(sample.size),
        "speedup": round(nx_s / ours_s, 1),
        "max_abs_diff_s": err,
        "sample_pairs_checked": len(check),
        "sample_pairs_expected_per_id": expected_pairs if n_sample_ids == sample.size else None,
        "peak_rss_mb": round(peak_rss_mb(), 0),
    }


def region_load(region_dir: Path | None, cache: Path) -> dict:
    region = load_region(region_dir)
    t0 = time.perf_counter()
    load_networks(region.network_path, ("drive", "walk"), cache_dir=cache)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    nets = load_networks(region.network_path, ("drive", "walk"), cache_dir=cache)
    warm = time.perf_counter() - t0
    assert all(n.summary["cached"] for n in nets.values())
    return {
        "case": f"region load {region.name} (drive+walk)",
        "cold_s": round(cold, 2),
        "cached_s": round(warm, 3),
        "speedup": round(cold / warm, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--synthetic-nodes", type=int, default=100_000)
    ap.add_argument("--nx-sample", type=int, default=40)
    ap.add_argument("--skip-synthetic", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="geo-bench-"))
    try:
        # 1. demo region: all tract origins x all services, drive
        print(json.dumps(region_load(None, tmp / "cache")), flush=True)
        region = load_region(None)
        net = load_networks(region.network_path, ("drive",), cache_dir=tmp / "cache")["drive"]
        snap = unit_origins(net, region.units)
        sites = snap_sites(net, region.services)
        sites = sites[sites["on_network"]]
        origins = snap.origins.assign(id=lambda d: d["unit_id"] + ":" + d["node_id"].astype(str))
        dests = sites.rename(columns={"site_id": "id"})[["id", "node_id"]]
        print(
            json.dumps(
                compare(
                    f"{region.name} tract origins x services (drive)",
                    net,
                    origins[["id", "node_id"]],
                    dests,
                    nx_sample=args.nx_sample,
                )
            ),
            flush=True,
        )
        if args.skip_synthetic:
            return
        # 2. synthetic 100k-node region: 1000 x 200
        from geo_outreach.data.synth import generate_region

        t0 = time.perf_counter()
        synth = tmp / "synth"
        generate_region(synth, nodes=args.synthetic_nodes, seed=7, overwrite=True)
        gen_s = time.perf_counter() - t0
        print(
            json.dumps(region_load(synth, tmp / "cache") | {"generate_s": round(gen_s, 1)}),
            flush=True,
        )
        big = load_networks(load_region(synth).network_path, ("drive",), cache_dir=tmp / "cache")[
            "drive"
        ]
        rng = np.random.default_rng(1)
        o = rng.choice(big.node_ids, 1000, replace=False)
        d = rng.choice(big.node_ids, 200, replace=False)
        print(
            json.dumps(
                compare(
                    f"synthetic {args.synthetic_nodes // 1000}k-node OSM, 1000 x 200 (drive)",
                    big,
                    pd.DataFrame({"id": [f"o{i}" for i in range(o.size)], "node_id": o}),
                    pd.DataFrame({"id": [f"d{i}" for i in range(d.size)], "node_id": d}),
                    nx_sample=args.nx_sample,
                )
            ),
            flush=True,
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
