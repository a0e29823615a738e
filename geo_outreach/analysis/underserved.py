"""Underserved areas: need combined with poor access, ranked and explained, then zoned.

* :func:`underserved_scores` -- per unit a score from the need percentile and the access-deficit
  percentile (product or weighted sum), a rank (1 = most underserved), a top-share flag and a
  reason sentence built from the unit's own numbers.  Units off the road network are flagged,
  counted and never ranked.
* :func:`underserved_zones` -- neighbouring underserved units dissolved into contiguous zones.
* :func:`hotspots` -- optional local Getis-Ord G* hot spots of the score (esda).
"""

from __future__ import annotations

import functools
import logging
import math
import re
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from geo_outreach.analysis.standards import clean_svi_value
from geo_outreach.errors import InputError, OffNetworkWarning, warn
from geo_outreach.i18n import N_, _, format_percent

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "CATEGORY_NAMES",
    "MODE_PHRASES",
    "OFF_NETWORK_REASON",
    "access_direction",
    "category_name",
    "hotspots",
    "underserved_scores",
    "underserved_zones",
]

log = logging.getLogger(__name__)

OFF_NETWORK_REASON = N_("not on the road network: access unknown")
"""The first clause of the reason of a unit off the road network (in English; the reason
itself is in the language of the run)."""

#: readable names of the service category codes used in reason sentences
CATEGORY_NAMES: dict[str, str] = {
    "clinic_fqhc": N_("health centre"),
    "fqhc": N_("health centre"),
    "primary_care": N_("primary care clinic"),
    "hospital": N_("hospital"),
    "mental_health": N_("mental health service"),
    "substance_use_treatment": N_("substance use treatment service"),
    "library": N_("library"),
    "community_center": N_("community centre"),
    "senior_center": N_("senior centre"),
    "cooling_center": N_("cooling centre"),
    "supermarket": N_("supermarket"),
    "pharmacy": N_("pharmacy"),
    "food_bank": N_("food bank"),
    "wic_office": N_("WIC office"),
    "school": N_("school"),
}

MODE_PHRASES: dict[str, str] = {
    "drive": N_("by car"),
    "walk": N_("on foot"),
    "bike": N_("by bike"),
    "transit": N_("by transit"),
}

_WORSE_PREFIXES = ("tt_", "dist_", "share_beyond_", "share_unreachable_")
_BETTER_PREFIXES = ("n_within_", "fca_")
_TT_RE = re.compile(r"^tt_nearest_(?P<cat>.+)_(?P<mode>[^_]+)_min$")
_CAPPED_RE = re.compile(r"^tt_capped_(?P<cat>.+)_(?P<mode>[^_]+)_min$")


def category_name(code: str) -> str:
    """Readable name of a category code (``clinic_fqhc`` -> ``health centre``), in the
    language of the run."""
    return _(CATEGORY_NAMES[code]) if code in CATEGORY_NAMES else code.replace("_", " ")


def _mode_phrase(mode: str) -> str:
    return _(MODE_PHRASES[mode]) if mode in MODE_PHRASES else _("by {mode}").format(mode=mode)


def access_direction(column: str) -> int:
    """+1 when a higher value of an access column means worse access, -1 when better.

    Parameters
    ----------
    column
        A column named by the scheme of :func:`geo_outreach.analysis.access.access_wide`.

    Returns
    -------
    int
        +1 (``tt_``, ``dist_``, ``share_beyond_``, ``share_unreachable_``) or -1 (``n_within_``,
        ``fca_``).
    """
    if column.startswith(_WORSE_PREFIXES):
        return 1
    if column.startswith(_BETTER_PREFIXES):
        return -1
    raise InputError(
        _(
            "cannot tell whether a high {column} is good or bad access; pass "
            "higher_is_worse={mapping}."
        ).format(column=repr(column), mapping=f"{{{column!r}: True/False}}"),
        source=column,
    )


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


