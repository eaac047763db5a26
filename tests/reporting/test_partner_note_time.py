"""A note on a partner says when it was written as the session's language writes a moment, with its time zone, as
the application's line above it ("Dec 6, 2026, 21:40 (UTC) · mgr", "6 дек. 2026 г., 21:40 (UTC) · mgr"), where it
read "2026-12-06 21:40 · mgr" in either language, its zone unsaid."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from cabinet.formatting import fmt_moment
from cabinet.partner_notes import add_note
from cabinet.store.db import session_scope
from cabinet.store.models import PartnerNote
from tests.reporting.conftest import Program
from tests.reporting.test_page_locale import _open_ru
from tests.reporting.test_pages import _open as open_page


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_a_notes_time_is_said_in_the_sessions_language_with_its_zone(
    program: Program, store_engine: Engine, locale: str
) -> None:
    with session_scope(store_engine) as s:
        note = add_note(s, program.users["mgr"].scope, program.tiny.parent, "Called: SEO only")
        note.created_at = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
        s.flush()
        assert s.get(PartnerNote, note.id) is not None
    page = "pages/13_partners.py"
    if locale == "ru":
        at = _open_ru(program, "mgr", page, partners_pick=program.tiny.parent)
    else:
        at = open_page(page, program.users["mgr"])
        at.selectbox(key="partners_pick").set_value(program.tiny.parent).run()
    assert not at.exception, at.exception
    zone = program.users["mgr"].timezone
    said = f"{fmt_moment(datetime(2026, 11, 20, 9, 30), locale)} ({zone}) · mgr"
    assert said in [c.value for c in at.caption], [c.value for c in at.caption]
