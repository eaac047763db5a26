"""The Emails page (admins): where mail goes, a test message that is sent, the given-up messages sent again, and no
message's text on the page (a reset link in it would log its reader in)."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from cabinet import mail_admin
from cabinet.access import ScopeError
from cabinet.i18n import translate
from cabinet.mail import queue
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, OutboxMail
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page


def _statuses(engine: Engine) -> dict[str, str]:
    with session_scope(engine) as s:
        return {to: status for to, status in s.execute(select(OutboxMail.to_address, OutboxMail.status))}


def _until_sent(engine: Engine, address: str) -> None:
    deadline = time.monotonic() + 10  # the page's mail thread sends after the commit (a few ms)
    while _statuses(engine).get(address) != "sent":
        assert time.monotonic() < deadline, _statuses(engine)
        time.sleep(0.05)


def test_a_test_email_is_sent_and_listed_without_any_text(program: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:  # a reset link of somebody else, already in the outbox
        queue(s, "p_child@example.com", "Program: set a new password", "https://x/?reset=SECRET-TOKEN",
              "password_reset")  # fmt: skip
    at = open_page("pages/17_emails.py", program.users["root"])
    assert not at.exception and [x.value for x in at.title] == [translate("emails.title")]
    assert any("No SMTP server is set" in i.value for i in at.info)  # the tests' install writes files
    at.button(key="emails_test").click().run()
    assert not at.exception and [x.value for x in at.success] == [
        translate("emails.test_queued", to="root@example.com")]  # fmt: skip
    _until_sent(store_engine, "root@example.com")
    at.run()
    table = at.dataframe[0].value
    assert list(table[translate("emails.col_kind")])[:2] == ["Test", "Password reset link"]
    went = table[translate("emails.col_status")].iloc[0]  # "Sent" alone the minute it was queued, else when
    assert went == "Sent" or went.startswith("Sent · ")
    page_text = " ".join(str(v) for v in table.to_numpy().ravel()) + " ".join(m.value for m in at.markdown)
    assert "SECRET-TOKEN" not in page_text and "reset=" not in page_text


def test_the_given_up_are_sent_again_once_asked(program: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        queue(s, "gone@example.com", "Subject", "Body", "news").status = "failed"
    at = open_page("pages/17_emails.py", program.users["root"])
    at.segmented_control(key="emails_status").set_value("failed").run()
    assert list(at.dataframe[0].value[translate("emails.col_to")]) == ["gone@example.com"]
    at.button(key="emails_retry").click().run()
    assert [x.value for x in at.success] == [translate("emails.retried", n=1)]
    _until_sent(store_engine, "gone@example.com")  # the file transport takes it now
    with session_scope(store_engine) as s:
        assert s.scalar(select(AuditLog.details).where(AuditLog.action == "mail_retried")) == {"messages": 1}
        assert s.scalar(select(OutboxMail.attempts)) == 1
    assert "emails_retry" not in [b.key for b in open_page("pages/17_emails.py", program.users["root"]).button]


def test_the_given_up_for_a_refused_address_stay_and_the_page_says_how_many_and_why(
    program: Program, store_engine: Engine
) -> None:
    with session_scope(store_engine) as s:
        queue(s, "down@example.com", "Subject", "Body", "news").status = "failed"
        bounced = queue(s, "nobody@example.com", "Subject", "Body", "weekly")
        bounced.status, bounced.refused, bounced.attempts = "failed", True, 1
        bounced.last_error = "SMTPRecipientsRefused: {'nobody@example.com': (550, b'5.1.1 no such mailbox')}"
    at = open_page("pages/17_emails.py", program.users["root"])
    assert "except those whose address the recipient's mail server refused for good" in (
        at.button(key="emails_retry").help or ""
    )
    at.button(key="emails_retry").click().run()
    assert [x.value for x in at.success] == [
        "Messages queued again: 1. Left given up: 1, because the recipient's mail server refused the address for "
        "good (a 5xx answer), and would refuse it again. The next email to a corrected address goes out as usual."
    ]
    assert _statuses(store_engine)["nobody@example.com"] == "failed"
    _until_sent(store_engine, "down@example.com")
    with session_scope(store_engine) as s:
        assert s.scalar(select(AuditLog.details).where(AuditLog.action == "mail_retried")) == {
            "messages": 1,
            "refused": 1,
        }


def test_only_admins_see_the_outbox(program: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        for user in ("mgr", "p_parent"):
            with pytest.raises(ScopeError):
                mail_admin.outbox(s, program.users[user].scope)
            with pytest.raises(ScopeError):
                mail_admin.retry_failed(s, program.users[user].scope)
        assert mail_admin.outbox_counts(s, program.users["root"].scope) == {}


def test_the_caption_counts_the_messages_listed_not_the_most_it_could_list(
    program: Program, store_engine: Engine
) -> None:
    """It said "The newest 200 of 2 messages" (the list's limit, not what it listed); per status, of that status."""
    with session_scope(store_engine) as s:
        queue(s, "a@example.com", "Subject", "Body", "news")
        queue(s, "gone@example.com", "Subject", "Body", "news").status = "failed"
    at = open_page("pages/17_emails.py", program.users["root"])
    assert "The newest 2 of 2 messages; times in UTC." in _captions(at)
    at.segmented_control(key="emails_status").set_value("failed").run()
    assert "The newest 1 of 1 messages; times in UTC." in _captions(at)
    russian = open_page("pages/17_emails.py", replace(program.users["root"], locale="ru"))
    assert "Новейшие письма: 2 из 2; время в UTC." in _captions(russian)


def _captions(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)


def test_whether_a_message_went_comes_before_its_subject(program: Program, store_engine: Engine) -> None:
    """At 390 px only the first three columns are in sight: the status sat after the long subject, beyond them."""
    with session_scope(store_engine) as s:
        queue(s, "p_child@example.com", "Program: your payout request 7 is approved", "Body", "news")
    at = open_page("pages/17_emails.py", program.users["root"])
    columns = list(at.dataframe[0].value.columns)
    said = [translate(f"emails.col_{c}") for c in ("created", "status", "to", "subject", "kind", "attempts")]
    assert columns == said
