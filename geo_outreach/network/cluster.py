"""Run the access searches on a Dask cluster, with the same numbers as on one machine.

How the work is split (see ``docs/scale.md``): **chunks of site nodes searched over a graph that
every worker holds**. The routable graph (reversed travel-time CSR), the origin slots and the unit
weights are a few arrays (about 13 MB for a 200k-node network, 70 MB for 1M nodes); they are
scattered once to every worker (:meth:`distributed.Client.scatter` with ``broadcast=True``), then
each task searches :data:`~geo_outreach.network.traveltime.SITES_PER_TASK` site nodes with the
same compiled kernel as the one-machine run and returns their rows. Rows are merged in site order
and the counts are integer-valued sums, so the result does not depend on how many workers ran or
which task ended first: it equals the single-process result exactly.

Why not areas with a network buffer: a buffer as wide as the search (the 60 min cutoff by car)
covers most of a state's network for each area, so areas would repeat most of the graph on every
worker and still need a merge rule for sites near edges; site chunks need neither.

Only dask.distributed is used (no home-made scheduler or RPC): ``local:N`` starts a
:class:`distributed.LocalCluster` of N single-threaded worker processes, ``tcp://HOST:PORT``
connects to a running scheduler (dask-jobqueue, dask-kubernetes, ``dask scheduler``), and a
:class:`distributed.Client` is used as it is.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from geo_outreach.errors import InputError
from geo_outreach.i18n import N_, _
from geo_outreach.network.sweeps import SweepInputs, SweepResult, site_sweeps

__all__ = ["INSTALL_HINT", "ClusterRunner", "connect", "parse_cluster", "require_dask"]

logger = logging.getLogger(__name__)

INSTALL_HINT = N_(
    "running on a Dask cluster needs the optional [scale] extra: "
    "pip install 'geo-outreach[scale]' (dask, distributed, dask-geopandas)"
)

_LOCAL = re.compile(r"^local:(\d+)$")


def require_dask(parameter: str = "cluster") -> None:
    """Raise :class:`InputError` (exit 2) with the install hint when dask is missing."""
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as exc:
        raise InputError(_(INSTALL_HINT), source=parameter, parameter=parameter) from exc


def parse_cluster(spec: str) -> tuple[str, int | str]:
    """``"local:N"`` -> ``("local", N)``; ``"tcp://HOST:PORT"`` -> ``("scheduler", address)``."""
    text = spec.strip()
    m = _LOCAL.match(text)
    if m:
        n = int(m.group(1))
        if n < 1:
            raise InputError(
                _("local:N needs N >= 1 workers"), source="cluster", parameter="cluster"
            )
        return "local", n
    if re.match(r"^(tcp|tls|inproc|ucx)://[^\s:]+(:\d+)?$", text):
        return "scheduler", text
    raise InputError(
        _(
            "cluster must be local:N (N worker processes on this machine) or a scheduler address "
            "tcp://HOST:PORT, got {got}"
        ).format(got=repr(spec)),
        source="cluster",
        parameter="cluster",
    )


@contextlib.contextmanager
def connect(cluster: Any) -> Iterator[Any]:
    """Yield a ``distributed.Client`` for ``cluster``; clients it creates are closed after.

    Parameters
    ----------
    cluster
        ``None`` (yields ``None``: run on this process), an existing ``distributed.Client``,
        ``"local:N"`` (a LocalCluster of N single-threaded worker processes) or a scheduler
        address ``"tcp://HOST:PORT"``.
    """
    if cluster is None:
        yield None
        return
    if not isinstance(cluster, str):
        yield cluster  # a Client the caller owns
        return
    kind, value = parse_cluster(cluster)
    require_dask()
    from distributed import Client, LocalCluster

    t0 = time.perf_counter()
    if kind == "local":
        local = LocalCluster(
            n_workers=int(value),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.WARNING,
        )
        client = Client(local)
    else:
        local = None
        try:
            client = Client(str(value), timeout="20s")
        except OSError as exc:
            raise InputError(
                _(
                    "cannot reach the Dask scheduler at {address} ({exc}); start it "
                    "(dask scheduler) or check the address"
                ).format(address=value, exc=exc),
                source="scheduler",
                parameter="scheduler",
            ) from exc
    logger.info(
        "Dask cluster %s ready in %.1f s (%d workers)",
        cluster,
        time.perf_counter() - t0,
        len(client.scheduler_info().get("workers", {})),
    )
    try:
        yield client
    finally:
        client.close()
        if local is not None:
            local.close()


def _run_chunk(inputs: SweepInputs, sources: np.ndarray, per_node: np.ndarray, kw: dict) -> Any:
    """One task: the same kernel as on one machine, single-threaded (one per worker)."""
    t0 = time.perf_counter()
    result = site_sweeps(inputs, sources, per_node, threads=1, **kw)
    return result, time.perf_counter() - t0


class ClusterRunner:
    """Chunks of site searches on a Dask client, over inputs scattered once to every worker.

    Attributes
    ----------
    task_s
        Seconds each task computed (for the per-partition overhead in the benchmarks).
    """

    def __init__(self, client: Any, inputs: SweepInputs, *, sites_per_task: int | None = None):
        from geo_outreach.network import traveltime

        if isinstance(client, str):
            raise InputError(
                _("pass a distributed.Client (open one with geo_outreach.network.cluster.connect)"),
                source="cluster",
            )
        self.client = client
        self.sites_per_task = int(sites_per_task or traveltime.SITES_PER_TASK)
        t0 = time.perf_counter()
        self.inputs = client.scatter(inputs, broadcast=True, hash=False)
        self.scatter_s = time.perf_counter() - t0
        self.task_s: list[float] = []
        logger.info(
            "scattered %.1f MB of graph and origin arrays to every worker in %.2f s",
            inputs.nbytes / 1e6,
            self.scatter_s,
        )

    def map_chunks(self, s_nodes: np.ndarray, per_node: np.ndarray, kw: dict) -> SweepResult:
        """Search every site node in chunks on the cluster; rows in site order."""
        from geo_outreach.network.traveltime import merge_results

        step = self.sites_per_task
        futures = [
            self.client.submit(
                _run_chunk,
                self.inputs,
                s_nodes[start : start + step],
                per_node[start : start + step],
                kw,
                pure=False,
            )
            for start in range(0, s_nodes.size, step)
        ]
        done = self.client.gather(futures)  # in submission order, whatever finished first
        self.task_s.extend(float(s) for _, s in done)
        return merge_results([r for r, _ in done])
