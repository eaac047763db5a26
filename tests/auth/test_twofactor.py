"""Two-step login: turned on only with a code from the scanned secret, asked for after the right password, each code
taken once, wrong codes lock the account like wrong passwords, off with the password or by an admin's command."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from cabinet.access import build_session_user
from cabinet.auth import LOCKOUT, MAX_FAILED_LOGINS, authenticate, session_revoked
from cabinet.config import Settings
from cabinet.i18n import translate
from cabinet.program_edit import ProgramEditError, current, update_program
from cabinet.session import SESSION_KEY
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, Partner, ProgramSettings, User
from cabinet.twofactor import (
    RECOVERY_CODES,
    SecondFactorError,
    check_code,
    is_on,
    new_recovery_codes,
    new_secret,
    recovery_codes_left,
    turn_off,
    turn_on,
    unseal,
)
from tests.auth.test_auth import APP, PASSWORD, _cli, alice  # noqa: F401 - the fixture
from tests.drawn import walk

NOW = datetime(2026, 11, 1, 12, 0, 10, tzinfo=UTC)


def _code(secret: str, at: datetime) -> str:
    return pyotp.TOTP(secret).at(at)


def _on(engine: Engine, at: datetime = NOW) -> str:
    """Turn alice's two-step login on; its secret."""
    return _on_with_codes(engine, at)[0]


def _on_with_codes(engine: Engine, at: datetime = NOW) -> tuple[str, list[str]]:
    """Turn alice's two-step login on; its secret and recovery codes."""
    scope = build_session_user(engine, "alice").scope
    new = new_secret("alice", "Program")
    with session_scope(engine) as s:
        codes = turn_on(s, scope, new.secret, _code(new.secret, at), at, password=PASSWORD)
    return new.secret, codes


def _actions(engine: Engine) -> list[str]:
    with session_scope(engine) as s:
        return [a.action for a in s.scalars(select(AuditLog).order_by(AuditLog.id))]


def test_turned_on_only_with_a_code_of_the_scanned_secret(alice: Engine) -> None:  # noqa: F811
    scope = build_session_user(alice, "alice").scope
    new = new_secret("alice", "Demo Program")
    assert new.uri.startswith("otpauth://totp/Demo%20Program:alice?secret=") and len(new.secret) == 32
    other = pyotp.random_base32()
    with session_scope(alice) as s:
        for wrong in (_code(other, NOW), "12345", "abcdef"):
            with pytest.raises(SecondFactorError) as caught:
                turn_on(s, scope, new.secret, wrong, NOW, password=PASSWORD)
            assert caught.value.key == "twofactor.wrong_code"
        for empty in ("", "  "):  # asked for, not called wrong: it said "The code does not match"
            with pytest.raises(SecondFactorError) as caught:
                turn_on(s, scope, new.secret, empty, NOW, password=PASSWORD)
            assert caught.value.key == "twofactor.code_empty"
        assert not is_on(s, scope)
        with pytest.raises(SecondFactorError) as viewing:  # staff viewing as a partner: not their own login
            turn_on(
                s,
                replace(scope, impersonated_by="manager1"),
                new.secret,
                _code(new.secret, NOW),
                NOW,
                password=PASSWORD,
            )
        assert viewing.value.key == "twofactor.not_as_partner"
        turn_on(s, scope, new.secret, _code(new.secret, NOW - timedelta(seconds=30)), NOW, password=PASSWORD)  # drift
        assert is_on(s, scope)
    assert "second_factor_on" in _actions(alice)
    # a cookie issued before would restore a session without the code: it ends, a later one does not
    assert session_revoked(alice, "alice", datetime.now(UTC) - timedelta(minutes=1))
    assert not session_revoked(alice, "alice", datetime.now(UTC) + timedelta(minutes=1))


