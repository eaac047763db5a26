"""The app as `cabinet serve` runs it answers a mail program's one-click unsubscribe POST at the link's address, while a
GET of that address is still the cabinet's page."""

from __future__ import annotations

import urllib.error
import urllib.request

from sqlalchemy import select

from cabinet import unsubscribe
from cabinet.cli.setup import app_command, child_commands
from cabinet.config import PROJECT_ROOT
from cabinet.store.db import make_engine, session_scope
from cabinet.store.models import User
from tests.e2e.conftest import Server

LINK_KEY = b"e2e-link-key-0123456789abcdef0123456789abcdef"  # the server's (conftest)


def _post(url: str, body: bytes) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 - the local server
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()


def _digest(server: Server) -> bool:
    engine = make_engine(f"sqlite:///{server.data_dir / 'cabinet.db'}")
    try:
        with session_scope(engine) as s:
            return bool(s.scalar(select(User.email_digest).where(User.username == server.username)))
    finally:
        engine.dispose()


def test_cabinet_serve_runs_the_app_with_the_one_click_route() -> None:
    """The server below is started by `app_command`, as `cabinet serve` starts its app: the pages with the routes."""
    assert child_commands(8501, "localhost", "off", "off", "off") == {"the app": app_command(8501, "localhost")}
    assert app_command(8501, "localhost")[3:5] == ["run", str(PROJECT_ROOT / "asgi.py")]


def test_the_servers_post_turns_the_digest_off_and_its_get_is_still_the_page(cabinet_server: Server) -> None:
    engine = make_engine(f"sqlite:///{cabinet_server.data_dir / 'cabinet.db'}")
    with session_scope(engine) as s:
        admin = s.scalars(select(User).where(User.username == cabinet_server.username)).one()
        link = unsubscribe.url(unsubscribe.Links(cabinet_server.url, LINK_KEY), admin, "digest")
    engine.dispose()
    assert _digest(cabinet_server) is True

    assert _post(link, b"List-Unsubscribe=Yes")[0] == 400
    assert _post(link[:-2] + "xx", b"List-Unsubscribe=One-Click")[0] == 403
    assert _digest(cabinet_server) is True
    for _ in range(2):  # again: the same answer
        status, text = _post(link, b"List-Unsubscribe=One-Click")
        assert status == 200 and text.startswith("Unsubscribed: the daily digest")
    assert _digest(cabinet_server) is False

    with urllib.request.urlopen(link, timeout=30) as page:  # noqa: S310 - a browser's GET: the Streamlit page
        assert page.status == 200 and '<div id="root">' in page.read().decode()
