"""A mail program's one-click unsubscribe (RFC 8058): a POST of `List-Unsubscribe=One-Click` to a message's link turns
its kind off as opening the link does, once, without cookies; a forged, altered or other-purpose token, or another
body, changes nothing. Messages with a link say so (`List-Unsubscribe-Post`), those without none."""

from __future__ import annotations

import re
from dataclasses import replace

import jwt
import pytest
from sqlalchemy import Engine, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from cabinet import one_click
from cabinet.config import Settings
from cabinet.login_links import purpose_key
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, User
from cabinet.weekly import queue_weekly
from queries.warehouse import Warehouse
from tests.conftest import TEST_LINK_KEY
from tests.reporting.conftest import Program
from tests.reporting.test_mail_unsubscribe import LINKS, _outbox, _prefs, _sent, _token
from tests.reporting.test_weekly import MONDAY_7, _ask

ONE_CLICK = {"List-Unsubscribe": "One-Click"}
DONE = "Unsubscribed: the weekly summary of Parent is off, for every login of the partner."
INVALID = "This unsubscribe link is not valid, and nothing was changed."


def _client(cfg: Settings, base_path: str = "") -> TestClient:
    return TestClient(Starlette(routes=one_click.routes(lambda: cfg, base_path)))


def _weekly_token(program: Program, engine: Engine) -> str:
    _ask(program, engine, "p_parent", program.tiny.parent)
    assert queue_weekly(engine, Warehouse(program.tiny.settings.warehouse_dir), MONDAY_7, links=LINKS) == 1
    [weekly] = _outbox(engine, "weekly")
    return _token(weekly)


def _unsubscribed(engine: Engine) -> list[dict[str, object]]:
    with session_scope(engine) as s:
        return list(s.scalars(select(AuditLog.details).where(AuditLog.action == "mail_unsubscribed")).all())


def test_a_one_click_post_turns_the_kind_off_once_and_says_so_again(program: Program, store_engine: Engine) -> None:
    token = _weekly_token(program, store_engine)
    client = _client(program.tiny.settings)
    for body in ({"data": ONE_CLICK}, {"files": {"List-Unsubscribe": (None, "One-Click")}}):  # urlencoded, multipart
        answer = client.post("/", params={"unsubscribe": token}, **body)  # type: ignore[arg-type]
        assert answer.status_code == 200 and answer.text.startswith(DONE)
        assert "set-cookie" not in answer.headers and answer.headers["cache-control"] == "no-store"
    assert _prefs(store_engine, program.tiny.parent)["email_weekly"] is False
    assert _prefs(store_engine, program.tiny.child)["email_weekly"] is False  # as it was: its own setting
    # one row, saying how: the second POST found it off already
    assert _unsubscribed(store_engine) == [{"kind": "weekly", "partner": "Parent", "via": "one-click"}]


def test_the_answer_is_in_the_language_of_the_links_login(program: Program, store_engine: Engine) -> None:
    token = _weekly_token(program, store_engine)
    with session_scope(store_engine) as s:
        s.scalars(select(User).where(User.username == "p_parent")).one().locale = "ru"
    answer = _client(program.tiny.settings).post("/", params={"unsubscribe": token}, data=ONE_CLICK)
    assert answer.status_code == 200 and answer.text.startswith("Вы отписались: еженедельная сводка партнёра Parent")


def test_a_forged_altered_or_other_purpose_token_changes_nothing(program: Program, store_engine: Engine) -> None:
    good = _weekly_token(program, store_engine)
    claims = jwt.decode(good, options={"verify_signature": False})
    link_key = TEST_LINK_KEY.encode()
    refused = [
        good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"),  # altered
        jwt.encode(claims, purpose_key(b"not-the-cabinets-key-0123456789abcdef", "unsubscribe"), algorithm="HS256"),
        jwt.encode(claims, purpose_key(link_key, "password-reset"), algorithm="HS256"),  # another kind of link's key
        jwt.encode(claims | {"purpose": "password-reset"}, purpose_key(link_key, "unsubscribe"), algorithm="HS256"),
        jwt.encode(claims | {"partner": program.tiny.child}, purpose_key(link_key, "unsubscribe"), algorithm="HS256"),
        "not-a-token",
    ]
    client = _client(program.tiny.settings)
    for token in refused:
        answer = client.post("/", params={"unsubscribe": token}, data=ONE_CLICK)
        assert (answer.status_code, answer.text[: len(INVALID)]) == (403, INVALID), token
    assert _prefs(store_engine, program.tiny.parent)["email_weekly"] is True
    assert _unsubscribed(store_engine) == []


