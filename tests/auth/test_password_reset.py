"""A forgotten password set again from an emailed link: the link works once, for an hour, only as signed; the form
tells nobody who has a login and floods no inbox; the links point only at the configured address."""

from __future__ import annotations

import email
import re
from datetime import UTC, datetime, timedelta
from email.policy import default as default_policy
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from cabinet.auth import MAX_FAILED_LOGINS, authenticate, lock_user, session_revoked
from cabinet.config import Settings
from cabinet.invites import invite_token
from cabinet.password_reset import (
    PER_HOUR,
    RESET_MINUTES,
    ResetError,
    request_reset,
    reset_password,
    reset_token,
    user_for_token,
)
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, OutboxMail, ProgramSettings, User
from cabinet.ui.resources import app_settings
from tests.auth.test_auth import APP, PASSWORD, alice  # noqa: F401 - the fixture
from tests.conftest import TEST_LINK_KEY

KEY = TEST_LINK_KEY.encode()
BASE = "https://partners.example.com"
NEW = "a-brand-new-password"


def _ask(engine: Engine, identifier: str, now: datetime | None = None) -> int:
    with session_scope(engine) as s:
        return request_reset(s, identifier, BASE, KEY, now)


def _links(engine: Engine) -> list[str]:
    """The reset links of the queued mails, oldest first."""
    with session_scope(engine) as s:
        bodies = s.scalars(select(OutboxMail.body).where(OutboxMail.kind == "password_reset").order_by(OutboxMail.id))
        return [re.search(r"https://\S+", b).group(0) for b in bodies]  # type: ignore[union-attr]


def _token(link: str) -> str:
    return parse_qs(urlsplit(link).query)["reset"][0]


def _reset(engine: Engine, token: str, new: str = NEW, again: str | None = None, now: datetime | None = None) -> None:
    with session_scope(engine) as s:
        reset_password(s, token, new, new if again is None else again, KEY, now)


def _refused(engine: Engine, token: str, key: str, **kwargs: object) -> None:
    with pytest.raises(ResetError) as caught:
        _reset(engine, token, **kwargs)  # type: ignore[arg-type]
    assert caught.value.key == key


def test_a_link_by_username_or_email_sets_the_password_once(alice: Engine) -> None:  # noqa: F811
    assert _ask(alice, "alice") == 1 and _ask(alice, "  A@Example.COM ") == 1  # the email in any case
    first, second = _links(alice)
    assert first.startswith(f"{BASE}/?reset=")
    with session_scope(alice) as s:
        mail = s.scalar(select(OutboxMail).where(OutboxMail.kind == "password_reset"))
        assert (mail.to_address, mail.subject) == ("a@example.com", f"{mail.subject.split(':')[0]}: set a new password")
        assert f"within {RESET_MINUTES} minutes" in mail.body
    _refused(alice, _token(second), "reset.differ", again="something-else-1")
    _refused(alice, _token(second), "auth.password_too_short", new="short")
    assert authenticate(alice, "alice", PASSWORD).ok  # refusals changed nothing
    before = datetime.now(UTC) - timedelta(seconds=1)
    _reset(alice, _token(second))
    assert authenticate(alice, "alice", NEW).ok and not authenticate(alice, "alice", PASSWORD).ok
    assert session_revoked(alice, "alice", before)  # the login's other sessions end
    _refused(alice, _token(second), "reset.used")  # once
    _refused(alice, _token(first), "reset.used")  # and an older link made for the old password too
    with session_scope(alice) as s:
        kinds = list(s.scalars(select(OutboxMail.kind).order_by(OutboxMail.id)))
        actions = list(s.scalars(select(AuditLog.action).order_by(AuditLog.id)))
    assert kinds == ["password_reset", "password_reset", "password_changed"]  # told it was changed
    assert actions.count("password_reset_requested") == 2 and "password_reset" in actions


def test_a_new_link_ends_the_links_sent_before_it(alice: Engine) -> None:  # noqa: F811
    """Asking again (the login page's form, or an admin on Logins) ends the links sent before: an older email,
    forwarded or left in a mailbox someone else reads, worked for its whole hour beside the new one."""
    now = datetime.now(UTC)
    assert _ask(alice, "alice", now - timedelta(seconds=1)) == 1
    (first,) = _links(alice)
    assert _ask(alice, "alice", now) == 1  # (within one second, the same link)
    _, second = _links(alice)
    assert first != second
    _refused(alice, _token(first), "reset.superseded")
    assert authenticate(alice, "alice", PASSWORD).ok  # nothing changed
    _reset(alice, _token(second))
    assert authenticate(alice, "alice", NEW).ok


