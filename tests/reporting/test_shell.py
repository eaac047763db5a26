"""Sidebar: language and time zone are saved for the user; managers view as their partners, audited."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from cabinet.session import SESSION_KEY
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, Partner, User
from cabinet.ui import menu
from tests.reporting.conftest import Program
from tests.reporting.test_page_locale import _ru
from tests.reporting.test_pages import ROOT, _open


def test_language_and_time_zone_switches_are_saved(program: Program, store_engine: Engine) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[SESSION_KEY] = program.users["p_parent"]
    at.run()
    at.selectbox(key="menu_language").set_value("ru").run()
    assert any("Здравствуйте" in m.value for m in at.markdown)
    counts = [(m.label, m.value) for m in at.metric if m.label in ("Офферы", "Трекинговые ссылки")]
    assert counts == [("Офферы", "0"), ("Трекинговые ссылки", "1")]  # no offer has a landing page: none to promote
    at.selectbox(key="menu_timezone").set_value("Europe/Moscow").run()
    assert at.session_state[SESSION_KEY].timezone == "Europe/Moscow"
    with session_scope(store_engine) as s:
        user = s.scalar(select(User).where(User.username == "p_parent"))
        assert (user.locale, user.timezone) == ("ru", "Europe/Moscow")


def test_manager_views_as_own_partner_only_and_it_is_audited(program: Program, store_engine: Engine) -> None:
    at = _open("pages/02_reports.py", program.users["mgr"])
    at.number_input(key="menu_view_as_id").set_value(program.outsider).run()
    at.button(key="menu_view_as_go").click().run()
    assert any("not one of yours" in e.value for e in at.error)
    at.number_input(key="menu_view_as_id").set_value(program.tiny.child).run()
    at.button(key="menu_view_as_go").click().run()
    viewed = at.session_state[SESSION_KEY]
    assert (
        viewed.role == "partner" and viewed.scope.partner_ids == (program.tiny.child,) and viewed.impersonator == "mgr"
    )
    assert any("Viewing the cabinet as" in w.value for w in at.warning)
    with session_scope(store_engine) as s:
        assert (
            s.scalar(select(AuditLog).where(AuditLog.action == "impersonate")).target == f"partner {program.tiny.child}"
        )
    at.button(key="menu_back").click().run()
    assert at.session_state[SESSION_KEY].role == "manager"


def test_a_partner_view_is_in_the_partners_time_zone_and_back_in_ones_own(
    program: Program, store_engine: Engine
) -> None:
    """The zone picker kept the manager's zone and applied it to the partner's view."""
    with session_scope(store_engine) as s:
        s.get(Partner, program.tiny.child).timezone = "Europe/Moscow"
    at = _open("pages/02_reports.py", program.users["mgr"])
    assert at.selectbox(key="menu_timezone").value == "UTC"
    at.number_input(key="menu_view_as_id").set_value(program.tiny.child).run()
    at.button(key="menu_view_as_go").click().run()
    assert at.session_state[SESSION_KEY].timezone == "Europe/Moscow"
    assert at.selectbox(key="menu_timezone").value == "Europe/Moscow"
    at.button(key="menu_back").click().run()
    assert at.session_state[SESSION_KEY].timezone == "UTC"


def test_an_admin_viewing_as_a_partner_that_does_not_exist_is_told_so(program: Program) -> None:
    at = _open("pages/02_reports.py", program.users["root"])
    at.number_input(key="menu_view_as_id").set_value(999).run()
    at.button(key="menu_view_as_go").click().run()
    assert [e.value for e in at.error] == ["There is no partner 999."]  # not "Partner 999 is not one of yours."


def _reload(page: str, user: object, view_as: int) -> AppTest:
    """A browser reload of a page whose URL says `?view_as=`: a new session, the user restored from the cookie."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[SESSION_KEY] = user
    at.query_params["view_as"] = str(view_as)
    return at.switch_page(page).run()


def test_a_reload_keeps_the_partner_view_and_back_to_me_ends_it(program: Program) -> None:
    at = _open("pages/02_reports.py", program.users["mgr"])
    at.number_input(key="menu_view_as_id").set_value(program.tiny.child).run()
    at.button(key="menu_view_as_go").click().run()
    assert at.query_params["view_as"] == str(program.tiny.child)
    again = _reload("pages/02_reports.py", program.users["mgr"], program.tiny.child)
    viewed = again.session_state[SESSION_KEY]
    assert viewed.impersonator == "mgr" and viewed.scope.partner_ids == (program.tiny.child,)
    assert any("Viewing the cabinet as" in w.value for w in again.warning)
    again.button(key="menu_back").click().run()
    assert again.session_state[SESSION_KEY].role == "manager" and "view_as" not in again.query_params


