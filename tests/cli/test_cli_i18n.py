"""The CLI's own messages speak the user's language (``GEO_OUTREACH_LANG``), while ``--json``,
file contents, ids and the ``error:`` / ``warning:`` prefixes stay English.

Each command runs in-process in the pseudo-locale, where every string that went through
gettext comes back as ``⟦…⟧``: a word printed outside the markers that is not a data value
(a path, an id, a name, a number) is a message that bypassed the catalogues.
"""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import pytest

from geo_outreach.cli import main
from geo_outreach.i18n import PSEUDO, PSEUDO_CLOSE, PSEUDO_OPEN, get_language
from tests.conftest import write_plan_inputs

WRAPPED = re.compile(re.escape(PSEUDO_OPEN) + ".*?" + re.escape(PSEUDO_CLOSE))


def run(
    argv: list[str],
    lang: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *,
    stdin: str = "",
) -> tuple[int, str, str]:
    """Run ``geo-outreach ARGV`` with ``GEO_OUTREACH_LANG=lang``; (status, stdout, stderr)."""
    capsys.readouterr()
    monkeypatch.setenv("GEO_OUTREACH_LANG", lang)
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def leftover_words(text: str, data: set[str]) -> list[tuple[str, list[str]]]:
    """Lines of ``text`` with words outside the pseudo markers that are not data values."""
    bad = []
    for line in text.splitlines():
        rest = WRAPPED.sub(" ", line)
        rest = re.sub(r"^(error|warning): ", "", rest)  # fixed prefixes other tools parse
        rest = re.sub(r"\d{1,2}:\d\d(?:[\s\u202f]?[AP]M)?", " ", rest)  # clock times: Babel's
        for value in sorted(data, key=len, reverse=True):
            rest = rest.replace(value, " ")
        words = re.findall(r"[^\W\d_]{2,}", rest)
        if words:
            bad.append((line, words))
    return bad


def data_values(obj: object) -> set[str]:
    """Every string and number in a JSON value (ids, names, dates: data, never translated)."""
    if isinstance(obj, dict):
        return {v for x in obj.values() for v in data_values(x)} | {str(k) for k in obj}
    if isinstance(obj, list):
        return {v for x in obj for v in data_values(x)}
    return {str(obj)} if obj not in (None, "") else set()


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'team.sqlite'}"


