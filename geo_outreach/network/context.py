"""A region together with its networks and snapping, loaded lazily and kept for reuse.

:class:`RegionNetworks` is what the analysis, the optimisation, the CLI and the app hold:
ask it for a mode's network, the units' origins or the sites' nodes and it builds (or reads
from the disk cache) only what is asked for, once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from geo_outreach.data.region import Region, load_region
from geo_outreach.domain import Progress
from geo_outreach.network.graph import MODES, Mode, RoadNetwork, load_networks
from geo_outreach.network.snap import (
    DEFAULT_MAX_SNAP_M,
    DEFAULT_MIN_COVERAGE,
    SnapResult,
    snap_sites,
    unit_origins,
)
from geo_outreach.network.speeds import SpeedTable
from geo_outreach.network.traveltime import od_table, unit_site_od

__all__ = ["RegionNetworks", "open_region"]

logger = logging.getLogger(__name__)


@dataclass
class RegionNetworks:
    """A loaded region plus lazily built networks and snapping per mode."""

    region: Region
    max_snap_m: float = DEFAULT_MAX_SNAP_M
    min_coverage: float = DEFAULT_MIN_COVERAGE
    speeds: SpeedTable = field(default_factory=SpeedTable)
    cache: bool = True
    _networks: dict[Mode, RoadNetwork] = field(default_factory=dict, repr=False)
    _origins: dict[str, SnapResult] = field(default_factory=dict, repr=False)
    _sites: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    def load(self, modes: tuple[Mode, ...] = MODES) -> None:
        """Build or read the networks of ``modes`` (reads the OSM file at most once)."""
        todo = tuple(m for m in modes if m not in self._networks)
        if todo:
            self._networks.update(
                load_networks(
                    self.region.network_path,
                    todo,
                    speeds=self.speeds,
                    cache=self.cache,
                    clip=self.region.clip_box,
                )
            )

    def network(self, mode: Mode) -> RoadNetwork:
        """The network of ``mode``."""
        self.load((mode,))
        return self._networks[mode]

    def origins(self, mode: Mode) -> SnapResult:
        """Origins of every unit on the ``mode`` network, and the off-network units."""
        if mode not in self._origins:
            self._origins[mode] = unit_origins(
                self.network(mode), self.region.units, max_snap_m=self.max_snap_m
            )
        return self._origins[mode]

    def site_nodes(self, mode: Mode) -> pd.DataFrame:
        """``site_id, node_id, snap_dist_m, on_network`` for every site, plus its category."""
        if mode not in self._sites:
            snapped = snap_sites(
                self.network(mode), self.region.services, max_snap_m=self.max_snap_m
            )
            snapped["category"] = self.region.services["category"].to_numpy()
            self._sites[mode] = snapped
        return self._sites[mode]

    def tract_site_od(
        self, mode: Mode, *, cutoff_s: float | None = None, progress: Progress | None = None
    ) -> pd.DataFrame:
        """Unit-to-site table (mean over each unit's origins) for on-network sites."""
        sites = self.site_nodes(mode)
        return unit_site_od(
            self.network(mode),
            self.origins(mode).origins,
            sites[sites["on_network"]],
            cutoff_s=cutoff_s,
            progress=progress,
        )

    def node_site_od(
        self, mode: Mode, *, cutoff_s: float | None = None, progress: Progress | None = None
    ) -> pd.DataFrame:
        """Origin-node-to-site table: ``origin_id`` is the origin node id (as text)."""
        nodes = self.origins(mode).origins["node_id"].drop_duplicates()
        sites = self.site_nodes(mode)
        return od_table(
            self.network(mode),
            pd.DataFrame({"id": nodes.astype(str), "node_id": nodes}),
            sites.loc[sites["on_network"], ["site_id", "node_id"]],
            cutoff_s=cutoff_s,
            progress=progress,
        )

    def info(self, modes: tuple[Mode, ...] = MODES) -> dict[str, Any]:
        """Summary of the region for ``region info``: counts, network sizes, off-network."""
        units = self.region.units
        services = self.region.services
        network: dict[str, Any] = {}
        off_units: dict[str, int] = {}
        off_sites: dict[str, int] = {}
        for mode in modes:
            net = self.network(mode)
            network[mode] = {
                "nodes": net.n_nodes,
                "edges": net.n_edges,
                "dropped_nodes": int(net.summary.get("dropped_nodes", 0)),
                "dropped_edges": int(net.summary.get("dropped_edges", 0)),
            }
            off_units[mode] = len(self.origins(mode).off_network)
            off_sites[mode] = int((~self.site_nodes(mode)["on_network"]).sum())
        primary = "drive" if "drive" in modes else modes[0]
        return {
            "region": self.region.name,
            "title": self.region.manifest.title,
            "synthetic": self.region.is_synthetic,
            "manifest": str(self.region.manifest.manifest_path),
            "tracts": len(units),
            "population": float(units["population"].sum()),
            "services": len(services),
            "services_by_category": {
                str(k): int(v) for k, v in services["category"].value_counts().sort_index().items()
            },
            "network": network,
            "max_snap_m": self.max_snap_m,
            "tracts_off_network": off_units[primary],
            "services_off_network": off_sites[primary],
            "off_network_by_mode": {"tracts": off_units, "services": off_sites},
            "attribution": self.region.attribution,
            "timezone": self.region.timezone,
            "unit_system": self.region.unit_system,
            "country": self.region.country,
            "network_file": str(self.region.network_path),
            "network_clip": self.region.clip_box,
            "report": list(self.region.report),
        }


def open_region(
    region: str | Path | None = None,
    *,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    speeds: SpeedTable | None = None,
    cache: bool = True,
) -> RegionNetworks:
    """Load a region (``None`` = demo) and wrap it for lazy network work."""
    return RegionNetworks(
        load_region(region), max_snap_m=max_snap_m, speeds=speeds or SpeedTable(), cache=cache
    )
