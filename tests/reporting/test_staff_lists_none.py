"""Staff lists that a filter leaves empty say so and what to do: Logins and Partners with none matching their filters
drew an empty table with no word; Emails with no message of the status picked said "No data for these dates and
filters." on a page without dates, and now says which messages there are none of."""

from __future__ import annotations

import pytest

from cabinet.i18n import translate
from tests.reporting.conftest import Program
from tests.reporting.test_page_locale import _open_ru
from tests.reporting.test_pages import _open as open_page


@pytest.mark.parametrize(
    ("page", "user", "list_name"), [("16_logins", "root", "logins"), ("13_partners", "mgr", "partners")]
)
def test_a_list_matching_nothing_says_so_and_what_to_do(program: Program, page: str, user: str, list_name: str) -> None:
    at = open_page(f"pages/{page}.py", program.users[user])
    at.text_input(key=f"{list_name}_search").input("no-such-one").run()
    assert not at.exception
    assert [i.value for i in at.info] == [translate("common.no_match", "en")]
    assert at.metric[0].value == "0" and not at.dataframe  # no empty table
    assert not [s for s in at.selectbox if s.key == f"{list_name}_pick"]


@pytest.mark.parametrize("status", ["queued", "failed"])
def test_emails_of_a_status_with_none_say_which_messages_there_are_none_of(program: Program, status: str) -> None:
    at = open_page("pages/17_emails.py", program.users["root"])
    at.segmented_control(key="emails_status").set_value(status).run()
    assert not at.exception
    said = [i.value for i in at.info]
    assert said[-1] == translate(f"emails.none_{status}", "en")  # under where mail goes
    assert translate("common.empty", "en") not in said
    ru = _open_ru(program, "root", "pages/17_emails.py", emails_status=status)
    assert [i.value for i in ru.info][-1] == translate(f"emails.none_{status}", "ru")
