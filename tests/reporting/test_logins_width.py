"""Logins: the table puts who a login is and how to reach it first. Ten columns went past an 818-px table at 1280 px
(898 px of columns, 1011 in Russian): the email cut ("admin@examp"), the last login out of sight. A partner's login
says its partner in the role column; the email and the last login come before the two-step login and payouts, which
say their full names on hover. Nothing the table said is left out."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, select

from cabinet.i18n import translate
from cabinet.store.db import session_scope
from cabinet.store.models import Partner
from tests.reporting.conftest import Program
from tests.reporting.test_page_locale import _ru
from tests.reporting.test_pages import _open as open_page

COLS = ("username", "name", "role", "email", "state", "last_login", "two_step", "payouts")


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_the_login_table_says_whom_to_reach_before_the_rest(
    program: Program, store_engine: Engine, locale: str
) -> None:
    user = _ru(program, "root") if locale == "ru" else program.users["root"]
    at = open_page("pages/16_logins.py", user)
    assert not at.exception
    grid = at.dataframe[0]
    heads = [translate("logins.head_two_step" if c == "two_step" else f"logins.col_{c}", locale) for c in COLS]
    assert list(grid.value.columns) == heads
    rows = {r[heads[0]]: r for _, r in grid.value.iterrows()}
    child = program.users["p_child"].scope.partner_ids[0]
    with session_scope(store_engine) as s:
        name = s.scalar(select(Partner.name).where(Partner.id == child))
    assert rows["p_child"][heads[2]] == f"{translate('menu.role_partner', locale)} {child} · {name}"
    assert rows["root"][heads[2]] == translate("menu.role_admin", locale)
    assert rows["root"][heads[3]] == "root@example.com"
    said = json.loads(grid.proto.columns)  # the short headers' full names on hover
    assert said[heads[6]]["help"] == translate("logins.col_two_step", locale)
    assert said[heads[7]]["help"] == translate("logins.add_payouts", locale)
    assert said[heads[2]]["help"] == translate("logins.colhelp_role", locale)
