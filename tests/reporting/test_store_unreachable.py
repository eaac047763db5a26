"""The store's server down or restarting (PostgreSQL): every page says so in the reader's language, where it showed
SQLAlchemy's traceback to partners, with the server's address, and the logged-out login page did too."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from cabinet.i18n import translate
from cabinet.store.db import make_engine
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open


def test_a_page_says_the_store_cannot_be_reached(program: Program, monkeypatch: pytest.MonkeyPatch) -> None:
    down = make_engine("postgresql+psycopg://cabinet@127.0.0.1:1/store")  # no server listens on port 1

    def refused(*_args: object, **_kwargs: object) -> None:
        with down.connect() as conn:
            conn.execute(text("select 1"))

    monkeypatch.setattr("cabinet.ui.login.session_check", refused)  # a logged-in session's check, every run
    monkeypatch.setattr("cabinet.ui.login.program_front", refused)  # the login page's program name and logo
    for user in (program.users["p_parent"], None):
        at = _open("pages/09_payouts.py", user)
        assert not at.exception, at.exception[0].message
        assert [e.value for e in at.error] == [translate("common.store_unreachable", "en")]
        assert not at.metric and not at.dataframe and not at.text_input
    down.dispose()
