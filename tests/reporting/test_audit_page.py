"""The audit log page: admins read who did what, by period in their zone, action and user; nobody else reads it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine
from streamlit.runtime.media_file_manager import MediaFileManager

from cabinet.access import ScopeError
from cabinet.audit_log import actions, entries
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog
from cabinet.ui.audit import action_label
from tests.reporting.conftest import Program
from tests.reporting.test_page_locale import _open_ru as open_ru
from tests.reporting.test_pages import _open as open_page


@pytest.fixture
def logged(program: Program, store_engine: Engine) -> Program:
    with session_scope(store_engine) as s:
        s.query(AuditLog).delete()
        for ts, who, action in ((datetime(2026, 11, 9, 20, 30, tzinfo=UTC), "mgr", "partner_changed"),
                                (datetime(2026, 11, 9, 21, 30, tzinfo=UTC), "root", "program_changed"),
                                (datetime(2026, 11, 10, 8, 0, tzinfo=UTC), "p_parent", "login"),
                                (datetime(2026, 11, 10, 9, 0, tzinfo=UTC), "a_b%c", "login")):  # fmt: skip
            s.add(AuditLog(ts=ts, actor_username=who, action=action, target="x", details={"k": "v"}))
    return program


def _read(program: Program, engine: Engine, day: date, tz: str, wanted: tuple[str, ...] = (), actor: str = ""):  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        rows, more = entries(s, program.users["root"].scope, day, day, tz, wanted, actor)
    assert not more
    return [(r.ts.strftime("%H:%M"), r.actor, r.action) for r in rows]


def test_entries_by_day_in_the_readers_zone_action_and_user(logged: Program, store_engine: Engine) -> None:
    assert _read(logged, store_engine, date(2026, 11, 9), "UTC") == [("21:30", "root", "program_changed"),
                                                                      ("20:30", "mgr", "partner_changed")]  # fmt: skip
    # in Moscow (UTC+3) the 21:30 UTC entry is on the 10th, at 00:30
    assert _read(logged, store_engine, date(2026, 11, 10), "Europe/Moscow") == [
        ("12:00", "a_b%c", "login"), ("11:00", "p_parent", "login"), ("00:30", "root", "program_changed")]  # fmt: skip
    assert _read(logged, store_engine, date(2026, 11, 10), "UTC", ("login",), "P_PAR") == [
        ("08:00", "p_parent", "login")
    ]
    assert _read(logged, store_engine, date(2026, 11, 10), "UTC", (), "_b%") == [("09:00", "a_b%c", "login")]
    assert _read(logged, store_engine, date(2026, 11, 10), "UTC", (), "%") == [("09:00", "a_b%c", "login")]  # as typed
    with session_scope(store_engine) as s:
        assert actions(s, logged.users["root"].scope) == ["login", "partner_changed", "program_changed"]


def test_only_admins_read_the_audit_log(logged: Program, store_engine: Engine) -> None:
    for user in ("mgr", "p_parent"):
        with session_scope(store_engine) as s, pytest.raises(ScopeError):
            entries(s, logged.users[user].scope, date(2026, 11, 1), date(2026, 11, 30), "UTC")


def test_the_page_lists_and_filters_entries(logged: Program) -> None:
    at = open_page("pages/14_audit.py", logged.users["root"])  # the last 7 days at the program's clock (10 Nov)
    assert not at.exception and not at.error
    assert list(at.dataframe[0].value["User"]) == ["a_b%c", "p_parent", "root", "mgr"]
    at.multiselect(key="audit_actions").set_value(["partner_changed"]).run()
    assert list(at.dataframe[0].value["Action"]) == ["Partner changed (partner_changed)"]
    assert len(at.get("download_button")) == 2
    assert "are kept 90 days; then an address only as its network" in " ".join(c.value for c in at.caption)


def test_the_page_says_how_long_addresses_are_kept(logged: Program, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CABINET_AUDIT_KEEP_DAYS", "30")
    at = open_page("pages/14_audit.py", logged.users["root"])
    assert not at.exception and "are kept 30 days" in " ".join(c.value for c in at.caption)


def test_a_russian_admin_reads_the_actions_in_russian_with_their_codes(
    logged: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The table and the filter said "partner_changed" and "login" to a Russian admin; the filter still takes the
    stored codes, and the downloads keep them."""
    with session_scope(store_engine) as s:
        s.add(AuditLog(ts=datetime(2026, 11, 10, 7, 0, tzinfo=UTC), actor_username="old", action="a_retired_action"))
    made: dict[str, Callable[[], object]] = {}  # the files the download buttons make when clicked, by name
    add = MediaFileManager.add_deferred

    def kept(self: MediaFileManager, data: Callable[[], object], *args: object, **kwargs: object) -> str:
        made[str(kwargs.get("file_name"))] = data
        return add(self, data, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(MediaFileManager, "add_deferred", kept)
    at = open_page("pages/14_audit.py", replace(logged.users["root"], locale="ru"))
    assert not at.exception and not at.error
    assert list(at.dataframe[0].value["Действие"]) == [
        "Вход выполнен (login)",
        "Вход выполнен (login)",
        "a_retired_action",
        "Настройки программы изменены (program_changed)",
        "Партнёр изменён (partner_changed)",
    ]
    assert at.multiselect(key="audit_actions").options == [
        "a_retired_action",
        "Вход выполнен (login)",
        "Настройки программы изменены (program_changed)",
        "Партнёр изменён (partner_changed)",
    ]
    [csv] = [data() for name, data in made.items() if name.endswith(".csv")]
    assert isinstance(csv, bytes)
    assert [line.split(",")[2] for line in csv.decode("utf-8-sig").splitlines()] == [
        "action", "login", "login", "a_retired_action", "program_changed", "partner_changed"]  # fmt: skip
    at = open_ru(logged, "root", "pages/14_audit.py", audit_actions=["partner_changed"])  # as if picked in the filter
    assert not at.exception
    assert list(at.dataframe[0].value["Действие"]) == ["Партнёр изменён (partner_changed)"]
    assert list(at.dataframe[0].value["Пользователь"]) == ["mgr"]


def test_an_action_is_named_in_the_sessions_language_and_one_not_known_stays_as_written() -> None:
    assert action_label("weekly_summaries") == "Weekly summaries sent (weekly_summaries)"
    assert action_label("impersonate") == "Viewed as partner (impersonate)"
    assert action_label("a_retired_action") == "a_retired_action"
