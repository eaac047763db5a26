"""The Partners page's notes on the partner picked (`cabinet.partner_notes` checks and stores): staff only."""

from __future__ import annotations

import streamlit as st

from cabinet import partner_notes as _notes
from cabinet.access import Scope
from cabinet.ui.dates import fmt_moment, local_time
from cabinet.ui.resources import engine
from cabinet.ui.text import t
from cabinet.ui.unreachable import session_scope
from cabinet.ui.widgets import save_then_rerun

DONE_KEY = "notes_done"


def notes_box(scope: Scope, partner_id: int, tz: str) -> None:
    """The partner's notes, newest first, and a form to add one."""
    st.header(t("notes.title"))
    if (done := st.session_state.pop(DONE_KEY, None)) is not None:
        st.success(t(done))
    # no max_chars nor clear_on_submit: a longer paste was dropped whole by the browser, and a refused note was
    # cleared; a long note stays in its field, refused with its limit (`notes.too_long`), and an added one is cleared
    body_key = f"notes_body_{partner_id}"
    with st.form(f"notes_add_{partner_id}"):
        body = st.text_area(t("notes.new"), height=80, key=body_key, help=t("notes.help"))
        if st.form_submit_button(t("notes.add"), icon=":material/note_add:"):
            save_then_rerun(
                lambda s: _notes.add_note(s, scope, partner_id, body),
                DONE_KEY,
                done="notes.added",
                clear=(body_key,),
                once=(f"notes_add_{partner_id}", body),
            )
    with session_scope(engine()) as s:
        shown = _notes.notes(s, scope, partner_id)
    if not shown:
        st.caption(t("notes.none"))
    for note in shown:
        with st.container(border=True):
            head, side = st.columns([5, 1])
            # when, as the application's line above says it: "Nov 20, 2026, 09:30 (UTC)", not "2026-11-20 09:30"
            when = fmt_moment(local_time(note.created_at, tz))
            head.caption(t("notes.written", when=when, zone=tz, author=note.author))
            head.text(note.body)  # as typed: never Markdown or HTML
            if note.deletable and side.button(
                t("notes.delete"), key=f"notes_delete_{note.id}", icon=":material/delete:"
            ):
                save_then_rerun(lambda s, n=note.id: _notes.delete_note(s, scope, n), DONE_KEY, done="notes.deleted")
