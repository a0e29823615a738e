"""One map classifier for the web and print maps: class breaks and colours.

The dashboard's choropleths (:mod:`geo_outreach.present.webmap`) and the downloaded
PNG/PDF/SVG (:mod:`geo_outreach.present.static_map`) classify with :func:`classify` and
fill with :func:`class_colours`, so the map a planner previews is the map they print.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from geo_outreach.errors import InputError
from geo_outreach.i18n import _

__all__ = ["SCHEMES", "assign_classes", "class_colours", "classify"]

SCHEMES: dict[str, str] = {
    "quantiles": "Quantiles",
    "natural-breaks": "FisherJenks",
    "equal-interval": "EqualInterval",
}
"""Classification scheme name -> mapclassify class (natural breaks = Fisher-Jenks, deterministic)."""


def _lightness(colour: Any) -> float:
    """CIE L* (0 black .. 100 white) of an RGB(A) colour."""
    from matplotlib.colors import to_rgb

    rgb = np.asarray(to_rgb(colour), dtype=float)
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    y = float(lin @ np.array([0.2126, 0.7152, 0.0722]))
    return 116 * y ** (1 / 3) - 16 if y > 216 / 24389 else y * 24389 / 27


def class_colours(palette: str, n: int) -> list[str]:
    """``n`` fills from a sequential colormap, lightest first, darker = higher class.

    Parameters
    ----------
    palette
        A matplotlib colormap name, e.g. ``"viridis"``, ``"cividis"``, ``"YlGnBu"``, ``"Blues"``.
    n
        Number of classes (>= 1).

    Raises
    ------
    InputError
        Unknown colormap, or one whose lightness is not monotone (diverging or qualitative
        palettes are unreadable in greyscale).
    """
    import matplotlib as mpl
    from matplotlib.colors import to_hex

    try:
        cmap = mpl.colormaps[palette]
    except KeyError as exc:
        raise InputError(
            _(
                "unknown palette {palette}; use a sequential matplotlib colormap such as "
                "viridis, cividis, magma, YlGnBu, YlOrRd, Blues, Greys"
            ).format(palette=repr(palette)),
            source="palette",
        ) from exc
    probe = [_lightness(cmap(t)) for t in np.linspace(0, 1, 33)]
    diffs = np.diff(probe)
    if not (np.all(diffs >= -0.5) or np.all(diffs <= 0.5)):
        raise InputError(
            _(
                "palette {palette} is not monotone in lightness, so its classes cannot be told "
                "apart when printed in greyscale; use viridis, cividis, magma, YlGnBu, YlOrRd, "
                "Blues or another sequential palette"
            ).format(palette=repr(palette)),
            source="palette",
        )
    increasing = probe[-1] > probe[0]
    # stay off the near-white / near-black ends so fills read on paper and outlines show
    lo, hi = (0.0, 0.92) if increasing else (0.15, 1.0)
    # pick colours at equal lightness steps (not equal colormap steps): equal grey steps in print
    grid = np.linspace(lo, hi, 257)
    light = np.array([_lightness(cmap(t)) for t in grid])
    if increasing:  # light end at t=hi: the lowest class takes the lightest colour
        grid, light = grid[::-1], light[::-1]
    light = np.minimum.accumulate(light)  # strictly non-increasing for interpolation
    targets = np.linspace(light[0], light[-1], n) if n > 1 else np.array([light.mean()])
    ts = np.interp(-targets, -light, grid)
    return [to_hex(cmap(float(t))) for t in ts]


def classify(
    values: Any, *, scheme: str = "quantiles", k: int = 5
) -> tuple[np.ndarray, np.ndarray]:
    """Class edges and class index per value with mapclassify.

    Parameters
    ----------
    values
        Numbers; non-finite values get class ``-1``.
    scheme
        ``"quantiles"``, ``"natural-breaks"`` (Fisher-Jenks) or ``"equal-interval"``
        (underscores accepted).
    k
        Number of classes, 2..9 (fewer when there are fewer distinct values).

    Returns
    -------
    edges, idx
        ``edges`` has ``n_classes + 1`` increasing numbers starting at the minimum;
        ``idx`` holds the class of each value (``-1`` for non-finite ones).
    """
    import mapclassify

    key = str(scheme).replace("_", "-").lower()
    if key not in SCHEMES:
        raise InputError(
            _("unknown classification scheme {scheme}; use one of {choices}").format(
                scheme=repr(scheme), choices=sorted(SCHEMES)
            ),
            source="scheme",
        )
    if not 2 <= int(k) <= 9:
        raise InputError(_("k must be between 2 and 9 classes, got {k}").format(k=k), source="k")
    y = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float)
    finite = np.isfinite(y)
    idx = np.full(y.shape, -1, dtype=int)
    if not finite.any():
        return np.array([0.0, 1.0]), idx
    fy = y[finite]
    n_unique = len(np.unique(fy))
    if n_unique == 1:
        idx[finite] = 0
        return np.array([fy[0], fy[0]]), idx
    kk = min(int(k), n_unique)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # mapclassify warns when ties merge quantile classes
        classifier = getattr(mapclassify, SCHEMES[key])(fy, k=kk)
    upper = np.unique(np.asarray(classifier.bins, dtype=float))
    upper[-1] = max(upper[-1], fy.max())
    edges = np.concatenate([[fy.min()], upper])
    # drop empty leading classes (a first upper bound equal to the minimum)
    while len(edges) > 2 and edges[1] <= edges[0]:
        edges = np.delete(edges, 1)
    idx[finite] = assign_classes(fy, edges)
    return edges, idx


def assign_classes(values: Any, edges: Any) -> np.ndarray:
    """Class of each value for increasing ``edges`` (upper bounds inclusive, as mapclassify);
    ``-1`` for non-finite values."""
    y = np.asarray(values, dtype=float)
    e = np.asarray(edges, dtype=float)
    n = max(len(e) - 1, 1)
    idx = np.clip(np.searchsorted(e[1:-1], y, side="left"), 0, n - 1)
    return np.where(np.isfinite(y), idx, -1)
