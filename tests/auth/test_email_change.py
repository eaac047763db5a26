"""A login's new email takes effect only from a link sent to it: until then everything goes to the old address; the
link works once, for a day, only as signed, and not after a new password or another change of the email."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Button, Success

from cabinet.access import build_session_user
from cabinet.account import AccountError, change_email
from cabinet.auth import set_password
from cabinet.email_change import CONFIRM_HOURS, PER_HOUR, EmailLinkError, confirm
from cabinet.session import SESSION_KEY
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, OutboxMail, User
from tests.auth.test_auth import APP, PASSWORD, alice  # noqa: F401 - the fixture
from tests.conftest import TEST_LINK_KEY
from tests.drawn import walk

KEY = TEST_LINK_KEY.encode()
BASE = "https://partners.example.com"


def _ask(engine: Engine, new: str, now: datetime | None = None) -> None:
    scope = build_session_user(engine, "alice").scope
    with session_scope(engine) as s:
        assert change_email(s, scope, PASSWORD, new, (BASE, KEY)) is False  # a link sent, nothing changed yet
    if now is not None:  # the link's mail as if sent at `now`, for the hourly limit
        with session_scope(engine) as s:
            mail = s.scalars(select(OutboxMail).order_by(OutboxMail.id.desc())).first()
            mail.created_at = now


def _mails(engine: Engine) -> list[tuple[str, str, str]]:
    with session_scope(engine) as s:
        rows = s.execute(select(OutboxMail.kind, OutboxMail.to_address, OutboxMail.body).order_by(OutboxMail.id))
        return [tuple(r) for r in rows]  # type: ignore[misc]


def _tokens(engine: Engine) -> list[str]:
    """The confirmation links' tokens, oldest first."""
    links = [re.search(r"https://\S+", body).group(0) for kind, _, body in _mails(engine) if kind == "email_confirm"]  # type: ignore[union-attr]
    assert all(link.startswith(f"{BASE}/?email=") for link in links)
    return [parse_qs(urlsplit(link).query)["email"][0] for link in links]


def _email(engine: Engine) -> str:
    with session_scope(engine) as s:
        return s.scalar(select(User.email).where(User.username == "alice"))


def _confirm(engine: Engine, token: str, now: datetime | None = None) -> None:
    with session_scope(engine) as s:
        confirm(s, token, KEY, now)


def _refused(engine: Engine, token: str, key: str, now: datetime | None = None) -> None:
    with pytest.raises(EmailLinkError) as caught:
        _confirm(engine, token, now)
    assert caught.value.key == key


def test_the_new_address_gets_a_link_and_the_email_changes_when_it_is_opened(alice: Engine) -> None:  # noqa: F811
    _ask(alice, " alice.new@example.com ")
    assert _email(alice) == "a@example.com"  # not yet
    [(kind, to, body)] = _mails(alice)
    assert (kind, to) == ("email_confirm", "alice.new@example.com") and f"within {CONFIRM_HOURS} hours" in body
    [token] = _tokens(alice)
    _refused(alice, token + "x", "email_link.invalid")  # a forged signature
    with pytest.raises(EmailLinkError) as other_key, session_scope(alice) as s:
        confirm(s, token, b"another-key-0123456789abcdef0123456789abcdef")
    assert other_key.value.key == "email_link.invalid"
    _confirm(alice, token)
    assert _email(alice) == "alice.new@example.com"
    kind, to, body = _mails(alice)[-1]
    assert (kind, to) == ("email_changed", "a@example.com") and "alice.new@example.com" in body  # the old one told
    _refused(alice, token, "email_link.done")  # opened again: said done, nothing more sent
    assert len(_mails(alice)) == 2
    with session_scope(alice) as s:
        actions = [(a.action, a.details) for a in s.scalars(select(AuditLog).order_by(AuditLog.id))]
    assert ("email_change_requested", {"to": "alice.new@example.com"}) in actions
    assert actions[-1] == ("email_changed", {"from": "a@example.com", "to": "alice.new@example.com"})


