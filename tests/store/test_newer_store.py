"""A store a newer version migrated, opened by an older one (the code rolled back after an upgrade): every command
said "run `cabinet init` to apply the migrations", and `cabinet init` then stopped with Alembic's traceback ("Can't
locate revision"). Both say in one line what happened and what to do; nothing in the store changes."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from cabinet.config import Settings
from tests.auth.test_auth import _cli


@pytest.mark.parametrize("args", [["init"], ["users", "list"]])
def test_a_store_of_a_newer_version_is_said_so(store_engine: Engine, settings: Settings, args: list[str]) -> None:
    with store_engine.begin() as conn:
        conn.execute(text("update alembic_version set version_num = '0999'"))
    done = _cli(args)
    said = " ".join((done.stdout + done.stderr).split())
    assert done.returncode == 1 and "Traceback" not in said, said
    assert "revision 0999" in said and "newer version" in said and "backup" in said, said
    assert "run `cabinet init`" not in said, said
    with store_engine.connect() as conn:
        assert conn.scalar(text("select version_num from alembic_version")) == "0999"
