"""More submits and clicks acted on once though Streamlit hands them over twice (`tests.reporting.test_double_submit`):
a login, payout details shown in full, a postback's test call, a report view saved. The run is stopped right after
what the click did (an audit-log row, a call to the partner's server, a view saved) and its click is replayed."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from cabinet import postback_send
from cabinet import saved_views as views_store
from cabinet.i18n import translate
from cabinet.session import SESSION_KEY
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, Postback, SavedView, User, login_throttle
from cabinet.ui import login_steps, money, once
from tests.reporting.conftest import PASSWORD, Program
from tests.reporting.test_double_submit import _count, _later, replayed
from tests.reporting.test_pages import ROOT
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_payouts import _request, payable  # noqa: F401  (a fixture)
from tests.reporting.test_postbacks import Tracker
from tests.reporting.test_postbacks_page import private_ok  # noqa: F401  (a fixture)


def replayed_on(at: AppTest, monkeypatch: pytest.MonkeyPatch, module: object, name: str,
                when: Callable[..., bool]) -> AppTest:  # fmt: skip
    """`replayed`, stopped after the call of `module.name` that `when(*args, **kwargs)` picks: the page calls it for
    other things first (payout details masked, then in full)."""
    real = getattr(module, name)
    picked = SimpleNamespace(call=real)
    monkeypatch.setattr(module, name, lambda *a, **k: (picked.call if when(*a, **k) else real)(*a, **k))
    replayed(at, monkeypatch, picked, "call")  # type: ignore[arg-type]
    monkeypatch.setattr(module, name, real)
    return at


def _actions(engine: Engine, action: str) -> int:
    return _count(engine, AuditLog, AuditLog.action == action)


def _login_form(username: str, password: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click()
    return at


def test_a_login_replayed_is_one_login_in_the_audit_log(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = replayed(_login_form("p_parent", PASSWORD), monkeypatch, login_steps, "authenticate")
    assert at.session_state[SESSION_KEY].username == "p_parent"
    assert _actions(store_engine, "login") == 1


def test_a_wrong_password_replayed_is_one_failure_not_two(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = replayed(_login_form("p_parent", "not-the-password"), monkeypatch, login_steps, "authenticate")
    assert [e.value for e in at.error] == [translate("auth.invalid")]
    assert _actions(store_engine, "login_failed") == 1
    assert _failures(store_engine) == 1
    for wait, counted in ((0, 1), (once.WINDOW + 1, 2)):  # a double click: one; the same guess a while later: two
        _later(monkeypatch, wait)
        at.text_input[0].input("p_parent")
        at.text_input[1].input("not-the-password")
        at.button[0].click().run()
        assert [e.value for e in at.error] == [translate("auth.invalid")]
        assert _actions(store_engine, "login_failed") == _failures(store_engine) == counted


def _failures(engine: Engine) -> int:
    """The wrong passwords counted for p_parent from this (AppTest's, address-less) client (`cabinet.login_limits`)."""
    with session_scope(engine) as s:
        user_id = s.scalar(select(User.id).where(User.username == "p_parent"))
        counts = s.scalars(select(login_throttle.c.failures).where(login_throttle.c.user_id == user_id)).all()
    return max(counts, default=0)


def test_details_shown_in_full_by_a_replayed_click_are_logged_once(
    payable: Program,  # noqa: F811
    store_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = _request(payable, store_engine, "50")
    at = open_page("pages/09_payouts.py", payable.users["mgr"])
    at.button(key=f"payouts_reveal_{made.id}").click()
    replayed_on(at, monkeypatch, money, "payment_details", lambda *a, full=False: full)
    assert [c.value for c in at.code] == ["DE00 1234"]
    assert _actions(store_engine, "payout_details_viewed") == 1


def test_a_test_call_replayed_reaches_the_partners_server_once(
    program: Program,
    store_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    private_ok: None,  # noqa: F811
) -> None:
    tracker = Tracker()
    try:
        with session_scope(store_engine) as s:
            s.add(Postback(partner_id=program.tiny.parent, url=tracker.url + "/pb?c={conversion_id}",
                           statuses=["approved"], types=[], offers=[]))  # fmt: skip
            s.flush()
        at = open_page("pages/18_postbacks.py", program.users["p_parent"])
        [hook_id] = [b.key.removeprefix("pb_test_") for b in at.button if (b.key or "").startswith("pb_test_")]
        at.button(key=f"pb_test_{hook_id}").click()
        replayed(at, monkeypatch, postback_send, "fetch")
        assert len(tracker.requests) == 1
        [said] = [x.value for x in at.success]
        assert "HTTP 200" in said
        _later(monkeypatch, once.WINDOW + 1)  # tested again a while later: called again
        at.button(key=f"pb_test_{hook_id}").click().run()
        assert len(tracker.requests) == 2
    finally:
        tracker.close()


@pytest.mark.parametrize("action", ["save", "delete"])
def test_a_view_saved_or_deleted_in_a_stopped_run_is_said_so(
    action: str, program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The callback is stopped right after the store change, and Streamlit calls no callback for the replayed click:
    what it did is said all the same (it was not, and the saved view's name stayed in its box)."""
    at = open_page("pages/02_reports.py", program.users["p_parent"])
    at.text_input(key="reports_view_name").set_value("Germany").run()
    at.button(key="reports_view_save").click()
    if action == "delete":
        at.run()
        with session_scope(store_engine) as s:
            at.selectbox(key="reports_view_pick").set_value(s.scalar(select(SavedView.id))).run()
        at.button(key="reports_view_delete").click()
    replayed(at, monkeypatch, views_store, f"{action}_view")
    assert not at.error, [e.value for e in at.error]
    assert [t.value for t in at.toast] == [translate(f"views.{action}d", name="Germany")]
    assert _count(store_engine, SavedView) == (action == "save")
    assert at.text_input(key="reports_view_name").value == "" and at.selectbox(key="reports_view_pick").value is None
