"""The csgraph engine equals networkx's Dijkstra on random graphs, with and without cutoffs."""

import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from geo_outreach.errors import InputError
from geo_outreach.network.graph import RoadNetwork
from geo_outreach.network.traveltime import od_table, route_path, unit_site_od


def random_network(n: int, m: int, seed: int) -> RoadNetwork:
    rng = np.random.default_rng(seed)
    graph = nx.MultiDiGraph()
    for i in range(n):
        graph.add_node(1000 + i, x=-122.6 + rng.random() * 0.05, y=45.5 + rng.random() * 0.05)
    for _ in range(m):
        u, v = (int(x) for x in rng.integers(0, n, 2))
        if u == v:
            continue
        t = float(rng.uniform(1, 100))
        graph.add_edge(1000 + u, 1000 + v, travel_time=t, length=float(t * rng.uniform(5, 20)))
    node_ids = np.array(list(graph.nodes), dtype=np.int64)
    index = {n_: i for i, n_ in enumerate(node_ids)}
    best: dict[tuple[int, int], tuple[float, float]] = {}
    for u, v, d in graph.edges(data=True):
        key = (index[u], index[v])
        if key not in best or d["travel_time"] < best[key][0]:
            best[key] = (d["travel_time"], d["length"])
    ij = np.array(list(best), dtype=np.int64).reshape(-1, 2)
    tl = np.array(list(best.values())).reshape(-1, 2)
    shape = (len(node_ids), len(node_ids))
    lon = np.array([graph.nodes[x]["x"] for x in node_ids])
    lat = np.array([graph.nodes[x]["y"] for x in node_ids])
    net = RoadNetwork(
        mode="drive",
        graph=graph,
        node_ids=node_ids,
        lon=lon,
        lat=lat,
        xy=np.empty((0, 2)),
        crs="EPSG:32610",
        time_s=sp.csr_matrix((tl[:, 0], (ij[:, 0], ij[:, 1])), shape=shape),
        dist_m=sp.csr_matrix((tl[:, 1], (ij[:, 0], ij[:, 1])), shape=shape),
    )
    net.xy = net.project(lon, lat)
    return net


def nx_reference(net: RoadNetwork, sources, targets, cutoff=None):
    """Times and fastest-path lengths with networkx, one source at a time."""
    g = nx.DiGraph()
    g.add_nodes_from(net.graph.nodes)
    for u, v, d in net.graph.edges(data=True):
        if not g.has_edge(u, v) or d["travel_time"] < g[u][v]["w"]:
            g.add_edge(u, v, w=d["travel_time"], l=d["length"])
    rows = {}
    for s in sources:
        times, paths = nx.single_source_dijkstra(g, s, weight="w", cutoff=cutoff)
        for t in targets:
            if t in times:
                p = paths[t]
                rows[(s, t)] = (times[t], sum(g[a][b]["l"] for a, b in itertools.pairwise(p)))
    return rows


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(5, 60),
    density=st.floats(1.0, 4.0),
    seed=st.integers(0, 10_000),
    n_src=st.integers(1, 8),
    n_dst=st.integers(1, 8),
    cutoff=st.one_of(st.none(), st.floats(20, 300)),
)
def test_equals_networkx(n, density, seed, n_src, n_dst, cutoff):
    net = random_network(n, int(n * density), seed)
    rng = np.random.default_rng(seed + 1)
    sources = [int(x) for x in rng.choice(net.node_ids, n_src)]
    targets = [int(x) for x in rng.choice(net.node_ids, n_dst)]
    od = od_table(
        net,
        pd.DataFrame({"id": [f"o{i}" for i in range(n_src)], "node_id": sources}),
        pd.DataFrame({"id": [f"d{i}" for i in range(n_dst)], "node_id": targets}),
        cutoff_s=cutoff,
    )
    ref = nx_reference(net, set(sources), set(targets), cutoff)
    expected = {
        (f"o{i}", f"d{j}"): ref[(s, t)]
        for i, s in enumerate(sources)
        for j, t in enumerate(targets)
        if (s, t) in ref
    }
    got = {(r.origin_id, r.dest_id): (r.travel_time_s, r.dist_m) for r in od.itertuples()}
    assert got.keys() == expected.keys()
    for key, (t, d) in expected.items():
        assert got[key][0] == pytest.approx(t, abs=1e-6)
        # random real-valued weights: the fastest path is unique, so its length is too
        assert got[key][1] == pytest.approx(d, abs=1e-6)