def test_turned_on_only_after_the_password(alice: Engine) -> None:  # noqa: F811
    """Someone at a session left open (an unlocked screen) could tie the login to their own phone: that ends the
    owner's other sessions, and a password reset does not undo it. The password is asked for, as to turn it off; a
    wrong one counts toward the lockout."""
    scope = build_session_user(alice, "alice").scope
    new = new_secret("alice", "Program")
    with session_scope(alice) as s:
        for password, key in (("", "account.password_missing"), ("wrong", "account.wrong_password")):
            with pytest.raises(SecondFactorError) as refused:
                turn_on(s, scope, new.secret, _code(new.secret, NOW), NOW, password=password)
            assert refused.value.key == key
        assert not is_on(s, scope)
        assert s.scalar(select(User.failed_logins).where(User.username == "alice")) == 1
    assert "second_factor_on" not in _actions(alice)


def test_the_code_comes_after_the_password_and_is_taken_once(alice: Engine) -> None:  # noqa: F811
    secret = _on(alice)
    later = NOW + timedelta(minutes=2)
    assert authenticate(alice, "alice", PASSWORD, later).reason == "code_needed"
    with session_scope(alice) as s:
        assert s.scalar(select(User.last_login_at).where(User.username == "alice")) is None  # not logged in yet
    assert check_code(alice, "alice", _code(secret, later - timedelta(minutes=1)), later).reason == "invalid"  # old
    where = {"ip": "203.0.113.9", "device": "Firefox on Linux"}  # where the sign-in came from: in its row
    ok = check_code(alice, "alice", " ".join([_code(secret, later)[:3], _code(secret, later)[3:]]), later, where)
    assert ok.ok and ok.reason == "ok"
    with session_scope(alice) as s:
        logged = s.scalar(select(AuditLog.details).where(AuditLog.action == "login"))
    assert logged == {"second_factor": True} | where
    assert check_code(alice, "alice", _code(secret, later), later).reason == "invalid"  # replayed
    assert check_code(alice, "alice", _code(secret, later + timedelta(seconds=30)), later).ok  # the next step
    assert "wrong" not in (r := authenticate(alice, "alice", "wrong", later)).reason and r.reason == "invalid"


def test_wrong_codes_lock_the_account_like_wrong_passwords(alice: Engine) -> None:  # noqa: F811
    secret = _on(alice)
    later = NOW + timedelta(minutes=2)
    # a wrong password is counted for its address (`cabinet.login_limits`), the codes (which need the password) for
    # the account itself
    assert authenticate(alice, "alice", "wrong", later).reason == "invalid"
    for _ in range(MAX_FAILED_LOGINS - 1):
        assert check_code(alice, "alice", "000000", later).reason == "invalid"
    locked = check_code(alice, "alice", "000000", later)
    assert locked.reason == "locked" and locked.locked_until == later + LOCKOUT
    assert check_code(alice, "alice", _code(secret, later), later).reason == "locked"  # even the right code
    assert authenticate(alice, "alice", PASSWORD, later).reason == "locked"


def test_recovery_codes_log_in_once_each_and_a_new_set_voids_the_old(alice: Engine) -> None:  # noqa: F811
    _, codes = _on_with_codes(alice)
    scope = build_session_user(alice, "alice").scope
    assert len(set(codes)) == RECOVERY_CODES and all(len(c) == 19 and c.count("-") == 3 for c in codes)
    with session_scope(alice) as s:
        stored = s.scalar(select(User.recovery_codes).where(User.username == "alice"))
        assert len(stored) == RECOVERY_CODES and not {c.replace("-", "") for c in codes} & set(stored)  # digests only
    later = NOW + timedelta(minutes=2)
    typed = codes[0].upper().replace("-", " ")  # any case, spaces for dashes
    assert check_code(alice, "alice", typed, later).ok
    assert check_code(alice, "alice", codes[0], later).reason == "invalid"  # spent
    assert check_code(alice, "alice", codes[0][:-1] + ("a" if codes[0][-1] != "a" else "b"), later).reason == "invalid"
    with session_scope(alice) as s:
        assert s.scalar(select(User.failed_logins).where(User.username == "alice")) == 2  # both count to the lockout
        assert recovery_codes_left(s, scope) == RECOVERY_CODES - 1
        login = s.scalars(select(AuditLog).where(AuditLog.action == "login")).one()
        assert login.details == {"second_factor": "recovery_code", "recovery_codes_left": RECOVERY_CODES - 1}
        with pytest.raises(SecondFactorError) as caught:
            new_recovery_codes(s, scope, "wrong-password")
        assert caught.value.key == "account.wrong_password"
        fresh = new_recovery_codes(s, scope, PASSWORD)
        assert recovery_codes_left(s, scope) == RECOVERY_CODES and not set(fresh) & set(codes)
    assert check_code(alice, "alice", codes[1], later).reason == "invalid"  # the old set is void
    assert check_code(alice, "alice", fresh[1], later).ok
    with session_scope(alice) as s:
        turn_off(s, scope, PASSWORD)
        assert recovery_codes_left(s, scope) == 0
        with pytest.raises(SecondFactorError) as off:
            new_recovery_codes(s, scope, PASSWORD)
        assert off.value.key == "twofactor.is_off"
    assert "recovery_codes_made" in _actions(alice)


