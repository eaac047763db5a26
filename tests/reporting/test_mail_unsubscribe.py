"""Mail a login may turn off (the weekly summary, news, a saved report, the staff's digest) says how in its footer and
carries a signed link, also as its List-Unsubscribe header (with List-Unsubscribe-Post: test_one_click_unsubscribe);
opening the link turns that kind off for its partner or login and says so; a forged or altered link changes nothing;
transactional mail carries no such link."""

from __future__ import annotations

import email
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from cabinet import unsubscribe
from cabinet.login_links import purpose_key
from cabinet.mail import deliver_with, partner_prefs
from cabinet.news import NewsItem, post
from cabinet.password_reset import request_reset
from cabinet.staff_digest import queue_digests
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, OutboxMail, Partner, SavedView, User
from cabinet.weekly import queue_weekly
from queries.warehouse import Warehouse
from tests.conftest import TEST_LINK_KEY
from tests.reporting.conftest import Program
from tests.reporting.test_payouts import _request, payable  # noqa: F401 - the fixture
from tests.reporting.test_report_mail import MONDAY, _queue, _view
from tests.reporting.test_staff_digest import MORNING
from tests.reporting.test_weekly import MONDAY_7, _ask

BASE = "https://partners.example.com"
LINKS = unsubscribe.Links(BASE, TEST_LINK_KEY.encode())
APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _outbox(engine: Engine, kind: str) -> list[OutboxMail]:
    with session_scope(engine) as s:
        rows = s.scalars(select(OutboxMail).where(OutboxMail.kind == kind).order_by(OutboxMail.id)).all()
        s.expunge_all()
        return list(rows)


def _token(mail: OutboxMail) -> str:
    assert mail.unsubscribe_url is not None and mail.unsubscribe_url.startswith(f"{BASE}/?unsubscribe=")
    return parse_qs(urlsplit(mail.unsubscribe_url).query)["unsubscribe"][0]


def _sent(program: Program, engine: Engine) -> dict[str, EmailMessage]:
    """The messages delivered to the outbox folder, by kind (of the cabinet's id header)."""
    deliver_with(program.tiny.settings, engine)
    kinds = {m.id: m.kind for kind in ("weekly", "password_reset") for m in _outbox(engine, kind)}
    out = {}
    for path in program.tiny.settings.outbox_dir.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=default_policy)
        out[kinds.get(int(message["X-Cabinet-Mail-Id"]), "other")] = message
    return out  # type: ignore[return-value]


def _prefs(engine: Engine, partner_id: int) -> dict[str, bool]:
    with session_scope(engine) as s:
        return partner_prefs(s.get_one(Partner, partner_id))


