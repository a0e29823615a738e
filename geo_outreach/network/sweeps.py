"""Bounded searches from many sites at once, reduced on the fly (numba kernels).

The floating-catchment means need, for every site node, the travel time from each origin node
of each unit (a unit's mean is complete only when all its origins reach the site). Keeping
those times as a table is what ran out of memory on large regions; computing them with one
dense scipy Dijkstra row per site is what made the 200k-node analysis slow (each row is a
``float64`` vector over every node, filled and then sliced). :func:`site_sweeps` runs one
binary-heap Dijkstra per site node on the CSR arrays instead, and reduces each search at once to

* counts of sites within ``within_s`` per origin node and category (integer-valued floats, so
  their sum does not depend on the order of the searches), and
* one row per site of unit sums ``sum(w * t)`` over each unit's origins, with a status: the pair
  is *complete* (every origin reached within the bound), *excluded* (it cannot be complete with a
  mean within ``max_mean_s``) or *undecided* (some origins lie beyond the bound but the mean
  could still be small: the caller searches that site again to the full cutoff).

Sums run over each unit's origins in the order of the unit x origin CSR matrix, as scipy's
sparse product does, so results equal the dense engine's.

Every search is independent: a chunk of sites gives the rows of exactly those sites, which is
what lets :mod:`geo_outreach.network.cluster` spread chunks over Dask workers and merge them in
a fixed order with the same numbers.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "COMPLETE",
    "EXCLUDED",
    "UNDECIDED",
    "SweepInputs",
    "SweepResult",
    "have_numba",
    "site_sweeps",
]

logger = logging.getLogger(__name__)

EXCLUDED, COMPLETE, UNDECIDED = 0, 1, 2

try:  # numba is a dependency; without it the scipy engine of traveltime is used
    import numba as nb

    _HAVE_NUMBA = True
except ImportError:  # pragma: no cover - exercised only where numba is missing
    nb = None
    _HAVE_NUMBA = False


def have_numba() -> bool:
    """Whether the compiled kernels are available."""
    return _HAVE_NUMBA


@dataclass(frozen=True)
class SweepInputs:
    """Plain arrays a sweep needs; small enough to send once to every Dask worker.

    Attributes
    ----------
    indptr, indices, data
        CSR of the *reversed* time graph (searching from a site on it gives times *to* it).
    slot_node, node_slot
        ``slot_node[s]``: network node (matrix position) of origin slot ``s``;
        ``node_slot[v]``: the slot of node ``v``, -1 for nodes that are no origin.
    w_indptr, w_slot, w_val
        Units x origin slots CSR of weights (rows = units in sorted id order).
    t_ptr, t_unit, t_w
        The same weights by slot (its transpose), for the early stop.
    """

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    slot_node: np.ndarray
    w_indptr: np.ndarray
    w_slot: np.ndarray
    w_val: np.ndarray
    node_slot: np.ndarray
    t_ptr: np.ndarray
    t_unit: np.ndarray
    t_w: np.ndarray

    @property
    def nbytes(self) -> int:
        return int(
            sum(
                a.nbytes
                for a in (
                    self.indptr,
                    self.indices,
                    self.data,
                    self.slot_node,
                    self.w_indptr,
                    self.w_slot,
                    self.w_val,
                    self.node_slot,
                    self.t_ptr,
                    self.t_unit,
                    self.t_w,
                )
            )
        )


@dataclass(frozen=True)
class SweepResult:
    """Rows of a sweep, one per searched site node (in the order given).

    Attributes
    ----------
    status
        ``(sites, units)`` int8: :data:`COMPLETE`, :data:`EXCLUDED` or :data:`UNDECIDED`.
    wt
        ``(sites, units)``: ``sum(w * t)`` over the unit's origins reached (seconds).
    share
        ``(sites, units)``: weight of the unit's origins reached.
    counts
        ``(categories, slots)``: sites within ``within_s`` per origin slot (None when the
        sweep was asked not to count).
    """

    status: np.ndarray
    wt: np.ndarray
    share: np.ndarray
    counts: np.ndarray | None


if _HAVE_NUMBA:

    @nb.njit(cache=True, nogil=True)
    def _search(indptr, indices, data, src, limit, dist, touched, heap_d, heap_v):  # type: ignore[no-untyped-def]
        """Dijkstra from ``src`` up to ``limit`` (binary heap with lazy deletion).

        ``dist`` must be all ``inf`` on entry; the nodes set are listed in ``touched`` (their
        number is returned) so the caller resets only those. The heap arrays hold at least
        ``len(indices) + 1`` items: each edge is pushed at most once.
        """
        dist[src] = 0.0
        touched[0] = src
        n_touched = 1
        heap_d[0] = 0.0
        heap_v[0] = src
        size = 1
        while size > 0:
            d = heap_d[0]
            v = heap_v[0]
            size -= 1
            if size > 0:  # move the last item to the root and sift it down
                ld = heap_d[size]
                lv = heap_v[size]
                i = 0
                while True:
                    c = 2 * i + 1
                    if c >= size:
                        break
                    c2 = c + 1
                    if c2 < size and heap_d[c2] < heap_d[c]:
                        c = c2
                    if heap_d[c] < ld:
                        heap_d[i] = heap_d[c]
                        heap_v[i] = heap_v[c]
                        i = c
                    else:
                        break
                heap_d[i] = ld
                heap_v[i] = lv
            if d > dist[v]:  # a stale entry: v was settled with a smaller time
                continue
            for e in range(indptr[v], indptr[v + 1]):
                w = indices[e]
                nd = d + data[e]
                if nd <= limit and nd < dist[w]:
                    if dist[w] == np.inf:
                        touched[n_touched] = w
                        n_touched += 1
                    dist[w] = nd
                    i = size
                    size += 1
                    while i > 0:  # sift up
                        p = (i - 1) >> 1
                        if heap_d[p] > nd:
                            heap_d[i] = heap_d[p]
                            heap_v[i] = heap_v[p]
                            i = p
                        else:
                            break
                    heap_d[i] = nd
                    heap_v[i] = w
        return n_touched

    @nb.njit(cache=True, nogil=True)
    def _search_buckets(  # type: ignore[no-untyped-def]
        indptr,
        indices,
        data,
        src,
        limit,
        delta,
        dist,
        settled,
        touched,
        head,
        nxt,
        node,
        stop_after,
        max_mean,
        node_slot,
        t_ptr,
        t_unit,
        t_w,
        known,
        unknown,
        w_total,
        open_units,
    ):
        """Dial's algorithm, stopped as soon as every unit is decided.

        Same times as Dijkstra, about twice as fast on road graphs: buckets of width ``delta``
        below the smallest edge weight, so a node settled from bucket ``k`` puts its
        neighbours in bucket ``k + 1`` or later, the nodes of one bucket cannot improve one
        another, and any order inside a bucket settles exactly Dijkstra's times (and the same
        floating-point sums).

        Early stop: when bucket ``k`` starts, every node not yet settled is at least
        ``r = k * delta`` away, so a unit's mean is at least ``known + unknown * r`` (``known``:
        sum of ``w * t`` over its settled origins, ``unknown``: weight of the others). Once
        ``r`` passes ``stop_after`` (``max(within_s, max_mean)``), a unit is decided when all
        its origins are settled or that bound exceeds ``max_mean``; the search stops when all
        are. Returns ``(nodes touched, radius reached, stopped early)``.
        """
        dist[src] = 0.0
        touched[0] = src
        n_touched = 1
        for i in range(head.size):
            head[i] = -1
        n_units = known.size
        for u in range(n_units):
            known[u] = 0.0
            unknown[u] = w_total[u]
        n_open = -1  # the open list is built when r first passes stop_after
        node[0] = src
        nxt[0] = -1
        head[0] = 0
        pool = 1
        k = 0
        last = 0
        while k <= last:
            r = k * delta * (1 - 1e-12)
            if r > stop_after:
                if n_open < 0:
                    n_open = 0
                    for u in range(n_units):
                        open_units[n_open] = u
                        n_open += 1
                kept = 0
                for i in range(n_open):
                    u = open_units[i]
                    if unknown[u] > 1e-12 and known[u] + unknown[u] * r <= max_mean:
                        open_units[kept] = u
                        kept += 1
                n_open = kept
                if n_open == 0:
                    return n_touched, r, True
            e = head[k]
            head[k] = -1
            while e >= 0:
                v = node[e]
                e = nxt[e]
                if settled[v]:  # a stale entry: v was settled from an earlier bucket
                    continue
                settled[v] = True
                d = dist[v]
                sl = node_slot[v]
                if sl >= 0:
                    for j in range(t_ptr[sl], t_ptr[sl + 1]):
                        known[t_unit[j]] += t_w[j] * d
                        unknown[t_unit[j]] -= t_w[j]
                for j in range(indptr[v], indptr[v + 1]):
                    w = indices[j]
                    nd = d + data[j]
                    if nd <= limit and nd < dist[w]:
                        if dist[w] == np.inf:
                            touched[n_touched] = w
                            n_touched += 1
                        dist[w] = nd
                        b = int(nd / delta)
                        if b <= k:  # guards against rounding; cannot happen in exact terms
                            b = k + 1
                        node[pool] = w
                        nxt[pool] = head[b]
                        head[b] = pool
                        pool += 1
                        if b > last:
                            last = b
            k += 1
        return n_touched, limit, False

    @nb.njit(cache=True, parallel=True)
    def _sweeps(  # type: ignore[no-untyped-def]
        indptr,
        indices,
        data,
        sources,
        limit,
        within,
        max_mean,
        full,
        w_indptr,
        w_slot,
        w_val,
        slot_node,
        node_slot,
        t_ptr,
        t_unit,
        t_w,
        per_node,
        n_blocks,
        do_counts,
        delta,
        n_buckets,
    ):
        n = indptr.size - 1
        n_src = sources.size
        n_units = w_indptr.size - 1
        n_cat = per_node.shape[1]
        n_slots = slot_node.size
        status = np.zeros((n_src, n_units), dtype=np.int8)
        wt = np.zeros((n_src, n_units))
        share = np.zeros((n_src, n_units))
        counts = np.zeros((n_blocks, n_cat, n_slots if do_counts else 0))
        w_total = np.zeros(n_units)
        for u in range(n_units):
            for e in range(w_indptr[u], w_indptr[u + 1]):
                w_total[u] += w_val[e]
        stop_after = max(within, max_mean)
        for b in nb.prange(n_blocks):
            dist = np.full(n, np.inf)
            touched = np.empty(n, dtype=np.int64)
            use_buckets = n_buckets > 0
            heap_d = np.empty(0 if use_buckets else indices.size + 1)
            heap_v = np.empty(0 if use_buckets else indices.size + 1, dtype=np.int64)
            settled = np.zeros(n, dtype=np.bool_)
            head = np.empty(n_buckets, dtype=np.int64)
            nxt = np.empty(indices.size + 1 if use_buckets else 0, dtype=np.int64)
            node = np.empty(indices.size + 1 if use_buckets else 0, dtype=np.int64)
            known = np.empty(n_units)
            unknown = np.empty(n_units)
            open_units = np.empty(n_units, dtype=np.int64)
            for k in range(b, n_src, n_blocks):
                early = False
                reach = limit
                if use_buckets:
                    nt, reach, early = _search_buckets(
                        indptr,
                        indices,
                        data,
                        sources[k],
                        limit,
                        delta,
                        dist,
                        settled,
                        touched,
                        head,
                        nxt,
                        node,
                        stop_after,
                        max_mean,
                        node_slot,
                        t_ptr,
                        t_unit,
                        t_w,
                        known,
                        unknown,
                        w_total,
                        open_units,
                    )
                else:
                    nt = _search(
                        indptr, indices, data, sources[k], limit, dist, touched, heap_d, heap_v
                    )
                    for i in range(nt):
                        settled[touched[i]] = True
                # settled nodes hold their final time; the others are at least `reach` away
                if do_counts:
                    for s in range(n_slots):
                        v = slot_node[s]
                        if settled[v] and dist[v] <= within:
                            for c in range(n_cat):
                                counts[b, c, s] += per_node[k, c]
                for u in range(n_units):
                    sh = 0.0
                    acc = 0.0
                    unk = 0.0
                    for e in range(w_indptr[u], w_indptr[u + 1]):
                        v = slot_node[w_slot[e]]
                        if settled[v]:
                            sh += w_val[e] * 1.0
                            acc += w_val[e] * dist[v]
                        else:
                            unk += w_val[e]
                    share[k, u] = sh
                    wt[k, u] = acc
                    if full and not early:  # searched to the cutoff: the scipy engine's rule
                        st = COMPLETE if sh > 1 - 1e-9 else EXCLUDED
                    elif acc + unk * reach > max_mean:
                        st = EXCLUDED  # even with the rest at `reach` the mean is too large
                    elif unk > 0:
                        st = UNDECIDED
                    else:
                        st = COMPLETE
                    if st == COMPLETE and acc > max_mean:
                        st = EXCLUDED
                    status[k, u] = st
                for i in range(nt):
                    dist[touched[i]] = np.inf
                    settled[touched[i]] = False
        return status, wt, share, counts


#: Dial's buckets are used while one search needs at most this many (else a binary heap).
MAX_BUCKETS = 1 << 22


def _bucket_width(data: np.ndarray, bound: float) -> tuple[float, int]:
    """Bucket width just below the smallest edge weight, and the buckets up to ``bound``."""
    w_min = float(data.min()) if data.size else 0.0
    if not w_min > 0:
        return 1.0, 0
    delta = w_min * (1 - 1e-9)
    n_buckets = int(bound / delta) + 2
    return (delta, n_buckets) if n_buckets <= MAX_BUCKETS else (1.0, 0)


def site_sweeps(
    inputs: SweepInputs,
    sources: np.ndarray,
    per_node: np.ndarray,
    *,
    within_s: float,
    cutoff_s: float,
    bound_s: float | None = None,
    max_mean_s: float | None = None,
    counts: bool = True,
    threads: int | None = None,
) -> SweepResult:
    """Search from each site node in ``sources`` and reduce the search at once.

    Parameters
    ----------
    inputs
        Graph and origin arrays (:func:`geo_outreach.network.traveltime.sweep_inputs`).
    sources
        Site node positions (unique).
    per_node
        ``(len(sources), categories)``: how many sites of each category sit at each node.
    within_s
        Count sites reached within this time.
    cutoff_s
        The analysis cutoff: searches never go beyond it.
    bound_s
        Search radius (``within_s <= bound_s <= cutoff_s``); default ``cutoff_s``. With a smaller
        bound, pairs whose mean cannot be within ``max_mean_s`` are decided without the full
        search and the others come back :data:`UNDECIDED`.
    max_mean_s
        Only unit means up to this time are wanted (default: every complete pair).
    counts
        Whether to count sites within ``within_s`` (a repeated search of the same sites must not
        count twice).
    threads
        Blocks of searches run in parallel (default: numba's thread count).
    """
    if not _HAVE_NUMBA:  # pragma: no cover
        raise RuntimeError("site_sweeps needs numba")
    bound = float(cutoff_s if bound_s is None else min(bound_s, cutoff_s))
    if bound < within_s:
        raise ValueError("bound_s must be >= within_s")
    full = bound >= cutoff_s
    # a little above max_mean: the caller applies its exact rule on the minutes
    max_mean = math.inf if max_mean_s is None else float(max_mean_s) * (1 + 1e-9) + 1e-6
    n_blocks = max(1, int(threads or nb.get_num_threads()))
    n_blocks = min(n_blocks, max(1, int(sources.size)))
    delta, n_buckets = _bucket_width(inputs.data, bound)
    status, wt, share, cnt = _sweeps(
        inputs.indptr,
        inputs.indices,
        inputs.data,
        np.ascontiguousarray(sources, dtype=np.int64),
        bound,
        float(within_s),
        max_mean,
        full,
        inputs.w_indptr,
        inputs.w_slot,
        inputs.w_val,
        inputs.slot_node,
        inputs.node_slot,
        inputs.t_ptr,
        inputs.t_unit,
        inputs.t_w,
        np.ascontiguousarray(per_node, dtype=np.float64),
        n_blocks,
        counts,
        delta,
        n_buckets,
    )
    return SweepResult(
        status=status, wt=wt, share=share, counts=cnt.sum(axis=0) if counts else None
    )
