"""Custom need index: weighted, direction-aware composite of any unit columns.

A :class:`NeedIndexSpec` names the columns, their weights and directions (``+1``: a higher
value means more need, ``-1``: less need), how each column is normalised (percentile rank
or z-score) and how the weighted mean is mapped to a 0..1 ``need_score`` (percentile
re-rank like CDC's SVI, min-max, or as is).  It works on any polygon layer (US tracts with
CDC SVI columns or any other units with other columns).  :data:`PRESETS` holds ready specs
for outreach programmes; :meth:`NeedIndexSpec.precomputed` takes a score the user already
has (e.g. CDC's ``RPL_THEMES``).

:func:`compute_need` returns ``unit_id``, ``need_score`` (0..1, 1 = most need),
``need_rank`` (1 = highest need), one ``component_<column>`` per variable and ``need_note``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from geo_outreach.analysis.svi import (
    SVI_VARIABLES,
    numeric_column,
    percentrank_inc,
    resolve_id_column,
)
from geo_outreach.errors import InputError
from geo_outreach.i18n import N_, _

__all__ = [
    "PRESETS",
    "NeedIndexSpec",
    "NeedVariable",
    "compute_need",
    "parse_variables",
]

logger = logging.getLogger(__name__)

Normalization = Literal["percentile", "zscore", "none"]
Rescale = Literal["rank", "minmax", "none"]
MissingPolicy = Literal["exclude", "renormalize"]

_COMPOSITE_DECIMALS = 9  # round the weighted mean before re-ranking so float noise makes no ties


@dataclass(frozen=True)
class NeedVariable:
    """One input of a need index.

    Parameters
    ----------
    column
        Column of the unit layer (e.g. ``EP_POV150``).
    weight
        Relative weight, > 0 (weights are normalised to sum to 1).
    direction
        ``+1`` when a higher value means more need, ``-1`` when it means less need
        (e.g. median income).
    """

    column: str
    weight: float = 1.0
    direction: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.column, str) or not self.column.strip():
            raise InputError(_("a need variable needs a column name"), source="column")
        if isinstance(self.weight, bool) or not isinstance(self.weight, (int, float)):
            raise InputError(
                _("weight of {column} must be a number, got {got}").format(
                    column=repr(self.column), got=repr(self.weight)
                ),
                source=self.column,
            )
        if not math.isfinite(self.weight) or self.weight <= 0:
            raise InputError(
                _(
                    "weight of {column} must be > 0, got {got} "
                    "(use direction=-1 for a column where higher means less need)"
                ).format(column=repr(self.column), got=repr(self.weight)),
                source=self.column,
            )
        if self.direction not in (1, -1):
            raise InputError(
                _("direction of {column} must be +1 or -1, got {got}").format(
                    column=repr(self.column), got=repr(self.direction)
                ),
                source=self.column,
            )


@dataclass(frozen=True)
class NeedIndexSpec:
    """Definition of a need index (validated on creation).

    Parameters
    ----------
    variables
        The inputs, a tuple of :class:`NeedVariable` (a mapping ``{column: weight}`` is
        accepted and converted, all directions +1).
    normalization
        ``"percentile"``: each column's percentile rank (PERCENTRANK.INC, 4 decimals, as
        CDC); ``"zscore"``: ``(x - mean) / std``; ``"none"``: the single column is used
        as it is (see :meth:`precomputed`).
    rescale
        How the weighted mean becomes ``need_score`` in 0..1: ``"rank"`` (its percentile
        rank, as CDC re-ranks theme sums), ``"minmax"`` (linear, min -> 0, max -> 1) or
        ``"none"`` (kept; only for percentile/none normalisation, whose values are 0..1).
    missing
        A unit missing a variable (empty or -999): ``"exclude"`` leaves it unscored
        (CDC's convention); ``"renormalize"`` scores it on the variables it has.
    population_col
        Units whose population is 0 are not scored.  ``"auto"`` uses ``population`` or
        ``E_TOTPOP`` when present; ``None`` scores every unit.
    name, description, sources
        Documentation carried with the spec (shown in docs and the dashboard).
    """

    variables: tuple[NeedVariable, ...]
    normalization: Normalization = "percentile"
    rescale: Rescale = "rank"
    missing: MissingPolicy = "exclude"
    population_col: str | None = "auto"
    name: str = "custom"
    description: str = ""
    sources: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        variables = self.variables
        if isinstance(variables, Mapping):
            variables = tuple(NeedVariable(str(c), float(w)) for c, w in variables.items())
        elif isinstance(variables, NeedVariable):
            variables = (variables,)
        else:
            try:
                variables = tuple(variables)
            except TypeError:
                raise InputError(
                    _("variables must be NeedVariable objects or a {column: weight} mapping"),
                    source="variables",
                ) from None
        if not variables:
            raise InputError(_("a need index needs at least one variable"), source="variables")
        if not all(isinstance(v, NeedVariable) for v in variables):
            raise InputError(
                _("variables must be NeedVariable objects or a {column: weight} mapping"),
                source="variables",
            )
        cols = [v.column for v in variables]
        dups = sorted({c for c in cols if cols.count(c) > 1})
        if dups:
            raise InputError(
                _("need variables repeat column(s) {columns}").format(columns=dups),
                source="variables",
            )
        object.__setattr__(self, "variables", variables)
        object.__setattr__(self, "sources", tuple(self.sources))
        if self.normalization not in ("percentile", "zscore", "none"):
            raise InputError(
                _("normalization must be 'percentile', 'zscore' or 'none', got {got}").format(
                    got=repr(self.normalization)
                ),
                source="normalization",
            )
        if self.rescale not in ("rank", "minmax", "none"):
            raise InputError(
                _("rescale must be 'rank', 'minmax' or 'none', got {got}").format(
                    got=repr(self.rescale)
                ),
                source="rescale",
            )
        if self.missing not in ("exclude", "renormalize"):
            raise InputError(
                _("missing must be 'exclude' or 'renormalize', got {got}").format(
                    got=repr(self.missing)
                ),
                source="missing",
            )
        if self.normalization == "none" and len(variables) != 1:
            raise InputError(
                _("normalization='none' takes exactly one (precomputed score) column"),
                source="normalization",
            )
        if self.normalization == "zscore" and self.rescale == "none":
            raise InputError(
                _("z-scores are not in 0..1: use rescale='rank' or 'minmax' with zscore"),
                source="rescale",
            )

    @property
    def columns(self) -> tuple[str, ...]:
        """The input columns, in order."""
        return tuple(v.column for v in self.variables)

    @classmethod
    def from_weights(
        cls,
        weights: Mapping[str, float],
        *,
        directions: Mapping[str, int] | None = None,
        **kwargs: object,
    ) -> NeedIndexSpec:
        """Build a spec from ``{column: weight}``; a negative weight means direction -1.

        ``directions`` may set directions explicitly; other keyword arguments go to the
        constructor.
        """
        if not weights:
            raise InputError(_("a need index needs at least one variable"), source="variables")
        directions = dict(directions or {})
        unknown = set(directions) - set(weights)
        if unknown:
            raise InputError(
                _("directions given for columns not in the weights: {columns}").format(
                    columns=sorted(unknown)
                ),
                source="directions",
            )
        variables = []
        for col, w in weights.items():
            try:
                wf = float(w)
            except (TypeError, ValueError):
                raise InputError(
                    _("weight of {column} must be a number, got {got}").format(
                        column=repr(col), got=repr(w)
                    ),
                    source=col,
                ) from None
            direction = directions.get(col, -1 if wf < 0 else 1)
            variables.append(NeedVariable(col, abs(wf), direction))
        return cls(tuple(variables), **kwargs)  # type: ignore[arg-type]

    @classmethod
    def precomputed(cls, column: str, *, direction: int = 1, name: str = "") -> NeedIndexSpec:
        """Use a column already holding a 0..1 need score (e.g. CDC's ``RPL_THEMES``).

        With ``direction=-1`` the score is ``1 - value``.
        """
        return cls(
            (NeedVariable(column, 1.0, direction),),
            normalization="none",
            rescale="none",
            name=name or f"precomputed:{column}",
            description=f"the precomputed 0..1 score in column {column!r}",
        )


def parse_variables(text: str) -> dict[str, float]:
    """Parse ``"EP_POV150:1,EP_NOVEH:0.5,MEDINC:-1"`` into ``{column: weight}``.

    A column without ``:weight`` gets weight 1; a negative weight means higher values
    mean *less* need (direction -1).
    """
    weights: dict[str, float] = {}
    for raw in text.split(","):
        part = raw.strip()
        if not part:
            continue
        col, sep, w = part.rpartition(":")
        if not sep:
            col, w = part, "1"
        col = col.strip()
        if not col:
            raise InputError(
                _("variable {variable} has no column name").format(variable=repr(part)),
                parameter="variables",
            )
        try:
            weight = float(w)
        except ValueError:
            raise InputError(
                _(
                    "weight {weight} of {column} is not a number (expected COLUMN:WEIGHT, e.g. "
                    "EP_POV150:1,EP_NOVEH:0.5)"
                ).format(weight=repr(w), column=repr(col)),
                parameter="variables",
            ) from None
        if weight == 0 or not math.isfinite(weight):
            raise InputError(
                _("weight of {column} must be a non-zero number, got {got}").format(
                    column=repr(col), got=repr(w)
                ),
                parameter="variables",
            )
        if col in weights:
            raise InputError(
                _("column {column} is listed twice").format(column=repr(col)),
                parameter="variables",
            )
        weights[col] = weight
    if not weights:
        raise InputError(
            _("no variables given (expected COLUMN:WEIGHT,..., e.g. EP_POV150:1,EP_NOVEH:0.5)"),
            parameter="variables",
        )
    return weights


def _spec(
    name: str, weights: Mapping[str, float], description: str, sources: tuple[str, ...]
) -> NeedIndexSpec:
    return NeedIndexSpec.from_weights(weights, name=name, description=description, sources=sources)


#: Ready-made need indices for outreach programmes, on CDC SVI 2020 ``EP_`` columns
#: (percent of the tract's relevant universe).  See ``docs/need.md`` for the reasoning.
PRESETS: dict[str, NeedIndexSpec] = {
    "svi": _spec(
        "svi",
        dict.fromkeys((f"EP_{v}" for v in SVI_VARIABLES), 1.0),
        N_(
            "All 16 CDC SVI variables, equal weights, percentile-ranked and re-ranked: "
            "reproduces CDC's overall RPL_THEMES over the units given."
        ),
        ("CDC/ATSDR SVI 2020 documentation",),
    ),
    "health_access": _spec(
        "health_access",
        {
            "EP_UNINSUR": 1.0,
            "EP_POV150": 1.0,
            "EP_NOVEH": 1.0,
            "EP_DISABL": 0.5,
            "EP_AGE65": 0.5,
            "EP_LIMENG": 0.5,
        },
        N_(
            "Barriers to reaching health care: no insurance, low income, no vehicle, "
            "disability, older age, limited English."
        ),
        (
            "Healthy People 2030, Social Determinants of Health: Health Care Access and Quality",
            "Syed, Gerber & Sharp (2013) Traveling towards disease: transportation barriers "
            "to health care access. J Community Health 38:976-993",
        ),
    ),
    "food_access": _spec(
        "food_access",
        {
            "EP_NOVEH": 1.0,
            "EP_POV150": 1.0,
            "EP_AGE65": 0.5,
            "EP_DISABL": 0.5,
            "EP_SNGPNT": 0.5,
        },
        N_(
            "Food access: households without a vehicle and low income (the USDA ERS "
            "low-income / vehicle-access measures), plus groups with limited mobility or time."
        ),
        ("USDA ERS Food Access Research Atlas documentation (low income, vehicle availability)",),
    ),
    "language_access": _spec(
        "language_access",
        {"EP_LIMENG": 1.0, "EP_MINRTY": 0.5},
        N_(
            "Language access: persons aged 5+ who speak English less than well, with "
            "racial/ethnic minority share as a secondary signal (SVI 2018's "
            "'Minority Status & Language' theme)."
        ),
        (
            "US DOJ LEP guidance under Executive Order 13166",
            "CDC/ATSDR SVI 2018 documentation, theme 3",
        ),
    ),
    "digital_inclusion": _spec(
        "digital_inclusion",
        {
            "EP_NOINT": 1.0,
            "EP_POV150": 0.5,
            "EP_AGE65": 0.5,
            "EP_DISABL": 0.25,
            "EP_LIMENG": 0.25,
        },
        N_(
            "Digital inclusion: households without an internet subscription (EP_NOINT, an SVI "
            "adjunct column), plus Digital Equity Act covered populations (income at or below "
            "150 % of poverty, older adults, disability, language barriers)."
        ),
        (
            "Digital Equity Act of 2021 (47 U.S.C. 1721), covered populations",
            "CDC/ATSDR SVI 2020 adjunct variable E_NOINT/EP_NOINT",
        ),
    ),
}


def _population_column(df: pd.DataFrame, population_col: str | None) -> str | None:
    if population_col is None:
        return None
    if population_col == "auto":
        return next((c for c in ("population", "E_TOTPOP") if c in df.columns), None)
    if population_col not in df.columns:
        raise InputError(
            _("population column {column} is not in the data").format(column=repr(population_col)),
            source=population_col,
        )
    return population_col


def _zscore(x: np.ndarray, column: str) -> np.ndarray:
    ok = ~np.isnan(x)
    out = np.full(x.shape, np.nan)
    if not ok.any():
        return out
    mean = x[ok].mean()
    std = x[ok].std()
    if std == 0:
        logger.warning("need variable %r is constant over the units: it adds nothing", column)
        out[ok] = 0.0
    else:
        out[ok] = (x[ok] - mean) / std
    return out


def compute_need(
    df: pd.DataFrame, spec: NeedIndexSpec | str, *, id_col: str | None = "auto"
) -> pd.DataFrame:
    """Score every unit of ``df`` with the need index ``spec``.

    Parameters
    ----------
    df
        Units (DataFrame or GeoDataFrame) with the spec's columns; ``-999`` and empty
        cells are missing.
    spec
        A :class:`NeedIndexSpec` or the name of a :data:`PRESETS` entry.
    id_col
        Unit id column, ``"auto"``: ``unit_id``, ``GEOID``, ``FIPS``...

    Returns
    -------
    pandas.DataFrame
        Same row order as ``df``: ``unit_id`` (str), ``need_score`` (float 0..1, 1 = most
        need; NaN when not scored), ``need_rank`` (Int64, 1 = highest need, ties share
        the best rank; <NA> when not scored), ``component_<column>`` (the normalised,
        direction-adjusted value of each variable) and ``need_note`` (why a unit is not
        scored, else "").

    Raises
    ------
    InputError
        Unknown preset, missing or non-numeric columns, bad ids, or a precomputed
        score outside 0..1.
    """
    if isinstance(spec, str):
        if spec not in PRESETS:
            raise InputError(
                _("unknown need preset {preset}; choose one of {presets}").format(
                    preset=repr(spec), presets=", ".join(sorted(PRESETS))
                ),
                source="preset",
            )
        spec = PRESETS[spec]
    if not isinstance(spec, NeedIndexSpec):
        raise InputError(
            _("spec must be a NeedIndexSpec or a preset name, got {got}").format(
                got=type(spec).__name__
            )
        )
    if not isinstance(df, pd.DataFrame):
        raise InputError(
            _("compute_need needs a pandas DataFrame, got {got}").format(got=type(df).__name__)
        )
    id_col = resolve_id_column(df, id_col)
    absent = [c for c in spec.columns if c not in df.columns]
    if absent:
        raise InputError(
            _(
                "need index {name} uses column(s) {missing} that the data "
                "lacks (columns: {columns})"
            ).format(
                name=repr(spec.name),
                missing=", ".join(absent),
                columns=", ".join(map(str, df.columns[:12]))
                + (", ..." if len(df.columns) > 12 else ""),
            ),
            source=absent[0],
        )
    n = len(df)
    notes: list[list[str]] = [[] for _ in range(n)]
    scorable = np.ones(n, dtype=bool)
    pop_col = _population_column(df, spec.population_col)
    if pop_col is not None:
        pop = numeric_column(df, pop_col)
        zero = ~np.isnan(pop) & (pop <= 0)
        scorable &= ~zero
        for i in np.flatnonzero(zero):
            notes[i].append("zero population")

    raw = {v.column: numeric_column(df, v.column) for v in spec.variables}
    for col, arr in raw.items():
        if n and np.isnan(arr).all():
            raise InputError(
                _("column {column} has no values (all empty or -999)").format(column=repr(col)),
                source=col,
                column=col,
            )
    weights = np.array([v.weight for v in spec.variables], dtype=float)
    weights = weights / weights.sum()
    comps = np.full((len(spec.variables), n), np.nan)
    for k, v in enumerate(spec.variables):
        x = np.where(scorable, raw[v.column], np.nan)
        for i in np.flatnonzero(scorable & np.isnan(x)):
            notes[i].append(f"{v.column} missing")
        if spec.normalization == "percentile":
            comp = percentrank_inc(x * v.direction, decimals=4)
        elif spec.normalization == "zscore":
            comp = _zscore(x * v.direction, v.column)
        else:  # "none": a precomputed 0..1 score
            ok = ~np.isnan(x)
            if ((x[ok] < 0) | (x[ok] > 1)).any():
                raise InputError(
                    _(
                        "precomputed score column {column} must lie in 0..1 "
                        "(found {low}..{high}); use a spec with "
                        "normalization='percentile' to rank it instead"
                    ).format(
                        column=repr(v.column), low=f"{np.nanmin(x):g}", high=f"{np.nanmax(x):g}"
                    ),
                    source=v.column,
                )
            comp = x if v.direction == 1 else 1.0 - x
        comps[k] = comp

    have = ~np.isnan(comps)
    if spec.missing == "exclude":
        complete = have.all(axis=0)
        composite = np.where(complete, np.nansum(comps * weights[:, None], axis=0), np.nan)
    else:
        wsum = (have * weights[:, None]).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            composite = np.where(
                wsum > 0, np.nansum(comps * weights[:, None], axis=0) / wsum, np.nan
            )
    composite = np.where(scorable, np.round(composite, _COMPOSITE_DECIMALS), np.nan)

    ok = ~np.isnan(composite)
    if spec.rescale == "rank":
        score = percentrank_inc(composite, decimals=4)
    elif spec.rescale == "minmax":
        score = np.full(n, np.nan)
        if ok.any():
            lo, hi = composite[ok].min(), composite[ok].max()
            score[ok] = (composite[ok] - lo) / (hi - lo) if hi > lo else 0.0
    else:
        score = composite
    if ok.sum() == 1:
        logger.warning("need index %r: only one unit could be scored", spec.name)

    rank = pd.Series(score).rank(method="min", ascending=False).astype("Int64")
    ids = df[id_col]
    if pd.api.types.is_numeric_dtype(ids):
        logger.warning(
            "id column %r is numeric: leading zeros may have been lost; read it as text", id_col
        )
    out = pd.DataFrame(
        {
            "unit_id": ids.astype(str).to_numpy(),
            "need_score": score,
            "need_rank": rank.array,
        }
    )
    for k, v in enumerate(spec.variables):
        out[f"component_{v.column}"] = comps[k]
    out["need_note"] = ["; ".join(x) for x in notes]
    n_out = int((~ok).sum())
    if n_out:
        logger.info("need index %r: %d of %d units not scored", spec.name, n_out, n)
    return out
