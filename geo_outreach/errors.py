"""Exceptions raised by geo_outreach.

Every problem with what a user gave us (a file, a column, a parameter) is raised
as :class:`InputError` or one of its subclasses, which are ``ValueError``
subclasses.  Their message names the file or column and says how to fix it; the
CLI prints it in one line and exits with status 2.
"""

from __future__ import annotations

__all__ = [
    "CRSError",
    "GeoOutreachError",
    "InputError",
    "NetworkError",
    "OSMFormatError",
    "SolverError",
]


class GeoOutreachError(Exception):
    """Base class of every error geo_outreach raises on purpose."""


class InputError(GeoOutreachError, ValueError):
    """A user input (file, column, parameter) is missing or invalid.

    Parameters
    ----------
    message
        What is wrong and how to fix it.
    source
        The file, column or parameter at fault, for programs that want it.
    """

    def __init__(self, message: str, *, source: str | None = None) -> None:
        super().__init__(message)
        self.source = source


class CRSError(InputError):
    """A layer has no coordinate reference system or a wrong one."""


class OSMFormatError(InputError):
    """A road-network file is not OSM XML (e.g. PBF, or not OSM at all)."""


class NetworkError(InputError):
    """The road network cannot serve the request (empty graph, no routable edges...)."""


class SolverError(GeoOutreachError):
    """An optimisation solver failed for a reason other than the user's input."""
