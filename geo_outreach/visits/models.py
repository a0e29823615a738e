"""What a visit record holds, how it is validated, and the current database tables.

A *visit record* is what a field worker reports after (or instead of) a planned visit:
when, who, the outcome, how many people were reached, referrals per service category,
languages used, whether a follow-up is needed and a free-text note.  Records hold counts,
never names; the optional ``case_id`` links to an agency's case system and is dropped by
:func:`to_public_frame` (maps and exports never show it).

Storage is append-only: every change is a new *version* of a record (``record_id`` stays,
``version`` grows), and the table ``visit_audit`` says who changed which field, when,
from what to what.  The tables below describe the schema after the newest migration
(the Alembic revisions of :mod:`geo_outreach.visits.migrations`); a test checks that both
agree.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from geo_outreach.errors import InputError
from geo_outreach.i18n import _, ngettext

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "CATEGORIES",
    "FUTURE_TOLERANCE",
    "OUTCOMES",
    "PRIVATE_COLUMNS",
    "PUBLIC_COLUMNS",
    "RECORD_COLUMNS",
    "VisitRecord",
    "build_metadata",
    "to_public_frame",
]

#: What happened at a visit.
OUTCOMES: tuple[str, ...] = ("done", "no_one_there", "cancelled")
#: Service categories for referrals (and for a visit's main service).
CATEGORIES: tuple[str, ...] = (
    "health",
    "food",
    "housing",
    "benefits",
    "mental_health",
    "substance_use",
)
#: Clock skew allowed between a worker's phone and the server before a time is "in the future".
FUTURE_TOLERANCE = dt.timedelta(minutes=10)
#: Follow-up due date used when ``followup_needed`` is set without a date.
DEFAULT_FOLLOWUP_DAYS = 7

_LANG_RE = re.compile(r"^[a-z]{2,3}$")
_ID_RE = re.compile(r"^[^\s,;][^,;]*$")


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _count(value: Any, name: str) -> int:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return 0
    if isinstance(value, bool):
        raise InputError(
            _("{name}: expected a whole number >= 0, got {value}").format(
                name=name, value=repr(value)
            ),
            source=name,
        )
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise InputError(
            _("{name}: {value} is not a number; give a whole number >= 0").format(
                name=name, value=repr(value)
            ),
            source=name,
        ) from None
    if not math.isfinite(f) or f != int(f):
        raise InputError(
            _("{name}: {value} is not a whole number; give a count").format(
                name=name, value=repr(value)
            ),
            source=name,
        )
    if f < 0:
        raise InputError(
            _("{name}: {value} is negative; counts must be >= 0").format(
                name=name, value=repr(value)
            ),
            source=name,
        )
    return int(f)


def _zone(name: str) -> dt.tzinfo:
    """The ``ZoneInfo`` of an IANA name ("" or "UTC": UTC)."""
    if not name or name == "UTC":
        return dt.UTC
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            _(
                "timezone: unknown time zone {zone}; give an IANA name such as "
                "America/New_York (the region's timezone)"
            ).format(zone=repr(name)),
            source="timezone",
        ) from None


def _utc(value: dt.datetime, zone: str = "UTC") -> dt.datetime:
    """An aware UTC datetime: aware values are converted, naive ones are read in ``zone``.

    The server's own zone never matters.
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=_zone(zone))
    return value.astimezone(dt.UTC).replace(microsecond=0)


def parse_datetime(value: Any, name: str = "visited_at", *, timezone: str = "UTC") -> dt.datetime:
    """``2024-05-02 14:30``, ``2024-05-02T14:30:00-07:00`` or a datetime -> aware UTC datetime.

    A time without an offset is the wall-clock time in ``timezone`` (the region's zone).
    A bare date means noon of that day there (so that it cannot land on another day
    through a time-zone shift).
    """
    if isinstance(value, dt.datetime):
        return _utc(value, timezone)
    if isinstance(value, dt.date):
        return _utc(dt.datetime.combine(value, dt.time(12, 0)), timezone)
    text = _text(value)
    if not text:
        raise InputError(
            _("{name}: missing; give a date and time like 2024-05-02 14:30").format(name=name),
            source=name,
        )
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return _utc(dt.datetime.combine(dt.date.fromisoformat(text), dt.time(12, 0)), timezone)
        return _utc(dt.datetime.fromisoformat(text.replace("Z", "+00:00")), timezone)
    except ValueError:
        raise InputError(
            _("{name}: {value} is not a date and time; write it like 2024-05-02 14:30").format(
                name=name, value=repr(text)
            ),
            source=name,
        ) from None


