"""Emails: the table of messages fits a laptop's 1280 px beside the menu as far as it can. Seven columns (1073 px in an
818-px table, 1184 in Russian) cut the subject; whether a message went and when is one column now, right after its
time, then to whom and the subject. The subject (380 px) then kept the kind, the attempts and the error out of sight
(1027 px of table, 1077 in Russian): a subject reads without the program's name that begins each one, times to the
minute, and a message not sent says its last error after its attempts. A staff digest ("Сводка для сотрудников")
and a long error still took the Russian table to 902 px: the time, the status, the address and the kind read whole,
the subject takes the width they leave and the error what the subject leaves, each cut at its end (whole on a
double-click); a message sent the minute it was queued says "Sent" alone."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select

from cabinet.i18n import translate
from cabinet.mail import queue
from cabinet.store.db import session_scope
from cabinet.store.models import ProgramSettings
from cabinet.ui.fit import TABLE_PX, column_px
from tests.reporting.conftest import Program
from tests.reporting.table_width import columns_px
from tests.reporting.test_page_locale import _ru
from tests.reporting.test_pages import _open as open_page


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_a_message_says_whether_it_went_and_when_before_its_subject(
    program: Program, store_engine: Engine, locale: str
) -> None:
    with session_scope(store_engine) as s:
        program_name = s.scalar(select(ProgramSettings.name))
        sent = queue(s, "a@example.com", f"{program_name}: your payout request 7 is approved", "Body", "news")
        sent.status, sent.sent_at, sent.attempts = "sent", datetime(2026, 11, 9, 8, 30, 5, tzinfo=UTC), 1
        same = queue(s, "c@example.com", "Another program: news", "Body", "news")  # not this program's: whole
        same.status, same.created_at = "sent", datetime(2026, 11, 8, 7, 0, tzinfo=UTC)
        same.sent_at, same.attempts = datetime(2026, 11, 8, 23, 59, 59, tzinfo=UTC), 2
        gone = queue(s, "b@example.com", f"{program_name}: news", "Body", "news")
        gone.status, gone.last_error, gone.attempts = "failed", "550 mailbox unavailable", 5
    user = _ru(program, "root") if locale == "ru" else program.users["root"]
    at = open_page("pages/17_emails.py", user)
    assert not at.exception
    grid = at.dataframe[0]
    cols = ("created", "status", "to", "subject", "kind", "attempts")
    heads = [translate(f"emails.col_{c}", locale) for c in cols]
    assert list(grid.value.columns) == heads
    rows = {r[heads[2]]: r for _, r in grid.value.iterrows()}
    went = translate("emails.row_status_sent", locale)
    # queued today (the fixture's clock is real), sent on 9 November: the day said; sent the day queued: the time alone
    sent_row, same_row, failed = rows["a@example.com"], rows["c@example.com"], rows["b@example.com"]
    news = translate("emails.kind_news", locale)
    assert [sent_row[h] for h in heads[1:]] == [f"{went} · 2026-11-09 08:30", "a@example.com",
                                                "your payout request 7 is approved", news, "1"]  # fmt: skip
    assert (same_row[heads[0]], same_row[heads[1]]) == ("2026-11-08 07:00", f"{went} · 23:59")
    assert (same_row[heads[3]], same_row[heads[5]]) == ("Another program: news", "2")
    assert (failed[heads[1]], failed[heads[3]], failed[heads[5]]) == (
        translate("emails.row_status_failed", locale), "news", "5 · 550 mailbox unavailable")  # fmt: skip
    said = json.loads(grid.proto.columns)
    assert said[heads[1]]["help"] == translate("emails.colhelp_status", locale)
    assert said[heads[3]]["help"] == translate("emails.colhelp_subject", locale, program=program_name)
    assert said[heads[5]]["help"] == translate("emails.colhelp_attempts", locale)


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_the_messages_fit_the_page_their_subjects_and_errors_cut_at_their_ends(
    program: Program, store_engine: Engine, locale: str
) -> None:
    """Staff digests, a long subject and a long error: at most 818 px of columns (902 in Russian before), the time,
    the status, the address and the kind whole, the subject and the attempts' count in sight."""
    error = "421 4.7.0 Try again later, closing connection: too many messages from this address today " * 2
    with session_scope(store_engine) as s:
        program_name = s.scalar(select(ProgramSettings.name))
        for n in range(3):
            sent = queue(s, f"manager{n}@example.com", f"{program_name}: waiting for your decision", "Body", "digest")
            sent.status, sent.attempts = "sent", 1
            sent.sent_at = sent.created_at = datetime(2026, 11, 9, 8, 30, tzinfo=UTC)
        long = queue(s, "gold_parent@example.com", f"{program_name}: your week 2026-11-23 – 2026-11-29 " * 3, "B",
                     "weekly")  # fmt: skip
        long.status, long.attempts, long.last_error = "failed", 5, error
    user = _ru(program, "root") if locale == "ru" else program.users["root"]
    grid = open_page("pages/17_emails.py", user).dataframe[0]
    widths = columns_px(grid)
    assert sum(widths.values()) <= TABLE_PX
    heads = {
        c: translate(f"emails.col_{c}", locale) for c in ("created", "status", "to", "subject", "kind", "attempts")
    }
    for c in ("created", "status", "to", "kind"):
        assert widths[heads[c]] == column_px(grid.value[heads[c]], heads[c])
    assert widths[heads["subject"]] >= 160 and widths[heads["attempts"]] >= column_px(["5 · 421"], heads["attempts"])
    went = translate("emails.row_status_sent", locale)
    assert set(grid.value[grid.value[heads["to"]] == "manager0@example.com"][heads["status"]]) == {went}
