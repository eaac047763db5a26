"""The store lost in the middle of a page or an action (its server down or restarting, the connection cut, SQLite's
file locked past its wait or failing to write): the page says so in the reader's language and the server's log gets
one line of why, where the reader was shown SQLAlchemy's traceback with the server's address and the SQL.

Every session the pages open goes through `session_scope` here (it rolls the transaction back before anything is
said, so nothing is half-saved), and the calls that hand the app's engine to a domain function go through
`reaching_store`. In a widget's callback (`on_click`, `on_change`) the same stops the run: the message stands alone
on the page, as when the store is already down when the page starts (`cabinet.ui.login.login_form`)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session
from streamlit.runtime.scriptrunner import get_script_run_ctx

from cabinet.store import db
from cabinet.store.db import error_line
from cabinet.ui.text import t

log = logging.getLogger("cabinet.ui")


def unreachable(exc: BaseException) -> bool:
    """Whether `exc` says the store cannot be used just now (not that a query or a value was wrong): a connection
    refused or cut, the server shutting down, a locked or failing SQLite file."""
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def say_unreachable(exc: BaseException) -> NoReturn:
    """Log `exc` in one line, say on the page that the store cannot be reached, and stop the run (never returns)."""
    log.error("the store cannot be reached: %s", error_line(exc))
    st.error(t("common.store_unreachable"))
    st.stop()
    raise exc  # st.stop() returns only where no script runs: the error goes on as it was


def said_on_page(exc: Exception) -> bool:
    """`cabinet serve`'s last resort for a page's uncaught error (`st.App`'s `on_script_error`, in `asgi.py`): the
    store lost where no `reaching_store` caught it is said as everywhere else, and True (Streamlit then draws no
    traceback, though its log has it); any other error False, drawn as before."""
    if not isinstance(exc, DBAPIError) or not unreachable(exc):
        return False
    log.error("the store cannot be reached: %s", error_line(exc))
    st.error(t("common.store_unreachable"))  # no st.stop() here: Streamlit would draw the traceback instead
    return True


@contextmanager
def reaching_store() -> Iterator[None]:
    """Run the block; the store lost in it is said (`say_unreachable`) instead of raised. Outside a page's run (a
    thread of the app's, a test calling the function) the error is raised as it was."""
    try:
        yield
    except DBAPIError as exc:
        if not unreachable(exc) or get_script_run_ctx(suppress_warning=True) is None:
            raise
        say_unreachable(exc)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """`cabinet.store.db.session_scope` for pages: a session that commits on success and rolls back on error; the
    store lost on the way (the commit too) rolled back first, then said (`reaching_store`)."""
    with reaching_store(), db.session_scope(engine) as session:
        yield session