def test_expired_forged_and_foreign_tokens_are_refused(alice: Engine) -> None:  # noqa: F811
    now = datetime.now(UTC)
    with session_scope(alice) as s:
        user = s.scalar(select(User).where(User.username == "alice"))
        token = reset_token(user, KEY, now)
        other_key = reset_token(user, b"another-key-of-at-least-32-bytes-long!", now)
    _refused(alice, token, "reset.expired", now=now + timedelta(minutes=RESET_MINUTES, seconds=1))
    _refused(alice, other_key, "reset.invalid")
    _refused(alice, token[:-4] + "AAAA", "reset.invalid")
    _refused(alice, invite_token(user.id, KEY, now), "reset.invalid")  # an invitation is no reset link
    _refused(alice, "not-a-token", "reset.invalid")
    _reset(alice, token, now=now + timedelta(minutes=RESET_MINUTES - 1))  # within the hour: works
    assert authenticate(alice, "alice", NEW).ok


def test_the_form_tells_nobody_who_has_a_login_and_floods_no_inbox(alice: Engine) -> None:  # noqa: F811
    now = datetime.now(UTC)
    assert _ask(alice, "nobody", now) == 0 and _ask(alice, "nobody@example.com", now) == 0
    for _ in range(PER_HOUR):
        assert _ask(alice, "alice", now) == 1
    assert _ask(alice, "alice", now) == 0  # the limit: nothing more in this hour
    assert _ask(alice, "alice", now + timedelta(hours=1, seconds=1)) == 1  # an hour later: one more
    with session_scope(alice) as s:
        s.scalar(select(User).where(User.username == "alice")).is_active = False
    assert _ask(alice, "a@example.com", now + timedelta(hours=2)) == 0  # a disabled login gets none
    with session_scope(alice) as s:
        actions = list(s.scalars(select(AuditLog.action).order_by(AuditLog.id)))
    # the disabled login's address counts as unknown: the form says the same for it
    assert actions.count("password_reset_unknown") == 3 and actions.count("password_reset_limited") == 1
    with pytest.raises(ResetError) as empty:
        _ask(alice, "   ")
    assert empty.value.key == "reset.empty"


def test_a_disabled_login_link_stops_and_a_lock_is_lifted(alice: Engine) -> None:  # noqa: F811
    _ask(alice, "alice")
    token = _token(_links(alice)[0])
    with session_scope(alice) as s:
        lock_user(s, s.scalar(select(User).where(User.username == "alice")), 60)  # an admin's lock: it stays
    _refused(alice, token, "reset.locked")
    with session_scope(alice) as s:
        s.scalar(select(User).where(User.username == "alice")).locked_until = None
    for _ in range(MAX_FAILED_LOGINS):  # wrong passwords lock it for 15 minutes
        authenticate(alice, "alice", "wrong-password")
    assert authenticate(alice, "alice", PASSWORD).reason == "locked"
    _reset(alice, token)
    assert authenticate(alice, "alice", NEW).ok  # a reset proves the mailbox: that lock is lifted
    _ask(alice, "alice")
    token = _token(_links(alice)[-1])
    with session_scope(alice) as s:
        s.scalar(select(User).where(User.username == "alice")).is_active = False
    with session_scope(alice) as s, pytest.raises(ResetError) as caught:
        user_for_token(s, token, KEY)
    assert caught.value.key == "reset.invalid"


def _app(public_url: str = BASE, demo: bool = False, monkeypatch: pytest.MonkeyPatch | None = None) -> AppTest:
    assert monkeypatch is not None
    monkeypatch.setenv("CABINET_PUBLIC_URL", public_url)
    monkeypatch.setenv("CABINET_DEMO_MODE", "true" if demo else "false")
    return AppTest.from_file(APP, default_timeout=60)


def _wait_sent(engine: Engine, n: int) -> None:
    """The page's mail thread sends after the commit: wait for it (a few ms; at most 10 s)."""
    deadline = datetime.now(UTC) + timedelta(seconds=10)
    while datetime.now(UTC) < deadline:
        with session_scope(engine) as s:
            if len(s.scalars(select(OutboxMail).where(OutboxMail.status == "sent")).all()) >= n:
                return
    raise AssertionError(f"fewer than {n} mails sent")


