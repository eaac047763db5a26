"""The application form answers "this username is taken": with no limit it listed the program's logins. Applications
from one address are counted (in a transaction of their own, so refused ones count too); past the hour's limit the
form asks to wait, whatever the name, and says nothing of it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from cabinet.i18n import translate
from cabinet.login_limits import PER_ADDRESS_APPLYING, claim_application
from cabinet.program_edit import current, update_program
from cabinet.store.db import session_scope
from tests.reporting.conftest import Program
from tests.reporting.test_open_signup import FORM, _login_page


def test_an_address_is_told_to_wait_past_the_hours_applications(store_engine: Engine) -> None:
    now = datetime(2026, 12, 1, 10, tzinfo=UTC)
    with session_scope(store_engine) as s:
        assert all(claim_application(s, "a1", now) for _ in range(PER_ADDRESS_APPLYING))
        assert not claim_application(s, "a1", now)
        assert claim_application(s, "a2", now)  # another address
        assert claim_application(s, "a1", now + timedelta(hours=1, seconds=1))  # the next hour


def test_the_form_stops_saying_which_names_are_taken(program: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        update_program(s, program.users["root"].scope, replace(current(s), signup_open=True))
    page = _login_page()
    said = []
    for _ in range(PER_ADDRESS_APPLYING + 1):
        for field, value in {**FORM.__dict__, "username": "p_parent"}.items():  # a login's name
            if field != "locale":
                page.text_input(key=f"invite_f_{field}").input(value)
        page.get("form_submit_button")[-1].click()
        page.run()
        said.append([e.value for e in page.error])
    taken = translate("invite.username_taken", username="p_parent")
    assert said[0] == [taken] and said[PER_ADDRESS_APPLYING - 1] == [taken]
    assert said[PER_ADDRESS_APPLYING] == [translate("invite.too_many_here")]