#: "75th percentile", by the English ordinal's suffix (each language words all four its way)
_PERCENTILE = {
    "st": N_("{n}st percentile"),
    "nd": N_("{n}nd percentile"),
    "rd": N_("{n}rd percentile"),
    "th": N_("{n}th percentile"),
}


def _pct_label(p: float) -> str:
    n = min(100, max(1, round(p * 100)))
    return _(_PERCENTILE[_ordinal(n).removeprefix(str(n))]).format(n=n)


def _fmt_minutes(v: float) -> str:
    if v < 1:
        return _("under 1 min")
    return _("{minutes} min").format(minutes=round(v))


def _fmt_pct(v: float) -> str:
    return format_percent(v / 100)  # "34%", "34 %" as the language writes it


def _as_indexed(df: pd.DataFrame, what: str) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise InputError(_("{what} must be a pandas DataFrame.").format(what=what), source=what)
    if "unit_id" in df.columns:
        df = df.set_index("unit_id")
    elif df.index.name != "unit_id":
        raise InputError(
            _("{what} needs a 'unit_id' column or index.").format(what=what),
            source=f"{what}.unit_id",
        )
    df = df.copy()
    df.index = df.index.astype(str)
    if df.index.duplicated().any():
        raise InputError(
            _("{what} has duplicate unit_id values.").format(what=what), source=f"{what}.unit_id"
        )
    return df


