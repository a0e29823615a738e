"""A worker's route sheet prints in the worker's language, whoever prints it: the language of
the worker's team account, unless ``lang=`` says otherwise; the printer's own language stays.

The sheets are read back with poppler (``pdftotext``), as a person would read them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import geo_outreach as go
from geo_outreach import i18n
from geo_outreach.team import accounts as ac
from geo_outreach.team.roles import Actor
from tests.conftest import TINY_VISITS_CSV
from tests.present.test_packet_i18n import ENGLISH_LABELS, _text

MANAGER = Actor("maria", "manager")
PW = "long enough"
WEEK = "2026-03-02"  # a Monday: Van's Monday is 2 March 2026


def _english_left(text: str) -> list[str]:
    """English labels of the sheet found in ``text`` (words of the plan's own data aside:
    a visit named "Russian family" is no untranslated label)."""
    labels = [w for w in [*ENGLISH_LABELS, "Monday"] if w not in TINY_VISITS_CSV]
    return [w for w in labels if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text)]


def _sheet(plan_dir: Path, out: Path, **kw) -> str:
    packet = go.field_packet(plan_dir, worker="van", day="Mon", out=out, week_of=WEEK, html=False,
                             **kw)  # fmt: skip
    return _text(packet.pdf)


def test_a_manager_prints_the_spanish_speaking_workers_sheet_in_spanish(
    team_store, plan_dir, tmp_path
):
    ac.add_user(team_store, "vic", role="worker", worker_id="van", password=PW, language="es")
    assert ac.worker_language(team_store, "van") == "es"
    with i18n.using("en"):  # the manager's session
        text = _sheet(plan_dir, tmp_path / "es", actor=MANAGER, store=team_store)
        assert i18n.get_language() == "en"  # the manager's own context stays English
        assert i18n._("Break") == "Break"
    assert _english_left(text) == [], text
    for words in ("Hoja de ruta", "Van", "lunes 2 de marzo de 2026", "Descanso", "Página 1"):
        assert words in text, (words, text)
    # an explicit language wins over the account's
    with i18n.using("en"):
        text = _sheet(plan_dir, tmp_path / "en", actor=MANAGER, store=team_store, lang="en")
    assert "Route sheet" in text and "Monday" in text and "Hoja de ruta" not in text


def test_a_worker_without_an_account_and_a_disabled_account_get_the_default(
    team_store, plan_dir, tmp_path, monkeypatch
):
    monkeypatch.delenv("GEO_OUTREACH_LANG", raising=False)
    assert ac.worker_language(team_store, "van") is None
    ac.add_user(team_store, "old", role="worker", worker_id="van", password=PW, language="sv")
    ac.disable_user(team_store, "old")
    assert ac.worker_language(team_store, "van") is None  # a disabled account speaks no more
    text = _sheet(plan_dir, tmp_path / "x", actor=MANAGER, store=team_store)
    assert "Route sheet" in text and "Besökslista" not in text


def test_the_default_team_database_gives_the_language_and_is_never_created(
    plan_dir, tmp_path, monkeypatch
):
    from geo_outreach.visits.store import open_store

    monkeypatch.delenv("GEO_OUTREACH_DB_URL", raising=False)
    monkeypatch.delenv("GEO_OUTREACH_LANG", raising=False)
    home = tmp_path / "home"
    monkeypatch.setenv("GEO_OUTREACH_HOME", str(home))
    # no team database: English, and printing a sheet creates none
    assert "Route sheet" in _sheet(plan_dir, tmp_path / "a")
    assert not home.exists() or not any(home.iterdir())
    with open_store() as db:
        ac.add_user(db, "vic", role="worker", worker_id="van", password=PW, language="sv")
    # the CLI's owner (no actor) prints the Swedish-speaking worker's sheet in Swedish
    text = _sheet(plan_dir, tmp_path / "b")
    assert "Besökslista" in text and "måndag 2 mars 2026" in text, text
    assert _english_left(text) == [], text


@pytest.mark.parametrize("language", ["fr", "xx", "Klingon"])
def test_an_account_language_without_a_catalogue_is_refused(team_store, language):
    with pytest.raises(go.InputError, match="language"):
        ac.add_user(team_store, "vic", role="worker", worker_id="van", password=PW,
                    language=language)  # fmt: skip


def test_an_accounts_language_is_changed_by_an_admin_only(team_store):
    from geo_outreach.team.roles import AccessDeniedError

    ac.add_user(team_store, "vic", role="worker", worker_id="van", password=PW)
    assert ac.set_language(team_store, "vic", "sv-SE").language == "sv"
    assert ac.worker_language(team_store, "van") == "sv"
    with pytest.raises(AccessDeniedError, match="refused"):
        ac.set_language(team_store, "vic", "es", actor=MANAGER)
    with pytest.raises(go.InputError, match="no user"):
        ac.set_language(team_store, "nobody", "es")
    assert ac.worker_language(team_store, "van") == "sv"


def test_users_language_on_the_command_line(tmp_path):
    import json

    from tests.team.test_team_cli import cli

    db = f"sqlite:///{tmp_path / 'team.sqlite'}"
    r = cli("users", "add", "vic", "--role", "worker", "--worker-id", "van", "--language", "es",
            "--password-stdin", stdin=PW + "\n", db=db)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert json.loads(cli("users", "list", "--json", db=db).stdout)[0]["language"] == "es"
    r = cli("users", "language", "vic", "sv", db=db)
    assert r.returncode == 0, r.stderr
    assert json.loads(cli("users", "list", "--json", db=db).stdout)[0]["language"] == "sv"
    r = cli("users", "language", "vic", "fr", db=db)
    assert r.returncode == 2 and "choose one of en, es, sv" in r.stderr, r.stderr
