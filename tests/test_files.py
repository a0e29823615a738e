"""geo_outreach.files: an interrupted write leaves the previous output; manifests catch damage."""

from __future__ import annotations

import pytest

from geo_outreach.errors import InputError, NoSolutionError
from geo_outreach.files import (
    DamagedOutputWarning,
    atomic_dir,
    atomic_file,
    check_manifest,
    check_output_path,
    write_manifest,
)

TABLE = "a,b\n1,2\n3,4\n"


def _write_plan(folder, text=TABLE):
    with atomic_dir(folder) as tmp:
        (tmp / "stops.csv").write_text(text)
        write_manifest(tmp, kind="plan", meta={"seed": 0})


def test_interrupted_file_write_keeps_previous_content(tmp_path):
    target = tmp_path / "a.csv"
    target.write_text("x\n1\n")
    with pytest.raises(KeyboardInterrupt), atomic_file(target) as tmp:
        tmp.write_text("x\n")
        raise KeyboardInterrupt
    assert target.read_text() == "x\n1\n"
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind


def test_failed_folder_write_keeps_previous_folder_and_same_content_same_bytes(tmp_path):
    plan = tmp_path / "plan"
    _write_plan(plan)
    assert check_manifest(plan, kind="plan")["files"]["stops.csv"]["rows"] == 2
    before = (plan / "manifest.json").read_bytes()
    with pytest.raises(RuntimeError), atomic_dir(plan) as tmp:
        (tmp / "stops.csv").write_text("cut")
        raise RuntimeError("crash")
    assert (plan / "manifest.json").read_bytes() == before
    assert (plan / "stops.csv").read_text() == TABLE
    _write_plan(plan)  # replacing a folder the tool wrote
    assert (plan / "manifest.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan"]


def test_manifest_refuses_cut_file_and_warns_on_resaved_file(tmp_path):
    plan = tmp_path / "plan"
    _write_plan(plan)
    (plan / "stops.csv").write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match="rows"):
        check_manifest(plan)
    (plan / "stops.csv").write_text("a,b\r\n1,2\r\n3,4\r\n")
    with pytest.warns(DamagedOutputWarning):
        check_manifest(plan)
    (plan / "stops.csv").unlink()
    with pytest.raises(InputError, match="missing"):
        check_manifest(plan)
    with pytest.raises(InputError, match="not a 'packet'"):
        check_manifest(tmp_path / "plan", kind="packet")


def test_output_path_checks(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        check_output_path(tmp_path / "missing" / "y.csv")
    with pytest.raises(InputError, match="is a folder"):
        check_output_path(tmp_path)
    with pytest.raises(InputError, match=r"\.gpkg"):
        check_output_path(tmp_path / "x.xlsx", suffixes=(".gpkg",))
    src = tmp_path / "in.csv"
    src.write_text(TABLE)
    with pytest.raises(InputError, match="also an input"):
        check_output_path(src, inputs=(src,))
    (tmp_path / "theirs").mkdir()
    (tmp_path / "theirs" / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="did not write"):
        check_output_path(tmp_path / "theirs", kind="dir")


def test_no_solution_exit_code():
    assert NoSolutionError("infeasible").exit_code == 3
    assert InputError("bad", parameter="time_limit_s").parameter == "time_limit_s"