def test_off_with_the_password_or_by_the_admin_command(alice: Engine) -> None:  # noqa: F811
    _on(alice)
    scope = build_session_user(alice, "alice").scope
    with session_scope(alice) as s:
        with pytest.raises(SecondFactorError) as caught:
            turn_off(s, scope, "wrong-password")
        assert caught.value.key == "account.wrong_password" and is_on(s, scope)
        turn_off(s, scope, PASSWORD)
        assert not is_on(s, scope)
    assert authenticate(alice, "alice", PASSWORD).ok
    assert _cli(["users", "reset-2fa", "alice"]).returncode == 1  # nothing to reset
    _on(alice)
    listed = _cli(["users", "list"], {"COLUMNS": "200"})  # one line per user, whatever the terminal
    assert "two-step" in listed.stdout and " on (10 codes) " in listed.stdout
    reset = _cli(["users", "reset-2fa", "alice"])
    assert reset.returncode == 0, reset.stderr
    assert authenticate(alice, "alice", PASSWORD).ok
    assert _actions(alice)[-2:] == ["second_factor_reset", "login"]


def test_the_login_page_asks_for_the_code(alice: Engine) -> None:  # noqa: F811
    secret, codes = _on_with_codes(alice, datetime.now(UTC) - timedelta(minutes=5))
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.text_input[0].input("alice")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception and SESSION_KEY not in at.session_state
    assert [h.value for h in at.header] == [translate("auth.code_title")]
    assert [ti.label for ti in at.text_input] == [translate("auth.code")]
    at.text_input(key="login_code_value").input("000000")
    at.button[0].click().run()
    assert [e.value for e in at.error] == [translate("auth.code_wrong")] and SESSION_KEY not in at.session_state
    at.text_input(key="login_code_value").input(_code(secret, datetime.now(UTC)))
    at.button[0].click().run()
    assert not at.exception and at.session_state[SESSION_KEY].username == "alice"

    recovery = AppTest.from_file(APP, default_timeout=30).run()  # a recovery code in place of the app's code
    recovery.text_input[0].input("alice")
    recovery.text_input[1].input(PASSWORD)
    recovery.button[0].click().run()
    recovery.text_input(key="login_code_value").input(codes[3])
    recovery.button[0].click().run()
    assert not recovery.exception and recovery.session_state[SESSION_KEY].username == "alice"

    back = AppTest.from_file(APP, default_timeout=30).run()  # "Back" returns to the password form
    back.text_input[0].input("alice")
    back.text_input[1].input(PASSWORD)
    back.button[0].click().run()
    back.button(key="login_code_back").click().run()
    assert [ti.label for ti in back.text_input] == ["Username", "Password"]


