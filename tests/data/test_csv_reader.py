"""One CSV reader for every CSV the tool takes: encodings, separators, decimal commas."""

from __future__ import annotations

import pytest

from geo_outreach.data.readers import EncodingNotice, read_csv_table, read_layer
from geo_outreach.errors import InputError

ROWS = "id,name,lon,lat\n007,Peña Clinic,-122.65,45.52\n008,Åsa's,-122.66,45.53\n"


@pytest.mark.parametrize(
    ("encoding", "notice"),
    [("utf-8", False), ("utf-8-sig", False), ("cp1252", True), ("latin-1", True)],
)
def test_encodings_are_read_with_accents_intact(tmp_path, encoding, notice):
    p = tmp_path / "sites.csv"
    p.write_bytes(ROWS.encode(encoding))
    with pytest.warns(EncodingNotice, match="cp1252") if notice else _no_notice():
        df = read_csv_table(p, str_columns=["id"])
    assert list(df.columns) == ["id", "name", "lon", "lat"]  # no BOM in the first name
    assert df["name"].tolist() == ["Peña Clinic", "Åsa's"]
    assert df["id"].tolist() == ["007", "008"]


def _no_notice():
    import warnings
    from contextlib import contextmanager

    @contextmanager
    def cm():
        with warnings.catch_warnings():
            warnings.simplefilter("error", EncodingNotice)
            yield

    return cm()


@pytest.mark.parametrize("sep", [";", "\t"])
def test_semicolons_and_decimal_commas_from_a_swedish_spreadsheet(tmp_path, sep):
    p = tmp_path / "sites.csv"
    text = ROWS.replace(",", sep).replace("-122.65", "-122,65").replace("45.52", "45,52")
    text = text.replace("-122.66", "-122,66").replace("45.53", "45,53")
    p.write_text(text, encoding="utf-8")
    df = read_csv_table(p)
    assert df["lon"].tolist() == [-122.65, -122.66]
    text_df = read_csv_table(p, dtype=str, keep_default_na=False)
    assert text_df["lat"].tolist() == ["45.52", "45.53"]  # text columns get a decimal point too
    gdf = read_layer(p, what="service sites")
    assert gdf.geometry.x.round(2).tolist() == [-122.65, -122.66]


def test_a_column_of_text_with_commas_is_left_alone(tmp_path):
    p = tmp_path / "w.csv"
    p.write_text("worker_id;skills\nana;en,es\nbo;1,5\n", encoding="utf-8")
    assert read_csv_table(p, dtype=str)["skills"].tolist() == ["en,es", "1,5"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"\n\n", "is empty"),
        (b"PK\x03\x04\x00\x00binary", "not a text file"),
        (b'a,b\n1,"open quote\n', "not well-formed CSV"),
    ],
)
def test_unreadable_files_are_refused_naming_the_file(tmp_path, content, message):
    p = tmp_path / "bad.csv"
    p.write_bytes(content)
    with pytest.raises(InputError, match=message) as info:
        read_csv_table(p, what="visits")
    assert str(p) in str(info.value) and info.value.source == str(p)


def test_a_folder_is_not_file_not_found(tmp_path):
    with pytest.raises(InputError, match="is a folder"):
        read_csv_table(tmp_path)