def local_time(visited_at: Any, timezone: str) -> pd.Series | dt.datetime:
    """Stored (UTC) visit times shown in ``timezone`` (a datetime or a pandas Series).

    A row with no zone (recorded before times were stored in UTC) is shown as stored.
    """
    import pandas as pd

    if isinstance(visited_at, pd.Series):
        ts = pd.to_datetime(visited_at)
        if ts.dt.tz is None:
            ts = ts.dt.tz_localize("UTC")
        return ts.dt.tz_convert(timezone or "UTC")
    return _utc(visited_at, "UTC").astimezone(_zone(timezone))


def parse_date(value: Any, name: str) -> dt.date | None:
    """``2024-05-09`` or a date -> date; empty -> None."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise InputError(
            _("{name}: {value} is not a date; write it like 2024-05-09").format(
                name=name, value=repr(text)
            ),
            source=name,
        ) from None


def parse_bool(value: Any, name: str) -> bool:
    """yes/no, true/false, 1/0 (empty = no)."""
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in ("", "0", "no", "n", "false", "f"):
        return False
    if text in ("1", "yes", "y", "true", "t"):
        return True
    raise InputError(
        _("{name}: {value} is not yes/no").format(name=name, value=repr(value)), source=name
    )


def parse_languages(value: Any, name: str = "languages") -> tuple[str, ...]:
    """``"en;es"`` or a sequence -> sorted unique lowercase ISO 639 codes."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ()
    items: Iterable[Any] = re.split(r"[;,\s]+", value) if isinstance(value, str) else value
    out = sorted({_text(x).lower() for x in items if _text(x)})
    bad = [x for x in out if not _LANG_RE.match(x)]
    if bad:
        raise InputError(
            _("{name}: {codes} are not ISO 639 language codes; write e.g. 'en;es;vi'").format(
                name=name, codes=bad
            ),
            source=name,
        )
    return tuple(out)


