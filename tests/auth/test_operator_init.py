"""An operator's program in its own currency: `cabinet init --base-currency` sets it, while nothing is kept in
another one yet."""

from __future__ import annotations

from sqlalchemy import select

from cabinet.config import Settings
from cabinet.store.db import make_engine, session_scope
from cabinet.store.models import Partner, ProgramSettings
from tests.auth.test_auth import _cli


def _said(done: object) -> str:
    return " ".join((done.stdout + done.stderr).split())  # type: ignore[attr-defined]


def _base(settings: Settings) -> str:
    engine = make_engine(settings.store_url)
    try:
        with session_scope(engine) as s:
            return s.scalar(select(ProgramSettings.base_currency))
    finally:
        engine.dispose()


def test_init_sets_the_base_currency_of_a_new_program_and_refuses_a_change_once_partners_exist(
    settings: Settings,
) -> None:
    """The Program settings page shows the base currency as fixed, "set when the program is created", and no command
    set it: a program paying in euros had every amount in dollars."""
    done = _cli(["init", "--base-currency", "eur", "--program-name", "Euro Partners"])
    assert done.returncode == 0, done.stderr
    assert _base(settings) == "EUR"
    assert _cli(["init"]).returncode == 0 and _base(settings) == "EUR"  # run again without it: kept
    assert _cli(["init", "--base-currency", "GBP"]).returncode == 0 and _base(settings) == "GBP"  # nothing kept yet

    engine = make_engine(settings.store_url)
    with session_scope(engine) as s:
        s.add(Partner(name="First", email="first@example.com", tier_code="bronze", currency="GBP"))
    engine.dispose()
    refused = _cli(["init", "--base-currency", "USD"])
    assert refused.returncode == 1
    assert "the base currency is GBP and the store already has partners" in _said(refused)
    assert "Traceback" not in refused.stderr and _base(settings) == "GBP"

    bad = _cli(["init", "--base-currency", "EURO"])
    assert bad.returncode == 1 and "--base-currency 'EURO': not an ISO 4217 currency code" in _said(bad)


def test_init_says_what_it_did_not_do_with_a_name_or_an_address(settings: Settings) -> None:
    """`init --program-name` on an existing program exited 0 and left the old name without a word; an admin made
    without --admin-email got admin@example.com, where its password links go, and nothing said so."""
    done = _cli(["init", "--admin-user", "boss"], {"CABINET_ADMIN_PASSWORD": "a-long-password-1"})
    assert done.returncode == 0, done.stderr
    assert "no --admin-email given: its address is admin@example.com, which receives no mail" in _said(done)
    engine = make_engine(settings.store_url)
    with session_scope(engine) as s:
        assert s.scalar(select(ProgramSettings.name)) == "Partner Program"
        s.execute(ProgramSettings.__table__.update().values(name="Acme Partners"))  # renamed on Program settings
    engine.dispose()
    again = _cli(["init", "--program-name", "Partner Program"])
    assert again.returncode == 0
    assert "the program keeps its name 'Acme Partners': Program settings renames it" in _said(again)
    assert "keeps its name" not in _said(_cli(["init", "--program-name", "Acme Partners"]))
    mailed = _cli(["init", "--admin-user", "ops", "--admin-email", "ops@acme.test"],
                  {"CABINET_ADMIN_PASSWORD": "a-long-password-1"})  # fmt: skip
    assert mailed.returncode == 0 and "--admin-email" not in _said(mailed)
