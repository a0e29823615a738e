"""Re-planning during the day (placeholder, filled below)."""


def replan(*a, **k):  # pragma: no cover
    raise NotImplementedError
