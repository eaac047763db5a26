"""A form's submit or a button's click acted on once, though the page may get the same submission twice.

A double click sends a submit twice. And when the browser asks for a run while one is going (a component's answer, a
reconnect, a click elsewhere), Streamlit stops the running one at its next Streamlit call and does not run its click
again: a handler that changed the store (or sent mail) and was stopped at the `st.success` or `st.rerun` after it
did its work and said nothing, the form still filled in, so a person clicks again. Acted on again, that made a second
row or email, or a refusal ("this code already exists", "changed meanwhile") for what had just worked. `once`
remembers each submission done, before any Streamlit call follows it, and gives the same submission in the same
session within `WINDOW` seconds the result it had, without acting again (a "replay" below and in the handlers).
A click while a run goes on can also start the next run at once on another thread (Streamlit's fast reruns), beside
the first: a session's submissions are acted on one at a time, so the second finds the first's result and replays it
(a double click on the two-step code's Confirm was checked beside the first, found the code spent and refused the
login the first had just made).

A submission is also who sent it: the login and the partner it views the cabinet as. Staff viewing as one partner and
then another send the same form for each (a postback, a teammate), not a replay of the first. What a submission gave
(a password made for a login) is kept for its replay only: forgotten with the window, not left until the logout."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from cabinet.session import SESSION_KEY

T = TypeVar("T")

WINDOW = 5.0  # seconds: a double click comes within one, a click again on a silent page in a few; a repeat later
_BOOK = "_once_done"  # {key: (mark of the values, when, result)} of this session
_KEY = secrets.token_bytes(16)  # the marks are keyed: a password sent in a form cannot be guessed back from one
_LOCK = "_once_lock"  # this session's: one submission acted on at a time
_MAKING = threading.Lock()  # a session's lock is made once, whichever of two side-by-side runs asks first


def _mark(key: str, values: tuple[object, ...]) -> str:
    return hashlib.blake2b(repr((key, values)).encode(), key=_KEY, digest_size=16).hexdigest()


def _viewer() -> tuple[object, ...] | None:
    """Who submits: the login, and the partner it acts as (its own, or the one staff view the cabinet as)."""
    scope = getattr(st.session_state.get(SESSION_KEY), "scope", None)
    return None if scope is None else (scope.user_id, scope.impersonated_by, scope.own_partner_id)


def _session_lock() -> threading.RLock:
    with _MAKING:
        return st.session_state.setdefault(_LOCK, threading.RLock())


def once(action: Callable[[], T], key: str, *values: object) -> T:
    """`action()`'s result for this submission of the form or button `key` with `values` (what was typed, or the
    record the button acts on); when the same submission was done in this session less than `WINDOW` seconds ago, the
    result it had then, without acting again. A refusal (an exception raised, or returned to be said after the rerun)
    is not remembered: the same submission tries again."""
    mark = _mark(key, (_viewer(), *values))
    with _session_lock():  # the book too: two side-by-side runs' `setdefault` could each make one, the first lost
        book: dict[str, tuple[str, float, object]] = st.session_state.setdefault(_BOOK, {})  # before acting: a call
        now = time.monotonic()
        for old in [k for k, (_, when, _) in book.items() if now - when >= WINDOW]:  # no replay comes for these now
            del book[old]
        done = book.get(key)
        if done is not None and done[0] == mark:
            return done[2]  # type: ignore[return-value]
        result = action()
        if not isinstance(result, BaseException):
            book[key] = (mark, time.monotonic(), result)  # a plain dict: no Streamlit call, so no stop, before this
        return result
