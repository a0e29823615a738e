"""Colour-blind-safe colour palettes shared by the maps, exports and routing results.

Layer 0 (constants only, no imports), so that every layer can use the same colours:
:mod:`geo_outreach.optimize.routing.network` colours each worker's route with
:data:`ROUTE_COLOURS`, and the web map (:mod:`geo_outreach.present.webmap`) and the
printable map (:mod:`geo_outreach.present.static_map`) draw routes and categories
with the same colours, so a worker's route has one colour everywhere.

Source: M. Okabe and K. Ito (2008), *Color Universal Design (CUD): How to make
figures and presentations that are friendly to colorblind people*,
https://jfly.uni-koeln.de/color/ — eight colours told apart under the common
forms of colour-vision deficiency (protanopia, deuteranopia, tritanopia).
"""

from __future__ import annotations

__all__ = ["OKABE_ITO", "ROUTE_COLOURS"]

OKABE_ITO: tuple[str, ...] = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
"""Okabe & Ito's qualitative palette (Okabe & Ito 2008), for categories (service sites, stops)."""

ROUTE_COLOURS: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#009E73",  # bluish green
    "#56B4E9",  # sky blue
    "#E69F00",  # orange
    "#000000",  # black
)
"""One colour per route or worker: Okabe-Ito colours (Okabe & Ito 2008) in another order
and without yellow (too light for a line on a pale base map), so the first routes
(blue, vermillion) differ from the first site categories (orange, sky blue)."""
