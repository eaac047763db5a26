"""A logout from a page says one thing: the login form's "You have logged out.", not also the page's "Please log in to
see this page." beside it."""

from __future__ import annotations

from cabinet.i18n import translate
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page


def test_a_logout_from_a_page_says_only_that(program: Program) -> None:
    at = open_page("pages/02_reports.py", program.users["p_parent"])
    at.button(key="logout_button").click().run()
    at.run()  # the page as the browser shows it next: the login form
    assert not at.exception
    said = [i.value for i in at.info]
    assert translate("auth.logged_out") in said and translate("auth.please_login") not in said, said
    assert [ti.label for ti in at.text_input][:2] == ["Username", "Password"]


def test_a_visitor_is_asked_to_log_in(program: Program) -> None:
    at = open_page("pages/02_reports.py", None)
    assert not at.exception and translate("auth.please_login") in [i.value for i in at.info]
