"""Managers' notes on partners: written and read by the staff whose scope holds the partner, never by a partner,
deleted by their author or an admin, shown as typed; adding and deleting are audit-logged."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from cabinet.access import ScopeError, build_session_user
from cabinet.partner_notes import NoteError, add_note, delete_note, notes
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page


def _add(program: Program, engine: Engine, user: str, partner: int, body: str) -> int:
    with session_scope(engine) as s:
        return add_note(s, program.users[user].scope, partner, body).id


def test_staff_write_and_read_notes_on_their_partners(program: Program, store_engine: Engine) -> None:
    tiny = program.tiny
    first = _add(program, store_engine, "mgr", tiny.parent, "  Called on 12.11: **SEO** only, DE.  ")
    second = _add(program, store_engine, "root", tiny.parent, "Bonus agreed for December")
    with session_scope(store_engine) as s:
        as_mgr = notes(s, program.users["mgr"].scope, tiny.parent)
        as_root = notes(s, program.users["root"].scope, tiny.parent)
        log = s.scalar(select(AuditLog).where(AuditLog.action == "note_added"))
    assert [(n.id, n.author, n.deletable) for n in as_mgr] == [(second, "root", False), (first, "mgr", True)]
    assert as_mgr[1].body == "Called on 12.11: **SEO** only, DE." and all(n.deletable for n in as_root)
    assert log.details == {"note": first, "chars": 34}  # the text stays with the note, not in the log


def test_partners_and_other_scopes_never_read_or_write_them(program: Program, store_engine: Engine) -> None:
    _add(program, store_engine, "mgr", program.tiny.parent, "Watch the bot share")
    viewing = build_session_user(store_engine, "mgr", impersonate_partner_id=program.tiny.parent)
    assert viewing is not None
    for scope in (program.users["p_parent"].scope, viewing.scope):
        with pytest.raises(ScopeError) as refused, session_scope(store_engine) as s:
            notes(s, scope, program.tiny.parent)
        assert refused.value.key == "notes.staff_only"
    _add(program, store_engine, "root", program.outsider, "The outsider's")
    with pytest.raises(ScopeError), session_scope(store_engine) as s:  # not the manager's partner
        add_note(s, program.users["mgr"].scope, program.outsider, "x")
    with pytest.raises(ScopeError), session_scope(store_engine) as s:
        notes(s, program.users["mgr"].scope, program.outsider)
    for body, key in (("   ", "notes.empty"), ("x" * 2001, "notes.too_long")):
        with pytest.raises(NoteError) as bad, session_scope(store_engine) as s:
            add_note(s, program.users["mgr"].scope, program.tiny.parent, body)
        assert bad.value.key == key


def test_a_note_is_deleted_by_its_author_or_an_admin(program: Program, store_engine: Engine) -> None:
    by_root = _add(program, store_engine, "root", program.tiny.parent, "Admin's")
    by_mgr = _add(program, store_engine, "mgr", program.tiny.parent, "Manager's")
    with pytest.raises(ScopeError) as refused, session_scope(store_engine) as s:
        delete_note(s, program.users["mgr"].scope, by_root)
    assert refused.value.key == "notes.not_yours"
    for user, note in (("mgr", by_mgr), ("root", by_root)):
        with session_scope(store_engine) as s:
            delete_note(s, program.users[user].scope, note)
    with session_scope(store_engine) as s:
        assert notes(s, program.users["root"].scope, program.tiny.parent) == []
        assert len(s.scalars(select(AuditLog).where(AuditLog.action == "note_deleted")).all()) == 2


def test_the_partners_page_adds_and_shows_a_note_as_typed(program: Program, store_engine: Engine) -> None:
    at = open_page("pages/13_partners.py", program.users["mgr"])
    pick = at.selectbox(key="partners_pick").value
    at.text_area(key=f"notes_body_{pick}").input("Said: <b>no</b> [link](https://evil.example)")
    at.button(key=f"FormSubmitter:notes_add_{pick}-Add the note").click().run()
    assert not at.exception and "The note is added." in [s.value for s in at.success]
    assert "Said: <b>no</b> [link](https://evil.example)" in [x.value for x in at.text]  # text, not Markdown
