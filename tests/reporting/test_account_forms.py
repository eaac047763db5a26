"""Account forms as a person fills them in: a refused change keeps what was typed, a saved one clears it; a value
refused says what is wrong with it (a holder's name too long is not a missing one); an IBAN pasted as banks print it,
with non-breaking spaces, is the IBAN."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from cabinet.account import HOLDER_MAX, AccountError, clean_details
from cabinet.i18n import translate
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, User
from cabinet.twofactor import SecondFactorError, turn_off
from tests.reporting.conftest import PASSWORD, Program
from tests.reporting.test_pages import _open as open_page

IBAN = "DE89370400440532013000"


def test_a_refused_email_change_keeps_the_address_typed_and_a_saved_one_clears_it(
    program: Program, store_engine: Engine
) -> None:
    at = open_page("pages/10_account.py", program.users["p_child"])
    # a form that clears on submit is emptied by the browser, refused or not; AppTest does not act on it: ask the form
    assert not next(f for f in at.get("form") if f.proto.form.form_id == "account_email").proto.form.clear_on_submit

    def change(email: str, password: str) -> None:
        at.text_input(key="account_new_email").input(email)
        at.text_input(key="account_email_password").input(password)
        next(b for b in at.button if b.label == translate("account.change_email")).click().run()
        assert not at.exception

    for email, password, key in (("child.new@example", PASSWORD, "account.bad_email"),
                                 ("child.new@example.com", "wrong-password-1", "account.wrong_password")):  # fmt: skip
        change(email, password)
        assert [e.value for e in at.error] == [translate(key)]
        assert at.text_input(key="account_new_email").value == email  # to be corrected, not typed again
    change("child.new@example.com", PASSWORD)
    assert not at.error and translate("account.email_changed") in [s.value for s in at.success]
    assert at.text_input(key="account_new_email").value == ""
    assert at.text_input(key="account_email_password").value == ""
    with session_scope(store_engine) as s:
        assert s.scalar(select(User.email).where(User.username == "p_child")) == "child.new@example.com"


def test_a_holder_name_too_long_is_refused_as_too_long_not_as_missing() -> None:
    assert clean_details("wire", {"holder": "J" * HOLDER_MAX, "iban": IBAN})["holder"] == "J" * HOLDER_MAX
    said = {}
    for holder in ("Jean-Baptiste Emmanuel Zorg " * 5, " J "):  # 140 characters (the page's field takes 200); one
        with pytest.raises(AccountError) as refused:
            clean_details("wire", {"holder": holder, "iban": IBAN})
        said[refused.value.key] = translate(refused.value.key, "en", **refused.value.params)
    assert said == {"account.holder_too_long": "The account holder's name is too long: 120 characters at most.",
                    "account.bad_holder": "Enter the account holder's name."}  # fmt: skip


def test_an_iban_pasted_with_non_breaking_spaces_is_the_iban() -> None:
    for pasted in ("DE89\xa03704\xa00044\xa00532\xa00130\xa000", "de89\u202f3704\u202f0044\u202f0532\u202f0130\u202f00",
                   " DE89 3704\t0044 0532 0130 00 "):  # fmt: skip
        assert clean_details("wire", {"holder": "Parent Ltd", "iban": pasted}) == {"holder": "Parent Ltd", "iban": IBAN}


def test_a_form_sent_without_the_password_asks_for_it_and_counts_no_wrong_attempt(
    program: Program, store_engine: Engine
) -> None:
    # payout details typed, the password field forgotten: "The password is wrong" told of nothing typed, and five such
    # clicks locked the account out
    at = open_page("pages/10_account.py", program.users["p_parent"])
    at.text_input(key="account_f_holder").input("Parent Ltd")
    at.text_input(key="account_f_iban").input(IBAN)
    next(b for b in at.button if b.label == translate("account.save")).click().run()
    assert not at.exception and [e.value for e in at.error] == [translate("account.password_missing")]
    at.text_input(key="account_new_email").input("parent.new@example.com")
    next(b for b in at.button if b.label == translate("account.change_email")).click().run()
    assert [e.value for e in at.error] == [translate("account.password_missing")]
    with session_scope(store_engine) as s:
        user = s.scalar(select(User).where(User.username == "p_parent"))
        assert user is not None and not user.failed_logins and user.locked_until is None
        assert not s.scalars(select(AuditLog).where(AuditLog.action == "login_failed")).all()
        with pytest.raises(SecondFactorError) as caught:  # two-step login off takes the password too
            turn_off(s, program.users["p_parent"].scope, "")
    assert caught.value.key == "account.password_missing"