@dataclass(frozen=True)
class VisitRecord:
    """One reported visit (validated on creation).

    Parameters
    ----------
    worker_id
        Who made the visit (same ids as the routing workers file).
    visited_at
        Local wall-clock date and time of the visit; never in the future (beyond
        :data:`FUTURE_TOLERANCE`).
    outcome
        One of :data:`OUTCOMES`.  ``no_one_there`` and ``cancelled`` visits reach nobody
        and make no referrals.
    planned_visit_id
        The plan's ``visit_id`` this visit carried out (empty for unplanned visits).
    people_reached
        Count of people served (>= 0).
    referrals
        Referrals made per category of :data:`CATEGORIES` (counts >= 0).
    service
        The visit's main service category (optional, one of :data:`CATEGORIES`); used to
        find overlaps with other teams.
    languages
        ISO 639 codes of the languages used.
    followup_needed, followup_due
        Whether someone must come back, and by when (default: visit date + 7 days).
    followup_of
        ``record_id`` of an earlier visit whose follow-up this visit carries out (closes it).
    note
        Free text; keep names of clients out of it.
    case_id
        Optional link to a case-management system.  Personal data: never on maps or in
        exports (:func:`to_public_frame` drops it).
    lon, lat, unit_id
        Where (WGS84 degrees) and/or in which unit (tract GEOID) the visit took place.
    plan_id, occurrence
        The stored plan (``geo-outreach plans``) whose visit ``planned_visit_id`` this
        carried out, and which occurrence of it (0, 1... for visits with a frequency).  A
        recorded visit links to a published plan by ``(plan_id, planned_visit_id,
        occurrence, visit date)``, never by stop number (which changes on every re-plan).
    """

    worker_id: str
    visited_at: dt.datetime
    outcome: str
    planned_visit_id: str = ""
    people_reached: int = 0
    referrals: Mapping[str, int] = field(default_factory=dict)
    service: str = ""
    languages: tuple[str, ...] = ()
    followup_needed: bool = False
    followup_due: dt.date | None = None
    followup_of: str = ""
    note: str = ""
    case_id: str = ""
    lon: float | None = None
    lat: float | None = None
    unit_id: str = ""
    plan_id: int | None = None
    occurrence: int = 0
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        worker = _text(self.worker_id)
        if not worker:
            raise InputError(_("worker_id: missing; say who made the visit"), source="worker_id")
        set_(self, "worker_id", worker)
        zone = _text(self.timezone) or "UTC"
        _zone(zone)
        set_(self, "timezone", zone)
        when = parse_datetime(self.visited_at, timezone=zone)
        set_(self, "visited_at", when)
        outcome = _text(self.outcome).lower()
        if outcome not in OUTCOMES:
            raise InputError(
                _("outcome: {got} is not one of {choices}").format(
                    got=repr(self.outcome), choices=", ".join(OUTCOMES)
                ),
                source="outcome",
            )
        set_(self, "outcome", outcome)
        for name in ("planned_visit_id", "followup_of", "note", "case_id", "unit_id"):
            set_(self, name, _text(getattr(self, name)))
        set_(self, "people_reached", _count(self.people_reached, "people_reached"))
        set_(self, "occurrence", _count(self.occurrence, "occurrence"))
        pid = self.plan_id
        if pid is None or _text(pid) in ("", "nan", "<NA>", "None"):
            set_(self, "plan_id", None)
        else:
            n = _count(pid, "plan_id")
            if n == 0:
                raise InputError(_("plan_id: plan ids start at 1"), source="plan_id")
            set_(self, "plan_id", n)
        refs = dict(self.referrals or {})
        unknown = sorted(set(refs) - set(CATEGORIES))
        if unknown:
            raise InputError(
                ngettext(
                    "referrals: unknown category {unknown}; use {choices}",
                    "referrals: unknown categories {unknown}; use {choices}",
                    len(unknown),
                ).format(unknown=unknown, choices=", ".join(CATEGORIES)),
                source="referrals",
            )
        clean = {c: _count(refs.get(c, 0), f"referrals_{c}") for c in CATEGORIES}
        set_(self, "referrals", clean)
        service = _text(self.service).lower()
        if service and service not in CATEGORIES:
            raise InputError(
                _("service: {got} is not one of {choices}").format(
                    got=repr(self.service), choices=", ".join(CATEGORIES)
                ),
                source="service",
            )
        set_(self, "service", service)
        if outcome != "done" and (self.people_reached or any(clean.values())):
            raise InputError(
                _(
                    "outcome {outcome} reaches nobody: people_reached and referrals must be 0 "
                    "(use outcome 'done' when people were met)"
                ).format(outcome=repr(outcome)),
                source="outcome",
            )
        set_(self, "languages", parse_languages(self.languages))
        due = parse_date(self.followup_due, "followup_due")
        needed = parse_bool(self.followup_needed, "followup_needed") or due is not None
        if needed and due is None:
            due = when.date() + dt.timedelta(days=DEFAULT_FOLLOWUP_DAYS)
        if due is not None and due < when.date():
            raise InputError(
                _(
                    "followup_due: {due} is before the visit ({visit_date}); give a later date"
                ).format(due=due, visit_date=when.date()),
                source="followup_due",
            )
        set_(self, "followup_needed", needed)
        set_(self, "followup_due", due)
        lon, lat = self.lon, self.lat
        lon = None if lon is None or _text(lon) == "" else lon
        lat = None if lat is None or _text(lat) == "" else lat
        if (lon is None) != (lat is None):
            raise InputError(_("lon/lat: give both or neither"), source="lon")
        if lon is not None:
            try:
                lon, lat = float(lon), float(lat)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                raise InputError(
                    _("lon/lat: ({lon}, {lat}) are not numbers").format(
                        lon=repr(lon), lat=repr(lat)
                    ),
                    source="lon",
                ) from None
            if not (-180 <= lon <= 180 and -90 <= lat <= 90) or not (
                math.isfinite(lon) and math.isfinite(lat)
            ):
                raise InputError(
                    _(
                        "lon/lat: ({lon}, {lat}) are not WGS84 degrees (lon -180..180, lat -90..90)"
                    ).format(lon=lon, lat=lat),
                    source="lon",
                )
        set_(self, "lon", lon)
        set_(self, "lat", lat)

    @property
    def visited_local(self) -> dt.datetime:
        """:attr:`visited_at` in the record's :attr:`timezone` (the region's)."""
        return self.visited_at.astimezone(_zone(self.timezone))

    def check_not_future(self, now: dt.datetime | None = None) -> None:
        """Raise :class:`InputError` when the visit lies in the future (beyond the tolerance).

        ``now`` without an offset is read in the record's zone, like :attr:`visited_at`.
        """
        now = _utc(now, self.timezone) if now is not None else _utc(dt.datetime.now(dt.UTC))
        if self.visited_at > now + FUTURE_TOLERANCE:
            raise InputError(
                _(
                    "visited_at: {when} is in the future; record visits "
                    "after they happen (check the date and the device's clock)"
                ).format(when=f"{self.visited_local:%Y-%m-%d %H:%M}"),
                source="visited_at",
            )

    def to_row(self) -> dict[str, Any]:
        """Database columns of this record (without record_id/version bookkeeping)."""
        row: dict[str, Any] = {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name not in ("referrals", "languages")
        }
        # stored in UTC (naive column); the visit's day is the day where it happened
        row["visited_at"] = self.visited_at.replace(tzinfo=None)
        row["visit_date"] = self.visited_local.date()
        row["languages"] = ";".join(self.languages)
        for c in CATEGORIES:
            row[f"referrals_{c}"] = self.referrals[c]
        return row

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> VisitRecord:
        """Rebuild a record from a database row."""
        kwargs = {
            f.name: row[f.name]
            for f in fields(cls)
            if f.name not in ("referrals", "languages") and f.name in row
        }
        kwargs["referrals"] = {c: int(row[f"referrals_{c}"] or 0) for c in CATEGORIES}
        kwargs["languages"] = _text(row.get("languages"))
        kwargs["timezone"] = _text(row.get("timezone")) or "UTC"
        at = kwargs.get("visited_at")
        if isinstance(at, dt.datetime) and at.tzinfo is None:
            kwargs["visited_at"] = at.replace(tzinfo=dt.UTC)  # stored in UTC
        for k in ("lon", "lat"):
            v = kwargs.get(k)
            kwargs[k] = None if v is None or (isinstance(v, float) and math.isnan(v)) else v
        return cls(**kwargs)