def test_the_account_page_turns_it_on_and_off(alice: Engine) -> None:  # noqa: F811
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state[SESSION_KEY] = build_session_user(alice, "alice")
    at.switch_page("pages/10_account.py").run()
    assert not at.exception
    secret = at.session_state["second_factor_new"].secret
    assert any(secret[:4] in c.value for c in at.code)
    at.text_input(key="second_factor_code").input("000000")
    at.text_input(key="second_factor_on_password").input(PASSWORD)
    at.get("form_submit_button")[-1].click().run()
    assert [e.value for e in at.error] == [translate("twofactor.wrong_code")]
    at.text_input(key="second_factor_code").input(_code(secret, datetime.now(UTC)))
    at.text_input(key="second_factor_on_password").input(PASSWORD)
    at.get("form_submit_button")[-1].click().run()
    # one notice says it is on and what that does, over the codes: not "on." and then the same again in full
    assert not at.exception and [s.value for s in at.success] == [translate("twofactor.is_on")]
    assert authenticate(alice, "alice", PASSWORD).reason == "code_needed"
    shown = [c.value.split("\n") for c in at.code if c.value.count("-") == 3 * RECOVERY_CODES]
    assert len(shown) == 1 and len(shown[0]) == RECOVERY_CODES  # the recovery codes, once
    assert check_code(alice, "alice", shown[0][0]).ok
    at.run()  # a rerun (the cookie component's reply) keeps them, until the user says they saved them
    assert len([c for c in at.code if c.value.count("-") == 3 * RECOVERY_CODES]) == 1
    at.button(key="second_factor_codes_saved").click().run()
    assert not [c for c in at.code if c.value.count("-") == 3 * RECOVERY_CODES]
    assert [s.value for s in at.success] == [translate("twofactor.is_on")]  # said in the section, once
    assert translate("twofactor.codes_left", count=RECOVERY_CODES - 1, total=RECOVERY_CODES) in [
        c.value for c in at.caption]  # fmt: skip
    at.text_input(key="recovery_codes_password").input(PASSWORD)
    at.get("form_submit_button")[-2].click().run()
    assert translate("twofactor.codes_made") in [s.value for s in at.success]
    again = [c.value.split("\n") for c in at.code if c.value.count("-") == 3 * RECOVERY_CODES]
    assert len(again) == 1 and not set(again[0]) & set(shown[0])
    assert check_code(alice, "alice", shown[0][1]).reason == "invalid"
    at.text_input(key="second_factor_password").input(PASSWORD)
    at.get("form_submit_button")[-1].click().run()
    assert translate("twofactor.turned_off") in [s.value for s in at.success]
    drawn = [v if isinstance(v := getattr(n, "value", None), str) else None for n in walk(at.main)]  # under its
    # section, where "Turn off" was
    assert drawn.index(translate("twofactor.title")) < drawn.index(translate("twofactor.turned_off"))
    assert authenticate(alice, "alice", PASSWORD).ok


def test_a_program_that_requires_it_of_staff_shows_staff_only_the_set_up(alice: Engine) -> None:  # noqa: F811
    """With the program's setting on, an admin without two-step login gets the set-up form in place of every page
    until they turn it on; partners are not asked."""
    with session_scope(alice) as s:
        s.get(ProgramSettings, 1).staff_two_step = True
        s.add(Partner(id=7, name="P", tier_code="bronze"))
        s.flush()
        s.add(User(username="pat", email="p@example.com", display_name="Pat", role="partner", partner_id=7,
                   password_hash="!"))  # fmt: skip
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state[SESSION_KEY] = build_session_user(alice, "alice")
    at.run()
    assert not at.exception and translate("twofactor.required") in [w.value for w in at.warning]
    assert not at.title and not at.metric  # nothing of the home page
    at.switch_page("pages/02_reports.py").run()
    assert translate("twofactor.required") in [w.value for w in at.warning] and not at.dataframe
    secret = at.session_state["second_factor_new"].secret
    at.text_input(key="second_factor_code").input(_code(secret, datetime.now(UTC)))
    at.text_input(key="second_factor_on_password").input(PASSWORD)
    at.get("form_submit_button")[-1].click().run()
    assert not at.exception and translate("twofactor.required") not in [w.value for w in at.warning]
    assert [ti.value for ti in at.title] == [translate("reports.title")]
    assert translate("twofactor.is_on") in [s.value for s in at.success]  # and the recovery codes, once
    assert len([c for c in at.code if c.value.count("-") == 3 * RECOVERY_CODES]) == 1
    at.switch_page("pages/10_account.py").run()  # the codes still shown there: the section does not say it again
    assert [s.value for s in at.success].count(translate("twofactor.is_on")) == 1
    partner = AppTest.from_file(APP, default_timeout=30)
    partner.session_state[SESSION_KEY] = build_session_user(alice, "pat")
    partner.run()
    assert translate("twofactor.required") not in [w.value for w in partner.warning] and partner.title