def underserved_scores(
    units: pd.DataFrame,
    need: pd.DataFrame,
    access: pd.DataFrame,
    *,
    access_columns: Sequence[str] | None = None,
    higher_is_worse: Mapping[str, bool] | None = None,
    method: Literal["product", "weighted_sum"] = "product",
    weights: Mapping[str, float] | None = None,
    top_share: float = 0.2,
    reason_categories: Sequence[str] | None = None,
    poverty_col: str = "EP_POV150",
    noveh_col: str = "EP_NOVEH",
) -> pd.DataFrame:
    """Score, rank and explain how underserved each unit is.

    ``need_percentile`` is the percentile rank of ``need_score`` and
    ``access_deficit_percentile`` that of the mean of the per-column deficit percentiles of
    ``access_columns``, both among ranked units (on the network, with a need score).  The score
    is ``need_pct ** w_need * deficit_pct ** w_access`` (``"product"``) or
    ``(w_need * need_pct + w_access * deficit_pct) / (w_need + w_access)`` (``"weighted_sum"``).

    Parameters
    ----------
    units
        ``unit_id`` (+ ``population`` and ACS columns such as ``EP_POV150``, ``EP_NOVEH`` used in
        the reasons when present).
    need
        ``unit_id, need_score`` (0..1).
    access
        Wide access table (``unit_id`` index or column) from
        :func:`geo_outreach.analysis.access.access_wide`, with ``off_network``.
    access_columns
        Columns forming the access deficit; default every ``tt_capped_*`` column (nearest-site
        time with unreachable origins counted at the cutoff), else every ``tt_nearest_*`` column.
        ``inf`` (beyond the cutoff) ranks as the worst access.
    higher_is_worse
        Direction per column when it cannot be inferred from the name (see
        :func:`access_direction`).
    method
        ``"product"`` or ``"weighted_sum"``.
    weights
        ``{"need": w, "access": w}``, default 0.5 / 0.5 (weights are exponents for the product).
    top_share
        Share of ranked units flagged ``underserved`` (the top of the ranking).
    reason_categories
        Categories mentioned in the reason; default those of the ``tt_nearest`` columns used.
    poverty_col, noveh_col
        ACS percentage columns for the reason clauses (skipped when absent; ``-999`` = missing).

    Returns
    -------
    pandas.DataFrame
        One row per unit of ``units``, sorted by rank (unranked last): ``unit_id, need_score,
        need_percentile, access_deficit_percentile, underserved_score, underserved_rank``
        (nullable Int64, 1 = most underserved), ``underserved`` (nullable bool), ``off_network``,
        ``reason``.  ``attrs["n_off_network"]`` and ``attrs["n_unranked"]`` count the units left
        out of the ranking.
    """
    w = {"need": 0.5, "access": 0.5, **(dict(weights) if weights else {})}
    if set(w) != {"need", "access"} or any(not (math.isfinite(v) and v >= 0) for v in w.values()):
        raise InputError(
            _("weights must be {expected}, got {got}.").format(
                expected="{'need': >=0, 'access': >=0}", got=repr(weights)
            ),
            source="weights",
        )
    if w["need"] + w["access"] <= 0:
        raise InputError(_("weights must not both be 0."), source="weights")
    if method not in ("product", "weighted_sum"):
        raise InputError(
            _("method must be 'product' or 'weighted_sum', got {got}.").format(got=repr(method)),
            source="method",
        )
    if not (0 < top_share <= 1):
        raise InputError(
            _("top_share must be in (0, 1], got {got}.").format(got=repr(top_share)),
            source="top_share",
        )

    u = _as_indexed(units, "units")
    n = _as_indexed(need, "need")
    a = _as_indexed(access, "access")
    if "need_score" not in n.columns:
        raise InputError(_("need lacks column 'need_score'."), source="need.need_score")
    if "off_network" not in a.columns:
        raise InputError(
            _("access lacks column 'off_network'; build it with access_wide()."), source="access"
        )
    if access_columns is None:
        access_columns = [c for c in a.columns if _CAPPED_RE.match(c)] or [
            c for c in a.columns if _TT_RE.match(c)
        ]
        if not access_columns:
            raise InputError(
                _("access has no tt_capped_* / tt_nearest_* column; pass access_columns=[...]."),
                source="access_columns",
            )
    missing = [c for c in access_columns if c not in a.columns]
    if missing:
        raise InputError(
            _("access lacks column(s) {columns}.").format(columns=missing), source="access_columns"
        )
    direction = {
        c: (1 if higher_is_worse[c] else -1)
        if higher_is_worse and c in higher_is_worse
        else access_direction(c)
        for c in access_columns
    }

    idx = u.index
    out = pd.DataFrame(index=idx)
    out.index.name = "unit_id"
    out["need_score"] = pd.to_numeric(n["need_score"], errors="coerce").reindex(idx).astype(float)
    off = a["off_network"].reindex(idx)
    n_missing_access = int(off.isna().sum())
    if n_missing_access:
        warn(
            OffNetworkWarning,
            _("{n} unit(s) are absent from the access table; treated as off-network.").format(
                n=n_missing_access
            ),
            logger=log,
        )
    out["off_network"] = off.fillna(True).astype(bool)
    acc = a[list(access_columns)].reindex(idx).astype(float)
    # an on-network unit with NaN access has unknown access as well
    nan_access = acc.isna().any(axis=1) & ~out["off_network"]
    ranked = ~out["off_network"] & ~nan_access & out["need_score"].notna()

    out["need_percentile"] = out["need_score"].where(ranked).rank(pct=True)
    deficits = []
    for c in access_columns:
        v = acc[c].where(ranked) * direction[c]  # inf stays the worst (or best for -inf)
        deficits.append(v.rank(pct=True, method="average"))
    mean_def = pd.concat(deficits, axis=1).mean(axis=1, skipna=False)
    out["access_deficit_percentile"] = mean_def.rank(pct=True)
    npct, dpct = out["need_percentile"], out["access_deficit_percentile"]
    if method == "product":
        score = npct ** w["need"] * dpct ** w["access"]
    else:
        score = (w["need"] * npct + w["access"] * dpct) / (w["need"] + w["access"])
    out["underserved_score"] = score.where(ranked)
    rank = out["underserved_score"].rank(ascending=False, method="min")
    out["underserved_rank"] = rank.astype("Int64")
    n_ranked = int(ranked.sum())
    cut = math.ceil(top_share * n_ranked)
    flag = pd.array(rank.to_numpy() <= cut, dtype="boolean")
    flag[~ranked.to_numpy()] = pd.NA
    out["underserved"] = flag

    # reasons
    tt_cols: dict[str, list[tuple[str, str]]] = {}
    for c in a.columns:
        m = _TT_RE.match(c)
        if m:
            tt_cols.setdefault(m["cat"], []).append((m["mode"], c))
    if reason_categories is None:
        used = [m["cat"] for c in access_columns if (m := _TT_RE.match(c) or _CAPPED_RE.match(c))]
        reason_categories = list(dict.fromkeys(used))
    pov = clean_svi_value(u[poverty_col]) if poverty_col in u.columns else None
    pov_pct = pov.rank(pct=True) if pov is not None else None
    noveh = clean_svi_value(u[noveh_col]) if noveh_col in u.columns else None
    a_full = a.reindex(idx)
    reasons = []
    for uid in idx:
        clauses: list[str] = []
        is_off = bool(out.at[uid, "off_network"])
        if is_off:
            clauses.append(_(OFF_NETWORK_REASON))
        if pov is not None and pov_pct is not None and pd.notna(pov.at[uid]):
            clauses.append(
                _("{share} of residents below 150% of poverty ({percentile})").format(
                    share=_fmt_pct(pov.at[uid]), percentile=_pct_label(pov_pct.at[uid])
                )
            )
        elif pd.notna(out.at[uid, "need_score"]):
            p = out.at[uid, "need_percentile"]
            score = f"{out.at[uid, 'need_score']:.2f}"
            clauses.append(
                _("need score {score} ({percentile})").format(score=score, percentile=_pct_label(p))
                if pd.notna(p)
                else _("need score {score}").format(score=score)
            )
        else:
            clauses.append(_("need score missing"))
        if not is_off:
            for cat in reason_categories:
                parts, beyond = [], []
                for mode, col in tt_cols.get(cat, []):
                    v = a_full.at[uid, col]
                    phrase = _mode_phrase(mode)
                    if pd.isna(v):
                        continue
                    if np.isinf(v):
                        sh = a_full.get(f"share_unreachable_{cat}_{mode}")
                        part = sh.at[uid] if sh is not None else np.nan
                        cp = a_full.get(f"tt_capped_{cat}_{mode}_min")
                        low = cp.at[uid] if cp is not None else np.nan
                        if pd.notna(part) and 0 < part < 1 and pd.notna(low):
                            parts.append(
                                _(
                                    "at least {minutes} {mode} ({share} of the area beyond the "
                                    "travel-time cutoff)"
                                ).format(
                                    minutes=_fmt_minutes(low),
                                    mode=phrase,
                                    share=format_percent(part),
                                )
                            )
                            continue
                        if pd.notna(part) and 0 < part < 1:
                            phrase = _("{mode} for {share} of the area").format(
                                mode=phrase, share=format_percent(part)
                            )
                        beyond.append(phrase)
                    else:
                        parts.append(
                            _("{minutes} {mode}").format(minutes=_fmt_minutes(v), mode=phrase)
                        )
                if beyond:
                    modes = functools.reduce(
                        lambda a, b: _("{one} or {other}").format(one=a, other=b), beyond
                    )
                    parts.append(_("beyond the travel-time cutoff {modes}").format(modes=modes))
                if parts:
                    clauses.append(
                        _("nearest {service} {access}").format(
                            service=category_name(cat), access=", ".join(parts)
                        )
                    )
        if noveh is not None and pd.notna(noveh.at[uid]):
            clauses.append(
                _("{share} of households without a vehicle").format(share=_fmt_pct(noveh.at[uid]))
            )
        reasons.append("; ".join(clauses))
    out["reason"] = reasons

    n_off = int(out["off_network"].sum())
    out.attrs["n_off_network"] = n_off
    out.attrs["n_unranked"] = int((~ranked).sum())
    if n_off:
        log.info("underserved_scores: %d unit(s) off the network, not ranked.", n_off)
    out = out.reset_index()
    out = out.sort_values("underserved_rank", na_position="last", kind="stable")
    cols = [
        "unit_id",
        "need_score",
        "need_percentile",
        "access_deficit_percentile",
        "underserved_score",
        "underserved_rank",
        "underserved",
        "off_network",
        "reason",
    ]
    res = out[cols].reset_index(drop=True)
    res.attrs.update(out.attrs)
    return res


