"""``geo-outreach need``: CDC SVI percentile ranks or a custom need index per unit.

Examples::

    geo-outreach need svi_oregon.csv -o svi_ranks.csv
    geo-outreach need tracts.gpkg -o need.csv --method custom --preset health_access
    geo-outreach need units.csv -o need.csv --method custom --variables "EP_POV150:1,EP_NOVEH:0.5"
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo_outreach.errors import InputError
from geo_outreach.i18n import _

__all__ = ["register", "run"]

logger = logging.getLogger(__name__)

_ID_CANDIDATES = ("GEOID", "FIPS", "unit_id", "GEOID20", "geoid")
_SVI_OUT = {
    "RPL_THEME1": "rpl_theme1",
    "RPL_THEME2": "rpl_theme2",
    "RPL_THEME3": "rpl_theme3",
    "RPL_THEME4": "rpl_theme4",
    "RPL_THEMES": "rpl_themes",
}


def register(subparsers: Any) -> None:
    """Add the ``need`` command to the CLI."""
    from geo_outreach.analysis.need import PRESETS

    parser = subparsers.add_parser(
        "need",
        help="rank units by social vulnerability (CDC SVI) or a custom need index",
        description=(
            "Compute CDC/ATSDR SVI 2020 percentile ranks (ranked over the units in INPUT, "
            "not over the whole state as CDC does) or a custom need index, and write one "
            "row per unit to a CSV. Units with zero population or missing inputs get empty "
            "scores."
        ),
    )
    parser.add_argument(
        "input",
        metavar="INPUT",
        help="CSV or GeoPackage with an id column (GEOID or FIPS) and the needed columns "
        "(CDC SVI names: E_TOTPOP, EP_*)",
    )
    parser.add_argument("-o", "--output", required=True, metavar="OUT.csv", help="CSV to write")
    parser.add_argument(
        "--method",
        choices=("cdc-svi", "custom"),
        default="cdc-svi",
        help="cdc-svi (default): columns GEOID, rpl_theme1..4, rpl_themes; custom: GEOID "
        "(or unit_id), need_score, need_rank",
    )
    parser.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        help="custom method: a ready-made need index (see docs/need.md)",
    )
    parser.add_argument(
        "--variables",
        metavar="COL:W,...",
        help="custom method: columns and weights, e.g. 'EP_POV150:1,EP_NOVEH:0.5'; a negative "
        "weight means a higher value is less need",
    )
    parser.add_argument(
        "--score-column",
        metavar="COL",
        help="custom method: use a column that already holds a 0..1 need score (e.g. RPL_THEMES)",
    )
    parser.add_argument(
        "--normalization",
        choices=("percentile", "zscore"),
        default="percentile",
        help="custom --variables: how each column is normalised (default percentile)",
    )
    parser.add_argument(
        "--id-col", default="auto", help="id column (default: GEOID, FIPS or unit_id)"
    )
    parser.add_argument("--layer", help="GeoPackage layer (default: the first layer)")
    parser.set_defaults(func=run)


def _find_id_column(columns: list[str], id_col: str, source: str) -> str:
    if id_col != "auto":
        if id_col not in columns:
            raise InputError(
                _("{source}: id column {column} not found (columns: {columns})").format(
                    source=source,
                    column=repr(id_col),
                    columns=", ".join(columns[:10]) + (", ..." if len(columns) > 10 else ""),
                ),
                source=id_col,
            )
        return id_col
    found = next((c for c in _ID_CANDIDATES if c in columns), None)
    if found is None:
        raise InputError(
            _("{source}: no id column (expected GEOID or FIPS); name it with --id-col").format(
                source=source
            ),
            source=source,
        )
    return found


def read_units(path: str | Path, *, id_col: str = "auto", layer: str | None = None):
    """Read a CSV or GeoPackage of units, the id column as text; return ``(df, id_col)``."""
    path = Path(path)
    if not path.exists():
        raise InputError(
            _("input file not found: {path} does not exist").format(path=repr(str(path))),
            source=str(path),
        )
    if path.is_dir():
        raise InputError(
            _("input {path} is a folder; give a file").format(path=repr(str(path))),
            source=str(path),
        )
    suffix = path.suffix.lower()
    if suffix in (".gpkg", ".shp", ".geojson", ".json", ".fgb"):
        import geopandas as gpd
        import pyogrio

        try:
            df = gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as exc:
            raise InputError(
                _("cannot read {path}: {reason}").format(path=repr(str(path)), reason=exc),
                source=str(path),
            ) from exc
        cols = [str(c) for c in df.columns]
        idc = _find_id_column(cols, id_col, str(path))
        if pd.api.types.is_numeric_dtype(df[idc]):
            logger.warning(
                "%s: id column %r is stored as a number; leading zeros may be lost", path, idc
            )
        df[idc] = df[idc].astype(str)
        return df, idc
    if suffix not in (".csv", ".txt", ".tsv"):
        raise InputError(
            _("input {path} must be a .csv or .gpkg file (got {suffix})").format(
                path=repr(str(path)), suffix=repr(suffix or "no extension")
            ),
            source=str(path),
        )
    from geo_outreach.data.readers import read_csv_table

    header = read_csv_table(path, what="input", nrows=0)
    cols = [str(c) for c in header.columns]
    idc = _find_id_column(cols, id_col, str(path))
    df = read_csv_table(path, what="input", str_columns=[idc])
    df[idc] = df[idc].str.strip()
    return df, idc


def _fmt4(values: pd.Series) -> list[str]:
    arr = values.to_numpy(dtype=float, na_value=np.nan)
    return ["" if np.isnan(x) else f"{x:.4f}" for x in arr]


def run(args: argparse.Namespace) -> int:
    """Run ``geo-outreach need``; return the exit status."""

    custom_opts = [
        o
        for o, v in (
            ("--preset", args.preset),
            ("--variables", args.variables),
            ("--score-column", args.score_column),
        )
        if v
    ]
    if args.method == "cdc-svi" and custom_opts:
        raise InputError(
            _("{options} need --method custom").format(options=", ".join(custom_opts)),
            source=custom_opts[0],
        )
    if args.method == "custom" and len(custom_opts) != 1:
        raise InputError(
            _(
                "--method custom needs exactly one of --preset NAME, --variables 'COL:W,...' or "
                "--score-column COL"
            ),
            source="--method",
        )
    from geo_outreach.cli._common import check_output
    from geo_outreach.files import atomic_file

    out_path = check_output(args, suffixes=(".csv",), inputs=(args.input,))

    df, idc = read_units(args.input, id_col=args.id_col, layer=args.layer)
    logger.info("read %d units from %s (id column %r)", len(df), args.input, idc)
    if len(df) < 2:
        raise InputError(
            (
                _(
                    "{input} has no data rows; need ranks units against each other, so give at "
                    "least two units"
                )
                if len(df) == 0
                else _(
                    "{input} has one unit; need ranks units against each other, so give at "
                    "least two units"
                )
            ).format(input=args.input),
            source=str(args.input),
        )

    try:
        table, n_scored = _score(args, df, idc)
    except InputError as exc:
        if str(args.input) in str(exc) or str(exc.source or "").startswith("--"):
            raise
        raise InputError(
            f"{args.input}: {exc}",
            source=str(args.input),
            row=exc.row,
            column=exc.column,
            parameter=exc.parameter,
        ) from None

    with atomic_file(out_path) as tmp:
        table.to_csv(tmp, index=False)
    logger.info("wrote %s: %d units, %d scored", out_path, len(table), n_scored)
    if n_scored < len(table):
        logger.warning(
            "%d of %d units have no score (zero population or missing values)",
            len(table) - n_scored,
            len(table),
        )
    return 0


def _score(args: argparse.Namespace, df: pd.DataFrame, idc: str) -> tuple[pd.DataFrame, int]:
    from geo_outreach.analysis.need import PRESETS, NeedIndexSpec, compute_need, parse_variables
    from geo_outreach.analysis.svi import compute_svi

    if args.method == "cdc-svi":
        res = compute_svi(df, id_col=idc)
        table = pd.DataFrame({"GEOID": res["unit_id"].astype(str)})
        for src, dst in _SVI_OUT.items():
            table[dst] = _fmt4(res[src])
        n_scored = int(res["svi_ranked"].sum())
    else:
        if args.preset:
            spec = PRESETS[args.preset]
        elif args.variables:
            spec = NeedIndexSpec.from_weights(
                parse_variables(args.variables), normalization=args.normalization
            )
        else:
            spec = NeedIndexSpec.precomputed(args.score_column)
        res = compute_need(df, spec, id_col=idc)
        id_name = "GEOID" if idc in ("GEOID", "FIPS", "GEOID20", "geoid") else "unit_id"
        table = pd.DataFrame({id_name: res["unit_id"].astype(str)})
        table["need_score"] = _fmt4(res["need_score"])
        table["need_rank"] = [
            "" if pd.isna(r) else str(int(r)) for r in res["need_rank"].astype(object)
        ]
        n_scored = int(res["need_score"].notna().sum())
    return table, n_scored
