"""CDC/ATSDR Social Vulnerability Index (SVI 2020 method), computed over the tracts given.

The method (CDC/ATSDR SVI 2020 documentation, checked against CDC's published Oregon
ranks, see ``docs/need.md``):

1. Tracts with a total population (``E_TOTPOP``) of zero are removed before ranking.
2. Each of the 16 ``EP_`` percentages is percentile-ranked across the remaining tracts:
   ``EPL = (rank - 1) / (n - 1)``, ties sharing the lowest rank, rounded to 4 decimals
   (half up). Higher percentage = more vulnerable for all 16 variables.
3. ``SPL_THEMEn`` = sum of the theme's ``EPL`` values; ``RPL_THEMEn`` = its percentile rank.
4. ``SPL_THEMES`` = sum of the four theme sums; ``RPL_THEMES`` = its percentile rank.
5. Flags: ``F_var`` = 1 where ``EPL >= 0.90``; ``F_THEMEn`` counts a theme's flags;
   ``F_TOTAL`` sums them.

Missing values (``-999`` or empty) in a variable: the tract is left out of that variable's
ranking (``n`` counts only tracts with a value) and every sum and rank that depends on the
variable is missing for the tract (the CDC convention for unranked tracts); the tract is
then also left out of the theme and overall re-rankings it cannot enter.  Results use NaN
(not -999) for missing values.

Ranks are relative to the set of tracts passed: CDC ranks a whole state (or the nation), so
ranks computed for one county differ from CDC's published state ranks.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from geo_outreach.errors import InputError
from geo_outreach.i18n import N_, _

__all__ = [
    "FLAG_THRESHOLD",
    "SVI_DENOMINATORS",
    "SVI_THEMES",
    "SVI_VARIABLES",
    "compute_svi",
    "percentages_from_counts",
    "percentrank_inc",
    "resolve_id_column",
    "svi_from_counts",
]

logger = logging.getLogger(__name__)

#: The SVI 2020 themes and their variables (column suffixes after ``EP_`` / ``EPL_`` / ``F_``).
SVI_THEMES: dict[int, tuple[str, ...]] = {
    1: ("POV150", "UNEMP", "HBURD", "NOHSDP", "UNINSUR"),
    2: ("AGE65", "AGE17", "DISABL", "SNGPNT", "LIMENG"),
    3: ("MINRTY",),
    4: ("MUNIT", "MOBILE", "CROWD", "NOVEH", "GROUPQ"),
}

#: All 16 variables in CDC's column order.
SVI_VARIABLES: tuple[str, ...] = tuple(v for vs in SVI_THEMES.values() for v in vs)

#: Percentile rank at or above which CDC flags a variable (top 10 %).
FLAG_THRESHOLD = 0.90

#: Denominator (universe) column of each variable, used by :func:`percentages_from_counts`.
#: ``E_TOTPOP``, ``E_HH`` and ``E_HU`` reproduce the ``EP_`` values of CDC's 2020 files
#: exactly; the other variables are published by the ACS against their own universes
#: (ACS 2016-2020 table in brackets), which CDC files do not carry: pass them under these
#: names or map them with ``denominators=``.
SVI_DENOMINATORS: dict[str, str] = {
    "POV150": "ET_POVSTATUS",  # persons for whom poverty status is determined (S1701_C01_001E)
    "UNEMP": "ET_EMPSTATUS",  # civilian labour force aged 16+ (DP03_0003E)
    "HBURD": "E_HH",  # occupied housing units (households)
    "NOHSDP": "ET_EDSTATUS",  # persons aged 25+ (B06009_001E)
    "UNINSUR": "ET_INSURSTATUS",  # civilian noninstitutionalized population (S2701_C01_001E)
    "AGE65": "E_TOTPOP",
    "AGE17": "E_TOTPOP",
    "DISABL": "ET_DISABLSTATUS",  # civilian noninstitutionalized population (DP02_0071E)
    "SNGPNT": "E_HH",
    "LIMENG": "ET_POP5",  # persons aged 5+ (B16005_001E)
    "MINRTY": "E_TOTPOP",
    "MUNIT": "E_HU",
    "MOBILE": "E_HU",
    "CROWD": "E_HH",
    "NOVEH": "E_HH",
    "GROUPQ": "E_TOTPOP",
}

#: Id columns tried, in order, when ``id_col="auto"``.
AUTO_ID_COLUMNS: tuple[str, ...] = ("unit_id", "GEOID", "FIPS", "GEOID20", "geoid")

MISSING_CODE = -999.0
_SCALE = 10_000  # EPL/RPL are kept as integers in units of 1e-4 for exact ties and sums


# --------------------------------------------------------------------------- ranking


def _rank_int(values: np.ndarray) -> np.ndarray:
    """Percent rank of the non-NaN entries in integer units of 1e-4 (half-up); NaN stays -1."""
    out = np.full(values.shape[0], -1, dtype=np.int64)
    ok = ~np.isnan(values)
    n = int(ok.sum())
    if n == 0:
        return out
    if n == 1:
        out[ok] = 0
        return out
    r = rankdata(values[ok], method="min").astype(np.int64) - 1  # 0-based, ties at lowest
    m = n - 1
    out[ok] = (2 * r * _SCALE + m) // (2 * m)  # round(r / m, 4) half up, in exact integers
    return out


def percentrank_inc(
    values: Iterable[float] | np.ndarray, *, decimals: int | None = 4
) -> np.ndarray:
    """Percentile rank of each value among the values given (Excel PERCENTRANK.INC).

    ``(rank - 1) / (n - 1)`` where ``rank`` is the 1-based ascending rank, tied values
    share the lowest rank, and ``n`` counts the non-missing values.  This is how CDC
    computes every ``EPL_`` / ``RPL_`` column.

    Parameters
    ----------
    values
        Numbers; NaN is missing (excluded from ``n`` and returned as NaN).  ``-999`` is
        *not* treated specially here: convert CDC's missing code first.
    decimals
        Round the result half up to this many decimals (CDC: 4; checked against CDC's
        files, which round rather than truncate as Excel does); ``None`` for no rounding.

    Returns
    -------
    numpy.ndarray
        Floats in 0..1 (0 for the lowest value, 1 for the highest), NaN where the input
        is NaN.  A single non-missing value gets 0.
    """
    arr = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=float)
    if arr.ndim != 1:
        raise InputError(_("percentrank_inc needs a one-dimensional sequence of numbers"))
    out = np.full(arr.shape[0], np.nan)
    ok = ~np.isnan(arr)
    n = int(ok.sum())
    if n == 0:
        return out
    if n == 1:
        out[ok] = 0.0
        return out
    if decimals == 4:
        out[ok] = _rank_int(arr[ok]) / _SCALE
        return out
    r = rankdata(arr[ok], method="min") - 1.0
    pr = r / (n - 1)
    if decimals is not None:
        if decimals < 0:
            raise InputError(_("decimals must be >= 0 or None, got {got}").format(got=decimals))
        scale = 10.0**decimals
        pr = np.floor(pr * scale + 0.5) / scale
    out[ok] = pr
    return out


# --------------------------------------------------------------------------- validation


def resolve_id_column(df: pd.DataFrame, id_col: str | None = "auto") -> str:
    """Return the name of ``df``'s unit-id column.

    ``"auto"`` tries ``unit_id``, ``GEOID``, ``FIPS``, ``GEOID20`` and ``geoid`` in turn.
    Raises :class:`InputError` when the column is absent, has empty values or duplicates.
    """
    if id_col in (None, "auto"):
        found = next((c for c in AUTO_ID_COLUMNS if c in df.columns), None)
        if found is None:
            raise InputError(
                _(
                    "no id column found: expected one of "
                    "{columns}; name the unit id column with id_col="
                ).format(columns=", ".join(AUTO_ID_COLUMNS)),
                source="id_col",
            )
        id_col = found
    if id_col not in df.columns:
        raise InputError(
            _("id column {column} is not in the data (columns: {columns})").format(
                column=repr(id_col), columns=_preview(df.columns)
            ),
            source=id_col,
        )
    ids = df[id_col]
    if ids.isna().any():
        raise InputError(
            _("id column {column} has {n} empty value(s); every unit needs an id").format(
                column=repr(id_col), n=int(ids.isna().sum())
            ),
            source=id_col,
        )
    dup = ids.astype(str)[ids.astype(str).duplicated()]
    if len(dup):
        raise InputError(
            _("id column {column} has duplicate ids (e.g. {example}); ids must be unique").format(
                column=repr(id_col), example=repr(dup.iloc[0])
            ),
            source=id_col,
        )
    return id_col


def _ids_as_str(df: pd.DataFrame, id_col: str) -> pd.Series:
    ids = df[id_col]
    if pd.api.types.is_numeric_dtype(ids):
        logger.warning(
            "id column %r is numeric: leading zeros (e.g. of GEOIDs) may have been lost; "
            "read it as text (dtype={%r: str})",
            id_col,
            id_col,
        )
        if pd.api.types.is_float_dtype(ids) and (ids % 1 == 0).all():
            ids = ids.astype("int64")
    return ids.astype(str).reset_index(drop=True)


def _preview(cols: Iterable[Any], k: int = 8) -> str:
    cols = [str(c) for c in cols]
    if len(cols) <= k:
        return ", ".join(cols)
    return _("{columns}, ... ({n} in all)").format(columns=", ".join(cols[:k]), n=len(cols))


def numeric_column(
    df: pd.DataFrame, col: str, *, missing_codes: tuple[float, ...] = (MISSING_CODE,)
) -> np.ndarray:
    """Column ``col`` as floats with ``missing_codes`` and empty cells as NaN.

    Raises :class:`InputError` naming the column and a bad value when it is absent or holds
    text that is not a number.
    """
    if col not in df.columns:
        raise InputError(
            _("column {column} is missing from the data").format(column=repr(col)), source=col
        )
    s = df[col]
    if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        conv = pd.to_numeric(s, errors="coerce")
        bad = s[conv.isna() & s.notna() & (s.astype(str).str.strip() != "")]
        if len(bad):
            raise InputError(
                _(
                    "column {column} must be numeric but holds {value} "
                    "({n} non-numeric value(s)); fix or blank those cells"
                ).format(column=repr(col), value=repr(bad.iloc[0]), n=len(bad)),
                source=col,
            )
        s = conv
    arr = s.to_numpy(dtype=float, na_value=np.nan).copy()
    for code in missing_codes:
        arr[arr == code] = np.nan
    if np.isinf(arr).any():
        raise InputError(
            _("column {column} holds infinite values").format(column=repr(col)), source=col
        )
    return arr


# --------------------------------------------------------------------------- SVI


def compute_svi(
    df: pd.DataFrame,
    *,
    id_col: str | None = "auto",
    population_col: str | None = "E_TOTPOP",
) -> pd.DataFrame:
    """Compute CDC/ATSDR SVI 2020 percentile ranks from ``EP_`` percentage columns.

    Parameters
    ----------
    df
        One row per tract with the 16 ``EP_<VAR>`` columns of :data:`SVI_VARIABLES`
        (percentages 0..100; ``-999`` or empty = missing), an id column and ``E_TOTPOP``.
        A GeoDataFrame is fine (geometry is ignored).
    id_col
        The unit-id column, or ``"auto"`` (``unit_id``, ``GEOID``, ``FIPS``...).  Keep ids
        as text: numeric ids lose leading zeros (a warning is logged).
    population_col
        Total population; tracts where it is 0 or missing are not ranked (CDC rule).
        ``None`` ranks every tract.

    Returns
    -------
    pandas.DataFrame
        One row per input row, same order: ``unit_id`` (str), ``population``,
        ``EPL_<VAR>`` (16), ``SPL_THEME1..4``, ``RPL_THEME1..4``, ``SPL_THEMES``,
        ``RPL_THEMES`` (floats, 4 decimals, NaN where not computed), ``F_<VAR>``,
        ``F_THEME1..4``, ``F_TOTAL`` (nullable Int64), ``svi_ranked`` (bool: has an
        overall rank) and ``svi_note`` (why a tract is unranked, else "").

    Raises
    ------
    InputError
        A required column is missing or not numeric, a percentage is outside 0..100,
        or the ids are empty/duplicated.
    """
    if not isinstance(df, pd.DataFrame):
        raise InputError(
            _("compute_svi needs a pandas DataFrame, got {got}").format(got=type(df).__name__)
        )
    id_col = resolve_id_column(df, id_col)
    missing_cols = [f"EP_{v}" for v in SVI_VARIABLES if f"EP_{v}" not in df.columns]
    if missing_cols:
        has_counts = all(f"E_{v[3:]}" in df.columns for v in missing_cols)
        msg = (
            _(
                "SVI needs the columns {columns} (the E_ counts are present: use "
                "svi_from_counts to derive the percentages)"
            )
            if has_counts
            else _("SVI needs the columns {columns}")
        )
        raise InputError(
            msg.format(columns=", ".join(missing_cols)),
            source=missing_cols[0],
        )
    n_rows = len(df)
    ep = {v: numeric_column(df, f"EP_{v}") for v in SVI_VARIABLES}
    for v, arr in ep.items():
        if n_rows and np.isnan(arr).all():
            raise InputError(
                _("column {column} has no values (all empty or -999)").format(
                    column=repr(f"EP_{v}")
                ),
                source=f"EP_{v}",
                column=f"EP_{v}",
            )
        bad = (arr < 0) | (arr > 100)
        if bad.any():
            raise InputError(
                _(
                    "column {column} must be a percentage 0..100 (or -999 for missing) but "
                    "holds {value}"
                ).format(column=repr(f"EP_{v}"), value=f"{arr[bad][0]:g}"),
                source=f"EP_{v}",
            )

    notes: list[list[str]] = [[] for _ in range(n_rows)]
    if population_col is not None:
        pop = numeric_column(df, population_col)
        if (pop < 0).any():
            raise InputError(
                _("column {column} has negative populations").format(column=repr(population_col)),
                source=population_col,
            )
        rankable = ~np.isnan(pop) & (pop > 0)
        for i in np.flatnonzero(~rankable):
            notes[i].append(
                "zero population" if not np.isnan(pop[i]) else f"{population_col} missing"
            )
    else:
        pop = np.full(n_rows, np.nan)
        rankable = np.ones(n_rows, dtype=bool)

    out: dict[str, Any] = {"unit_id": _ids_as_str(df, id_col), "population": pop}
    epl_int: dict[str, np.ndarray] = {}
    for v in SVI_VARIABLES:
        vals = np.where(rankable, ep[v], np.nan)
        epl_int[v] = _rank_int(vals)
        for i in np.flatnonzero(rankable & np.isnan(ep[v])):
            notes[i].append(f"EP_{v} missing")

    spl_int: dict[int, np.ndarray] = {}
    rpl_int: dict[int, np.ndarray] = {}
    for t, vs in SVI_THEMES.items():
        stack = np.stack([epl_int[v] for v in vs])
        valid = (stack >= 0).all(axis=0)
        s = np.where(valid, stack.sum(axis=0), -1)
        spl_int[t] = s
        rpl_int[t] = _rank_int(np.where(valid, s, np.nan).astype(float))
    s_all = np.stack([spl_int[t] for t in SVI_THEMES])
    valid_all = (s_all >= 0).all(axis=0)
    spl_themes = np.where(valid_all, s_all.sum(axis=0), -1)
    rpl_themes = _rank_int(np.where(valid_all, spl_themes, np.nan).astype(float))

    def as_float(a: np.ndarray) -> np.ndarray:
        return np.where(a >= 0, a / _SCALE, np.nan)

    flag_cut = round(FLAG_THRESHOLD * _SCALE)
    flags: dict[str, np.ndarray] = {}
    for v in SVI_VARIABLES:
        out[f"EPL_{v}"] = as_float(epl_int[v])
        flags[v] = np.where(epl_int[v] >= 0, (epl_int[v] >= flag_cut).astype(float), np.nan)
    for t in SVI_THEMES:
        out[f"SPL_THEME{t}"] = as_float(spl_int[t])
        out[f"RPL_THEME{t}"] = as_float(rpl_int[t])
    out["SPL_THEMES"] = as_float(spl_themes)
    out["RPL_THEMES"] = as_float(rpl_themes)
    for v in SVI_VARIABLES:
        out[f"F_{v}"] = flags[v]
    theme_flags = []
    for t, vs in SVI_THEMES.items():
        ft = np.sum([flags[v] for v in vs], axis=0)  # NaN if any variable unranked
        out[f"F_THEME{t}"] = ft
        theme_flags.append(ft)
    out["F_TOTAL"] = np.sum(theme_flags, axis=0)
    res = pd.DataFrame(out)
    flag_cols = [c for c in res.columns if c.startswith("F_")]
    res[flag_cols] = res[flag_cols].astype("Int64")
    res["svi_ranked"] = ~np.isnan(res["RPL_THEMES"].to_numpy())
    res["svi_note"] = ["; ".join(n) for n in notes]
    n_out = int((~res["svi_ranked"]).sum())
    if n_out:
        logger.info("SVI: %d of %d tracts have no overall rank", n_out, n_rows)
    return res


def percentages_from_counts(
    df: pd.DataFrame,
    *,
    denominators: Mapping[str, str] | None = None,
    variables: Iterable[str] = SVI_VARIABLES,
) -> pd.DataFrame:
    """Return a copy of ``df`` with ``EP_<VAR>`` = ``100 * E_<VAR> / denominator``.

    Percentages are rounded half up to 1 decimal as in CDC's files.  A zero or missing
    denominator gives a missing (NaN) percentage.

    Parameters
    ----------
    df
        ACS counts ``E_<VAR>`` and their denominators.
    denominators
        Overrides of :data:`SVI_DENOMINATORS`, ``{"UNEMP": "labour_force", ...}``.
    variables
        Which variables to compute (default: the 16 SVI variables).

    Raises
    ------
    InputError
        A count or denominator column is missing (the message names the universe CDC
        uses and how to map it), not numeric, or negative.
    """
    den_map = dict(SVI_DENOMINATORS)
    if denominators:
        unknown = set(denominators) - set(SVI_DENOMINATORS) - set(variables)
        if unknown:
            raise InputError(
                _(
                    "denominators given for unknown variable(s) {unknown}; "
                    "use names like {examples}"
                ).format(unknown=sorted(unknown), examples=", ".join(SVI_VARIABLES[:3])),
                source="denominators",
            )
        den_map.update(denominators)
    res = df.copy()
    for v in variables:
        num_col = f"E_{v}"
        den_col = den_map.get(v)
        if num_col not in df.columns:
            raise InputError(
                _("count column {column} is missing from the data").format(column=repr(num_col)),
                source=num_col,
            )
        if den_col is None or den_col not in df.columns:
            raise InputError(
                _(
                    "cannot compute {column}: its denominator column {denominator} is missing "
                    "({universe}); add it or map "
                    "another column with denominators={mapping}"
                ).format(
                    column=f"EP_{v}",
                    denominator=repr(den_col),
                    universe=_(_DENOMINATOR_HELP[v])
                    if v in _DENOMINATOR_HELP
                    else _("the ACS universe of {variable}").format(variable=v),
                    mapping=f"{{{v!r}: 'COLUMN'}}",
                ),
                source=str(den_col),
            )
        num = numeric_column(df, num_col)
        den = numeric_column(df, den_col)
        if (num < 0).any() or (den < 0).any():
            raise InputError(
                _("{count} or {denominator} holds negative counts (other than -999)").format(
                    count=repr(num_col), denominator=repr(den_col)
                ),
                source=num_col,
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            pct = np.where(den > 0, 100.0 * num / den, np.nan)
        pct = np.floor(pct * 10.0 + 0.5 + 1e-9) / 10.0
        over = pct > 100
        if over.any():
            logger.warning("EP_%s: %d value(s) over 100 %% capped", v, int(over.sum()))
            pct = np.where(over, 100.0, pct)
        res[f"EP_{v}"] = pct
    return res


#: the ACS universe of each SVI variable (translated where a message names it)
_DENOMINATOR_HELP = {
    "POV150": N_("persons for whom poverty status is determined, ACS S1701_C01_001E"),
    "UNEMP": N_("civilian labour force aged 16+, ACS DP03_0003E"),
    "NOHSDP": N_("persons aged 25 and over, ACS B06009_001E"),
    "UNINSUR": N_("civilian noninstitutionalized population, ACS S2701_C01_001E"),
    "DISABL": N_("civilian noninstitutionalized population, ACS DP02_0071E"),
    "LIMENG": N_("persons aged 5 and over, ACS B16005_001E"),
    "HBURD": N_("households (occupied housing units)"),
    "SNGPNT": N_("households"),
    "CROWD": N_("occupied housing units"),
    "NOVEH": N_("occupied housing units"),
    "MUNIT": N_("housing units"),
    "MOBILE": N_("housing units"),
    "AGE65": N_("total population"),
    "AGE17": N_("total population"),
    "MINRTY": N_("total population"),
    "GROUPQ": N_("total population"),
}


def svi_from_counts(
    df: pd.DataFrame,
    *,
    id_col: str | None = "auto",
    denominators: Mapping[str, str] | None = None,
    population_col: str | None = "E_TOTPOP",
) -> pd.DataFrame:
    """Compute the SVI from raw ACS counts (``E_<VAR>`` and denominators).

    The ``EP_`` percentages are derived with :func:`percentages_from_counts` (any
    ``EP_`` columns already in ``df`` are replaced), then ranked with
    :func:`compute_svi`; see those functions for parameters, the result and errors.
    """
    with_pct = percentages_from_counts(df, denominators=denominators)
    return compute_svi(with_pct, id_col=id_col, population_col=population_col)
