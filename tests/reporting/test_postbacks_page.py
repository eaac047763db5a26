"""The Postbacks page: a partner saves one, calls it with a test, pauses and deletes it; a bad URL is said and kept in
the form; staff see their partners' postbacks."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from cabinet.i18n import translate
from cabinet.store.db import session_scope
from cabinet.store.models import Postback
from cabinet.ui.resources import app_settings
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_postbacks import Tracker

PAGE = "pages/18_postbacks.py"


@pytest.fixture
def private_ok(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The tests' tracker listens on 127.0.0.1: allowed as an install on its own network would allow it."""
    monkeypatch.setenv("CABINET_POSTBACKS_ALLOW_PRIVATE", "1")
    app_settings.clear()
    yield
    app_settings.clear()


def _saved(engine: Engine) -> list[tuple[str, bool, list[str]]]:
    with session_scope(engine) as s:
        return [(p.url, p.enabled, p.statuses) for p in s.scalars(select(Postback).order_by(Postback.id))]


def test_a_partner_saves_tests_pauses_and_deletes_a_postback(program: Program, store_engine: Engine,
                                                             private_ok: None) -> None:  # fmt: skip
    tracker = Tracker()
    try:
        at = open_page(PAGE, program.users["p_parent"])
        assert not at.exception and [x.value for x in at.title] == [translate("postbacks.title")]
        assert [i.value for i in at.info] == [translate("postbacks.none")]
        url = tracker.url + "/pb?c={conversion_id}&s={status}&p={payout}"
        at.text_input(key="postbacks_url").input(url)
        at.multiselect[0].set_value(["approved", "rejected"])
        at.button[0].click().run()  # the form's submit button
        assert not at.exception and [x.value for x in at.success] == [translate("postbacks.added")]
        assert _saved(store_engine) == [(url, True, ["approved", "rejected"])]
        assert at.text_input(key="postbacks_url").value == ""  # the saved form starts empty
        [hook_id] = [p[0] for p in _ids(store_engine)]
        at.button(key=f"pb_test_{hook_id}").click().run()
        [said] = [x.value for x in at.success]
        assert "HTTP 200" in said and tracker.requests[-1]["s"] == "approved"
        assert tracker.requests[-1]["c"].startswith("test-") and tracker.requests[-1]["p"] == "0.00"
        at.button(key=f"pb_pause_{hook_id}").click().run()
        assert [x.value for x in at.success] == [translate("postbacks.done_paused")]
        assert _saved(store_engine)[0][1] is False
        assert at.button(key=f"pb_delete_{hook_id}").disabled  # not without the confirmation
        at.checkbox(key=f"pb_confirm_{hook_id}").check().run()
        at.button(key=f"pb_delete_{hook_id}").click().run()
        assert [x.value for x in at.success] == [translate("postbacks.deleted")] and _saved(store_engine) == []
    finally:
        tracker.close()


def _ids(engine: Engine) -> list[tuple[int]]:
    with session_scope(engine) as s:
        return [(i,) for i in s.scalars(select(Postback.id))]


def test_a_bad_url_is_said_and_kept(program: Program, store_engine: Engine) -> None:
    at = open_page(PAGE, program.users["p_parent"])
    bad = "http://169.254.169.254/latest/meta-data?c={conversion_id}"
    at.text_input(key="postbacks_url").input(bad)
    at.button[0].click().run()
    assert [e.value for e in at.error] == [translate("postbacks.err_private", host="169.254.169.254")]
    assert at.text_input(key="postbacks_url").value == bad and _saved(store_engine) == []
    at.text_input(key="postbacks_url").input("https://t.example/pb?c={conversion}")
    at.button[0].click().run()
    assert [e.value for e in at.error] == [translate("postbacks.err_macro", macros="{conversion}")]


def test_staff_see_their_partners_postbacks(program: Program, store_engine: Engine) -> None:
    from cabinet.postbacks import add_postback

    with session_scope(store_engine) as s:
        scope = program.users["p_parent"].scope
        add_postback(s, scope, program.tiny.parent, "https://t.example/pb?c={conversion_id}", ["approved"], [], 0)
    for who, shown in (("root", 1), ("mgr", 1)):
        at = open_page(PAGE, program.users[who])
        assert not at.exception
        table = at.dataframe[0].value
        urls = list(table[translate("postbacks.col_template")])
        assert len(table) == shown and "https://t.example/pb?c={conversion_id}" in urls
    at = open_page(PAGE, program.users["p_child"])  # the child's page: its own, none
    assert [i.value for i in at.info] == [translate("postbacks.none")]


