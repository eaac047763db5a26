"""Money in staff tables to the cent as Reports and the Dashboard round it, and counts as whole numbers: the browser
rounded the Partners page's $678.985 up to $678.99 where Reports said $678.98, and a review download wrote "92.0"."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from queries.review import review
from queries.warehouse import Warehouse
from tests.reporting.conftest import NOW, Program
from tests.reporting.test_pages import _open as open_page

FEED = "commission_id,partner_id,ts,amount,currency,kind,status,conversion_id\n"


def _half_cent(program: Program) -> None:
    """A bonus of half a cent for the parent, yesterday: its commission ends in .xx5."""
    day = (NOW - timedelta(days=1)).date()
    program.tiny.write("commissions", "half.csv", FEED + f"h1,{program.tiny.parent},{day}T09:00:00Z,0.005,USD,bonus,"
                       "approved,\n")  # fmt: skip
    program.tiny.run(NOW + timedelta(minutes=5))


def _commission(at, header: str) -> list[float]:  # type: ignore[no-untyped-def]
    return [float(v) for v in at.dataframe[0].value[header] if v == v]


def test_staff_tables_show_money_to_the_cent(program: Program) -> None:
    _half_cent(program)
    partners = _commission(open_page("pages/13_partners.py", program.users["root"]), "Commission")
    assert partners and all(v == round(v, 2) for v in partners)
    reviewed = _commission(open_page("pages/22_review.py", program.users["root"]), "Commission")
    assert reviewed and all(v == round(v, 2) for v in reviewed)


def test_review_counts_are_whole_numbers(program: Program) -> None:
    frame = review(program.users["root"].scope, wh=Warehouse(program.tiny.settings.warehouse_dir),
                   date_from=date(2026, 11, 1), date_to=date(2026, 11, 10), tz="UTC")  # fmt: skip
    assert {frame.schema[c] for c in ("clicks", "unique_clicks", "bot_clicks", "registrations", "ftds")} == {pl.Int64}