def test_direction_does_not_change_answers():
    """Few destinations run on the reversed graph; answers must be the same."""
    net = random_network(80, 300, 7)
    src = pd.Series({f"o{i}": int(x) for i, x in enumerate(net.node_ids[:30])})
    dst = pd.Series({f"d{i}": int(x) for i, x in enumerate(net.node_ids[40:43])})
    many_to_few = od_table(net, src, dst).set_index(["origin_id", "dest_id"]).sort_index()
    ref = nx_reference(net, list(src.values), list(dst.values))
    for (o, d), row in many_to_few.iterrows():
        t, length = ref[(src[o], dst[d])]
        assert row["travel_time_s"] == pytest.approx(t, abs=1e-6)
        assert row["dist_m"] == pytest.approx(length, abs=1e-6)


def test_cutoff_removes_pairs_and_validates():
    net = random_network(30, 90, 3)
    src = pd.Series({"a": int(net.node_ids[0])})
    dst = pd.Series({f"d{i}": int(x) for i, x in enumerate(net.node_ids)})
    full = od_table(net, src, dst)
    cut = od_table(net, src, dst, cutoff_s=50)
    assert (cut["travel_time_s"] <= 50).all()
    assert len(cut) == int((full["travel_time_s"] <= 50).sum())
    with pytest.raises(InputError, match="positive"):
        od_table(net, src, dst, cutoff_s=-1)


def test_unknown_node_is_a_clear_error():
    net = random_network(10, 30, 1)
    with pytest.raises(InputError, match="snap"):
        od_table(net, pd.Series({"a": 999999}), pd.Series({"b": int(net.node_ids[0])}))


def test_unit_level_table_is_the_weighted_mean_over_origins():
    net = random_network(40, 200, 11)
    a, b, c, s = (int(x) for x in net.node_ids[:4])
    origins = pd.DataFrame(
        {"unit_id": ["u1", "u1", "u2"], "node_id": [a, b, c], "weight": [0.5, 0.5, 1.0]}
    )
    sites = pd.DataFrame({"site_id": ["s"], "node_id": [s]})
    table = unit_site_od(net, origins, sites).set_index("origin_id")
    ref = nx_reference(net, [a, b, c], [s])
    assert table.loc["u1", "travel_time_s"] == pytest.approx(
        0.5 * ref[(a, s)][0] + 0.5 * ref[(b, s)][0]
    )
    assert table.loc["u2", "travel_time_s"] == pytest.approx(ref[(c, s)][0])


def test_route_path_follows_edges():
    net = random_network(40, 200, 5)
    src, dst = int(net.node_ids[0]), int(net.node_ids[7])
    ref = nx_reference(net, [src], [dst])
    if (src, dst) not in ref:
        pytest.skip("not connected in this random graph")
    path = route_path(net, src, dst)
    assert path.nodes[0] == src and path.nodes[-1] == dst
    assert path.travel_time_s == pytest.approx(ref[(src, dst)][0])
    assert len(path.geometry.coords) == len(path.nodes)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), within=st.floats(20, 200), cutoff=st.floats(200, 600))