#: Columns of a record as stored and returned by ``visits_frame``.
RECORD_COLUMNS: tuple[str, ...] = (
    "record_id",
    "version",
    "planned_visit_id",
    "plan_id",
    "occurrence",
    "worker_id",
    "visited_at",
    "timezone",
    "visit_date",
    "outcome",
    "people_reached",
    *(f"referrals_{c}" for c in CATEGORIES),
    "service",
    "languages",
    "followup_needed",
    "followup_due",
    "followup_of",
    "note",
    "case_id",
    "lon",
    "lat",
    "unit_id",
    "voided",
    "recorded_by",
    "recorded_at",
    "idempotency_key",
)
#: Personal or internal columns never shown on maps or in exports.
PRIVATE_COLUMNS: tuple[str, ...] = ("case_id", "idempotency_key")
#: Columns of :func:`to_public_frame` (and of ``geo-outreach visits export``).
PUBLIC_COLUMNS: tuple[str, ...] = tuple(c for c in RECORD_COLUMNS if c not in PRIVATE_COLUMNS)


def to_public_frame(df: Any) -> Any:
    """Drop personal and internal columns (``case_id``, ``idempotency_key``) from a visits table.

    Use it before showing visits on a map, in a chart or in a file that leaves the agency.
    """
    return df.drop(columns=[c for c in PRIVATE_COLUMNS if c in df.columns])


def build_metadata(*, postgis: bool = False) -> sa.MetaData:
    """Tables of the newest schema; with ``postgis`` a ``geom`` Point(4326) column too."""
    md = sa.MetaData()
    cols: list[sa.Column[Any]] = [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("idempotency_key", sa.String(128), nullable=False, unique=True),
        sa.Column("planned_visit_id", sa.String(128), nullable=False, server_default=""),
        sa.Column("plan_id", sa.Integer, nullable=True),
        sa.Column("occurrence", sa.Integer, nullable=False, server_default="0"),
        sa.Column("worker_id", sa.String(128), nullable=False),
        sa.Column("visited_at", sa.DateTime, nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False, server_default=""),
        sa.Column("visit_date", sa.Date, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("people_reached", sa.Integer, nullable=False, server_default="0"),
        *(
            sa.Column(f"referrals_{c}", sa.Integer, nullable=False, server_default="0")
            for c in CATEGORIES
        ),
        sa.Column("service", sa.String(32), nullable=False, server_default=""),
        sa.Column("languages", sa.String(128), nullable=False, server_default=""),
        sa.Column("followup_needed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("followup_due", sa.Date, nullable=True),
        sa.Column("followup_of", sa.String(36), nullable=False, server_default=""),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("case_id", sa.String(128), nullable=False, server_default=""),
        sa.Column("lon", sa.Float, nullable=True),
        sa.Column("lat", sa.Float, nullable=True),
        sa.Column("unit_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("voided", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("recorded_by", sa.String(128), nullable=False, server_default=""),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    ]
    if postgis:
        from geoalchemy2 import Geometry

        cols.append(sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False)))
    sa.Table(
        "visit_versions",
        md,
        *cols,
        sa.UniqueConstraint("record_id", "version", name="uq_visit_versions_record_version"),
        sa.Index("ix_visit_versions_visit_date", "visit_date"),
        sa.Index("ix_visit_versions_planned_visit_id", "planned_visit_id"),
        sa.Index("ix_visit_versions_plan_id", "plan_id"),
    )
    sa.Table(
        "visit_audit",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("record_id", sa.String(36), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("field", sa.String(64), nullable=True),
        sa.Column("old_value", sa.Text, nullable=True),
        sa.Column("new_value", sa.Text, nullable=True),
        sa.Column("changed_by", sa.String(128), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
    )
    return md
