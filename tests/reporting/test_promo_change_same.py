"""A promo code change that changes nothing writes nothing: the same form sent twice (a double click, or again a while
later) left two `promo_code_changed` entries in the audit log, the second for no change. The page says so, as the
Partners and Offers forms do, and a change says in the log which fields it changed."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, select

from cabinet.i18n import translate
from cabinet.promo import CodeChange, change_code, issue_code
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, PromoCode
from cabinet.ui import once, store
from tests.reporting.conftest import Program
from tests.reporting.test_double_submit import replayed
from tests.reporting.test_pages import _open as open_page


def _changes(engine: Engine, code: str) -> list[list[str] | None]:
    with session_scope(engine) as s:
        changed = AuditLog.action == "promo_code_changed"
        rows = s.scalars(select(AuditLog).where(changed, AuditLog.target == f"promo code {code}").order_by(AuditLog.id))
        return [(r.details or {}).get("changed") for r in rows]


def _issue(program: Program, engine: Engine, code: str) -> None:
    with session_scope(engine) as s:
        issue_code(s, program.users["mgr"].scope, program.tiny.child, code, None, CodeChange("active"))


def test_the_same_change_twice_is_logged_once(program: Program, store_engine: Engine) -> None:
    _issue(program, store_engine, "AUTUMN-25")
    change = CodeChange("paused", date(2026, 11, 1), date(2026, 12, 31), "Blog")
    mgr = program.users["mgr"].scope
    with session_scope(store_engine) as s:
        assert change_code(s, mgr, "autumn-25", change) == ["status", "valid_from", "valid_to", "description"]
    with session_scope(store_engine) as s:  # read back from the store, its times as the store gives them
        assert change_code(s, mgr, "AUTUMN-25", change) == []
        assert change_code(s, mgr, "AUTUMN-25", CodeChange("paused", date(2026, 11, 1), date(2026, 12, 31),
                                                           "  Blog ")) == []  # fmt: skip
    assert _changes(store_engine, "AUTUMN-25") == [["status", "valid_from", "valid_to", "description"]]
    with session_scope(store_engine) as s:
        assert change_code(s, mgr, "AUTUMN-25", CodeChange("paused", date(2026, 11, 1))) == ["valid_to", "description"]
        code = s.scalar(select(PromoCode).where(PromoCode.code == "AUTUMN-25"))
        assert (code.status, code.valid_to, code.description) == ("paused", None, None)
    assert len(_changes(store_engine, "AUTUMN-25")) == 2


def _send_pause(at: object) -> None:
    at.selectbox(key="promo_pick").select("AUTUMN-25").run()  # type: ignore[attr-defined]
    at.radio[0].set_value("paused")  # type: ignore[attr-defined]
    next(b for b in at.get("form_submit_button") if b.form_id == "promo_change_AUTUMN-25").click()  # type: ignore[attr-defined]


def test_the_page_sends_the_same_change_again_and_is_told_nothing_changed(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _issue(program, store_engine, "AUTUMN-25")
    at = open_page("pages/08_promo_codes.py", program.users["mgr"])
    _send_pause(at)
    at.run()
    assert not at.exception and [s.value for s in at.success] == [translate("promo.changed", code="AUTUMN-25")]
    later = once.time.monotonic() + once.WINDOW + 1  # the same values sent again a while later
    monkeypatch.setattr(once.time, "monotonic", lambda: later)
    _send_pause(at)
    at.run()
    assert not at.exception and [s.value for s in at.success] == [translate("promo.same", code="AUTUMN-25")]
    assert _changes(store_engine, "AUTUMN-25") == [["status"]]
    assert translate("promo.same", "ru", code="AUTUMN-25") == "Код AUTUMN-25: ничего не изменилось."


def test_a_double_clicked_change_is_made_once_and_said_made(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _issue(program, store_engine, "AUTUMN-25")
    at = open_page("pages/08_promo_codes.py", program.users["mgr"])
    _send_pause(at)
    replayed(at, monkeypatch, store, "change_code")
    assert not at.error and [s.value for s in at.success] == [translate("promo.changed", code="AUTUMN-25")]
    assert _changes(store_engine, "AUTUMN-25") == [["status"]]
