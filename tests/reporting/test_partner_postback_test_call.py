"""The Postbacks page's test call as a partner reads it: the URL called shown whole and as typed, and why a call got
no answer said in words."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from cabinet.i18n import translate
from cabinet.store.db import session_scope
from cabinet.store.models import Postback
from cabinet.ui.postbacks import code_span
from cabinet.ui.resources import app_settings
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_postbacks import Tracker

PAGE = "pages/18_postbacks.py"


@pytest.fixture
def private_ok(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The tests' servers listen on 127.0.0.1: allowed as an install on its own network would allow it."""
    monkeypatch.setenv("CABINET_POSTBACKS_ALLOW_PRIVATE", "1")
    app_settings.clear()
    yield
    app_settings.clear()


def _tested(program: Program, store_engine: Engine, url: str, locale: str = "en") -> AppTest:
    """The partner's page, in `locale`, after "Send a test" on a postback of `url`."""
    with session_scope(store_engine) as s:
        s.add(Postback(partner_id=program.tiny.parent, url=url, statuses=["approved"], types=[], offers=[]))
    at = open_page(PAGE, replace(program.users["p_parent"], locale=locale))
    with session_scope(store_engine) as s:
        [hook_id] = list(s.scalars(select(Postback.id)))
    return at.button(key=f"pb_test_{hook_id}").click().run()


def test_the_url_called_is_shown_as_typed(program: Program, store_engine: Engine, private_ok: None) -> None:
    """Markdown made a link of the URL in which the escaping backslashes showed ('127\\.0\\.0\\.1/pb?c=test\\-…')."""
    tracker = Tracker()
    try:
        at = _tested(program, store_engine, tracker.url + "/pb?c={conversion_id}&s={status}")
        [said] = [x.value for x in at.success]
        called = tracker.url + tracker.requests[-1]["_path"]
        assert f"`{called}`" in said and "\\" not in said, said
    finally:
        tracker.close()


def test_a_code_span_holds_any_text_whole() -> None:
    assert code_span("https://t.example/a?b=1") == "`https://t.example/a?b=1`"
    assert code_span("https://t.example/a`b``c") == "```https://t.example/a`b``c```"
    assert code_span("`x") == "`` `x ``"


def test_a_call_refused_says_so_in_words(program: Program, store_engine: Engine, private_ok: None) -> None:
    """It said 'ConnectionRefusedError: [Errno 111] Connection refused' alone."""
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there any more
    at = _tested(program, store_engine, f"http://127.0.0.1:{port}/pb?c={{conversion_id}}")
    [said] = [x.value for x in at.error]
    assert translate("postbacks.no_answer_refused") in said and "ConnectionRefusedError" in said, said


def test_a_host_not_found_says_so_in_russian(program: Program, store_engine: Engine) -> None:
    """It said 'gaierror: [Errno -2] Name or service not known', in English on a Russian page too."""
    at = _tested(program, store_engine, "https://no-such-host.invalid/pb?c={conversion_id}", "ru")
    [said] = [x.value for x in at.error]
    assert translate("postbacks.no_answer_dns", "ru") in said, said


def test_a_redirect_is_said_to_be_given_up(program: Program, store_engine: Engine, private_ok: None) -> None:
    """A test call answered with a redirect read as any other answer ('HTTP 302: —'), yet every call of the postback
    would be given up at once: it says so, and where to point the URL."""
    tracker = Tracker()
    tracker.answers = [302]
    try:
        at = _tested(program, store_engine, tracker.url + "/pb?c={conversion_id}", "ru")
        [said] = [x.value for x in at.warning]
        assert translate("postbacks.test_redirect", "ru", location="`https://elsewhere.example/pb`") in said, said
    finally:
        tracker.close()