def test_a_link_expires_after_a_day(alice: Engine) -> None:  # noqa: F811
    _ask(alice, "later@example.com")
    [token] = _tokens(alice)
    _refused(alice, token, "email_link.expired", now=datetime.now(UTC) + timedelta(hours=CONFIRM_HOURS, minutes=1))
    _confirm(alice, token, now=datetime.now(UTC) + timedelta(hours=CONFIRM_HOURS - 1))
    assert _email(alice) == "later@example.com"


def test_a_new_password_cancels_the_links_made_before_it(alice: Engine) -> None:  # noqa: F811
    """A thief who knew the password and asked for their own address loses the link when the owner sets a new one."""
    _ask(alice, "thief@example.com")
    with session_scope(alice) as s:
        set_password(s, s.scalar(select(User).where(User.username == "alice")), "a-brand-new-password", actor="alice")
    _refused(alice, _tokens(alice)[0], "email_link.password_changed")
    assert _email(alice) == "a@example.com"


def test_a_later_change_cancels_the_links_made_before_it_even_back_to_the_same_address(alice: Engine) -> None:  # noqa: F811
    _ask(alice, "first@example.com")
    _ask(alice, "second@example.com")
    first, second = _tokens(alice)
    _confirm(alice, second)
    _refused(alice, first, "email_link.superseded")  # made for a@example.com, which is no longer the address
    with session_scope(alice) as s:  # and back to a@example.com by an admin: the first link is still not the latest
        s.scalar(select(User).where(User.username == "alice")).email = "a@example.com"
        s.add(AuditLog(actor_user_id=None, actor_username="root", action="email_changed", target="alice",
                       ts=datetime.now(UTC) + timedelta(seconds=2), details={}))  # fmt: skip
    _refused(alice, first, "email_link.superseded")
    assert _email(alice) == "a@example.com"


def test_a_new_request_ends_the_links_sent_before_it(alice: Engine) -> None:  # noqa: F811
    """An address typed wrong, then corrected: the stranger behind the wrong one could confirm it, and take the
    login's password resets with it, until the right link was opened (for a day, if it never was)."""
    _ask(alice, "alice@exmaple.com")
    _ask(alice, "alice@example.com")
    typo, right = _tokens(alice)
    _refused(alice, typo, "email_link.newer")
    assert _email(alice) == "a@example.com"
    _confirm(alice, right)
    assert _email(alice) == "alice@example.com"


def test_links_are_sent_at_most_three_an_hour(alice: Engine) -> None:  # noqa: F811
    long_ago = datetime.now(UTC) - timedelta(hours=2)
    _ask(alice, "old@example.com", now=long_ago)  # an hour ago and more: not counted
    for i in range(PER_HOUR):
        _ask(alice, f"n{i}@example.com")
    scope = build_session_user(alice, "alice").scope
    with pytest.raises(AccountError) as refused, session_scope(alice) as s:
        change_email(s, scope, PASSWORD, "one.more@example.com", (BASE, KEY))
    assert (refused.value.key, refused.value.params) == ("account.email_links_limit", {"n": PER_HOUR})
    assert len(_tokens(alice)) == PER_HOUR + 1


def _home(token: str, monkeypatch: pytest.MonkeyPatch, engine: Engine | None = None) -> AppTest:
    monkeypatch.setenv("CABINET_PUBLIC_URL", BASE)
    at = AppTest.from_file(APP, default_timeout=60)
    if engine is not None:  # signed in already in this browser
        at.session_state[SESSION_KEY] = build_session_user(engine, "alice")
    at.query_params["email"] = token
    return at.run()


