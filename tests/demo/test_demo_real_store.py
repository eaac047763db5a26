"""`cabinet demo` on a store `cabinet init --admin-user` set up for a real program: refused, the program kept. It
renamed the program "Demo Affiliate Program", made its base currency USD and added an admin `admin` whose password it
wrote into the data directory, because the store had no partner yet."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cabinet.cli import app as cli_app
from cabinet.store.db import make_engine, session_scope
from cabinet.store.models import ProgramSettings, User


def test_the_demo_leaves_a_program_with_logins_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    for name, value in {"CABINET_DATA_DIR": str(tmp_path), "CABINET_STORE_URL": url,
                        "CABINET_SECRETS_FILE": str(tmp_path / "secrets.toml"),
                        "CABINET_ADMIN_PASSWORD": "a-long-admin-password"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    made = CliRunner().invoke(cli_app, ["init", "--admin-user", "alice", "--program-name", "Acme",
                                        "--base-currency", "EUR"])  # fmt: skip
    assert made.exit_code == 0, made.output
    out = CliRunner().invoke(cli_app, ["demo", "--clicks", "1000", "--days", "7"], env={"COLUMNS": "300"})
    assert out.exit_code == 1
    assert "the store already has 1 login (alice); the demo needs an empty store" in str(out.exception)
    skipped = CliRunner().invoke(cli_app, ["demo", "--if-empty"], env={"COLUMNS": "300"})
    assert skipped.exit_code == 0 and "already has 1 login (alice); nothing generated" in skipped.output
    engine = make_engine(url)
    with session_scope(engine) as s:
        program = s.get(ProgramSettings, 1)
        assert program is not None and (program.name, program.base_currency) == ("Acme", "EUR")
        assert [u.username for u in s.query(User)] == ["alice"]
    engine.dispose()
    assert not (tmp_path / "demo_logins.json").exists()
