"""`cabinet demo` after `cabinet init --base-currency JPY`: refused, the program left in yen. The demo's plans, rates
and amounts are in dollars; it set the base currency back to USD without a word, and the operator's yen program became
a dollar one. `make run` (`init`, then `demo --if-empty`) still makes the demo on a fresh install, whose currency is
USD, and skips it, saying why, on a yen one."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cabinet.cli import app as cli_app
from cabinet.demo.program import OtherBaseCurrency, seed_program
from cabinet.program import ensure_program_defaults
from cabinet.store.db import make_engine, migrate, session_scope
from cabinet.store.models import Partner, ProgramSettings

KEY = "demo-test-link-key-0123456789abcdef"
SMALL = ["--clicks", "1000", "--days", "7"]


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 's.db'}"
    for name, value in {"CABINET_DATA_DIR": str(tmp_path), "CABINET_STORE_URL": url,
                        "CABINET_SECRETS_FILE": str(tmp_path / "secrets.toml"),
                        "CABINET_LINK_SIGNING_KEY": KEY}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    return url


def _program(url: str) -> tuple[str, int]:
    """The program's base currency and its partners."""
    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            program = s.get(ProgramSettings, 1)
            assert program is not None
            return program.base_currency, s.query(Partner).count()
    finally:
        engine.dispose()


def _cli(*args: str) -> object:
    return CliRunner().invoke(cli_app, list(args), env={"COLUMNS": "300"})


def test_the_demo_refuses_a_yen_program_and_leaves_it_in_yen(store: str, tmp_path: Path) -> None:
    made = _cli("init", "--base-currency", "JPY")
    assert made.exit_code == 0, made.output
    out = _cli("demo", *SMALL)
    assert out.exit_code == 1
    said = " ".join(str(out.exception).split())
    assert "the program's base currency is JPY" in said and "the demo program is in USD" in said, said
    assert "cabinet init --base-currency USD" in said  # what to do to have the demo
    assert _program(store) == ("JPY", 0)
    assert not (tmp_path / "demo_logins.json").exists()
    assert not any((tmp_path / "inbox").rglob("*.*"))
    assert _cli("init", "--base-currency", "USD").exit_code == 0  # as the refusal says: then the demo is made
    assert _cli("demo", *SMALL).exit_code == 0
    assert _program(store)[0] == "USD" and (tmp_path / "demo_logins.json").exists()


def test_the_demo_program_is_not_seeded_into_a_dinar_store(store: str) -> None:
    migrate(store)
    engine = make_engine(store)
    try:
        with session_scope(engine) as s:
            ensure_program_defaults(s, base_currency="KWD")
        with session_scope(engine) as s, pytest.raises(OtherBaseCurrency, match="base currency is KWD"):
            seed_program(s, seed=7, n_partners=20, link_key=KEY.encode(), end=date(2026, 11, 22), days=7)
    finally:
        engine.dispose()
    assert _program(store) == ("KWD", 0)


def test_make_runs_demo_skips_a_yen_program_saying_why(store: str, tmp_path: Path) -> None:
    assert _cli("init", "--base-currency", "JPY").exit_code == 0
    out = _cli("demo", "--if-empty", *SMALL)
    assert out.exit_code == 0, out.output
    said = " ".join(out.output.split())
    assert "the program's base currency is JPY" in said and "nothing generated" in said, said
    assert _program(store) == ("JPY", 0)
    assert not (tmp_path / "demo_logins.json").exists()


def test_make_run_on_a_fresh_install_still_makes_the_demo(store: str, tmp_path: Path) -> None:
    assert _cli("init", "--demo-mode").exit_code == 0  # as `make run`: the base currency USD by default
    out = _cli("demo", "--if-empty", *SMALL)
    assert out.exit_code == 0, out.output
    currency, partners = _program(store)
    assert currency == "USD" and partners > 0
    assert (tmp_path / "demo_logins.json").exists()
