"""CSV import of visit records: every row is checked first, then all are stored in one
transaction (all or nothing).

Columns (``docs/visits.md``): ``worker_id, visited_at, outcome`` required; optional
``planned_visit_id`` (or ``visit_id``), ``people_reached``, ``referrals_<category>`` for each
of :data:`~geo_outreach.visits.models.CATEGORIES`, ``service``, ``languages`` (``en;es``),
``followup_needed`` (yes/no), ``followup_due``, ``followup_of``, ``note``, ``case_id``,
``lon``, ``lat``, ``unit_id`` and ``idempotency_key``.  Columns written by ``geo-outreach
visits export`` (``record_id, version, visit_date, voided, recorded_by, recorded_at``) are
accepted too, so an export can be imported into another database (voided rows are skipped).

Each row gets an idempotency key: the ``idempotency_key`` column, else ``record_id`` +
``version`` of an export, else a hash of the row's content.  Importing the same file twice
therefore stores its visits once.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from geo_outreach.errors import InputError
from geo_outreach.i18n import _

from .models import CATEGORIES, RECORD_COLUMNS, VisitRecord, parse_bool
from .store import VisitStore, _check_planned, plan_visit_ids, write_many

__all__ = ["IMPORT_COLUMNS", "ImportResult", "import_csv", "read_visits_log_csv"]

_REQUIRED = ("worker_id", "visited_at", "outcome")
_EXPORT_ONLY = ("record_id", "version", "visit_date", "voided", "recorded_by", "recorded_at")
#: Columns a visits CSV may have: the stored record's columns a user writes, the three
#: required ones first (export-only columns are accepted but not read as data).
IMPORT_COLUMNS: tuple[str, ...] = (
    *_REQUIRED,
    *(c for c in RECORD_COLUMNS if c not in _REQUIRED and c not in _EXPORT_ONLY),
)
_MAX_ERRORS = 10


@dataclass(frozen=True)
class ImportResult:
    """What an import did.

    Attributes
    ----------
    rows
        Data rows in the file.
    inserted
        Visits newly stored.
    already_stored
        Rows whose idempotency key was stored before (earlier import, or another writer).
    duplicates_in_file
        Rows identical to an earlier row of the same file (stored once).
    skipped_voided
        Rows of an export marked ``voided`` (not imported).
    record_ids
        Ids of the new visits, in file order.
    """

    path: str
    rows: int
    inserted: int
    already_stored: int
    duplicates_in_file: int
    skipped_voided: int
    record_ids: tuple[str, ...]


def read_visits_log_csv(path: str | Path) -> pd.DataFrame:
    """Read a visits CSV as text columns (lower-case names), raising InputError when malformed."""
    from geo_outreach.data.readers import read_csv_text

    p = Path(path)
    if not p.is_file():
        raise InputError(_("{path}: file not found").format(path=p), source=str(p))
    text, sep = read_csv_text(p, what="visits")
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
        rows = [(reader.line_num, r) for r in reader]
    except csv.Error as exc:
        raise InputError(
            _("{file}: not a well-formed CSV ({exc}); check the quotes in notes").format(
                file=p.name, exc=exc
            ),
            source=str(p),
        ) from None
    rows = [(n, r) for n, r in rows if any(x.strip() for x in r)]  # skip blank lines
    if not rows:
        raise InputError(
            _(
                "{file}: the file is empty; it needs a header row "
                "({columns}, ...) and one row per visit"
            ).format(file=p.name, columns=", ".join(_REQUIRED)),
            source=str(p),
        )
    header, body = rows[0][1], rows[1:]
    for n, r in body:
        if len(r) != len(header):
            raise InputError(
                _(
                    "{file}: not a well-formed CSV: row {row} has {got} fields but the header "
                    "has {expected}; quote notes that contain commas and remove extra fields"
                ).format(file=p.name, row=n, got=len(r), expected=len(header)),
                source=str(p),
            )
    # the index is the file's line number, used in error messages
    df = pd.DataFrame(
        [r for _, r in body], columns=header, index=[n for n, _ in body], dtype=object
    )
    df.columns = [str(c).strip().lower() for c in df.columns]
    if sep != ",":
        from geo_outreach.data.readers import normalize_decimal_commas

        df = normalize_decimal_commas(df)
    if "visit_id" in df.columns and "planned_visit_id" not in df.columns:
        df = df.rename(columns={"visit_id": "planned_visit_id"})
    missing = [c for c in _REQUIRED if c not in df.columns]
    if missing:
        raise InputError(
            _(
                "{file}: missing column(s) {missing}; a visits CSV needs {columns} "
                "(see docs/visits.md)"
            ).format(file=p.name, missing=missing, columns=", ".join(_REQUIRED)),
            source=str(p),
        )
    unknown = [c for c in df.columns if c not in IMPORT_COLUMNS and c not in _EXPORT_ONLY]
    if unknown:
        raise InputError(
            _(
                "{file}: unknown column(s) {unknown}; rename them to one of "
                "{columns} or remove them (see docs/visits.md)"
            ).format(file=p.name, unknown=unknown, columns=", ".join(IMPORT_COLUMNS)),
            source=str(p),
        )
    dup = sorted({c for c in df.columns if list(df.columns).count(c) > 1})
    if dup:
        raise InputError(
            _("{file}: column(s) {columns} appear twice").format(file=p.name, columns=dup),
            source=str(p),
        )
    return df


def _content_key(rec: VisitRecord) -> str:
    row = rec.to_row()
    text = json.dumps({k: row[k] for k in sorted(row)}, default=str, sort_keys=True)
    return "imp:" + hashlib.sha256(text.encode()).hexdigest()[:40]


def _record(row: pd.Series, cols: list[str], timezone: str = "UTC") -> VisitRecord:
    kw: dict[str, Any] = {
        c: row[c] for c in cols if c in row.index and not c.startswith("referrals_")
    }
    kw.pop("idempotency_key", None)
    kw["timezone"] = str(kw.get("timezone") or "").strip() or timezone
    kw["referrals"] = {
        c: row[f"referrals_{c}"] for c in CATEGORIES if f"referrals_{c}" in row.index
    }
    return VisitRecord(**kw)


def import_csv(
    store: VisitStore,
    path: str | Path,
    *,
    recorded_by: str = "",
    plan: Any = None,
    now: dt.datetime | None = None,
    timezone: str = "UTC",
) -> ImportResult:
    """Import a visits CSV into the log: all rows or none.

    Parameters
    ----------
    store
        From :func:`~geo_outreach.visits.store.open_store`.
    path
        The CSV (columns in the module docstring and ``docs/visits.md``).
    recorded_by
        Who imports (default: each row's ``worker_id``).
    plan
        A plan (stops/visits table with ``visit_id``, or ids): every non-empty
        ``planned_visit_id`` must be in it.
    now
        Current time (tests): rows dated later (+10 min) are rejected.
    timezone
        The region's IANA zone: times without an offset (and rows without a ``timezone``
        column) are wall-clock times there; the log stores UTC.

    Raises
    ------
    InputError
        The file is malformed or any row is invalid (the message lists up to 10 rows with
        what is wrong).  Nothing is stored then.
    """
    p = Path(path)
    df = read_visits_log_csv(p)
    ids = plan_visit_ids(plan)
    fields = [c for c in IMPORT_COLUMNS if c in df.columns]
    errors: list[str] = []
    records: list[VisitRecord] = []
    keys: list[str] = []
    seen: set[str] = set()
    dups = voided = 0
    for i, row in df.iterrows():
        try:
            if "voided" in df.columns and parse_bool(row["voided"], "voided"):
                voided += 1
                continue
            rec = _record(row, fields, timezone)
            rec.check_not_future(now)
            _check_planned(rec, ids)
        except InputError as exc:
            errors.append(_("{file} row {row}: {error}").format(file=p.name, row=i, error=exc))
            continue
        key = row.get("idempotency_key", "").strip()
        if not key and row.get("record_id", "").strip():
            key = f"imp:{row['record_id'].strip()}:{row.get('version', '').strip() or '1'}"
        key = key or _content_key(rec)
        if key in seen:
            dups += 1
            continue
        seen.add(key)
        records.append(rec)
        keys.append(key)
    if errors:
        more = len(errors) - _MAX_ERRORS
        shown = errors[:_MAX_ERRORS]
        if more > 0:
            shown.append(_("and {n} more row(s)").format(n=more))
        raise InputError(
            _("{file}: {n} invalid row(s), nothing imported: {errors}").format(
                file=p.name, n=len(errors), errors="; ".join(shown)
            ),
            source=str(p),
        )
    new_ids, already = write_many(store, records, keys=keys, recorded_by=recorded_by)
    return ImportResult(
        path=str(p),
        rows=len(df),
        inserted=len(new_ids),
        already_stored=already,
        duplicates_in_file=dups,
        skipped_voided=voided,
        record_ids=tuple(new_ids),
    )
