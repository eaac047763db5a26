"""The audit log's Target column is wide enough to say which partner, plan or login an entry is about: sized by its
header ("Target", "Объект"), it read "partner" for "partner 51" at 1280 px, not which one."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from cabinet.i18n import translate
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog
from cabinet.ui.audit import TARGET_WIDTH
from cabinet.ui.fit import TABLE_PX, column_px
from tests.reporting.conftest import Program
from tests.reporting.table_width import columns_px
from tests.reporting.test_page_locale import _open_ru as open_ru
from tests.reporting.test_pages import _open as open_page


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_the_target_column_is_as_wide_as_a_partner_number(program: Program, store_engine: Engine, locale: str) -> None:
    with session_scope(store_engine) as s:
        s.add(AuditLog(ts=datetime(2026, 11, 10, 8, 0, tzinfo=UTC), actor_username="mgr", action="partner_changed",
                       target="partner 12345", details={"tier": ["bronze", "gold"]}))  # fmt: skip
    if locale == "ru":
        at = open_ru(program, "root", "pages/14_audit.py")
    else:
        at = open_page("pages/14_audit.py", program.users["root"])
    assert not at.exception
    target = translate("audit.col_target", locale)
    [grid] = at.dataframe
    assert ("partner 12345" if locale == "en" else "партнёр 12345") in list(grid.value[target])
    assert json.loads(grid.proto.columns)[target]["width"] == TARGET_WIDTH
    assert 8 * len("партнёр 12345") <= TARGET_WIDTH  # its text at about 8 px a character, with the cell's padding


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_the_log_fits_the_page_with_its_longest_action_and_long_details(
    program: Program, store_engine: Engine, locale: str
) -> None:
    """The action's label with its code and the details' JSON took the table past 818 px (835 with the demo's entries
    in English, over 1000 with a long action in Russian): the details, then the action, are cut at their end now."""
    details = {"device": "HeadlessChrome on Linux", "ip": "203.0.113.77", "reason": "a reason given at some length"}
    with session_scope(store_engine) as s:
        for action in ("impersonate_refused", "weekly_summaries", "login"):
            s.add(AuditLog(ts=datetime(2026, 11, 10, 8, 0, tzinfo=UTC), actor_username="mgr", action=action,
                           target="partner 12345", details=details))  # fmt: skip
    at = (
        open_ru(program, "root", "pages/14_audit.py")
        if locale == "ru"
        else open_page("pages/14_audit.py", program.users["root"])
    )
    assert not at.exception
    [grid] = at.dataframe
    widths = columns_px(grid)
    assert sum(widths.values()) <= TABLE_PX, widths
    said = json.loads(grid.proto.columns)
    for col in ("audit.col_time", "audit.col_user"):  # whole
        head = translate(col, locale)
        assert widths[head] >= column_px(grid.value[head], head)
    assert said[translate("audit.col_details", locale)]["help"]
