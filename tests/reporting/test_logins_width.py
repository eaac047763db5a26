"""Logins: the table puts who a login is and how to reach it first. Ten columns went past an 818-px table at 1280 px
(898 px of columns, 1011 in Russian): the email cut ("admin@examp"), the last login out of sight. A partner's login
names its partner in the role column ("1 · Alpha Media"), a team member kept from payouts says so there: a column of
ticks for the rest and "Partner" before each name still took the table to 921 px in Russian. The email and the last
login come before the two-step login, which says its full name on hover. Nothing the table said is left out."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, select, update

from cabinet.i18n import translate
from cabinet.store.db import session_scope
from cabinet.store.models import Partner, User
from cabinet.ui.fit import column_px
from tests.reporting.conftest import Program
from tests.reporting.test_page_locale import _ru
from tests.reporting.test_pages import _open as open_page

COLS = ("username", "name", "role", "email", "state", "last_login", "two_step")


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_the_login_table_says_whom_to_reach_before_the_rest(
    program: Program, store_engine: Engine, locale: str
) -> None:
    with session_scope(store_engine) as s:  # a team member kept from the payout details and requests
        s.execute(update(User).where(User.username == "p_child").values(payouts_access=False))
    user = _ru(program, "root") if locale == "ru" else program.users["root"]
    at = open_page("pages/16_logins.py", user)
    assert not at.exception
    grid = at.dataframe[0]
    heads = [translate("logins.head_two_step" if c == "two_step" else f"logins.col_{c}", locale) for c in COLS]
    assert list(grid.value.columns) == heads
    rows = {r[heads[0]]: r for _, r in grid.value.iterrows()}
    child, parent = (program.users[u].scope.own_partner_id for u in ("p_child", "p_parent"))
    with session_scope(store_engine) as s:
        names = dict(s.execute(select(Partner.id, Partner.name).where(Partner.id.in_((child, parent)))).all())
    assert rows["p_child"][heads[2]] == f"{child} · {names[child]} · {translate('logins.no_payouts', locale)}"
    assert rows["p_parent"][heads[2]] == f"{parent} · {names[parent]}"
    assert rows["root"][heads[2]] == translate("menu.role_admin", locale)
    assert rows["root"][heads[3]] == "root@example.com"
    said = json.loads(grid.proto.columns)  # the short headers' full names on hover
    assert said[heads[6]]["help"] == translate("logins.col_two_step", locale)
    for c in (2, 5, 6):  # whole however few logins have such a text, or however far down
        assert said[heads[c]]["width"] == column_px(grid.value[heads[c]], heads[c])
    assert said[heads[2]]["help"] == translate("logins.colhelp_role", locale)
