"""The staff's payout queue in English: a request's number is headed "#" ("Request" on hover, as "№" in Russian), so
the Reference column, which a manager reads to find the transfer, starts and reads whole within the 818 px of a
1280-px page. Headed "Request" over ids of a digit or two, the demo's queue put Reference at 762 px, its header
cut at the page's edge (843 px of columns)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Engine

from cabinet.i18n import translate
from cabinet.store.db import session_scope
from cabinet.store.models import Partner, PayoutRequest
from cabinet.ui.fit import TABLE_PX
from tests.reporting.conftest import Program
from tests.reporting.table_width import columns_px
from tests.reporting.test_pages import _open as open_page

PAGE = "pages/09_payouts.py"


def _queue(program: Program, engine: Engine) -> None:
    """The demo's queue: a request to decide and one approved to pay, of a partner paid in euros."""
    with session_scope(engine) as s:
        partner = s.get(Partner, program.tiny.parent)
        assert partner is not None
        partner.name, partner.currency = "Nordic Media 2", "EUR"
        for status, decided in (("requested", None), ("approved", datetime(2026, 10, 17, 9, tzinfo=UTC))):
            s.add(PayoutRequest(partner_id=partner.id, amount=Decimal("13383.72"), currency="USD", status=status,
                                method="paypal", details={"paypal_email": "pay@nordic.example"},
                                requested_at=datetime(2026, 10, 15, 12, tzinfo=UTC), decided_at=decided))  # fmt: skip


def test_the_reference_column_reads_whole_within_the_page(program: Program, store_engine: Engine) -> None:
    _queue(program, store_engine)
    at = open_page(PAGE, program.users["mgr"])
    assert not at.exception, at.exception
    [grid] = at.dataframe
    widths = columns_px(grid)
    heads = list(grid.value.columns)
    reference = translate("payouts.col_reference_short", "en")
    assert heads[0] == "#"
    assert json.loads(grid.proto.columns)["#"]["help"] == translate("payouts.col_id", "en")  # "Request" on hover
    end = sum(widths[h] for h in heads[: heads.index(reference) + 1])
    assert end <= TABLE_PX, widths
