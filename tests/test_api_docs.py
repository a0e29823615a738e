"""The API reference builds from the docstrings, and a broken reference fails the build."""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _script():
    spec = importlib.util.spec_from_file_location(
        "build_api_docs", ROOT / "scripts/build_api_docs.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def test_reference_builds_without_problems(tmp_path):
    out = tmp_path / "api"
    assert _script().main(["-o", str(out)]) == 0
    page = (out / "geo_outreach" / "api" / "pipeline.html").read_text(encoding="utf-8")
    assert "plan_routes" in page and "max_iterations" in page


def test_a_broken_reference_is_found():
    script = _script()
    fake = types.ModuleType("geo_outreach._fake_docs")
    fake.__doc__ = "See :func:`geo_outreach.plan_routes` and :func:`geo_outreach.plan_rutes`."

    def helper():
        """Uses :class:`~geo_outreach.api.results.Plan` and :meth:`.Plan.sav`."""

    helper.__module__ = fake.__name__
    fake.helper = helper
    sys.modules[fake.__name__] = fake
    try:
        bad = script.broken_references([fake])
    finally:
        del sys.modules[fake.__name__]
    assert any("plan_rutes" in b for b in bad)
    assert any("Plan.sav" in b for b in bad)
    assert not any("plan_routes`" in b or "results.Plan`" in b for b in bad)
