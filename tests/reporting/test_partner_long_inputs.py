"""Fields without a browser-side limit on the partner's pages: a value pasted over the limit stays typed and is
refused with it. The browser dropped such a paste whole: a teammate was refused for want of the name just pasted, a
promo code or view saved without the description or name, a new login email asked for again."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from cabinet.i18n import translate
from cabinet.invites import NAME_MAX
from cabinet.promo import DESCRIPTION_MAX
from cabinet.saved_views import NAME_MAX as VIEW_NAME_MAX
from cabinet.store.db import session_scope
from cabinet.store.models import PromoCode, SavedView, User
from tests.reporting.conftest import PASSWORD, Program
from tests.reporting.test_pages import _open as open_page

LONG_NAME = "Northern Lights Media Group, affiliate department for the Nordics " * 4  # 264 characters


def _count(engine: Engine, model: type) -> int:
    with session_scope(engine) as s:
        return int(s.scalar(select(func.count()).select_from(model)))


def test_a_teammate_with_a_long_name_is_refused_and_the_name_kept(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CABINET_PUBLIC_URL", "https://partners.example.com")
    users = _count(store_engine, User)
    at = open_page("pages/10_account.py", program.users["p_parent"])
    at.text_input(key="team_username").input("analyst")
    at.text_input(key="team_name").input(LONG_NAME)
    at.text_input(key="team_email").input("ann@example.com")
    at.button(key="FormSubmitter:team_add-Add and email the link").click().run()
    assert not at.exception and [e.value for e in at.error] == [translate("invite.bad_name", n=NAME_MAX)]
    assert at.text_input(key="team_name").value == LONG_NAME and _count(store_engine, User) == users


def test_a_long_new_email_is_refused_and_kept(program: Program) -> None:
    at = open_page("pages/10_account.py", program.users["p_child"])
    address = "child." + "x" * 300 + "@example.com"
    at.text_input(key="account_new_email").input(address)
    at.text_input(key="account_email_password").input(PASSWORD)
    [change] = [b for b in at.button if b.label == translate("account.change_email")]
    change.click().run()
    assert not at.exception and translate("account.bad_email") in [e.value for e in at.error]
    assert at.text_input(key="account_new_email").value == address


def test_a_promo_code_with_a_long_code_or_description_is_refused_and_kept(
    program: Program, store_engine: Engine
) -> None:
    codes = _count(store_engine, PromoCode)
    at = open_page("pages/08_promo_codes.py", program.users["mgr"])
    at.selectbox(key="promo_new_partner").select(program.tiny.child).run()
    code = "autumn-" + "9" * 40
    at.text_input(key="promo_new_code").input(code)
    at.button[0].click().run()
    assert not at.exception and [e.value for e in at.error] == [translate("promo.bad_code", code=code)]
    assert at.text_input(key="promo_new_code").value == code
    at.text_input(key="promo_new_code").input("autumn-25")
    at.text_input(key="promo_new_description").input("d" * (DESCRIPTION_MAX + 1))
    at.button[0].click().run()
    said = [translate("promo.description_too_long", n=DESCRIPTION_MAX)]
    assert not at.exception and [e.value for e in at.error] == said
    assert at.text_input(key="promo_new_description").value == "d" * (DESCRIPTION_MAX + 1)
    assert _count(store_engine, PromoCode) == codes


def test_a_view_with_a_long_name_is_refused_and_the_name_kept(program: Program, store_engine: Engine) -> None:
    at = open_page("pages/02_reports.py", program.users["p_parent"])
    name = "Germany, mobile, " * 6  # 102 characters
    at.text_input(key="reports_view_name").input(name).run()
    at.button(key="reports_view_save").click().run()
    assert not at.exception and translate("views.bad_name", limit=VIEW_NAME_MAX) in [e.value for e in at.error]
    assert at.text_input(key="reports_view_name").value == name and _count(store_engine, SavedView) == 0