def test_the_given_up_calls_are_made_again_from_the_page(program: Program, store_engine: Engine) -> None:
    from cabinet.postbacks import add_postback
    from cabinet.store.models import PostbackSend

    with session_scope(store_engine) as s:
        scope = program.users["p_parent"].scope
        url = "https://t.example/pb?c={conversion_id}"
        hook = add_postback(s, scope, program.tiny.parent, url, ["approved"], [], 0)
        s.add(PostbackSend(postback_id=hook.id, partner_id=program.tiny.parent, conversion_id="f1", status="approved",
                           run_id=1, url="https://t.example/pb?c=f1", state="failed", attempts=6,
                           last_error="HTTP 404: not found"))  # fmt: skip
    at = open_page(PAGE, program.users["p_parent"])
    assert "HTTP 404: not found" in list(at.dataframe[-1].value[translate("postbacks.col_error")])
    at.button(key="postbacks_retry").click().run()
    assert [x.value for x in at.success] == [translate("postbacks.retried", n=1)]
    with session_scope(store_engine) as s:
        call = s.scalar(select(PostbackSend))
        assert (call.state, call.attempts, call.last_error) == ("queued", 0, None)


def _test_call_answered(program: Program, store_engine: Engine, reply: bytes) -> AppTest:
    """The partner's page after "Send a test" to a server on this machine that replies `reply` once."""
    server = socket.create_server(("127.0.0.1", 0))

    def answer() -> None:
        conn, _ = server.accept()
        with conn:
            conn.recv(4096)
            conn.sendall(reply)

    threading.Thread(target=answer, daemon=True).start()
    try:
        with session_scope(store_engine) as s:
            s.add(Postback(partner_id=program.tiny.parent, url=f"http://127.0.0.1:{server.getsockname()[1]}/pb",
                           statuses=["approved"], types=[], offers=[]))  # fmt: skip
        at = open_page(PAGE, program.users["p_parent"])
        [(hook_id,)] = _ids(store_engine)
        return at.button(key=f"pb_test_{hook_id}").click().run()
    finally:
        server.close()


def test_a_test_call_to_a_server_that_does_not_speak_http_is_said(program: Program, store_engine: Engine,
                                                                  private_ok: None) -> None:  # fmt: skip
    at = _test_call_answered(program, store_engine, b"SSH-2.0-OpenSSH_9.2\r\n")
    assert not at.exception
    [said] = [x.value for x in at.error]
    assert "BadStatusLine" in said


def test_a_test_calls_answer_is_shown_as_text(program: Program, store_engine: Engine, private_ok: None) -> None:
    """The partner's server writes the answer, and staff press the button too, viewing as the partner."""
    body = b"OK [Your session expired](https://evil.example/login)"
    at = _test_call_answered(
        program, store_engine, b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    [said] = [x.value for x in at.success]
    assert r"OK \[Your session expired\]\(https://evil\.example/login\)" in said, said


def test_the_calls_caption_reads_for_any_count() -> None:
    """It read "The newest 1 calls" and "Последние 1 вызовов": the count stands apart from the noun, in any number."""
    for n in (1, 2, 5, 21):
        en, ru = (translate("postbacks.calls_caption", locale, n=n, tz="UTC") for locale in ("en", "ru"))
        assert f"{n} calls" not in en and f"{n} вызов" not in ru and f"{n}" in en and f"{n}" in ru


def test_an_admin_reads_of_the_partners_postbacks_a_manager_of_theirs(program: Program) -> None:
    """The staff overview said "your partners" to an admin too, who sees every partner's; a manager's are theirs."""
    for who, intro, none in (("root", "The partners' postbacks", "No partner has a postback."),
                             ("mgr", "Your partners' postbacks", "None of your partners has a postback.")):  # fmt: skip
        at = open_page(PAGE, program.users[who])
        assert not at.exception
        assert at.caption[0].value.startswith(intro) and [i.value for i in at.info] == [none]
