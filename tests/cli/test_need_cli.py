"""``geo-outreach need``: output contract, leading zeros, exit codes."""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from geo_outreach.analysis.need import compute_need
from geo_outreach.analysis.svi import SVI_VARIABLES, compute_svi
from geo_outreach.cli import main
from tests.conftest import REAL_SVI_CSV

SVI_COLUMNS = ["GEOID", "rpl_theme1", "rpl_theme2", "rpl_theme3", "rpl_theme4", "rpl_themes"]


def svi_frame(n: int = 6, id_name: str = "FIPS") -> pd.DataFrame:
    rng = np.random.default_rng(11)
    df = pd.DataFrame({id_name: [f"0{1001020100 + i}" for i in range(n)]})
    df["E_TOTPOP"] = [1000] * (n - 1) + [0]
    for v in (*SVI_VARIABLES, "NOINT"):
        df[f"EP_{v}"] = rng.integers(0, 50, n).astype(float)
    return df


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def test_cdc_svi_csv_contract(tmp_path):
    src = tmp_path / "svi.csv"
    df = svi_frame()
    df.to_csv(src, index=False)
    out = tmp_path / "out.csv"
    assert main(["need", str(src), "-o", str(out)]) == 0
    header, rows = read_rows(out)
    assert header == SVI_COLUMNS
    assert [r["GEOID"] for r in rows] == df["FIPS"].tolist()  # leading zeros kept
    assert all(r["GEOID"].startswith("0") and len(r["GEOID"]) == 11 for r in rows)
    expected = compute_svi(df)
    for r, (_, e) in zip(rows[:-1], expected.iloc[:-1].iterrows(), strict=True):
        for col in SVI_COLUMNS[1:]:
            assert len(r[col].split(".")[1]) == 4  # 4 decimals
            assert float(r[col]) == e[col.upper()]
            assert 0.0 <= float(r[col]) <= 1.0
    assert all(rows[-1][c] == "" for c in SVI_COLUMNS[1:])  # zero-population tract


def test_cdc_svi_from_geopackage_with_geoid(tmp_path):
    df = svi_frame(id_name="GEOID")
    gdf = gpd.GeoDataFrame(df, geometry=[box(i, 0, i + 1, 1) for i in range(len(df))], crs=4326)
    src = tmp_path / "tracts.gpkg"
    gdf.to_file(src, layer="tracts")
    out = tmp_path / "out.csv"
    assert main(["need", str(src), "-o", str(out), "--method", "cdc-svi"]) == 0
    header, rows = read_rows(out)
    assert header == SVI_COLUMNS
    assert [r["GEOID"] for r in rows] == df["GEOID"].tolist()


def test_custom_preset_and_variables(tmp_path):
    src = tmp_path / "svi.csv"
    df = svi_frame()
    df.to_csv(src, index=False)
    out = tmp_path / "need.csv"
    assert (
        main(["need", str(src), "-o", str(out), "--method", "custom", "--preset", "food_access"])
        == 0
    )
    header, rows = read_rows(out)
    assert header == ["GEOID", "need_score", "need_rank"]
    ref = compute_need(df, "food_access")
    assert [r["need_rank"] for r in rows[:-1]] == [str(x) for x in ref["need_rank"][:-1]]
    assert rows[-1]["need_score"] == "" and rows[-1]["need_rank"] == ""
    assert min(int(r["need_rank"]) for r in rows[:-1]) == 1

    args = ["need", str(src), "-o", str(out), "--method", "custom"]
    assert main([*args, "--variables", "EP_POV150:1,EP_NOVEH:0.5"]) == 0
    _, rows = read_rows(out)
    pov_top = df.iloc[:-1]["EP_POV150"].idxmax()
    assert rows[pov_top]["GEOID"] == df.loc[pov_top, "FIPS"]


def test_custom_on_non_census_units(tmp_path):
    src = tmp_path / "zones.csv"
    pd.DataFrame({"unit_id": ["007", "002"], "hardship": [1.0, 9.0]}).to_csv(src, index=False)
    out = tmp_path / "need.csv"
    argv = ["need", str(src), "-o", str(out), "--method", "custom", "--variables", "hardship"]
    assert main(argv) == 0
    header, rows = read_rows(out)
    assert header == ["unit_id", "need_score", "need_rank"]
    assert rows == [
        {"unit_id": "007", "need_score": "0.0000", "need_rank": "2"},
        {"unit_id": "002", "need_score": "1.0000", "need_rank": "1"},
    ]


@pytest.mark.parametrize(
    ("setup", "extra", "message"),
    [
        (lambda p: None, [], "does not exist"),
        (lambda p: svi_frame().drop(columns="EP_NOVEH").to_csv(p, index=False), [], "EP_NOVEH"),
        (
            lambda p: svi_frame().assign(EP_AGE65="twelve").to_csv(p, index=False),
            [],
            "EP_AGE65",
        ),
        (lambda p: svi_frame().drop(columns="FIPS").to_csv(p, index=False), [], "id column"),
        (lambda p: svi_frame().to_csv(p, index=False), ["--preset", "svi"], "--method custom"),
        (lambda p: svi_frame().to_csv(p, index=False), ["--method", "custom"], "exactly one"),
        (
            lambda p: svi_frame().to_csv(p, index=False),
            ["--method", "custom", "--variables", "EP_POV150:abc"],
            "abc",
        ),
        (lambda p: p.write_text(""), [], "is empty"),
        (
            lambda p: svi_frame().assign(EP_MUNIT="n/a").to_csv(p, index=False),
            [],
            "EP_MUNIT' has no values",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, capsys, setup, extra, message):
    src = tmp_path / "in.csv"
    setup(src)
    out = tmp_path / "out.csv"
    assert main(["need", str(src), "-o", str(out), *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:")
    assert message in err[0]
    assert not out.exists()


@pytest.mark.realdata
def test_multnomah_file(tmp_path):
    if not REAL_SVI_CSV.exists():
        pytest.skip(f"shared data not found: {REAL_SVI_CSV}")
    out = tmp_path / "svi.csv"
    assert main(["need", str(REAL_SVI_CSV), "-o", str(out)]) == 0
    got = pd.read_csv(out, dtype={"GEOID": str})
    assert list(got.columns) == SVI_COLUMNS
    assert len(got) == 197 and got["GEOID"].str.len().eq(11).all()
    assert got["rpl_themes"].isna().sum() == 1  # the zero-population tract 41051980000
    assert got.loc[got["rpl_themes"].isna(), "GEOID"].tolist() == ["41051980000"]
    assert got["rpl_themes"].max() == 1.0 and got["rpl_themes"].min() == 0.0