def test_the_link_opened_logged_out_says_so_under_the_login_form(
    alice: Engine,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _ask(alice, "alice.new@example.com")
    [token] = _tokens(alice)
    at = _home(token, monkeypatch)
    assert not at.exception and "email" not in at.query_params
    # Markdown, the address as typed (an address stored before markup was refused in one was a link, or an image)
    assert [s.value for s in at.success] == ["The email of the login alice is now alice\\.new@example\\.com. "
                                             "The old address was told."]  # fmt: skip
    assert [ti.label for ti in at.text_input][:2] == ["Username", "Password"]
    assert _email(alice) == "alice.new@example.com"
    again = _home(token, monkeypatch)  # the link opened again, in another browser
    assert [i.value for i in again.info] == ["alice\\.new@example\\.com is already the email of the login alice: "
                                             "the link was used."]  # fmt: skip
    bad = _home(token[:-3], monkeypatch)
    assert [e.value for e in bad.error] == ["This link to confirm a new email is not valid. Ask for the change again "
                                            "on the Account page."]  # fmt: skip


def test_the_link_opened_signed_in_says_so_on_home_once(
    alice: Engine,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _ask(alice, "alice.new@example.com")
    at = _home(_tokens(alice)[0], monkeypatch, alice)
    assert not at.exception
    assert "The email of the login alice is now alice\\.new@example\\.com. The old address was told." in [
        s.value for s in at.success
    ]
    at.run()  # said once: not on the next run, nor under a later login form
    assert not any("alice\\.new@example\\.com" in s.value for s in at.success)
    assert "login_message" not in at.session_state


def test_the_account_page_sends_the_link_and_keeps_the_email_until_it_is_opened(
    alice: Engine,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.reporting.test_pages import _open as open_page

    monkeypatch.setenv("CABINET_PUBLIC_URL", BASE)
    at = open_page("pages/10_account.py", build_session_user(alice, "alice"))
    at.text_input(key="account_new_email").input("alice.new@example.com")
    at.text_input(key="account_email_password").input(PASSWORD)
    next(b for b in at.button if b.label == "Change the email").click().run()
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == [
        f"We sent a link to alice\\.new@example\\.com. Open it within {CONFIRM_HOURS} hours to make it your login's "
        "email; until then the cabinet writes to the current address."
    ]
    assert "go to a@example\\.com." in " ".join(c.value for c in at.caption) and _email(alice) == "a@example.com"
    order = [n.label if isinstance(n, Button) else n.value if isinstance(n, Success) else None for n in walk(at.main)]
    assert order.index("Change the email") < order.index(at.success[0].value)  # under the form clicked, in sight
    assert [(kind, to) for kind, to, _ in _mails(alice)] == [("email_confirm", "alice.new@example.com")]


def test_an_admin_sets_a_lost_mailboxs_login_email_from_the_command_line(alice: Engine) -> None:  # noqa: F811
    """The user cannot confirm anything from a mailbox it lost: `cabinet users email` sets the address at once, tells
    the old one, and the links sent to the old address stop working."""
    from tests.auth.test_auth import _cli
    from tests.auth.test_password_reset import _ask as ask_reset
    from tests.auth.test_password_reset import _links, _refused, _token

    ask_reset(alice, "alice")
    _ask(alice, "typo@exmaple.com")  # a link to confirm, pending
    for args, said in (
        (["users", "email", "bob", "x@example.com"], "no user named 'bob'"),
        (["users", "email", "ALICE", "not-an-address"], "'not-an-address' is not an email address"),
        (["users", "email", "alice", "A@example.com"], "A@example.com is the email of alice already"),
    ):
        done = _cli(args)
        assert done.returncode == 1 and said in " ".join((done.stdout + done.stderr).split()), args
    done = _cli(["users", "email", "Alice", " alice@new.example.com "])
    assert done.returncode == 0 and "email of alice is now alice@new.example.com; a@example.com was told" in done.stdout
    assert _email(alice) == "alice@new.example.com"
    kind, to, body = _mails(alice)[-1]
    assert (kind, to) == ("email_changed", "a@example.com") and "alice@new.example.com" in body
    _refused(alice, _token(_links(alice)[0]), "reset.email_changed")  # the old mailbox's reset link
    _refused_link = _tokens(alice)[0]
    with pytest.raises(EmailLinkError) as caught:
        _confirm(alice, _refused_link)
    assert caught.value.key == "email_link.superseded"
    with session_scope(alice) as s:
        row = s.scalars(select(AuditLog).where(AuditLog.action == "email_changed")).one()
        assert (row.actor_user_id, row.actor_username, row.target) == (None, "cli", "alice")
