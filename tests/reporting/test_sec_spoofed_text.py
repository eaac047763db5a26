"""Text a partner or an applicant types that the program's staff read later (an applicant's or teammate's name, a
link's name, a note with a payout request, a message with a request to run an offer, billing details printed on
statements, an account holder's name a manager pays to) keeps no control characters and no bidirectional overrides:
"Ann\u202egnp.exe" reads "Annexe.png" on a manager's screen, and a payee's name that reads as another is money sent
to the wrong account."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine

from cabinet.account import AccountError, clean_details, set_billing_details
from cabinet.formatting import clean_lines, one_line
from cabinet.invites import checked_login
from cabinet.offer_access import request_access
from cabinet.payouts import request_payout
from cabinet.store.db import session_scope
from cabinet.store.models import Offer, Partner
from cabinet.tracking import NewLink, create_link
from cabinet.ui.widgets import plain
from tests.reporting.conftest import Program

SPOOF = "\u202e\u2066\u200f\x00\x07\x1b[31m\x7f\u061c"  # overrides, isolates, marks, NUL, bell, escape, delete


def test_one_line_drops_controls_and_direction_overrides_and_keeps_letters() -> None:
    assert one_line(f"  Ann{SPOOF}gnp.exe \t\n Ltd ") == "Ann[31mgnp.exe Ltd"
    assert one_line("Иван Петров 🙂 שלום עליכם 👩\u200d💻") == "Иван Петров 🙂 שלום עליכם 👩\u200d💻"  # joiners kept
    assert clean_lines(f" Acme{SPOOF} Ltd \n\n VAT\u202e 123 ") == "Acme[31m Ltd\n\nVAT 123"


def test_an_applicants_or_teammates_name_is_stored_without_them(store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        _, name, _ = checked_login(s, "new_one", f"Ann{SPOOF}gnp.exe", "new@example.com")
    assert name == "Ann[31mgnp.exe"


def test_a_name_of_nothing_but_them_is_no_name(store_engine: Engine) -> None:
    from cabinet.invites import InviteError

    with session_scope(store_engine) as s, pytest.raises(InviteError):
        checked_login(s, "new_one", "\u202e\u202e", "new@example.com")


def test_a_link_name_a_payout_note_and_an_offer_request_are_stored_without_them(
    program: Program, store_engine: Engine
) -> None:
    tiny, parent = program.tiny, program.users["p_parent"]
    with session_scope(store_engine) as s:
        s.get(Offer, tiny.offer).landing_urls = ["https://casino.example/welcome"]
        link = create_link(s, parent.scope, tiny.parent, NewLink(tiny.offer, None, f"Top{SPOOF} banner"),
                           tiny.settings.require_link_key())  # fmt: skip
        assert link.name == "Top[31m banner"
        offer = Offer(
            name="VIP",
            vertical="igaming",
            landing_urls=["https://vip.example"],
            access="approval",
            tiers_allowed=["gold", "silver"],
        )
        s.add(offer)
        s.flush()
        access = request_access(s, parent.scope, tiny.parent, offer.id, f"SEO{SPOOF} DE")
        assert access.message == "SEO[31m DE"
        partner = s.get(Partner, tiny.parent)
        partner.payout_method, partner.payout_details = "paypal", {"email": "p@example.com"}
        s.flush()
        payout = request_payout(s, parent.scope, tiny.parent, "60", Decimal("100"), "USD",
                                f"Pay\u202e me\nsoon{SPOOF}")  # fmt: skip
        assert payout.note == "Pay me\nsoon[31m"
        assert set_billing_details(s, parent.scope, tiny.parent, f"Acme{SPOOF}\nVAT 1") == "Acme[31m\nVAT 1"


def test_an_account_holder_with_a_direction_override_is_refused() -> None:
    with pytest.raises(AccountError):
        clean_details("wire", {"holder": "John \u202eSmith", "iban": "DE89370400440532013000"})
    assert clean_details("wire", {"holder": "Jöhn Smith", "iban": "DE89370400440532013000"})["holder"] == "Jöhn Smith"


def test_text_stored_before_the_refusals_is_shown_without_what_changes_its_reading() -> None:
    """Names kept from before are shown through `plain`: the overrides dropped, the markup escaped."""
    assert plain(f"Ann{SPOOF}gnp.exe") == "Ann\\[31mgnp\\.exe"
    assert plain("![x](http://evil.example/i.png)") == "\\!\\[x\\]\\(http://evil\\.example/i\\.png\\)"
