"""The audit log's Target says what kind of thing an entry is about in the session's language ("партнёр 37",
"промокод SPRING", "неделя 2026-11-23 UTC"), where a Russian page read "partner 37" and "promo code SPRING"; the id or
name after it as written, a target of a kind the page does not know as stored, the downloads keep the stored text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from cabinet.i18n import translate
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog
from tests.reporting.conftest import Program
from tests.reporting.test_download_headers import Files, _csv, files  # noqa: F401 - the fixture, reused
from tests.reporting.test_page_locale import _open_ru as open_ru
from tests.reporting.test_pages import _open as open_page

# the last two: logins' names (a password reset, an account locked), which may be a kind's word
STORED = ["partner 37", "promo code SPRING", "week 2026-11-23 UTC", "program", "partnership 5", "something else",
          "partner", "news"]  # fmt: skip
RU = ["партнёр 37", "промокод SPRING", "неделя 2026-11-23 UTC", "программа", "partnership 5", "something else",
      "partner", "news"]  # fmt: skip


@pytest.fixture
def logged(program: Program, store_engine: Engine) -> Program:
    with session_scope(store_engine) as s:
        for i, target in enumerate(STORED):
            s.add(AuditLog(ts=datetime(2026, 11, 10, 8, i, tzinfo=UTC), actor_username="mgr", action="partner_changed",
                           target=target))  # fmt: skip
    return program


@pytest.mark.parametrize(("locale", "said"), [("en", STORED), ("ru", RU)])
def test_a_targets_kind_is_said_in_the_sessions_language(logged: Program, locale: str, said: list[str]) -> None:
    page = "pages/14_audit.py"
    at = open_ru(logged, "root", page) if locale == "ru" else open_page(page, logged.users["root"])
    assert not at.exception
    [grid] = at.dataframe
    shown = [v for v in grid.value[translate("audit.col_target", locale)] if v in said]
    assert sorted(shown) == sorted(said)


def test_the_download_keeps_the_stored_targets(logged: Program, files: Files) -> None:  # noqa: F811
    at = open_ru(logged, "root", "pages/14_audit.py")
    assert not at.exception
    header, *rows = _csv(files, "audit")
    assert set(STORED) <= {r[header.index("target")] for r in rows}
