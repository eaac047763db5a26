"""A form over a stored record that another admin may change while it is open: what it was drawn from, drawn anew
when the record changed, and a save compared with what the admin saw.

Streamlit keeps a keyed input's first value across reruns, so a form showing new stored values needs new keys: each
redraw is a new `generation`, a suffix of the form's widget keys. The run in which the form is submitted keeps the
drawing the admin saw (the submit button's `on_click` marks it), so the save is compared with that and not lost. A
refusal (a field the admin edited that someone else changed since) redraws the form from the record as it is now with
the admin's edits kept, for a second, deliberate save."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

import streamlit as st
from sqlalchemy.orm import Session

from cabinet.ui.widgets import save_then_rerun

T = TypeVar("T")


@dataclass(frozen=True)
class Drawn(Generic[T]):
    """What a form is drawn from: the record as the admin saw it (`seen`, what a save is compared with; None once
    saved), the values its inputs start with (`shown`) and the inputs' generation."""

    seen: T | None
    shown: T
    generation: int = 0

    @property
    def suffix(self) -> str:
        """The suffix of the form's widget keys in this drawing ("" for the first)."""
        return f"_g{self.generation}" if self.generation else ""


class DrawnForm(Generic[T]):
    """The drawing of one form, kept in the session under `key`."""

    def __init__(self, key: str) -> None:
        self.drawn_key, self.saving_key = f"{key}_drawn", f"{key}_saving"

    def drawn(self, stored: T) -> Drawn[T]:
        """How the form is drawn in this run: anew from `stored` once it differs from what the form showed (saved
        here or by someone else), except in the run that saves the form."""
        drawn = st.session_state.get(self.drawn_key)
        saving = st.session_state.pop(self.saving_key, False)
        if drawn is None or (drawn.seen != stored and not saving):
            drawn = Drawn(stored, stored, drawn.generation + 1 if drawn else 0)
            st.session_state[self.drawn_key] = drawn
        return drawn

    def mark_saving(self) -> None:
        """The submit button's `on_click`: the next run is the one that saves."""
        st.session_state[self.saving_key] = True

    def save(self, drawn: Drawn[T], write: Callable[[Session, T | None], object], refusal: type[Exception],
             done_key: str, sent: T) -> None:  # fmt: skip
        """Write `sent` (what the admin submitted) with what the form showed (`write(session, seen)`); a `refusal` is
        said after the rerun (nothing was written), with the form drawn from the record as it is and the admin's edits
        kept. A replayed submit (`cabinet.ui.once`) finds the record saved, and the form drawn from it: the same `sent`
        again at once is said saved as the first was, not "nothing changed"."""

        def run(session: Session) -> object:
            try:
                return write(session, drawn.seen)
            except refusal as exc:
                return exc

        def redraw(done: object) -> None:
            if isinstance(done, refusal):
                said: Any = done  # the refusal carries the record as it is (`now`) and with the edits (`kept`)
                st.session_state[self.drawn_key] = Drawn(said.now, said.kept, drawn.generation + 1)
            else:  # saved: the next run draws the record as stored
                st.session_state[self.drawn_key] = replace(drawn, seen=None)

        save_then_rerun(run, done_key, after=redraw, once=(self.drawn_key, sent))
