"""Emails: the table of messages fits a laptop's 1280 px beside the menu as far as it can. Seven columns (1073 px in an
818-px table, 1184 in Russian) cut the subject; whether a message went and when is one column now, right after its
time, then to whom and the subject; the kind, the attempts and an error (long) last, the error in a column of its own
that says on hover what it is."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from cabinet.i18n import translate
from cabinet.mail import queue
from cabinet.store.db import session_scope
from tests.reporting.conftest import Program
from tests.reporting.test_page_locale import _ru
from tests.reporting.test_pages import _open as open_page


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_a_message_says_whether_it_went_and_when_before_its_subject(
    program: Program, store_engine: Engine, locale: str
) -> None:
    with session_scope(store_engine) as s:
        sent = queue(s, "a@example.com", "Program: your payout request 7 is approved", "Body", "news")
        sent.status, sent.sent_at, sent.attempts = "sent", datetime(2026, 11, 9, 8, 30, 5, tzinfo=UTC), 1
        same = queue(s, "c@example.com", "Program: news", "Body", "news")
        same.status, same.created_at = "sent", datetime(2026, 11, 8, 7, 0, tzinfo=UTC)
        same.sent_at = datetime(2026, 11, 8, 23, 59, 59, tzinfo=UTC)
        gone = queue(s, "b@example.com", "Program: news", "Body", "news")
        gone.status, gone.last_error, gone.attempts = "failed", "550 mailbox unavailable", 5
    user = _ru(program, "root") if locale == "ru" else program.users["root"]
    at = open_page("pages/17_emails.py", user)
    assert not at.exception
    grid = at.dataframe[0]
    cols = ("created", "status", "to", "subject", "kind", "attempts", "error")
    heads = [translate(f"emails.col_{c}", locale) for c in cols]
    assert list(grid.value.columns) == heads
    rows = {r[heads[2]]: r for _, r in grid.value.iterrows()}
    went = translate("emails.row_status_sent", locale)
    # queued today (the fixture's clock is real), sent on 9 November: the day said; sent the day queued: the time alone
    assert (rows["a@example.com"][heads[1]], rows["a@example.com"][heads[6]]) == (f"{went} · 2026-11-09 08:30:05", "")
    assert rows["c@example.com"][heads[1]] == f"{went} · 23:59:59"
    failed = rows["b@example.com"]
    assert (failed[heads[1]], failed[heads[5]], failed[heads[6]]) == (
        translate("emails.row_status_failed", locale), 5, "550 mailbox unavailable")  # fmt: skip
    said = json.loads(grid.proto.columns)
    assert said[heads[1]]["help"] == translate("emails.colhelp_status", locale)
    assert said[heads[6]]["help"] == translate("emails.colhelp_error", locale)
