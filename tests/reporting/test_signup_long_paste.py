"""The application form keeps a value pasted over its limit and refuses it with the limit: its fields' browser-side
limit (200 characters) dropped a longer paste whole, and the form then asked for a name just pasted."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Engine, func, select
from streamlit.testing.v1 import AppTest

from cabinet.i18n import translate
from cabinet.invites import NAME_MAX
from cabinet.program_edit import current, update_program
from cabinet.store.db import session_scope
from cabinet.store.models import Partner
from tests.reporting.conftest import Program
from tests.reporting.test_pages import ROOT


def test_a_name_pasted_over_the_limit_stays_typed_and_is_refused_with_the_limit(
    program: Program, store_engine: Engine
) -> None:
    with session_scope(store_engine) as s:
        update_program(s, program.users["root"].scope, replace(current(s), signup_open=True))
        partners = s.scalar(select(func.count()).select_from(Partner))
    page = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    name = "Example Traffic Solutions, a performance marketing agency for iGaming and forex offers. " * 3  # 264
    values = {"username": "long_name", "name": name, "email": "long@example.com", "password": "long-password-1",
              "password_again": "long-password-1"}  # fmt: skip
    for field, value in values.items():
        page.text_input(key=f"invite_f_{field}").input(value)
    page.get("form_submit_button")[-1].click()
    page.run()
    assert not page.exception
    assert page.text_input(key="invite_f_name").value == name
    assert [e.value for e in page.error] == [translate("invite.bad_name", n=NAME_MAX)]
    with session_scope(store_engine) as s:
        assert s.scalar(select(func.count()).select_from(Partner)) == partners