def test_only_an_admin_with_two_step_login_can_require_it(alice: Engine) -> None:  # noqa: F811
    scope = build_session_user(alice, "alice").scope
    with pytest.raises(ProgramEditError) as caught, session_scope(alice) as s:
        update_program(s, scope, replace(current(s), staff_two_step=True))
    assert caught.value.key == "program.two_step_first"
    _on(alice)
    with session_scope(alice) as s:
        assert update_program(s, scope, replace(current(s), staff_two_step=True)) == ["staff_two_step"]
        assert s.get(ProgramSettings, 1).staff_two_step


def _stored(engine: Engine) -> str | None:
    with session_scope(engine) as s:
        return s.scalar(select(User.totp_secret).where(User.username == "alice"))


def test_the_store_keeps_the_secret_encrypted(alice: Engine) -> None:  # noqa: F811
    secret = _on(alice)
    stored = _stored(alice)
    assert stored is not None and stored.startswith("enc1:") and secret not in stored and secret.lower() not in stored
    later = NOW + timedelta(minutes=2)
    assert check_code(alice, "alice", _code(secret, later), later).ok


def test_a_secret_stored_before_encryption_logs_in_and_is_encrypted_then(alice: Engine) -> None:  # noqa: F811
    secret = _on(alice)
    with session_scope(alice) as s:  # as an earlier version stored it
        s.scalar(select(User).where(User.username == "alice")).totp_secret = secret
    later = NOW + timedelta(minutes=2)
    assert check_code(alice, "alice", _code(secret, later), later).ok
    assert (_stored(alice) or "").startswith("enc1:")
    assert check_code(alice, "alice", _code(secret, later + timedelta(seconds=30)), later + timedelta(seconds=30)).ok