def test_region_info_speaks_the_pseudo_locale_and_json_stays_english(
    tiny_region: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["region", "info", "--region", str(tiny_region)]
    code, english, _ = run(argv, "en", monkeypatch, capsys)
    assert code == 0 and "tracts:" in english and PSEUDO_OPEN not in english
    code, pseudo, err = run(argv, PSEUDO, monkeypatch, capsys)
    assert code == 0
    # library warnings (a site off the network) keep their prefix; their text is the library's
    assert all(line.startswith("warning: ") for line in err.splitlines())
    info = json.loads(run([*argv, "--json"], "en", monkeypatch, capsys)[1])
    # the title, manifest path, time zone, categories and modes are the region's data
    data = data_values(info) | {str(tiny_region), "drive", "walk", "?"}
    assert len(pseudo.splitlines()) == len(english.splitlines())
    assert leftover_words(pseudo, data) == []
    assert sum(PSEUDO_OPEN in line for line in pseudo.splitlines()) >= 4
    # the machine output is the same bytes whatever the language
    code, js_en, _ = run([*argv, "--json"], "en", monkeypatch, capsys)
    code2, js_xx, _ = run([*argv, "--json"], PSEUDO, monkeypatch, capsys)
    assert code == code2 == 0 and js_xx == js_en and PSEUDO_OPEN not in js_xx


def test_synth_prints_only_the_manifest_path_in_any_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "region"
    code, printed, err = run(
        ["synth", str(out), "--nodes", "300", "--seed", "1"], PSEUDO, monkeypatch, capsys
    )
    assert code == 0 and Path(printed.strip()) == out / "region.toml"  # a path: data
    code, _, err = run(["synth", str(out), "--nodes", "5"], PSEUDO, monkeypatch, capsys)
    assert code == 2 and err.startswith("error: ")  # the prefix stays English
    assert PSEUDO_OPEN in err


def test_users_messages_and_listing_speak_the_language(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    add = ["users", "add", "ana", "--role", "worker", "--worker-id", "ow_ana"]
    code, out, err = run(
        [*add, "--password-stdin", "--db", db], PSEUDO, monkeypatch, capsys, stdin="long pass\n"
    )
    assert code == 0 and not out
    data = {"ana", "worker", "ow_ana", "manager", "bo", "es"}
    assert PSEUDO_OPEN in err and leftover_words(err, data) == []
    run(["users", "add", "bo", "--role", "manager", "--password-stdin", "--db", db],
        "en", monkeypatch, capsys, stdin="long pass\n")  # fmt: skip
    code, out, err = run(["users", "language", "bo", "es", "--db", db], PSEUDO, monkeypatch, capsys)
    assert code == 0 and PSEUDO_OPEN in err and leftover_words(err, data) == []
    code, out, err = run(["users", "disable", "bo", "--db", db], PSEUDO, monkeypatch, capsys)
    assert code == 0 and PSEUDO_OPEN in err and leftover_words(err, data) == []

    code, english, _ = run(["users", "list", "--db", db], "en", monkeypatch, capsys)
    assert english.splitlines() == ["ana\tworker\tactive worker=ow_ana", "bo\tmanager\tdisabled"]
    code, pseudo, _ = run(["users", "list", "--db", db], PSEUDO, monkeypatch, capsys)
    assert code == 0 and len(pseudo.splitlines()) == 2
    # the username and role are ids; the state is words people read
    assert leftover_words(pseudo, data | {"worker=ow_ana"}) == []
    assert all(PSEUDO_OPEN in line for line in pseudo.splitlines())

    js = [run(["users", "list", "--json", "--db", db], lang, monkeypatch, capsys)[1]
          for lang in ("en", PSEUDO, "es")]  # fmt: skip
    assert js[0] == js[1] == js[2] and json.loads(js[0])[0]["username"] == "ana"


def test_plan_publish_and_plans_list_show(
    db: str,
    tiny_region: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    v, w = write_plan_inputs(tmp_path / "in")
    argv = ["plan", "--region", str(tiny_region), "--visits", str(v), "--workers", str(w),
            "--time-limit", "0.3", "--days", "2", "-o", str(tmp_path / "p"),
            "--publish", "--week-of", "2026-03-04", "--db", db]  # fmt: skip
    code, out, err = run(argv, PSEUDO, monkeypatch, capsys)
    assert code == 0, err
    summary = json.loads(out) if out.strip() else {}
    assert not summary  # without --json, stdout stays empty: the summary is on stderr
    # the plan's summary and the publish line: words only inside the markers
    paths = {str(tmp_path / "p"), "2026-03-02", "2026-03-04"}
    files = "stops.csv"
    assert err.count(PSEUDO_OPEN) >= 2
    lines = [line for line in err.splitlines() if line.strip()]
    for line in lines:
        rest = WRAPPED.sub(" ", line)
        for value in paths:
            rest = rest.replace(value, " ")
        assert not re.findall(r"[^\W\d_]{2,}", rest), line
    assert files in err  # file names inside the sentence are data, kept as they are

    code, listed_xx, _ = run(["plans", "list", "--db", db], PSEUDO, monkeypatch, capsys)
    code_en, listed_en, _ = run(["plans", "list", "--db", db], "en", monkeypatch, capsys)
    assert code == code_en == 0
    assert "route(s)" in listed_en and "route(s)" not in WRAPPED.sub("", listed_xx)
    plans = json.loads(run(["plans", "list", "--json", "--db", db], "en", monkeypatch, capsys)[1])
    assert leftover_words(listed_xx, data_values(plans)) == []
    js_xx = run(["plans", "list", "--json", "--db", db], PSEUDO, monkeypatch, capsys)[1]
    assert js_xx == json.dumps(plans, indent=2) + "\n"

    plan_id = str(plans[0]["id"])
    code, shown, _ = run(["plans", "show", plan_id, "--db", db], PSEUDO, monkeypatch, capsys)
    plan = json.loads(run(["plans", "show", plan_id, "--json", "--db", db], "en",
                          monkeypatch, capsys)[1])  # fmt: skip
    assert code == 0 and PSEUDO_OPEN in shown.splitlines()[0]
    assert leftover_words(shown, data_values(plan)) == []  # names, addresses, ids: data
    js_xx = run(["plans", "show", plan_id, "--json", "--db", db], PSEUDO, monkeypatch, capsys)[1]
    assert json.loads(js_xx) == plan and PSEUDO_OPEN not in js_xx


def test_spanish_and_the_callers_language_is_left_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GEO_OUTREACH_LANG", raising=False)
    assert get_language() == "en"
    code, _, err = run(["synth", str(tmp_path / "a"), "--nodes", "many"], "es", monkeypatch, capsys)
    assert code == 2 and err.startswith("error: ")
    assert "se esperaba un número entero" in err and "(véase geo-outreach synth --help)" in err
    monkeypatch.delenv("GEO_OUTREACH_LANG")
    assert get_language() == "en"  # the run's language ended with the run


def test_an_unknown_language_is_one_error_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["region", "info"], "fr", monkeypatch, capsys)
    assert code == 2 and not out
    assert err.startswith("error: GEO_OUTREACH_LANG:") and err.count("\n") == 1 and "es" in err


def test_lang_chooses_the_language_of_any_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``geo-outreach --lang sv COMMAND``: the run speaks Swedish whatever GEO_OUTREACH_LANG
    says, and an export writes its file in it unless the export's own --lang says otherwise."""
    code, _, err = run(
        ["--lang", "sv", "synth", str(tmp_path / "a"), "--nodes", "many"], "es", monkeypatch, capsys
    )
    assert code == 2 and err.startswith("error: ")
    assert "se esperaba" not in err and "(se geo-outreach synth --help)" in err
    code, _, err = run(["--lang", "fr", "region", "info"], "en", monkeypatch, capsys)
    assert code == 2 and "--lang" in err and "'fr'" in err  # one line naming the choices
    assert err.count("\n") == 1 and "en, es, sv" in err.replace("'", "")

    import geo_outreach.cli.export as export_cli

    seen: dict[str, object] = {}
    monkeypatch.setattr(export_cli, "run_map", lambda args: seen.update(lang=args.lang) or 0)
    for argv, want in (
        (["--lang", "sv", "export", "map", "-o", "m.png"], "sv"),
        (["--lang", "sv", "export", "map", "--lang", "es", "-o", "m.png"], "es"),
    ):
        seen.clear()
        run(argv, "en", monkeypatch, capsys)
        assert seen.get("lang") == want, argv