@pytest.mark.parametrize(
    "body",
    [
        {},  # no body
        {"data": {"List-Unsubscribe": "one-click"}},
        {"data": {"List-Unsubscribe": ["One-Click", "One-Click"]}},
        {"data": {"List-Unsubscribe": "One-Click", "x": "y" * one_click.MAX_BODY}},  # too long to be one
        {"json": ONE_CLICK},
        {"content": b"List-Unsubscribe=One-Click", "headers": {"content-type": "text/plain"}},
        {"files": {"List-Unsubscribe": ("a.txt", b"One-Click")}},  # a file, not the field
        {"content": b"--x\r\nnot multipart", "headers": {"content-type": "multipart/form-data; boundary=x"}},
    ],
    ids=["none", "lower-case", "twice", "too-long", "json", "text", "file", "broken-multipart"],
)
def test_another_body_is_refused_and_changes_nothing(
    program: Program, store_engine: Engine, body: dict[str, object]
) -> None:
    token = _weekly_token(program, store_engine)
    answer = _client(program.tiny.settings).post("/", params={"unsubscribe": token}, **body)  # type: ignore[arg-type]
    assert answer.status_code == 400 and "List-Unsubscribe=One-Click" in answer.text
    assert _prefs(store_engine, program.tiny.parent)["email_weekly"] is True


def test_without_a_token_or_a_link_key_nothing_changes(program: Program, store_engine: Engine) -> None:
    token = _weekly_token(program, store_engine)
    assert _client(program.tiny.settings).post("/", data=ONE_CLICK).status_code == 400
    keyless = _client(replace(program.tiny.settings, link_signing_key=""))
    assert keyless.post("/", params={"unsubscribe": token}, data=ONE_CLICK).status_code == 403
    assert _prefs(store_engine, program.tiny.parent)["email_weekly"] is True


def test_under_a_base_path_the_post_is_at_the_links_address(program: Program, store_engine: Engine) -> None:
    token = _weekly_token(program, store_engine)
    client = _client(program.tiny.settings, base_path="cabinet/")
    assert client.post("/", params={"unsubscribe": token}, data=ONE_CLICK).status_code == 404
    assert client.post("/cabinet/", params={"unsubscribe": token}, data=ONE_CLICK).status_code == 200
    assert client.get("/cabinet/", params={"unsubscribe": token}).status_code == 405  # a GET is the page's


def test_messages_with_a_link_offer_the_one_click_post_and_others_do_not(
    program: Program, store_engine: Engine
) -> None:
    from cabinet.password_reset import request_reset

    _weekly_token(program, store_engine)
    with session_scope(store_engine) as s:
        assert request_reset(s, "p_parent", LINKS.base, TEST_LINK_KEY.encode()) == 1
    sent = _sent(program, store_engine)
    assert sent["weekly"]["List-Unsubscribe"].startswith(f"<{LINKS.base}/?unsubscribe=")
    assert sent["weekly"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # the link itself on one line, as mail programs read it: the default policy wrote it as =?utf-8?q?=3Chttps...?=
    [raw] = [f.read_bytes() for f in program.tiny.settings.outbox_dir.glob("*.eml") if b"List-Unsub" in f.read_bytes()]
    assert re.search(rb"^List-Unsubscribe: <https://partners\.example\.com/\?unsubscribe=[\w.-]+>\r?$", raw, re.M)
    assert re.search(rb"^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$", raw, re.M)
    assert sent["password_reset"]["List-Unsubscribe"] is None
    assert sent["password_reset"]["List-Unsubscribe-Post"] is None


def test_messages_without_a_link_offer_neither(program: Program, store_engine: Engine) -> None:
    _ask(program, store_engine, "p_parent", program.tiny.parent)
    assert queue_weekly(store_engine, Warehouse(program.tiny.settings.warehouse_dir), MONDAY_7) == 1  # no public_url
    sent = _sent(program, store_engine)
    assert sent["weekly"]["List-Unsubscribe"] is None and sent["weekly"]["List-Unsubscribe-Post"] is None
