"""Account: payout details take the acting user's password and are checked per method; a password change takes the
current one and ends the user's other sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from cabinet.access import ScopeError, build_session_user
from cabinet.account import AccountError, change_password, clean_details, masked, set_payout_details
from cabinet.auth import session_revoked
from cabinet.passwords import check_password
from cabinet.session import SESSION_KEY
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, OutboxMail, Partner, User
from tests.reporting.conftest import PASSWORD, Program
from tests.reporting.test_pages import _open as open_page

IBAN = "DE89 3704 0044 0532 0130 00"
WALLET = "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7"


def test_payout_details_need_the_password_and_valid_values(program: Program, store_engine: Engine) -> None:
    scope, parent = program.users["p_parent"].scope, program.tiny.parent
    wire = {"holder": "Parent Ltd", "iban": IBAN}
    with session_scope(store_engine) as s, pytest.raises(AccountError, match="password is wrong"):
        set_payout_details(s, scope, parent, "wire", wire, "not-my-password")
    with session_scope(store_engine) as s:
        set_payout_details(s, scope, parent, "wire", wire, PASSWORD)
    with session_scope(store_engine) as s:
        partner = s.get(Partner, parent)
        assert partner.payout_method == "wire"
        assert partner.payout_details == {"holder": "Parent Ltd", "iban": "DE89370400440532013000"}
        row = s.scalar(select(AuditLog).where(AuditLog.action == "payout_details_changed"))
        assert row.actor_username == "p_parent" and "DE89" not in str(row.details)  # never the values
    for method, details, key in (("wire", {"holder": "X Y", "iban": "12345"}, "account.bad_iban"),
                                 ("paypal", {"email": "no-at-sign"}, "account.bad_email"),
                                 ("usdt", {"wallet": "0x" + "a" * 40}, "account.bad_wallet"),
                                 ("cash", {}, "account.bad_method")):  # fmt: skip
        with pytest.raises(AccountError) as caught:
            clean_details(method, details)
        assert caught.value.key == key
    assert clean_details("usdt", {"wallet": f" {WALLET} "}) == {"wallet": WALLET}
    assert masked({"iban": "DE89370400440532013000"}) == {"iban": "••••••••3000"}
    with session_scope(store_engine) as s, pytest.raises(ScopeError):  # the child cannot redirect its parent's money
        set_payout_details(s, program.users["p_child"].scope, parent, "paypal", {"email": "a@b.cd"}, PASSWORD)


def test_a_password_change_takes_the_current_one_and_ends_other_sessions(
    program: Program, store_engine: Engine
) -> None:
    scope = program.users["p_child"].scope
    before = datetime.now(UTC) - timedelta(seconds=1)
    for current, new, repeat, key in ((PASSWORD, "new-password-123", "other-password-123", "account.passwords_differ"),
                                      (PASSWORD, "short", "short", "auth.password_too_short"),
                                      ("wrong-password-1", "new-password-123", "new-password-123",
                                       "account.wrong_password"),
                                      (PASSWORD, PASSWORD, PASSWORD, "account.same_password")):  # fmt: skip
        with session_scope(store_engine) as s, pytest.raises(AccountError) as caught:
            change_password(s, scope, current, new, repeat)
        assert caught.value.key == key
    assert not session_revoked(store_engine, "p_child", before)
    with session_scope(store_engine) as s:
        change_password(s, scope, PASSWORD, "new-password-123", "new-password-123")
    with session_scope(store_engine) as s:
        assert check_password(
            "new-password-123", s.scalar(select(User.password_hash).where(User.username == "p_child"))
        )
    assert session_revoked(store_engine, "p_child", before)


def test_the_page_saves_payout_details_and_shows_them_masked(program: Program, store_engine: Engine) -> None:
    at = open_page("pages/10_account.py", program.users["p_parent"])
    assert not at.exception and not at.error
    assert at.info[0].value.startswith("No payout method yet")
    at.selectbox(key="account_method").select("usdt").run()
    at.text_input[0].input(WALLET)
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception and not at.error and at.success[0].value == "Payout details saved."
    assert "Now: USDT (TRC-20) (Wallet address: ••••••••YjU7)." in [m.value for m in at.markdown]  # masked
    with session_scope(store_engine) as s:
        assert s.get(Partner, program.tiny.parent).payout_details == {"wallet": WALLET}
    staff = open_page("pages/10_account.py", program.users["mgr"])
    assert not staff.exception and staff.info[0].value.startswith("You are logged in as mgr")


def test_details_stored_by_other_tools_show_under_their_own_keys(program: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:  # e.g. the demo's, or an import: a key the page has no label for
        partner = s.get(Partner, program.tiny.parent)
        partner.payout_method, partner.payout_details = "wire", {"account": "XX000001"}
    at = open_page("pages/10_account.py", program.users["p_parent"])
    assert not at.exception and "Now: Bank transfer (account: ••••0001)." in [m.value for m in at.markdown]


def test_the_tier_card_names_the_tier_as_the_program_does(program: Program, store_engine: Engine) -> None:
    """The tier's stored name (Program settings and Partners list it so), not its code capitalised."""
    with session_scope(store_engine) as s:
        tier = s.get(Partner, program.tiny.parent).tier
        tier.name = "Золото VIP"
    at = open_page("pages/10_account.py", program.users["p_parent"])
    assert not at.exception
    assert [m.value for m in at.metric if m.label == "Tier"] == ["Золото VIP"]


