"""Writing the tool's outputs: atomically, and folders with a manifest readers check.

One home for file writing (layer 0). Every file or folder geo_outreach writes goes
through :func:`atomic_file` or :func:`atomic_dir`: the content is written under a
temporary name beside the target and renamed into place only when it is complete,
so an error or an interrupt (Ctrl-C) leaves the previous output or none, never a
half-written one.

Folders the tool writes (a plan, a field packet...) carry a small JSON manifest
(:func:`write_manifest`) listing each file with its size, row count and SHA-256.
Readers call :func:`check_manifest`: a missing file or a wrong row count is refused
with an :class:`~geo_outreach.errors.InputError`; a changed hash (the CSV was opened
and saved in a spreadsheet) only warns. The manifest has no timestamps, so the same
content gives the same bytes.

Examples
--------
>>> with atomic_file("out/stops.csv") as tmp:          # doctest: +SKIP
...     table.to_csv(tmp, index=False)
>>> with atomic_dir("out/plan") as tmp:                # doctest: +SKIP
...     (tmp / "stops.csv").write_text(...)
...     write_manifest(tmp, kind="plan", meta={"seed": 0})
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import uuid
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from geo_outreach.errors import InputError
from geo_outreach.i18n import _

__all__ = [
    "MANIFEST_VERSION",
    "DamagedOutputWarning",
    "atomic_dir",
    "atomic_file",
    "check_manifest",
    "check_output_path",
    "count_rows",
    "read_manifest",
    "write_bytes",
    "write_json",
    "write_manifest",
    "write_text",
]

log = logging.getLogger(__name__)

#: Version of the manifest format written by :func:`write_manifest`.
MANIFEST_VERSION = 1

#: Marker file that says a folder was written by geo_outreach (so it may be replaced).
_TEMP_PREFIX = ".geo_outreach-tmp-"


class DamagedOutputWarning(UserWarning):
    """A file of a folder written by geo_outreach changed since it was written."""


def check_output_path(
    path: str | os.PathLike[str],
    *,
    kind: str = "file",
    suffixes: tuple[str, ...] | None = None,
    inputs: tuple[str | os.PathLike[str] | None, ...] = (),
    replace_dir_with_manifest: bool = True,
    parameter: str = "out",
) -> Path:
    """Check that ``path`` can take an output before any work starts.

    Parameters
    ----------
    path
        The output file or folder.
    kind
        ``"file"`` or ``"dir"``.
    suffixes
        Accepted file name endings (e.g. ``(".gpkg",)``); ``None`` accepts any.
    inputs
        Input files of the same command: an output equal to one of them is refused.
    replace_dir_with_manifest
        For ``kind="dir"``: an existing folder is accepted only when it is empty or
        carries a manifest (it was written by this tool and may be replaced).
    parameter
        Name of the parameter, used in messages.

    Returns
    -------
    pathlib.Path
        The path, resolved.

    Raises
    ------
    InputError
        When the parent folder is missing or not writable, the path is of the wrong
        kind, is an input, or has an unsupported extension.
    """
    target = Path(path).expanduser()
    resolved = target.resolve()
    for item in inputs:
        if item is not None and Path(item).expanduser().resolve() == resolved:
            raise InputError(
                _("{parameter} {path} is also an input; choose another output path").format(
                    parameter=parameter, path=target
                ),
                source=str(target),
                parameter=parameter,
            )
    if suffixes is not None and kind == "file":
        name = target.name.lower()
        if not any(name.endswith(s.lower()) for s in suffixes):
            raise InputError(
                (
                    _(
                        "{parameter} {path}: unsupported file type; use a name ending in "
                        "{suffixes} or {last}"
                    )
                    if len(suffixes) > 1
                    else _("{parameter} {path}: unsupported file type; use a name ending in {last}")
                ).format(
                    parameter=parameter,
                    path=target,
                    suffixes=", ".join(suffixes[:-1]),
                    last=suffixes[-1],
                ),
                source=str(target),
                parameter=parameter,
            )
    parent = resolved.parent
    if not parent.exists():
        raise InputError(
            _(
                "{parameter} {path}: folder {folder} does not exist; create it first "
                "or choose another path"
            ).format(parameter=parameter, path=target, folder=parent),
            source=str(target),
            parameter=parameter,
        )
    if not parent.is_dir():
        raise InputError(
            _("{parameter} {path}: {folder} is not a folder").format(
                parameter=parameter, path=target, folder=parent
            ),
            source=str(target),
            parameter=parameter,
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(
            _(
                "{parameter} {path}: folder {folder} is not writable; "
                "choose a folder you can write to"
            ).format(parameter=parameter, path=target, folder=parent),
            source=str(target),
            parameter=parameter,
        )
    if resolved.exists():
        if kind == "file" and resolved.is_dir():
            raise InputError(
                _("{parameter} {path} is a folder; give a file name").format(
                    parameter=parameter, path=target
                ),
                source=str(target),
                parameter=parameter,
            )
        if kind == "dir":
            if not resolved.is_dir():
                raise InputError(
                    _("{parameter} {path} is a file; give a folder name").format(
                        parameter=parameter, path=target
                    ),
                    source=str(target),
                    parameter=parameter,
                )
            if (
                replace_dir_with_manifest
                and any(resolved.iterdir())
                and not _has_manifest(resolved)
            ):
                raise InputError(
                    _(
                        "{parameter} {path} is a folder that geo_outreach did not write; "
                        "give a new or empty folder"
                    ).format(parameter=parameter, path=target),
                    source=str(target),
                    parameter=parameter,
                )
    return resolved


def _has_manifest(folder: Path) -> bool:
    return any(p.suffix == ".json" and _is_manifest(p) for p in folder.glob("*.json"))


def _is_manifest(path: Path) -> bool:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("written_by") == "geo_outreach" and "files" in data


def _temp_sibling(target: Path) -> Path:
    return target.with_name(f"{_TEMP_PREFIX}{uuid.uuid4().hex[:12]}-{target.name}")


def _output_error(target: Path, exc: OSError) -> InputError:
    reason = exc.strerror or type(exc).__name__
    return InputError(
        _("cannot write {path}: {reason}; choose a path you can write to").format(
            path=target, reason=reason
        ),
        source=str(target),
    )


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` when the block ends.

    If the block raises (or is interrupted), the temporary file is removed and
    ``path`` keeps its previous content (or stays absent). The suffix of the
    temporary name equals the target's, so writers that pick a format from the
    extension (GeoPackage, Parquet, PDF) work unchanged.
    """
    target = Path(path).expanduser()
    if target.is_dir():
        raise InputError(
            _("{path} is a folder; give a file name").format(path=target), source=str(target)
        )
    if not target.parent.is_dir():
        raise InputError(
            _("cannot write {path}: folder {folder} does not exist; create it first").format(
                path=target, folder=target.parent
            ),
            source=str(target),
        )
    tmp = _temp_sibling(target)
    try:
        yield tmp
        if not tmp.exists():
            raise RuntimeError(f"nothing was written to the temporary file for {target}")
        os.replace(tmp, target)
    except OSError as exc:
        _remove(tmp)
        if isinstance(
            exc, PermissionError | FileNotFoundError | IsADirectoryError | NotADirectoryError
        ):
            raise _output_error(target, exc) from exc
        raise
    except BaseException:
        _remove(tmp)
        raise


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a new temporary folder beside ``path``; swap it in for ``path`` at the end.

    An existing folder at ``path`` is replaced only when the block succeeds (it is
    moved aside, the new folder renamed in, then the old one removed). On error or
    interrupt the temporary folder is removed and ``path`` is untouched.
    """
    target = Path(path).expanduser()
    if target.exists() and not target.is_dir():
        raise InputError(
            _("{path} is a file; give a folder name").format(path=target), source=str(target)
        )
    if not target.parent.is_dir():
        raise InputError(
            _("cannot write {path}: folder {folder} does not exist; create it first").format(
                path=target, folder=target.parent
            ),
            source=str(target),
        )
    tmp = _temp_sibling(target)
    try:
        tmp.mkdir()
    except OSError as exc:
        raise _output_error(target, exc) from exc
    old: Path | None = None
    try:
        yield tmp
        if target.exists():
            old = _temp_sibling(target)
            os.replace(target, old)
        os.replace(tmp, target)
    except BaseException:
        if old is not None and old.exists() and not target.exists():
            os.replace(old, target)
            old = None
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


def write_text(path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically and return the path."""
    target = Path(path)
    with atomic_file(target) as tmp:
        tmp.write_text(text, encoding=encoding)
    return target


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and return the path."""
    target = Path(path)
    with atomic_file(target) as tmp:
        tmp.write_bytes(data)
    return target


def write_json(path: str | os.PathLike[str], obj: Any) -> Path:
    """Write ``obj`` as indented, key-sorted JSON atomically (same object, same bytes)."""
    return write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=_json_default) + "\n")


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def count_rows(path: str | os.PathLike[str]) -> int | None:
    """Return the number of data rows of a table file, or ``None`` for other files.

    CSV: records after the header (quoted newlines handled); GeoJSON: features;
    Parquet: rows from the footer. Other files have no row count.
    """
    p = Path(path)
    name = p.name.lower()
    if name.endswith(".csv"):
        import csv

        with p.open(newline="", encoding="utf-8-sig", errors="replace") as fh:
            n = sum(1 for _ in csv.reader(fh))
        return max(n - 1, 0)
    if name.endswith((".geojson", ".json")) and name != "manifest.json":
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if isinstance(data, dict) and isinstance(data.get("features"), list):
            return len(data["features"])
        return None
    if name.endswith(".parquet"):
        try:
            import pyarrow.parquet as pq

            return int(pq.ParquetFile(p).metadata.num_rows)
        except Exception:
            return None
    return None


def write_manifest(
    folder: str | os.PathLike[str],
    *,
    kind: str,
    meta: Mapping[str, Any] | None = None,
    name: str = "manifest.json",
) -> Path:
    """Write the manifest of ``folder``: every file with size, rows and SHA-256.

    Parameters
    ----------
    folder
        The folder (usually the temporary folder of :func:`atomic_dir`).
    kind
        What the folder is (``"plan"``, ``"packet"``...); readers check it.
    meta
        More JSON-serialisable fields stored at the top level (no timestamps, so the
        same content gives the same bytes).
    name
        File name of the manifest inside the folder.
    """
    root = Path(folder)
    files = {}
    for p in sorted(root.rglob("*")):
        if not p.is_file() or p.name == name:
            continue
        rel = p.relative_to(root).as_posix()
        entry: dict[str, Any] = {"bytes": p.stat().st_size, "sha256": _sha256(p)}
        rows = count_rows(p)
        if rows is not None:
            entry["rows"] = rows
        files[rel] = entry
    body: dict[str, Any] = dict(meta or {})
    body.update(
        {
            "written_by": "geo_outreach",
            "manifest_version": MANIFEST_VERSION,
            "kind": kind,
            "files": files,
        }
    )
    return write_json(root / name, body)


def read_manifest(folder: str | os.PathLike[str], *, name: str = "manifest.json") -> dict[str, Any]:
    """Return the manifest of ``folder`` without checking the files.

    Raises
    ------
    InputError
        When the folder has no readable manifest.
    """
    path = Path(folder) / name
    if not Path(folder).is_dir():
        raise InputError(
            _("{folder} is not a folder written by geo_outreach").format(folder=folder),
            source=str(folder),
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(
            _(
                "{folder} has no {name}: it was not written by this version of geo_outreach "
                "or it is incomplete; write it again"
            ).format(folder=folder, name=name),
            source=str(path),
        ) from exc
    except (OSError, ValueError) as exc:
        raise InputError(
            _("{path} is damaged ({exc}); write the folder again").format(path=path, exc=exc),
            source=str(path),
        ) from exc
    if not isinstance(data, dict) or data.get("written_by") != "geo_outreach":
        raise InputError(
            _("{path} is not a geo_outreach manifest").format(path=path), source=str(path)
        )
    return data


def check_manifest(
    folder: str | os.PathLike[str], *, kind: str | None = None, name: str = "manifest.json"
) -> dict[str, Any]:
    """Check ``folder`` against its manifest and return the manifest.

    Raises
    ------
    InputError
        When the manifest is missing, of another kind, a listed file is missing or
        its row count differs (a cut or damaged file).

    Warns
    -----
    DamagedOutputWarning
        When a file's hash differs but its rows still match (e.g. re-saved by a
        spreadsheet).
    """
    root = Path(folder)
    manifest = read_manifest(root, name=name)
    if kind is not None and manifest.get("kind") != kind:
        raise InputError(
            _("{folder} holds a {found}, not a {expected}; give a {kind} folder").format(
                folder=root, found=repr(manifest.get("kind")), expected=repr(kind), kind=kind
            ),
            source=str(root),
        )
    for rel, entry in sorted(manifest.get("files", {}).items()):
        p = root / rel
        if not p.is_file():
            raise InputError(
                (
                    _("{folder} is incomplete: {file} is missing; write the {kind} again")
                    if kind
                    else _("{folder} is incomplete: {file} is missing; write the folder again")
                ).format(folder=root, file=rel, kind=kind),
                source=str(p),
            )
        expected = entry.get("rows")
        if expected is not None:
            found = count_rows(p)
            if found != expected:
                raise InputError(
                    (
                        _(
                            "{path} has {found} rows but {expected} were written: the file is "
                            "cut or damaged; write the {kind} again"
                        )
                        if kind
                        else _(
                            "{path} has {found} rows but {expected} were written: the file is "
                            "cut or damaged; write the folder again"
                        )
                    ).format(path=p, found=found, expected=expected, kind=kind),
                    source=str(p),
                )
        if entry.get("sha256") and _sha256(p) != entry["sha256"]:
            warnings.warn(
                _(
                    "{path} changed since geo_outreach wrote it (opened and saved elsewhere?); "
                    "reading it anyway"
                ).format(path=p),
                DamagedOutputWarning,
                stacklevel=2,
            )
    return manifest