def test_a_view_as_link_to_someone_elses_partner_leaves_the_user_as_they_are(program: Program) -> None:
    at = _reload("pages/02_reports.py", program.users["mgr"], program.outsider)  # not one of the manager's
    assert at.session_state[SESSION_KEY].role == "manager" and not at.session_state[SESSION_KEY].impersonator
    first = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)  # the run that opened the link says why
    first.session_state[SESSION_KEY] = program.users["mgr"]
    first.query_params["view_as"] = str(program.outsider)
    first.run()
    assert f"Partner {program.outsider} is not one of yours." in [w.value for w in first.warning]
    first.run()  # the cookie's answer reruns a page opened by a link at once: the refusal is still said
    assert f"Partner {program.outsider} is not one of yours." in [w.value for w in first.warning]
    assert first.query_params["view_as"] == str(program.outsider) and first.session_state[SESSION_KEY].role == "manager"
    partner = _reload("pages/02_reports.py", program.users["p_parent"], program.tiny.child)
    assert (
        partner.session_state[SESSION_KEY].username == "p_parent"
        and not partner.session_state[SESSION_KEY].impersonator
    )


def test_a_view_as_link_without_a_partner_number_says_so(program: Program) -> None:
    """A link "?view_as=abc" read "Partner abc is not one of yours.", as if a partner abc were someone else's."""
    english = "“abc” is not a partner id: the address names a partner by its number,"
    russian = "«abc» — не ID партнёра: в адресе партнёр указывается номером,"
    for user, said in ((program.users["mgr"], english), (_ru(program, "mgr"), russian)):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.session_state[SESSION_KEY] = user
        at.query_params["view_as"] = "abc"
        at.run()
        assert not at.exception and at.session_state[SESSION_KEY].role == "manager"
        warned = [w.value for w in at.warning]
        assert any(w.startswith(said) for w in warned) and not any("abc is not one of yours" in w for w in warned)


def test_a_new_page_file_is_in_the_menu_of_the_users_its_guard_lets_in(
    program: Program, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Adding a view takes a query module and a page file: no menu entry, no translation needed to try it."""
    shutil.copy(ROOT / "app.py", tmp_path / "app.py")
    (tmp_path / "pages").mkdir()
    for page in menu.PAGES:  # the listed pages only: a prototype page of the tree's own would stand after them
        shutil.copy(ROOT / page, tmp_path / page)
    guard = "from cabinet.ui.guard import require_user\nuser = require_user({})\n"
    (tmp_path / "pages" / "12_top_subs.py").write_text(guard.format("'manage'"))  # staff only
    (tmp_path / "pages" / "13_cohort_ideas.py").write_text(guard.format("'cohorts'"))  # gold's feature
    (tmp_path / "pages" / "14_half_written.py").write_text("import streamlit as st\nuser = require_user(\n")
    (tmp_path / "pages" / "15_no_guard.py").write_text("import streamlit as st\nst.write('hi')\n")
    monkeypatch.setattr(menu, "PROJECT_ROOT", tmp_path)

    def links(user: str) -> list[str]:
        at = AppTest.from_file(str(tmp_path / "app.py"), default_timeout=60)
        at.session_state[SESSION_KEY] = program.users[user]
        at.run()
        assert not at.exception
        return [link.proto.label for link in at.get("page_link")]

    staff, gold, bronze = links("mgr"), links("p_parent"), links("p_bronze")
    assert staff[-2:] == ["Top subs", "Cohort ideas"] and staff[:2] == ["Home", "Dashboard"]
    assert gold[-1] == "Cohort ideas" and "Top subs" not in gold
    assert not {"Top subs", "Cohort ideas"} & set(bronze)
    assert not any("Half written" in x or "No guard" in x for x in staff)  # no literal guard: not in the menu
    assert menu.visible_pages(program.users["mgr"], tmp_path)[-1] == ("pages/13_cohort_ideas.py", "cohort_ideas",
                                                                      menu.NEW_PAGE_ICON)  # fmt: skip
    assert menu.page_label("links") == "Tracking links"  # a translated label wins