def _units_geo(units_gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    import geopandas as gpd

    if not isinstance(units_gdf, gpd.GeoDataFrame) or "unit_id" not in units_gdf.columns:
        raise InputError(_("units_gdf must be a GeoDataFrame with 'unit_id'."), source="units_gdf")
    g = units_gdf[
        ["unit_id", "geometry", *(["population"] if "population" in units_gdf else [])]
    ].copy()
    g["unit_id"] = g["unit_id"].astype(str)
    return g


def underserved_zones(
    units_gdf: gpd.GeoDataFrame,
    scores: pd.DataFrame,
    *,
    top_share: float | None = None,
    with_hotspots: bool = False,
    permutations: int = 199,
    seed: int = 0,
    alpha: float = 0.05,
) -> gpd.GeoDataFrame:
    """Dissolve neighbouring underserved units into contiguous zones.

    Units touching each other (sharing a boundary or a corner, i.e. queen contiguity) that are
    both underserved end up in the same zone (connected components).

    Parameters
    ----------
    units_gdf
        Units with ``unit_id``, ``geometry`` (+ ``population``).
    scores
        Result of :func:`underserved_scores`.
    top_share
        Share of the ranked units treated as underserved; default: the ``underserved`` column.
    with_hotspots
        Add ``n_hotspot_units``: members that are significant local G* hot spots (:func:`hotspots`).
    permutations, seed, alpha
        Passed to :func:`hotspots`.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per zone, largest score first: ``zone_id`` ("Z01"...), ``n_units``,
        ``unit_ids`` (comma separated), ``population``, ``need_weighted_population``
        (sum of population x need_score), ``need_score_mean`` (population-weighted),
        ``underserved_score_max``, ``best_rank``, ``geometry`` (dissolved) in the CRS of
        ``units_gdf``.
    """
    import geopandas as gpd
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    g = _units_geo(units_gdf)
    s = scores.copy()
    s["unit_id"] = s["unit_id"].astype(str)
    if top_share is None:
        sel_ids = s.loc[s["underserved"].fillna(False).astype(bool), "unit_id"]
    else:
        if not (0 < top_share <= 1):
            raise InputError(
                _("top_share must be in (0, 1], got {got}.").format(got=repr(top_share)),
                source="top_share",
            )
        n_ranked = int(s["underserved_rank"].notna().sum())
        cut = math.ceil(top_share * n_ranked)
        sel_ids = s.loc[s["underserved_rank"].fillna(np.iinfo(np.int64).max) <= cut, "unit_id"]
    sel = g[g["unit_id"].isin(set(sel_ids))].merge(
        s[["unit_id", "need_score", "underserved_score", "underserved_rank"]], on="unit_id"
    )
    sel = sel.reset_index(drop=True)
    cols = [
        "zone_id",
        "n_units",
        "unit_ids",
        "population",
        "need_weighted_population",
        "need_score_mean",
        "underserved_score_max",
        "best_rank",
    ]
    if with_hotspots:
        cols.append("n_hotspot_units")
    if sel.empty:
        return gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=units_gdf.crs)
    pairs = gpd.sjoin(sel[["geometry"]], sel[["geometry"]], predicate="intersects")
    i = pairs.index.to_numpy()
    j = pairs["index_right"].to_numpy()
    adj = coo_matrix((np.ones(len(i)), (i, j)), shape=(len(sel), len(sel)))
    _n_zones, labels = connected_components(adj, directed=False)  # `_` is gettext here
    sel["_zone"] = labels
    if "population" not in sel:
        sel["population"] = np.nan
    pop = sel["population"].astype(float)
    sel["_needpop"] = pop * sel["need_score"]
    if with_hotspots:
        hs = hotspots(units_gdf, scores, permutations=permutations, seed=seed, alpha=alpha)
        sel["_hot"] = (
            sel["unit_id"].map(hs.set_index("unit_id")["hotspot"]).fillna(False).astype(int)
        )
    rows = []
    for z, grp in sel.groupby("_zone"):
        p = grp["population"].astype(float)
        row = {
            "_zone": z,
            "n_units": len(grp),
            "unit_ids": ",".join(grp.sort_values("underserved_rank")["unit_id"]),
            "population": float(p.sum()),
            "need_weighted_population": float(grp["_needpop"].sum()),
            "need_score_mean": float(grp["_needpop"].sum() / p.sum()) if p.sum() > 0 else np.nan,
            "underserved_score_max": float(grp["underserved_score"].max()),
            "best_rank": int(grp["underserved_rank"].min()),
            "geometry": grp.geometry.union_all(),
        }
        if with_hotspots:
            row["n_hotspot_units"] = int(grp["_hot"].sum())
        rows.append(row)
    zones = gpd.GeoDataFrame(rows, geometry="geometry", crs=units_gdf.crs)
    zones = zones.sort_values(
        ["underserved_score_max", "population"], ascending=[False, False]
    ).reset_index(drop=True)
    width = max(2, len(str(len(zones))))
    zones["zone_id"] = [f"Z{k + 1:0{width}d}" for k in range(len(zones))]
    return zones[[*cols, "geometry"]]