def test_a_refused_save_keeps_what_was_typed_and_a_saved_one_clears_it(program: Program, store_engine: Engine) -> None:
    at = open_page("pages/10_account.py", program.users["p_parent"])
    at.selectbox(key="account_method").select("usdt").run()
    at.text_input(key="account_f_wallet").input(WALLET)
    at.text_input(key="account_f_password").input("not-the-password")
    at.button[0].click().run()
    assert at.error and at.text_input(key="account_f_wallet").value == WALLET  # still there: nothing to type again
    at.text_input(key="account_f_password").input(PASSWORD)
    at.button[0].click().run()
    assert not at.error and at.success[0].value == "Payout details saved."
    assert at.text_input(key="account_f_wallet").value == "" and at.text_input(key="account_f_password").value == ""


def test_the_page_gives_this_browser_a_new_cookie_after_a_password_change(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new password ends the sessions of cookies issued before it; the browser that changed it gets a new one."""
    from streamlit_authenticator.controllers.cookie_controller import CookieController

    written: list[str] = []
    monkeypatch.setattr(CookieController, "set_cookie", lambda self: written.append("cookie"))
    at = open_page("pages/10_account.py", program.users["p_child"])
    form = next(b for b in at.get("form_submit_button") if b.label == "Change password")
    inputs = [ti for ti in at.text_input if ti.form_id == form.form_id]
    for field, value in zip(inputs, (PASSWORD, "new-password-123", "new-password-123"), strict=True):
        field.input(value)
    form.click().run()
    assert not at.exception and [s.value for s in at.success] == [
        "Password changed. Your other sessions are logged out."]  # fmt: skip
    assert written == []  # a session with no cookie component yet: created now, the cookie written in its answer's run
    at.run()  # the component's first answer: the cookie is written, and the notice stays for its answer
    assert written == ["cookie"]
    assert [s.value for s in at.success] == ["Password changed. Your other sessions are logged out."]
    at.run()  # the cookie component's answer: the notice stays for it (it was gone within a second)
    assert written == ["cookie"]  # once
    assert [s.value for s in at.success] == ["Password changed. Your other sessions are logged out."]
    at.run()
    assert not at.success  # and then goes
    assert at.session_state[SESSION_KEY].username == "p_child"  # the change ends older sessions, not this one


def test_a_change_of_payout_details_is_emailed_to_the_partners_payout_logins(
    program: Program, store_engine: Engine
) -> None:
    """Whoever changes them (here the manager, viewing as the partner), the partner's logins that handle payouts are
    told who and when: a change none of them made is how a taken-over account shows. A refused change tells no one."""
    viewing = build_session_user(store_engine, "mgr", impersonate_partner_id=program.tiny.parent)
    assert viewing is not None
    with session_scope(store_engine) as s, pytest.raises(AccountError):
        set_payout_details(s, viewing.scope, program.tiny.parent, "usdt", {"wallet": WALLET}, "wrong-password-1")
    with session_scope(store_engine) as s:
        assert not s.scalars(select(OutboxMail).where(OutboxMail.kind == "payout_details_changed")).all()
        set_payout_details(s, viewing.scope, program.tiny.parent, "usdt", {"wallet": WALLET}, PASSWORD)
    with session_scope(store_engine) as s:
        mails = s.scalars(select(OutboxMail).where(OutboxMail.kind == "payout_details_changed")).all()
    assert [m.to_address for m in mails] == ["p_parent@example.com"]  # not the child's login, not the manager's
    assert "changed on" in mails[0].body and "by Manager" in mails[0].body and "USDT (TRC-20)" in mails[0].body
    assert WALLET not in mails[0].body  # where the money goes now is on the Account page, not in an email


def test_billing_details_pasted_over_the_limit_stay_typed_and_are_refused_with_the_limits(
    program: Program, store_engine: Engine
) -> None:
    """The field's browser-side limit dropped a longer pasted text whole (the company's details gone, nothing said);
    now the text stays and the page says the limits."""
    at = open_page("pages/10_account.py", program.users["p_parent"])
    text = "Example Traffic LLC, 10 Example street, Tallinn, VAT EE123456789. " * 9  # 594 characters
    at.text_area[0].input(text)
    next(b for b in at.button if b.label == "Save billing details").click().run()
    assert not at.exception and at.text_area[0].value == text
    assert [e.value for e in at.error] == ["Billing details are at most 500 characters on 6 lines."]
    with session_scope(store_engine) as s:
        assert s.get(Partner, program.tiny.parent).billing_details is None


def test_the_two_step_key_wraps_to_be_read_whole_on_a_phone(program: Program) -> None:
    """The key to type into an authenticator app by hand was one line cut at the right edge at 390 px."""
    at = open_page("pages/10_account.py", program.users["p_parent"])
    [key] = [c for c in at.code if len(c.value.replace(" ", "")) == 32]  # the base32 secret, in groups of four
    assert not at.exception and key.proto.wrap_lines
