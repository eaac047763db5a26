"""Saved views acted on from a tab drawn before another tab changed them: a view deleted and its id given to another
is not deleted, opened or rescheduled in its place; two tabs saving one new name; what an opened view had that the
page no longer takes is named; a view's name is shown as typed."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from cabinet import saved_views
from cabinet.report_mail import ScheduleError, set_schedule
from cabinet.saved_views import ViewError, save_view
from cabinet.store.db import session_scope
from cabinet.store.models import SavedView
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_saved_views import ALLOWED, VIEW


def _saved(program: Program, engine: Engine, name: str, params: dict | None = None) -> int:
    with session_scope(engine) as s:
        view = save_view(s, program.users["p_parent"].scope, "reports", name, VIEW, **ALLOWED)
        if params is not None:
            view.params = params
        return view.id


def _picked(program: Program, view_id: int):  # type: ignore[no-untyped-def]
    at = open_page("pages/02_reports.py", program.users["p_parent"])
    at.selectbox(key="reports_view_pick").set_value(view_id).run()
    return at


def _replaced(engine: Engine, view_id: int) -> None:
    """Another tab deleted the view and saved another that got its id (SQLite before 0028 gave it)."""
    with session_scope(engine) as s:
        old = s.get(SavedView, view_id)
        s.delete(old)
        s.flush()
        s.add(SavedView(id=view_id, user_id=old.user_id, page="reports", name="Other", params=old.params))


def test_a_tab_showing_a_view_deleted_since_does_not_delete_or_open_the_one_with_its_id(
    program: Program, store_engine: Engine
) -> None:
    view_id = _saved(program, store_engine, "Mine")
    at = _picked(program, view_id)
    _replaced(store_engine, view_id)
    at.button(key="reports_view_delete").click().run()
    assert not at.exception and [e.value for e in at.error] == ["That view is gone."]
    with session_scope(store_engine) as s:
        assert s.get(SavedView, view_id).name == "Other"
    at = _picked(program, view_id)  # drawn with "Other"; then it is deleted
    with session_scope(store_engine) as s:
        s.delete(s.get(SavedView, view_id))
    at.button(key="reports_view_open").click().run()
    assert not at.exception and [e.value for e in at.error] == ["That view is gone."] and not at.toast


def test_a_schedule_is_not_set_on_a_view_that_has_another_name_now(program: Program, store_engine: Engine) -> None:
    view_id = _saved(program, store_engine, "Mine")
    _replaced(store_engine, view_id)
    with session_scope(store_engine) as s, pytest.raises(ScheduleError) as gone:
        set_schedule(s, program.users["p_parent"].user_id, view_id, "week", name="Mine")
    assert gone.value.key == "views.no_view"
    with session_scope(store_engine) as s:
        assert s.get(SavedView, view_id).email_every is None


def test_a_name_saved_by_another_tab_meanwhile_is_refused_not_a_traceback(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = saved_views.views

    def other_tab_first(session, scope, page):  # type: ignore[no-untyped-def]
        with session_scope(store_engine) as other:
            real(other, scope, page)
            other.add(SavedView(user_id=scope.user_id, page=page, name="Same", params=VIEW))
        return real(session, scope, page)

    monkeypatch.setattr(saved_views, "views", other_tab_first)
    with pytest.raises(ViewError) as refused, session_scope(store_engine) as s:  # its transaction rolled back
        save_view(s, program.users["p_parent"].scope, "reports", "Same", VIEW | {"metrics": ["ftds"]}, **ALLOWED)
    assert refused.value.key == "views.saved_meanwhile"
    monkeypatch.setattr(saved_views, "views", real)
    with session_scope(store_engine) as s:  # saving again replaces the other tab's
        again = save_view(s, program.users["p_parent"].scope, "reports", "Same", VIEW | {"metrics": ["ftds"]},
                          **ALLOWED)  # fmt: skip
        assert again.params["metrics"] == ["ftds"]
        assert len(s.scalars(select(SavedView)).all()) == 1


def test_an_opened_view_names_what_the_page_no_longer_takes_and_its_name_as_typed(
    program: Program, store_engine: Engine
) -> None:
    view_id = _saved(program, store_engine, "*Top* [DE]", VIEW | {"group_by": ["country", "partner_id"]})
    at = _picked(program, view_id)
    at.button(key="reports_view_open").click().run()
    assert not at.exception
    assert [t.value for t in at.toast] == ["View “\\*Top\\* \\[DE\\]” opened."]
    assert [w.value for w in at.warning] == ["Not on this page now, so left out of the view: Partner."]
