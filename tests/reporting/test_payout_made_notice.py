"""A request just made is said sent, and only that: "Payout request 7 sent. Your manager will approve it, then it is
paid." had "Request 7 is still open: wait for its decision." under it. A later visit says it is open, as before."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import Engine

from cabinet.i18n import translate
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_payout_typed_cents import ask
from tests.reporting.test_payouts import payable  # noqa: F401 - the fixture

PAYOUTS = "pages/09_payouts.py"


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_a_request_just_made_is_said_sent_only(payable: Program, store_engine: Engine, locale: str) -> None:  # noqa: F811
    user = replace(payable.users["p_parent"], locale=locale)
    at = ask(open_page(PAYOUTS, user), "60").run()
    assert not at.exception and not at.error
    [made] = [b.key for b in at.button if (b.key or "").startswith("payouts_cancel_")]
    payout = int(made.removeprefix("payouts_cancel_"))
    assert [s.value for s in at.success] == [translate("payouts.requested_ok", locale, payout=payout)]
    assert not at.info  # was "Request 1 is still open: wait for its decision." under "Payout request 1 sent."
    again = open_page(PAYOUTS, user)  # a later visit: the open request said as before
    assert [i.value for i in again.info] == [translate("payouts.one_open", locale, payout=payout)]
    assert not again.success
