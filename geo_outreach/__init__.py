"""geo_outreach: find underserved areas, site mobile-unit stops and plan outreach routes."""

__version__ = "0.1.0"
