"""The outbox sent from the app right after a transaction that queued mail commits (`cabinet.mail`), in a background
thread so no page waits for a mail server. It hooks the sessions of the app's store engine
(`cabinet.ui.resources.store_engine` calls `watch`). One thread at a time: a commit made while it sends makes it go
round once more. What it cannot send stays queued for `cabinet mail send` (beside the app under `cabinet serve`)."""

from __future__ import annotations

import logging
import threading
import weakref

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from cabinet.mail import QUEUED, deliver_with
from cabinet.ui.resources import app_settings, engine

log = logging.getLogger("cabinet.mail")
_engines: weakref.WeakSet[Engine] = weakref.WeakSet()  # the app's store engines (`cabinet.ui.resources`)
_state = threading.Lock()
_running = False
_again = False


def watch(engine: Engine) -> None:
    """Send the mail that commits on `engine` queue (the app's store engine; other code, such as the CLI's or a
    test's, sends its own)."""
    _engines.add(engine)


def send_soon() -> None:
    """Start sending the outbox's due messages now, without waiting for it."""
    global _running, _again
    with _state:
        if _running:
            _again = True
            return
        _running = True
    threading.Thread(target=_send, args=(app_settings(), engine()), name="cabinet-mail", daemon=True).start()


def _send(cfg, eng) -> None:  # type: ignore[no-untyped-def]
    global _running, _again
    while True:
        try:
            result = deliver_with(cfg, eng)
            if result.retrying or result.failed:
                log.warning("mail: %d sent, %d to retry, %d failed", result.sent, result.retrying, result.failed)
        except Exception:  # the store or the settings: logged; the queue keeps the messages
            log.exception("mail: sending the outbox failed")
        with _state:
            if not _again:
                _running = False
                return
            _again = False


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.info.pop(QUEUED, False) and session.bind in _engines:
        send_soon()


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(QUEUED, None)
