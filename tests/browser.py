"""Headless Chromium for the tests that open a page offline (Debian's chromium + Playwright).

Use::

    from tests.browser import RequestRecorder, launch

    with launch() as browser:  # skips the test when Chromium or Playwright is missing
        page = browser.new_page()
        rec = RequestRecorder(page)
        page.goto(path.as_uri())
        ...
    rec.assert_local()  # no request left file:, data: or 127.0.0.1
    assert rec.errors == []
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "LOCAL_PREFIXES",
    "RequestRecorder",
    "drawn_and_fitted_js",
    "launch",
]

CHROMIUM = Path("/usr/bin/chromium")
"""Debian's Chromium (``apt-get install chromium``); Playwright's own download is not used."""

CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
"""Headless, and no background traffic of Chromium's own (updates, sync) among the requests."""

LOCAL_PREFIXES: tuple[str, ...] = ("file://", "data:", "http://127.0.0.1:", "http://127.0.0.1/")
"""URL starts a page may request while offline: local files, inline data, this machine."""


@contextmanager
def launch() -> Iterator[Any]:
    """Yield a headless Chromium (a Playwright ``Browser``), closed on exit.

    Skips the calling test when ``/usr/bin/chromium`` or Playwright is missing; fails it
    instead in CI (``CI=true``), where both are installed.
    """
    from tests.conftest import require_chromium

    require_chromium()  # skips, or fails in CI
    import playwright.sync_api as sync_api

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
        try:
            yield browser
        finally:
            browser.close()


class RequestRecorder:
    """Record every request URL and uncaught script error of a Playwright page.

    Attach it before ``page.goto`` so that the page's first request is seen.
    """

    def __init__(self, page: Any) -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def offsite(self, allowed: Sequence[str] = LOCAL_PREFIXES) -> list[str]:
        """Return the requested URLs that start with none of ``allowed``."""
        return [u for u in self.requests if not u.startswith(tuple(allowed))]

    def assert_local(self, allowed: Sequence[str] = LOCAL_PREFIXES) -> None:
        """Fail when the page requested anything outside ``allowed`` (default: local only)."""
        offsite = self.offsite(allowed)
        assert offsite == [], f"requests off the machine: {offsite}"


def drawn_and_fitted_js(n: int) -> str:
    """A script for ``page.wait_for_function``: true once ``n`` paths of a Leaflet map are
    drawn and the map has settled at the view that fits them.

    The map opens at a default zoom and flies to the fitted view; while it flies the drawn
    layer is scaled by a CSS transform.  Fitted: the paths' painted box lies inside the map and
    spans at least 40 % of its width or height.
    """
    return f"""(() => {{
  const map = document.querySelector('.leaflet-container');
  if (!map || map.classList.contains('leaflet-zoom-anim')) return false;
  const paths = document.querySelectorAll('.leaflet-overlay-pane path');
  if (paths.length < {n}) return false;
  let l = Infinity, t = Infinity, r = -Infinity, b = -Infinity;
  for (const p of paths) {{
    const q = p.getBoundingClientRect();
    l = Math.min(l, q.left); t = Math.min(t, q.top);
    r = Math.max(r, q.right); b = Math.max(b, q.bottom);
  }}
  const m = map.getBoundingClientRect();
  const inside = l >= m.left - 1 && t >= m.top - 1 && r <= m.right + 1 && b <= m.bottom + 1;
  return inside && Math.max((r - l) / m.width, (b - t) / m.height) >= 0.4;
}})()"""