def test_a_changed_key_is_said_and_a_recovery_code_still_logs_in(alice: Engine,  # noqa: F811
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    secret, codes = _on_with_codes(alice)
    monkeypatch.setenv("CABINET_LINK_SIGNING_KEY", "another-link-signing-key-0123456789abcdef")
    later = NOW + timedelta(minutes=2)
    assert check_code(alice, "alice", _code(secret, later), later).reason == "unreadable"
    assert "second_factor_unreadable" in _actions(alice)
    assert check_code(alice, "alice", codes[0], later).ok
    at = AppTest.from_file(APP, default_timeout=30).run()  # what the login form says
    at.text_input[0].input("alice")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    at.text_input(key="login_code_value").input(_code(secret, datetime.now(UTC)))
    at.button[0].click().run()
    assert [e.value for e in at.error] == [translate("auth.code_unreadable")] and SESSION_KEY not in at.session_state


def test_a_replaced_key_still_reads_the_secret_and_the_login_seals_it_with_the_new_one(
    alice: Engine,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = _on(alice)
    old = Settings.from_env().link_signing_key
    monkeypatch.setenv("CABINET_LINK_SIGNING_KEY", "another-link-signing-key-0123456789abcdef")
    monkeypatch.setenv("CABINET_PREVIOUS_LINK_KEYS", old)  # as `cabinet keys rotate` keeps it
    later = NOW + timedelta(minutes=2)
    assert check_code(alice, "alice", _code(secret, later), later).ok
    assert unseal(_stored(alice) or "", b"another-link-signing-key-0123456789abcdef") == secret
    monkeypatch.delenv("CABINET_PREVIOUS_LINK_KEYS")  # the old key forgotten: the new seal still logs in
    again = later + timedelta(seconds=30)
    assert check_code(alice, "alice", _code(secret, again), again).ok


def test_viewing_as_a_partner_does_not_skip_the_required_set_up(alice: Engine) -> None:  # noqa: F811
    """The sidebar's view-as ran before the requirement was asked, and a view was judged as the partner: a manager
    or admin without two-step login opened a partner's pages by `?view_as=ID`."""
    from cabinet.ui.menu import REAL_USER_KEY

    with session_scope(alice) as s:
        s.get(ProgramSettings, 1).staff_two_step = True
        s.add(Partner(id=7, name="P", tier_code="bronze"))
    required = translate("twofactor.required")
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state[SESSION_KEY] = build_session_user(alice, "alice")
    at.query_params["view_as"] = "7"
    at.run()
    assert not at.exception and required in [w.value for w in at.warning] and not at.title
    assert at.session_state[SESSION_KEY].impersonator is None and "impersonate" not in _actions(alice)
    assert [b.key for b in at.sidebar.button] == ["logout_button"]  # and nothing else of the sidebar
    at.switch_page("pages/09_payouts.py").run()
    assert required in [w.value for w in at.warning] and not at.title and not at.metric

    # a session viewing as the partner already (the requirement set meanwhile): the form sets up its own login
    viewing = AppTest.from_file(APP, default_timeout=30)
    viewing.session_state[SESSION_KEY] = build_session_user(alice, "alice", impersonate_partner_id=7)
    viewing.session_state[REAL_USER_KEY] = build_session_user(alice, "alice")
    viewing.run()
    assert required in [w.value for w in viewing.warning] and not viewing.title
    viewing.switch_page("pages/10_account.py").run()
    assert required in [w.value for w in viewing.warning] and not viewing.title
    secret = viewing.session_state["second_factor_new"].secret
    viewing.text_input(key="second_factor_code").input(_code(secret, datetime.now(UTC)))
    viewing.text_input(key="second_factor_on_password").input(PASSWORD)
    viewing.get("form_submit_button")[-1].click().run()
    assert not viewing.exception and not viewing.error and required not in [w.value for w in viewing.warning]
    assert [ti.value for ti in viewing.title] == [translate("account.title")]
    assert viewing.session_state[SESSION_KEY].impersonator == "alice"  # still viewing as the partner
    with session_scope(alice) as s:
        assert is_on(s, build_session_user(alice, "alice").scope)


def test_the_recovery_codes_are_shown_when_the_run_that_turned_it_on_is_stopped(
    alice: Engine,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The browser asks for a run while the one turning two-step login on works: Streamlit stops it at its next call
    after the commit, before it kept the codes to show, and the next run draws no form whose submit it could replay.
    The codes are shown all the same: they are the only time the user sees them."""
    from cabinet.ui import widgets
    from tests.reporting.test_double_submit import replayed

    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state[SESSION_KEY] = build_session_user(alice, "alice")
    at.switch_page("pages/10_account.py").run()
    secret = at.session_state["second_factor_new"].secret
    at.text_input(key="second_factor_code").input(_code(secret, datetime.now(UTC)))
    at.text_input(key="second_factor_on_password").input(PASSWORD)
    at.get("form_submit_button")[-1].click()
    replayed(at, monkeypatch, widgets, "forget_inputs")  # stopped at the first call after the commit's own work
    assert authenticate(alice, "alice", PASSWORD).reason == "code_needed"
    assert translate("twofactor.is_on") in [s.value for s in at.success]
    shown = [c.value.split("\n") for c in at.code if c.value.count("-") == 3 * RECOVERY_CODES]
    assert len(shown) == 1 and check_code(alice, "alice", shown[0][0]).ok