def test_access_tables_equal_the_full_tables(seed, within, cutoff):
    """The one-pass tables hold exactly what the full OD table says about nearest sites,
    pairs within the threshold, and unit means."""
    from geo_outreach.network.traveltime import access_tables

    net = random_network(50, 220, seed)
    rng = np.random.default_rng(seed)
    nodes = net.node_ids
    origins = pd.DataFrame(
        {
            "unit_id": [f"u{i % 6}" for i in range(24)],
            "node_id": rng.choice(nodes, 24, replace=False),
        }
    )
    origins["weight"] = 1.0 / origins.groupby("unit_id")["node_id"].transform("size")
    sites = pd.DataFrame(
        {
            "site_id": [f"s{i}" for i in range(10)],
            "node_id": rng.choice(nodes, 10),
            "category": rng.choice(["a", "b", "c"], 10),
        }
    )
    got = access_tables(net, origins, sites, within_s=within, cutoff_s=cutoff)
    nodes_df = pd.DataFrame(
        {"id": origins["node_id"].astype(str).unique(), "node_id": origins["node_id"].unique()}
    )
    full = od_table(net, nodes_df, sites[["site_id", "node_id"]], cutoff_s=cutoff)
    full = full.merge(sites[["site_id", "category"]], left_on="dest_id", right_on="site_id")
    got_full = got.nearest_od.merge(
        sites[["site_id", "category"]], left_on="dest_id", right_on="site_id"
    )
    # nearest time per origin node and category
    ref = full.groupby(["origin_id", "category"])["travel_time_s"].min().sort_index()
    mine = got_full.groupby(["origin_id", "category"])["travel_time_s"].min().sort_index()
    pd.testing.assert_series_equal(mine, ref, atol=1e-9)
    # shortest road distance to a site of the category (searching on lengths)
    import dataclasses

    by_length = dataclasses.replace(net, time_s=net.dist_m)
    lengths = od_table(by_length, nodes_df, sites[["site_id", "node_id"]], with_distance=False)
    lengths = lengths.merge(sites[["site_id", "category"]], left_on="dest_id", right_on="site_id")
    ref_d = lengths.groupby(["origin_id", "category"])["travel_time_s"].min()
    mine_d = got_full.groupby(["origin_id", "category"])["dist_m"].min()
    joined = mine_d.to_frame().join(ref_d, how="left")
    np.testing.assert_allclose(joined["dist_m"], joined["travel_time_s"], atol=1e-9)
    # sites within the threshold, weighted mean over each unit's origins
    within = full[full["travel_time_s"] <= within]
    per_node = within.groupby(["origin_id", "category"]).size().rename("n").reset_index()
    w = origins.assign(origin_id=origins["node_id"].astype(str))[["unit_id", "origin_id", "weight"]]
    ref_counts = (
        w.merge(per_node, on="origin_id")
        .assign(n=lambda d: d["n"] * d["weight"])
        .groupby(["unit_id", "category"])["n"]
        .sum()
    )
    mine_counts = got.counts.set_index(["unit_id", "category"])["n_within"]
    joined = mine_counts.to_frame().join(ref_counts, how="left").fillna(0.0)
    np.testing.assert_allclose(joined["n_within"], joined["n"], atol=1e-9)
    # unit means equal the unit-level table
    units = unit_site_od(net, origins, sites[["site_id", "node_id"]], cutoff_s=cutoff)
    a = units.set_index(["origin_id", "dest_id"]).sort_index()
    b = got.unit_od.set_index(["origin_id", "dest_id"]).sort_index()
    assert a.index.equals(b.index)
    np.testing.assert_allclose(b["travel_time_s"], a["travel_time_s"], atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), slack=st.sampled_from([0.0, 0.5, 1.0, 2.0]))
def test_a_bounded_path_search_finds_the_same_path(seed, slack):
    """route_path(limit_s=known time) stops early but returns the unbounded answer; a limit
    that is too small (here: half the time) falls back to the full search."""
    net = random_network(60, 300, seed)
    src, dst = int(net.node_ids[0]), int(net.node_ids[9])
    try:
        full = route_path(net, src, dst)
    except InputError:
        return  # not connected in this random graph: nothing to compare
    bounded = route_path(net, src, dst, limit_s=full.travel_time_s * slack)
    assert bounded.travel_time_s == pytest.approx(full.travel_time_s)
    assert bounded.dist_m == pytest.approx(full.dist_m)
    assert bounded.nodes[0] == src and bounded.nodes[-1] == dst
