"""A message's status in the Emails table is said of one message: the Russian table read "Отправлены" (the filter's
plural, "the sent ones") beside each message; now "Отправлено", "В очереди", "Не отправлено"."""

from __future__ import annotations

from sqlalchemy import Engine

from cabinet.i18n import translate
from cabinet.mail import queue
from cabinet.store.db import session_scope
from tests.reporting.conftest import Program
from tests.reporting.test_page_locale import _open_ru as open_ru
from tests.reporting.test_pages import _open as open_page


def test_each_messages_status_is_said_of_one_message(program: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        queue(s, "a@example.com", "One", "Body", "news").status = "sent"
        queue(s, "b@example.com", "Two", "Body", "news").status = "failed"
    russian = open_ru(program, "root", "pages/17_emails.py")
    assert not russian.exception
    table = russian.dataframe[0].value
    said = dict(zip(table[translate("emails.col_to", "ru")], table[translate("emails.col_status", "ru")], strict=True))
    assert (said["a@example.com"], said["b@example.com"]) == ("Отправлено", "Не отправлено")
    assert translate("emails.row_status_queued", "ru") == "В очереди"
    filters = russian.segmented_control(key="emails_status").options  # the filter keeps its plural: which ones
    assert "Отправлены" in filters and "Не отправлены" in filters
    english = open_page("pages/17_emails.py", program.users["root"]).dataframe[0].value
    assert set(english[translate("emails.col_status")]) == {"Sent", "Given up"}
