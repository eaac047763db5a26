"""Account's payout details: an IBAN's check digits and its country's length are checked, so a mistyped one is
refused before money goes to it; the password the form takes counts toward the lockout of the login that gives it."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from cabinet.access import build_session_user
from cabinet.account import AccountError, clean_details, set_payout_details
from cabinet.auth import MAX_FAILED_LOGINS, authenticate
from cabinet.i18n import translate
from cabinet.store.db import session_scope
from tests.reporting.conftest import PASSWORD, Program
from tests.reporting.test_pages import _open

# ZZ: a country whose length is not known; its check digits are checked all the same
VALID = ["DE89 3704 0044 0532 0130 00", "gb29 nwbk 6016 1331 9268 19", "FR1420041010050500013M02606",
         "NO9386011117947", "BR1800360305000010009795493C1", "MT84MALT011000012345MTLCAST001S",
         "ZZ1812345678901234"]  # fmt: skip


@pytest.mark.parametrize("iban", VALID)
def test_valid_ibans_pass(iban: str) -> None:
    cleaned = clean_details("wire", {"holder": "Parent Ltd", "iban": iban})["iban"]
    assert cleaned == iban.replace(" ", "").upper()


@pytest.mark.parametrize(
    ("iban", "key", "params"),
    [
        ("DE88370400440532013000", "account.bad_iban_check", {}),  # one check digit off
        ("DE89370400440532013001", "account.bad_iban_check", {}),  # one digit of the account off
        ("DE89370400440523013000", "account.bad_iban_check", {}),  # two digits swapped
        ("DE00000000000000000001", "account.bad_iban_check", {}),  # check digits 00 are never right
        ("DE8937040044053201300", "account.bad_iban_length", {"country": "DE", "length": 22, "count": 21}),
        ("NO93860111179470", "account.bad_iban_length", {"country": "NO", "length": 15, "count": 16}),
        ("ZZ1712345678901234", "account.bad_iban_check", {}),
    ],
)
def test_a_mistyped_iban_is_refused_and_says_why(iban: str, key: str, params: dict[str, object]) -> None:
    with pytest.raises(AccountError) as caught:
        clean_details("wire", {"holder": "Parent Ltd", "iban": iban})
    assert (caught.value.key, caught.value.params) == (key, params)
    for locale in ("en", "ru"):
        assert "{" not in translate(key, locale, **params)


def test_the_page_says_why_an_iban_is_refused(program: Program) -> None:
    at = _open("pages/10_account.py", program.users["p_parent"])
    at.selectbox(key="account_method").select("wire").run()
    at.text_input(key="account_f_holder").input("Parent Ltd")
    at.text_input(key="account_f_iban").input("DE88 3704 0044 0532 0130 00")
    at.text_input(key="account_f_password").input(PASSWORD)
    at.get("form_submit_button")[0].click().run()
    assert not at.exception and [e.value for e in at.error] == [translate("account.bad_iban_check")]


def test_wrong_passwords_for_payout_details_lock_the_login_that_gives_them(
    program: Program, store_engine: Engine
) -> None:
    """A manager viewing as the partner gives their own password: guesses lock the manager's login, as at login."""
    view = build_session_user(store_engine, "mgr", impersonate_partner_id=program.tiny.parent)
    wire = {"holder": "Parent Ltd", "iban": VALID[0]}
    keys = []
    for i in range(MAX_FAILED_LOGINS):
        with session_scope(store_engine) as s, pytest.raises(AccountError) as caught:
            set_payout_details(s, view.scope, program.tiny.parent, "wire", wire, f"guess-{i}")
        keys.append(caught.value.key)
    assert keys == ["account.wrong_password"] * (MAX_FAILED_LOGINS - 1) + ["auth.locked"]
    assert authenticate(store_engine, "mgr", PASSWORD).reason == "locked"
    assert authenticate(store_engine, "p_parent", PASSWORD).ok  # the partner's own login is not the one guessed
