"""PBF clipping: a large PBF clipped to one county vs osmnx reading the data as XML.

A PBF of at least 50 MB is made by merging copies of the demo extract
(``portland_central.osm.pbf``) shifted in space on a grid (ids offset per copy), written
with pyosmium. geo_outreach streams it and keeps the roads meeting one county-sized box
(the original extract plus the default 5 km buffer) before building the drive graph.
osmnx cannot read PBF, so the baseline is ``osmnx.graph_from_xml`` on the same data as OSM
XML, which reads the whole file; on the full merged file it does not fit the shared
machine's time limit, so it runs on a ``--baseline-copies`` subset and its time and memory
are extrapolated linearly to all copies (both are linear in the file's size for a
streaming-free XML parse; the extrapolation is printed as such).

Each measured step runs in its own Python process, so peak RSS is that step's own.

    .venv/bin/python benchmarks/pbf.py --copies 81 --baseline-copies 4
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO_PBF = (
    ROOT.parent / "shared" / "data" / "portland-central" / "network" / "portland_central.osm.pbf"
)
ID_STEP = 10**10


def merge(src: Path, out: Path, copies: int) -> None:
    """Write ``copies`` shifted copies of ``src`` (copy 0 unshifted) to ``out`` (PBF or XML)."""
    import osmium
    from osmium.osm.mutable import Node, Way

    nodes = [
        (n.id, n.location.lon, n.location.lat, dict(n.tags))
        for n in osmium.FileProcessor(str(src), osmium.osm.NODE)
        if n.location.valid()
    ]
    ways = [
        (w.id, [r.ref for r in w.nodes], dict(w.tags))
        for w in osmium.FileProcessor(str(src), osmium.osm.WAY)
    ]
    side = math.ceil(math.sqrt(copies))
    dx, dy = 0.16, 0.10  # a little more than the extract's size: copies do not overlap
    writer = osmium.SimpleWriter(str(out), overwrite=True)
    try:
        for k in range(copies):
            ox_, oy, base = (k % side) * dx, (k // side) * dy, k * ID_STEP
            for nid, lon, lat, tags in nodes:
                writer.add_node(Node(id=nid + base, location=(lon + ox_, lat + oy), tags=tags))
        for k in range(copies):
            base = k * ID_STEP
            for wid, refs, tags in ways:
                writer.add_way(Way(id=wid + base, nodes=[r + base for r in refs], tags=tags))
    finally:
        writer.close()


_CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
kind, path, clip = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
if kind == "geo_outreach":
    from geo_outreach.network.graph import load_networks
    nets = load_networks(path, ("drive",), cache=False, clip=tuple(clip))
    n = nets["drive"].n_nodes
else:
    import osmnx as ox
    g = ox.graph_from_xml(path, simplify=False, retain_all=True)
    n = g.number_of_nodes()
print(json.dumps({"s": time.perf_counter() - t0, "nodes": n,
                  "rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}))
"""


def child(kind: str, path: Path, clip: tuple[float, float, float, float]) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, kind, str(path), json.dumps(clip)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--copies", type=int, default=81)
    ap.add_argument("--baseline-copies", type=int, default=4)
    ap.add_argument("--keep", type=Path, default=None, help="folder to keep the merged files in")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from geo_outreach.data.osm import clip_box, read_osm_ways

    folder = args.keep or Path(tempfile.mkdtemp(prefix="pbf-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    big = folder / f"merged_{args.copies}.osm.pbf"
    t0 = time.perf_counter()
    if not big.is_file():
        merge(DEMO_PBF, big, args.copies)
    print(f"merged {args.copies} copies: {big.stat().st_size / 1e6:.1f} MB "
          f"in {time.perf_counter() - t0:.0f} s")  # fmt: skip
    demo = read_osm_ways(DEMO_PBF)
    xs = [xy[0] for xy in demo.nodes.values()]
    ys = [xy[1] for xy in demo.nodes.values()]
    county = clip_box((min(xs), min(ys), max(xs), max(ys)), buffer_m=5000.0)
    ours = child("geo_outreach", big, county)
    small = folder / f"merged_{args.baseline_copies}.osm"
    if not small.is_file():
        merge(DEMO_PBF, small, args.baseline_copies)
    base = child("osmnx", small, county)
    scale = args.copies / args.baseline_copies
    print(json.dumps({"pbf_mb": round(big.stat().st_size / 1e6, 1), "copies": args.copies,
                      "geo_outreach_clip": ours, "osmnx_xml_subset": base,
                      "xml_subset_mb": round(small.stat().st_size / 1e6, 1),
                      "osmnx_extrapolated_s": round(base["s"] * scale, 1),
                      "osmnx_extrapolated_rss_gb": round(base["rss_gb"] * scale, 2),
                      "speedup": round(base["s"] * scale / ours["s"], 1)}, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