def hotspots(
    units_gdf: gpd.GeoDataFrame,
    scores: pd.DataFrame,
    *,
    column: str = "underserved_score",
    permutations: int = 199,
    seed: int = 0,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Local Getis-Ord G* hot spots of a score among ranked units (queen contiguity).

    Parameters
    ----------
    units_gdf
        Units with ``unit_id`` and ``geometry``.
    scores
        Table with ``unit_id`` and ``column``; units with NaN (unranked) are left out.
    column
        Score column.
    permutations
        Conditional permutations for the pseudo p-value.
    seed
        Random seed (results are reproducible).
    alpha
        Significance level of ``hotspot``.

    Returns
    -------
    pandas.DataFrame
        ``unit_id, gi_z, gi_p, hotspot`` (``hotspot``: z > 0 and p < alpha) for the scored units.
    """
    from esda.getisord import G_Local
    from libpysal.weights import Queen

    g = _units_geo(units_gdf)
    s = scores[["unit_id", column]].copy()
    s["unit_id"] = s["unit_id"].astype(str)
    d = g.merge(s, on="unit_id").dropna(subset=[column]).reset_index(drop=True)
    if len(d) < 3:
        raise InputError(_("hotspots need at least 3 scored units."), source=column)
    w = Queen.from_dataframe(d, use_index=False, silence_warnings=True)
    with warnings.catch_warnings():
        # esda warns that its default (one-sided, "directed") pseudo p-value will change; we
        # read p together with the sign of z, which is that one-sided test
        warnings.simplefilter("ignore", DeprecationWarning)
        gl = G_Local(
            d[column].to_numpy(dtype=float),
            w,
            transform="B",
            permutations=permutations,
            star=True,
            seed=seed,
        )
    z = np.asarray(gl.Zs, dtype=float)
    p = np.asarray(gl.p_sim, dtype=float)
    return pd.DataFrame(
        {"unit_id": d["unit_id"], "gi_z": z, "gi_p": p, "hotspot": (z > 0) & (p < alpha)}
    )