def test_the_weekly_summary_carries_its_link_and_a_password_reset_none(program: Program, store_engine: Engine) -> None:
    _ask(program, store_engine, "p_parent", program.tiny.parent)
    assert queue_weekly(store_engine, Warehouse(program.tiny.settings.warehouse_dir), MONDAY_7, links=LINKS) == 1
    with session_scope(store_engine) as s:
        assert request_reset(s, "p_parent", BASE, TEST_LINK_KEY.encode()) == 1
    [weekly] = _outbox(store_engine, "weekly")
    url = weekly.unsubscribe_url
    assert _token(weekly)
    footer = weekly.body.rpartition("\n-- \n")[2]
    assert f"Unsubscribe from these emails at once: {url}" in footer
    assert "turn it off there" in footer and "Account → Emails" in footer
    [reset] = _outbox(store_engine, "password_reset")
    assert reset.unsubscribe_url is None and "nsubscribe" not in reset.body and "Account → Emails" not in reset.body

    sent = _sent(program, store_engine)
    assert sent["weekly"]["List-Unsubscribe"] == f"<{url}>"
    # as sent, on one line: Python's default policy wrote the long link as RFC 2047 encoded words (=?utf-8?q?=3Chttps),
    # which a mail program does not read as a link
    [raw] = [f.read_bytes() for f in program.tiny.settings.outbox_dir.glob("*.eml") if b"List-Unsub" in f.read_bytes()]
    assert f"\nList-Unsubscribe: <{url}>\n".encode() in raw.replace(b"\r\n", b"\n")
    assert sent["weekly"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"  # RFC 8058: `cabinet.one_click`
    assert sent["password_reset"]["List-Unsubscribe-Post"] is None
    assert sent["password_reset"]["List-Unsubscribe"] is None
    html = sent["weekly"].get_body(("html",)).get_content()
    assert (
        "Unsubscribe from these emails at once" in html and 'href="https://partners.example.com/?unsubscribe=' in html
    )


def test_without_a_public_url_the_footer_says_where_the_settings_are(program: Program, store_engine: Engine) -> None:
    _ask(program, store_engine, "p_parent", program.tiny.parent)
    assert queue_weekly(store_engine, Warehouse(program.tiny.settings.warehouse_dir), MONDAY_7) == 1
    [weekly] = _outbox(store_engine, "weekly")
    assert weekly.unsubscribe_url is None and "Account → Emails" in weekly.body.rpartition("\n-- \n")[2]


def test_each_kinds_link_turns_that_kind_off_and_says_the_same_when_opened_again(
    program: Program, store_engine: Engine
) -> None:
    parent = program.tiny.parent
    _ask(program, store_engine, "p_parent", parent)
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    queue_weekly(store_engine, wh, MONDAY_7, links=LINKS)
    with session_scope(store_engine) as s:
        post(s, program.users["root"].scope, NewsItem("Rates up", "From Monday."), email=True, links=LINKS)
    view_id = _view(program, store_engine)
    assert _queue(store_engine, wh, BASE, MONDAY, links=LINKS) == 1
    key = TEST_LINK_KEY.encode()

    [weekly] = _outbox(store_engine, "weekly")
    for _ in range(2):  # a second click finds it off, and says so again
        with session_scope(store_engine) as s:
            done = unsubscribe.stop(s, _token(weekly), key)
        assert (done.kind, done.username, done.partner) == ("weekly", "p_parent", "Parent")
    assert _prefs(store_engine, parent) == {"payout_updates": True, "news": True, "email_weekly": False}

    news = next(m for m in _outbox(store_engine, "news") if m.to_address == "p_parent@example.com")
    with session_scope(store_engine) as s:
        assert unsubscribe.stop(s, _token(news), key).kind == "news"
    assert _prefs(store_engine, parent)["news"] is False
    assert _prefs(store_engine, program.tiny.child)["news"] is True  # the other partner's is its own

    [report] = _outbox(store_engine, "report")
    with session_scope(store_engine) as s:
        assert unsubscribe.stop(s, _token(report), key).view == "By day"
        assert s.get_one(SavedView, view_id).email_every is None
        actions = s.scalars(select(AuditLog.details).where(AuditLog.action == "mail_unsubscribed")).all()
    assert [d["kind"] for d in actions] == ["weekly", "news", "report"]  # a second click writes nothing


def test_a_forged_or_altered_link_is_refused_and_changes_nothing(program: Program, store_engine: Engine) -> None:
    _ask(program, store_engine, "p_parent", program.tiny.parent)
    queue_weekly(store_engine, Warehouse(program.tiny.settings.warehouse_dir), MONDAY_7, links=LINKS)
    [weekly] = _outbox(store_engine, "weekly")
    good = _token(weekly)
    claims = jwt.decode(good, options={"verify_signature": False})
    other_key = purpose_key(b"not-the-cabinets-key-0123456789abcdef", "unsubscribe")
    reset_key = purpose_key(TEST_LINK_KEY.encode(), "password-reset")  # signed for another kind of link
    forged = [
        good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"),
        jwt.encode(claims | {"partner": program.tiny.child}, other_key, algorithm="HS256"),
        jwt.encode(claims, reset_key, algorithm="HS256"),
        # signed with the cabinet's key, yet the login is not of that partner
        jwt.encode(
            claims | {"partner": program.tiny.child},
            purpose_key(TEST_LINK_KEY.encode(), "unsubscribe"),
            algorithm="HS256",
        ),
        "not-a-token",
    ]
    for token in forged:
        with pytest.raises(unsubscribe.UnsubscribeError) as refused, session_scope(store_engine) as s:
            unsubscribe.stop(s, token, TEST_LINK_KEY.encode())
        assert refused.value.key == "unsubscribe.invalid"
    assert _prefs(store_engine, program.tiny.parent)["email_weekly"] is True
    assert _prefs(store_engine, program.tiny.child)["email_weekly"] is False


def _opened(token: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("CABINET_PUBLIC_URL", BASE)
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["unsubscribe"] = token
    return at.run()


def test_the_link_opened_in_a_browser_says_what_it_turned_off_in_the_logins_language(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ask(program, store_engine, "p_parent", program.tiny.parent)
    queue_weekly(store_engine, Warehouse(program.tiny.settings.warehouse_dir), MONDAY_7, links=LINKS)
    [weekly] = _outbox(store_engine, "weekly")
    at = _opened(_token(weekly), monkeypatch)
    assert not at.exception and "unsubscribe" not in at.query_params
    assert [s.value for s in at.success] == [
        "Unsubscribed: the weekly summary of Parent is off, for every login of the partner. To get it again, "
        "turn it on under Account → Emails."
    ]
    assert [ti.label for ti in at.text_input][:2] == ["Username", "Password"]  # nobody signed in: the login form
    assert _prefs(store_engine, program.tiny.parent)["email_weekly"] is False

    bad = _opened(_token(weekly)[:-4] + "AAAA", monkeypatch)
    assert [e.value for e in bad.error] == [
        "This unsubscribe link is not valid, and nothing was changed. Log in and choose which emails you get under "
        "Account → Emails."
    ]


def test_a_digests_link_opened_says_so_in_russian_for_a_russian_login(
    payable: Program,  # noqa: F811
    store_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with session_scope(store_engine) as s:
        s.scalar(select(User).where(User.username == "mgr")).locale = "ru"  # type: ignore[union-attr]
    _request(payable, store_engine, "60.50")
    assert queue_digests(store_engine, BASE, MORNING, links=LINKS) == 2
    digest = next(m for m in _outbox(store_engine, "digest") if m.to_address == "m@example.com")
    assert "Отписаться от этих писем сразу: https://partners.example.com/?unsubscribe=" in digest.body
    ru = _opened(_token(digest), monkeypatch)
    assert [s.value for s in ru.success] == [
        "Вы отписались: ежедневная сводка о том, что ждёт решения, отключена для логина mgr. Чтобы снова её "
        "получать, включите её в разделе «Аккаунт» → «Письма»."
    ]
    assert [ti.label for ti in ru.text_input][:2] == ["Логин", "Пароль"]
    with session_scope(store_engine) as s:
        assert s.scalar(select(User.email_digest).where(User.username == "mgr")) is False
    assert queue_digests(store_engine, BASE, MORNING.replace(day=11), links=LINKS) == 1  # the admin's alone


def test_the_mail_sender_makes_links_only_with_a_public_url(program: Program) -> None:
    from dataclasses import replace

    cfg = program.tiny.settings
    assert unsubscribe.links_for(replace(cfg, public_url="")) is None  # the footer then names the settings alone
    assert unsubscribe.links_for(replace(cfg, public_url=BASE)) == LINKS
