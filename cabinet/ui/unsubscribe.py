"""The link in the weekly summary, news, a saved report or the staff's digest that turns that kind of mail off
(`?unsubscribe=<token>`; `cabinet.unsubscribe` checks and applies it), opened in a browser, signed in or not: what it
did is said under the login form, and on Home once signed in, in the language of the login it names."""

from __future__ import annotations

import streamlit as st

from cabinet import unsubscribe as _unsubscribe
from cabinet.config import ConfigError
from cabinet.ui.email_link import speak, tell
from cabinet.ui.password_reset import link_base
from cabinet.ui.resources import app_settings, engine
from cabinet.ui.text import t
from cabinet.ui.unreachable import session_scope
from cabinet.ui.widgets import plain

_DONE_KEY = "unsubscribe_done"  # {token: notice} of the links this session opened


def links() -> _unsubscribe.Links | None:
    """What the app makes unsubscribe links with (news emailed from the News box): the cabinet's address for links
    (`cabinet.ui.password_reset.link_base`) and the link key; None where links cannot be made."""
    base = link_base()
    try:
        return None if base is None else _unsubscribe.Links(base, app_settings().require_link_key())
    except ConfigError:  # no key to sign with: the mail says where its settings are, without a link
        return None


def open_link() -> None:
    """Before the login form: the link in the address (if any) applied or refused, what came of it said, and the link
    dropped from the address."""
    token = st.query_params.get(_unsubscribe.PARAM)
    if not token:
        return
    done: dict[str, tuple[str, str]] = st.session_state.setdefault(_DONE_KEY, {})
    if token not in done:  # a rerun with the link still in the address says the first run's outcome again
        done[token] = _open(token)
    st.query_params.pop(_unsubscribe.PARAM, None)
    tell(done[token])


def _open(token: str) -> tuple[str, str]:
    """The notice: its kind and its text, in the language of the link's login when this browser picked none."""
    try:
        with session_scope(engine()) as session:
            stopped = _unsubscribe.stop(session, token, app_settings().require_link_key())
    except _unsubscribe.UnsubscribeError:
        return "error", t("unsubscribe.invalid")
    speak(stopped.locale)
    gone = stopped.kind == "report" and stopped.view is None  # the view deleted since
    key = "unsubscribe.report_gone" if gone else f"unsubscribe.{stopped.kind}"
    # as typed: a partner's or a view's name is never markup
    names = {"partner": plain(stopped.partner or ""), "view": plain(stopped.view or ""), "username": stopped.username}
    return "success", t(key, **names)
