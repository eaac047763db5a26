"""An email address is text that pages show inside Markdown (Account's "email", a confirmed address): one whose local
part carries brackets and parentheses, `![x](https://tracker.example/p.png)@evil.com`, drew a picture fetched from
the applicant's server in the browser of every manager who viewed as the partner (their address and the moment,
told), or a link beside the partner's name. Those characters are specials no unquoted address has (RFC 5322), so
the cabinet takes none of them, in an application, a login's new email, a PayPal address or the support address."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from cabinet.account import EMAIL, AccountError, clean_details
from cabinet.invites import InviteError, checked_login
from cabinet.store.db import session_scope
from cabinet.store.models import Partner, User
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page

MARKUP = (
    "![x](https://tracker.example/p.png)@evil.com",
    "[VERIFY-PAYOUTS](https://evil.example/login)@evil.com",
    "[x](javascript:alert(1))@evil.com",
    "<img>@evil.com",
    'a"b@evil.com',
    "a,b@evil.com",
    "a;b@evil.com",
    "a:b@evil.com",
    "a\\b@evil.com",
)


@pytest.mark.parametrize("address", MARKUP)
def test_an_address_with_markup_is_refused_everywhere_one_is_typed(address: str, store_engine: Engine) -> None:
    assert not EMAIL.match(address)
    with session_scope(store_engine) as s, pytest.raises(InviteError):
        checked_login(s, "new_one", "New One", address)
    with pytest.raises(AccountError):
        clean_details("paypal", {"email": address})


@pytest.mark.parametrize(
    "address",
    ["ann.lee@example.com", "o'brien+deals@example.co.uk", "jörg@example.com", "a!#$%&*/=?^_`{|}~-@example.org"],
)
def test_addresses_people_have_are_taken(address: str) -> None:
    assert EMAIL.match(address)


def test_an_address_stored_before_the_refusal_is_shown_as_typed_on_account(
    program: Program,
    store_engine: Engine,
) -> None:
    """An image in Markdown was fetched from the applicant's host when staff opened the Account page."""
    stored = "![x](http://evil.example/i.png)@evil.example"
    with session_scope(store_engine) as s:
        s.get(Partner, program.tiny.parent).email = stored  # type: ignore[union-attr]
        s.query(User).filter(User.username == "p_parent").one().email = stored
    at = open_page("pages/10_account.py", program.users["p_parent"])
    assert not at.exception, at.exception
    shown = [c.value for c in at.caption if "evil" in c.value]
    assert len(shown) == 2 and all("\\!\\[x\\]\\(http://evil\\.example/i\\.png\\)" in c for c in shown), shown
