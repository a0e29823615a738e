"""Settings: where the shared data, the cache and the vendored web assets live.

Every setting has an environment variable so that the CLI, the app, the tests and
CI agree without passing options around:

``GEO_OUTREACH_DATA``
    folder holding the real demo data (default: ``../shared/data`` beside the repository).
``GEO_OUTREACH_CACHE``
    folder for cached road networks (default: ``<repo>/.cache/geo_outreach`` in a source
    checkout, else ``~/.cache/geo_outreach``).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_dir", "data_dir", "package_data_dir", "repo_root"]

_PACKAGE_DIR = Path(__file__).resolve().parent


def repo_root() -> Path | None:
    """Return the source checkout's root when running from one, else ``None``."""
    root = _PACKAGE_DIR.parent
    return root if (root / "pyproject.toml").is_file() else None


def data_dir() -> Path:
    """Return the folder that holds the shared real data (may not exist)."""
    env = os.environ.get("GEO_OUTREACH_DATA")
    if env:
        return Path(env).expanduser().resolve()
    root = repo_root()
    base = root if root is not None else Path.cwd()
    return (base.parent / "shared" / "data").resolve()


def cache_dir() -> Path:
    """Return (and create) the folder for cached networks and matrices."""
    env = os.environ.get("GEO_OUTREACH_CACHE")
    if env:
        path = Path(env).expanduser()
    else:
        root = repo_root()
        path = root / ".cache" / "geo_outreach" if root else Path.home() / ".cache" / "geo_outreach"
    path.mkdir(parents=True, exist_ok=True)
    return path


def package_data_dir() -> Path:
    """Return the folder with the region manifests shipped in the repository (``data/``)."""
    root = repo_root()
    if root is not None and (root / "data").is_dir():
        return root / "data"
    return _PACKAGE_DIR / "data"
