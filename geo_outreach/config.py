"""Settings: the one module that reads geo_outreach's environment variables.

Every setting has an environment variable so that the CLI, the app, the tests and
CI agree without passing options around; nothing else in the package reads
``os.environ`` for a setting.

``GEO_OUTREACH_DATA``
    folder holding the real demo data (default: ``../shared/data`` beside the repository).
``GEO_OUTREACH_CACHE``
    folder for cached road networks (default: ``<repo>/.cache/geo_outreach`` in a source
    checkout, else ``~/.cache/geo_outreach``).
``GEO_OUTREACH_HOME``
    folder of the embedded team database (default: ``$XDG_DATA_HOME/geo_outreach``, else
    ``~/.local/share/geo_outreach``).
``GEO_OUTREACH_DB_URL``
    the team database (visit log, plans, accounts) as an SQLAlchemy URL, e.g.
    ``postgresql+psycopg://user@host/db`` (default: SQLite in ``GEO_OUTREACH_HOME``).
``GEO_OUTREACH_ASSETS``
    folder of the offline web map assets (default: ``<repo>/app/static/vendor``).
``GEO_OUTREACH_APP_REGION``
    the region the dashboard serves (set by ``geo-outreach app --region``).
``GEO_OUTREACH_SESSION_S``
    how long a dashboard sign-in lasts, in seconds (set by ``geo-outreach app``).
``GEO_OUTREACH_LANG``
    language of what people read (``en``, ``es``, ``sv``; default ``en``).
``GEO_OUTREACH_MAX_PLAN_MEMORY_GB``
    the most memory a plan's travel tables may need (default: half of this machine's).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "APP_REGION_ENV",
    "ASSETS_ENV",
    "DB_URL_ENV",
    "LANG_ENV",
    "MAX_PLAN_MEMORY_ENV",
    "SESSION_ENV",
    "app_region",
    "assets_dir",
    "cache_dir",
    "data_dir",
    "data_home",
    "db_url",
    "language",
    "max_plan_memory_gb",
    "package_data_dir",
    "repo_root",
    "session_s",
]

DB_URL_ENV = "GEO_OUTREACH_DB_URL"
ASSETS_ENV = "GEO_OUTREACH_ASSETS"
APP_REGION_ENV = "GEO_OUTREACH_APP_REGION"
SESSION_ENV = "GEO_OUTREACH_SESSION_S"
LANG_ENV = "GEO_OUTREACH_LANG"
MAX_PLAN_MEMORY_ENV = "GEO_OUTREACH_MAX_PLAN_MEMORY_GB"
APP_SECRET_ENV = "GEO_OUTREACH_APP_SECRET"

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


def data_home() -> Path:
    """Folder of the embedded team database (not created here).

    ``GEO_OUTREACH_HOME``, else ``$XDG_DATA_HOME/geo_outreach``, else
    ``~/.local/share/geo_outreach``.
    """
    env = os.environ.get("GEO_OUTREACH_HOME")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "geo_outreach"


def db_url() -> str | None:
    """``GEO_OUTREACH_DB_URL`` when set (else the caller's default, the SQLite file)."""
    return os.environ.get(DB_URL_ENV) or None


def assets_dir() -> Path | None:
    """``GEO_OUTREACH_ASSETS`` when set."""
    env = os.environ.get(ASSETS_ENV)
    return Path(env).expanduser() if env else None


CENSUS_KEY_ENV = "GEO_OUTREACH_CENSUS_KEY"
"""Environment variable with a Census API key (optional) for ``region fetch``."""


def census_key() -> str | None:
    """The Census API key of ``region fetch``: ``$GEO_OUTREACH_CENSUS_KEY`` or None."""
    return os.environ.get(CENSUS_KEY_ENV) or None


def app_region() -> str | None:
    """The region the dashboard serves (``GEO_OUTREACH_APP_REGION``), None for the demo."""
    return os.environ.get(APP_REGION_ENV) or None


def app_secret() -> str | None:
    """The key that signs dashboard session cookies (``GEO_OUTREACH_APP_SECRET``), or None
    (the app then keeps a generated one in the data folder)."""
    return os.environ.get(APP_SECRET_ENV) or None


def session_s(default: float = 12 * 3600.0) -> float:
    """How long a dashboard sign-in lasts (``GEO_OUTREACH_SESSION_S``), in seconds."""
    env = os.environ.get(SESSION_ENV)
    try:
        value = float(env) if env else default
    except ValueError:
        return default
    return value if value > 0 else default


def language(default: str = "en") -> str:
    """Language of what people read (``GEO_OUTREACH_LANG``): ``en``, ``es`` or ``sv``."""
    env = (os.environ.get(LANG_ENV) or "").strip().lower().replace("-", "_")
    return env.split("_")[0] if env else default


def max_plan_memory_gb() -> float:
    """``GEO_OUTREACH_MAX_PLAN_MEMORY_GB``, else half of this machine's memory (8 GB when
    the machine does not say).

    Raises
    ------
    ValueError
        When the setting is not a positive number.
    """
    text = (os.environ.get(MAX_PLAN_MEMORY_ENV) or "").strip()
    if text:
        value = float(text)  # ValueError names the text
        if not value > 0:
            raise ValueError(f"{MAX_PLAN_MEMORY_ENV} must be > 0, got {text}")
        return value
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2 / 1e9
    except (ValueError, OSError, AttributeError):
        return 8.0
