"""Exceptions raised by geo_outreach.

Every problem with what a user gave us (a file, a column, a parameter) is raised
as :class:`InputError` or one of its subclasses, which are ``ValueError``
subclasses.  Their message names the file or column and says how to fix it; the
CLI prints it in one line and exits with status 2.

Exit codes of every command (one table, see ``docs/cli-errors.md``):

====  =====================================================================
0     done (also when some visits stay unscheduled: they carry reasons)
1     an internal error: a bug, please report it
2     bad input (:class:`InputError`)
3     no solution for a valid input (:class:`NoSolutionError`), with the reason
130   interrupted (Ctrl-C)
====  =====================================================================

Errors carry structured fields (``source``, ``row``, ``column``, ``parameter``) so
that the CLI can name its own flag instead of the library's parameter, and the
language layer can translate the message.
"""

from __future__ import annotations

import logging
import warnings

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_NO_SOLUTION",
    "EXIT_OK",
    "CRSError",
    "DataQualityWarning",
    "EmptyCatchmentWarning",
    "GeoOutreachError",
    "GeoOutreachWarning",
    "InputError",
    "NetworkError",
    "NoSolutionError",
    "OSMFormatError",
    "OffNetworkWarning",
    "RenormalisedWeightsWarning",
    "SolverError",
    "warn",
]


EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_NO_SOLUTION = 3
EXIT_INTERRUPTED = 130


class GeoOutreachError(Exception):
    """Base class of every error geo_outreach raises on purpose."""

    #: Exit status of the CLI when this error ends a command.
    exit_code: int = EXIT_INTERNAL


class InputError(GeoOutreachError, ValueError):
    """A user input (file, column, parameter) is missing or invalid.

    Parameters
    ----------
    message
        What is wrong and how to fix it.
    source
        The file at fault (or the name given to a DataFrame), for programs that want it.
    row
        The 1-based data row at fault, when one is.
    column
        The column at fault, when one is.
    parameter
        The library parameter at fault (e.g. ``"time_limit_s"``); the CLI maps it to
        its flag (``--time-limit``).
    """

    exit_code = EXIT_BAD_INPUT

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        row: int | None = None,
        column: str | None = None,
        parameter: str | None = None,
    ) -> None:
        super().__init__(message)
        self.source = source
        self.row = row
        self.column = column
        self.parameter = parameter


class CRSError(InputError):
    """A layer has no coordinate reference system or a wrong one."""


class OSMFormatError(InputError):
    """A road-network file is not OSM XML (e.g. PBF, or not OSM at all)."""


class NetworkError(InputError):
    """The road network cannot serve the request (empty graph, no routable edges...)."""


class SolverError(GeoOutreachError):
    """An optimisation solver failed for a reason other than the user's input."""


class NoSolutionError(GeoOutreachError):
    """A valid model has no solution (infeasible), or nothing was found in the limits.

    The message says why and what would make it solvable (e.g. the smallest
    coverage time that works). The CLI exits with status 3.
    """

    exit_code = EXIT_NO_SOLUTION

    def __init__(self, message: str, *, parameter: str | None = None) -> None:
        super().__init__(message)
        self.parameter = parameter


# -- warnings a notebook user must see --------------------------------------------


class GeoOutreachWarning(UserWarning):
    """Base class of the warnings geo_outreach emits on purpose.

    Filter them as usual, e.g. ``warnings.simplefilter("ignore", go.OffNetworkWarning)``
    or turn them into errors with ``"error"``.
    """


class RenormalisedWeightsWarning(GeoOutreachWarning):
    """Origin weights of some units did not sum to 1 and were rescaled."""


class EmptyCatchmentWarning(GeoOutreachWarning):
    """A site has supply but nobody (no weighted demand) within its catchment."""


class OffNetworkWarning(GeoOutreachWarning):
    """Places (units, sites, candidates, visits) lie off the road network and are left out."""


class DataQualityWarning(GeoOutreachWarning):
    """An input has values that were replaced or ignored (missing scores, capped shares...)."""


def warn(
    category: type[GeoOutreachWarning],
    message: str,
    *,
    logger: logging.Logger,
    stacklevel: int = 3,
) -> None:
    """Tell the user about ``message`` once: a warning of ``category`` plus a log record.

    The warning is what a notebook user and the CLI show (the CLI prints it as one
    ``warning:`` line); the log record (level INFO, so it is not shown twice on a
    console) keeps it in log files.

    Parameters
    ----------
    category
        The :class:`GeoOutreachWarning` subclass, so callers can filter by kind.
    message
        The complete message (already formatted).
    logger
        The calling module's logger.
    stacklevel
        Passed to :func:`warnings.warn`; the default points at the caller's caller.
    """
    logger.info("%s: %s", category.__name__, message)
    warnings.warn(message, category, stacklevel=stacklevel)