def test_the_login_page_sends_a_link_and_the_link_sets_the_password(
    alice: Engine,  # noqa: F811
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    at = _app(monkeypatch=monkeypatch).run()
    [box] = [e for e in at.expander if e.label == "Forgot your password?"]
    box.text_input[0].input("a@example.com")
    box.button[0].click()
    at.run()
    assert not at.exception
    assert "If a login matches “a@example.com”, we have emailed it a link" in " ".join(s.value for s in at.success)
    _wait_sent(alice, 1)
    [path] = list(settings.outbox_dir.glob("*.eml"))
    message = email.message_from_bytes(path.read_bytes(), policy=default_policy)
    link = re.search(r"https://\S+", message.get_body(("plain",)).get_content()).group(0)  # type: ignore[union-attr]
    assert link.startswith(f"{BASE}/?reset=")

    page = _app(monkeypatch=monkeypatch)
    page.query_params["reset"] = _token(link)
    page.run()
    assert [s.value for s in page.header] == ["Set a new password"] and not page.exception
    page.text_input[0].input(NEW)
    page.text_input[1].input("a-different-password")
    page.button[0].click()
    page.run()
    assert [e.value for e in page.error] == ["The two passwords differ."]
    page.text_input[0].input(NEW)
    page.text_input[1].input(NEW)
    page.button[0].click()
    page.run()
    assert "The new password of alice is set. Log in with it." in [s.value for s in page.success]
    assert "reset" not in page.query_params and "Log in to the partner cabinet" in [s.value for s in page.header]
    assert authenticate(alice, "alice", NEW).ok
    _wait_sent(alice, 2)  # and the "password changed" mail went too

    again = _app(monkeypatch=monkeypatch)
    again.query_params["reset"] = _token(link)
    again.run()
    assert again.error[0].value.startswith("This link was already used")


def test_without_a_public_address_resets_are_off_outside_demo_mode(
    alice: Engine,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A link made from the request's own address could point at a host an attacker named: only a configured
    address is used, and a demo install (no outside visitors) uses the browser's."""
    at = _app(public_url="", monkeypatch=monkeypatch).run()
    [box] = [e for e in at.expander if e.label == "Forgot your password?"]
    assert "not set up in this cabinet" in box.info[0].value and not box.text_input
    assert not box.get("link_button")  # no support address set: nobody to name
    with session_scope(alice) as s:
        s.get(ProgramSettings, 1).support_email = "help@example.com"
    at = _app(public_url="", monkeypatch=monkeypatch).run()
    [box] = [e for e in at.expander if e.label == "Forgot your password?"]
    assert [b.proto.url for b in box.get("link_button")] == ["mailto:help@example.com"]  # whom to write to
    app_settings.clear()  # read once per process: the next app is another install
    demo = _app(public_url="", demo=True, monkeypatch=monkeypatch).run()
    [box] = [e for e in demo.expander if e.label == "Forgot your password?"]
    box.text_input[0].input("alice")
    box.button[0].click()
    demo.run()
    assert _links_any(alice)[0].startswith("http://localhost:8501/?reset=")
    [box] = [e for e in demo.expander if e.label == "Forgot your password?"]
    assert "Demo install: email is not sent but written to" in box.caption[0].value  # where to find the link


def _links_any(engine: Engine) -> list[str]:
    with session_scope(engine) as s:
        bodies = s.scalars(select(OutboxMail.body).where(OutboxMail.kind == "password_reset").order_by(OutboxMail.id))
        return [re.search(r"https?://\S+", b).group(0) for b in bodies]  # type: ignore[union-attr]


def test_settings_read_the_mail_keys(tmp_path: Path) -> None:
    env = {"CABINET_DATA_DIR": str(tmp_path), "CABINET_PUBLIC_URL": " https://p.example.com ",
           "CABINET_SMTP_URL": "smtp://relay", "CABINET_MAIL_FROM": "P <p@example.com>"}  # fmt: skip
    cfg = Settings.from_env(env=env, secrets_path=tmp_path / "none.toml")
    assert (cfg.public_url, cfg.smtp_url, cfg.mail_from) == (
        "https://p.example.com",
        "smtp://relay",
        "P <p@example.com>",
    )
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[cabinet]\npublic_url = "https://q.example.com"\nsmtp_url = "smtps://h"\n', encoding="utf-8")
    cfg = Settings.from_env(env={"CABINET_DATA_DIR": str(tmp_path)}, secrets_path=secrets)
    assert (cfg.public_url, cfg.smtp_url, cfg.outbox_dir) == ("https://q.example.com", "smtps://h", tmp_path / "outbox")


def test_two_step_login_still_asks_for_its_code_after_a_reset(alice: Engine) -> None:  # noqa: F811
    """A mailbox is one factor: a reset sets the password, the second step stays."""
    import pyotp

    from cabinet.access import build_session_user
    from cabinet.twofactor import new_secret, turn_on

    new = new_secret("alice", "Program")
    with session_scope(alice) as s:
        turn_on(
            s, build_session_user(alice, "alice").scope, new.secret, pyotp.TOTP(new.secret).now(), password=PASSWORD
        )
    _ask(alice, "alice")
    _reset(alice, _token(_links(alice)[0]))
    assert authenticate(alice, "alice", NEW).reason == "code_needed"


def _reset_clicked(token: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The page of a reset link, the new password typed twice and "Set the password" clicked, not yet run."""
    page = _app(monkeypatch=monkeypatch)
    page.query_params["reset"] = token
    page.run()
    page.text_input[0].input(NEW)
    page.text_input[1].input(NEW)
    page.button[0].click()
    return page


def test_a_rerun_cutting_off_the_run_that_set_the_password_shows_it_set(
    alice: Engine,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The browser can ask for a rerun while the submit's run works (the cookie component's answer, a reconnect):
    Streamlit stops that run at its next call, after the password is set, and the next run still has the link in its
    address. It says the password is set, not "This link was already used"; a link used in another session is
    still refused."""
    from streamlit.runtime.scriptrunner_utils.exceptions import RerunException
    from streamlit.runtime.scriptrunner_utils.script_requests import RerunData
    from streamlit.runtime.state.query_params_proxy import QueryParamsProxy

    _ask(alice, "alice")
    token = _token(_links(alice)[0])
    cut = {"left": 1}
    real_delitem = QueryParamsProxy.__delitem__

    def cut_off(self: QueryParamsProxy, key: str) -> None:  # the first Streamlit call after the password is set
        if cut["left"]:
            cut["left"] -= 1
            raise RerunException(RerunData(query_string=f"reset={token}"))
        real_delitem(self, key)

    page = _reset_clicked(token, monkeypatch)
    monkeypatch.setattr(QueryParamsProxy, "__delitem__", cut_off)
    page.run()
    assert not cut["left"], "the run was not cut off where the test means it to be"
    assert not page.exception and not page.error, [e.value for e in page.error]
    assert "The new password of alice is set. Log in with it." in [s.value for s in page.success]
    assert "reset" not in page.query_params and authenticate(alice, "alice", NEW).ok

    other = _app(monkeypatch=monkeypatch)  # another browser with the same link: refused as before
    other.query_params["reset"] = token
    other.run()
    assert other.error[0].value.startswith("This link was already used")


def test_a_rerun_asked_while_the_password_is_set_shows_it_set(
    alice: Engine,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The rerun asked while the reset works stops the run at its first Streamlit call after it, which may be the
    write to the session state that remembers the link: remembered all the same, the next run says it is set."""
    from streamlit.runtime.scriptrunner_utils.script_requests import RerunData
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    from cabinet import password_reset

    _ask(alice, "alice")
    token = _token(_links(alice)[0])
    real = password_reset.reset_password

    def asked_meanwhile(*args: object, **kwargs: object) -> object:
        result = real(*args, **kwargs)  # type: ignore[arg-type]
        ctx = get_script_run_ctx()
        assert ctx is not None and ctx.script_requests is not None
        ctx.script_requests.request_rerun(RerunData(query_string=f"reset={token}"))
        return result

    page = _reset_clicked(token, monkeypatch)
    monkeypatch.setattr(password_reset, "reset_password", asked_meanwhile)
    page.run()
    assert not page.exception and not page.error, [e.value for e in page.error]
    assert "The new password of alice is set. Log in with it." in [s.value for s in page.success]


def test_an_address_with_letters_beyond_ascii_finds_its_login(alice: Engine) -> None:  # noqa: F811
    """The address typed as it is stored: compared as `lower(email) = 'émile@…'`, SQLite (which folds only ASCII
    letters) found no login for "Émile@…" and sent nothing; PostgreSQL found it."""
    with session_scope(alice) as s:
        s.scalar(select(User).where(User.username == "alice")).email = "Émile.Zoë@example.com"  # type: ignore[union-attr]
    assert _ask(alice, "Émile.Zoë@example.com") == 1 and len(_links(alice)) == 1
    assert _ask(alice, "Émile.Zoë@EXAMPLE.com") == 1  # its ASCII letters in any case
