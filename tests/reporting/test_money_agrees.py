"""One money rule on every page and document: a figure is its exact amount rounded once (to the cent, half to even),
a total the exact total rounded once. Commission with fractions of a cent in several statuses is $100.01 on the
Dashboard, Reports, the Commissions page and the monthly statement alike; Payouts' approved commission is the same
rounded figure, and only what may be requested is rounded down, said so."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

from pypdf import PdfReader
from sqlalchemy import Engine

from cabinet.i18n import translate
from cabinet.month_statement import commission_statement
from cabinet.store.db import session_scope
from queries.warehouse import Warehouse
from tests.reporting.conftest import NOW, Program
from tests.reporting.test_epc_decimals import FEED
from tests.reporting.test_month_statement import ALL, NOVEMBER
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_payouts import _decide, _request, payable  # noqa: F401 - the fixture


def _earn(program: Program, *rows: tuple[str, str]) -> None:
    """The parent's commission of (amount, status) rows, yesterday (in November), published."""
    day = (NOW - timedelta(days=1)).date()
    lines = "".join(f"m{i},{program.tiny.parent},{day}T09:00:00Z,{a},USD,adjustment,{s},\n"
                    for i, (a, s) in enumerate(rows))  # fmt: skip
    program.tiny.write("commissions", "sub-cent.csv", FEED + lines)
    program.tiny.run(NOW + timedelta(minutes=5))


def _dollars(text: str) -> Decimal:
    return Decimal(text.replace("$", "").replace(",", ""))


def _statement_total(program: Program, engine: Engine) -> str:
    with session_scope(engine) as s:
        made = commission_statement(s, program.users["p_parent"].scope, Warehouse(program.tiny.settings.warehouse_dir),
                                    NOVEMBER, ALL, "en")  # fmt: skip
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(made.pdf)).pages)
    return text.split("Commission of the month: ")[1].split()[0]


def test_sub_cent_commission_reads_the_same_on_every_page_and_the_statement(
    program: Program, store_engine: Engine
) -> None:
    """$100 approved CPA and $0.003 approved, $0.004 pending, $0.003 on hold: $100.010 in all. The Commissions cards
    read $100.00, $0.00 and $0.00 (each rounded once, as it must be), so the page says what they make together; the
    statement said $100.00, the sum of its rounded lines."""
    _earn(program, ("0.0030", "approved"), ("0.0040", "pending"), ("0.0030", "hold"))
    user = program.users["p_parent"]
    dashboard = open_page("pages/01_dashboard.py", user)
    assert not dashboard.exception
    assert next(m.value for m in dashboard.metric if m.label == "Commission") == "$100.01"
    said = translate("commissions.cards_rounded", "en", statuses="Pending, On hold, Approved, Paid", cards="$100.00",
                     total="$100.01")  # fmt: skip
    assert said in [c.value for c in dashboard.caption]  # its status cards beside Commission read $100.00 together
    reports = open_page("pages/02_reports.py", user)
    assert not reports.exception
    assert reports.dataframe[0].value["Commission"].iloc[-1] == 100.01  # the Total row
    assert _statement_total(program, store_engine) == "$100.01"
    commissions = open_page("pages/03_commissions.py", user)
    assert not commissions.exception
    cards = {m.label: m.value for m in commissions.metric}
    live = [cards[k] for k in ("Pending", "On hold", "Approved", "Paid")]
    assert sum(map(_dollars, live)) == Decimal("100.00")
    assert said in [c.value for c in commissions.caption]


def test_payouts_approved_commission_is_the_commissions_figure_and_available_says_it_is_rounded_down(
    payable: Program,  # noqa: F811 - the fixture
    store_engine: Engine,
) -> None:
    """Approved $100.0055: Payouts said "$100.00" (rounded down) where Commissions' Approved card said "$100.01"."""
    _earn(payable, ("0.0025", "approved"), ("0.0030", "approved"))
    made = _request(payable, store_engine, "50")
    _decide(payable, store_engine, made.id, "approved")
    _decide(payable, store_engine, made.id, "paid")
    user = payable.users["p_parent"]
    commissions = {m.label: m.value for m in open_page("pages/03_commissions.py", user).metric}
    payouts = open_page("pages/09_payouts.py", user)
    assert not payouts.exception
    cards = {m.label: m.value for m in payouts.metric}
    assert cards["Approved commission"] == commissions["Approved"] == "$100.01"
    assert (cards["Paid or approved payouts"], cards["Requested"], cards["Available"]) == ("$50.00", "$0.00", "$50.00")
    said = translate("payouts.available_floored", "en", balance="$50.01", available="$50.00")
    assert said in [c.value for c in payouts.caption]
    dashboard = {m.label: m for m in open_page("pages/01_dashboard.py", user).metric}
    assert dashboard["Approved commission (all time)"].value == "$100.01"
    assert dashboard["Balance"].value == "$50.01"  # the balance, to the cent; what may be asked is said beside it
    assert "$50.00" in dashboard["Balance"].proto.help


def test_reports_says_why_a_money_column_adds_up_apart_from_its_total(program: Program) -> None:
    """$0.004 on each of two days reads $0.00 twice under a Total of $100.01 ($100.008): the page says each figure and
    the Total are rounded once, and the downloads keep the exact amounts."""
    days = [(NOW - timedelta(days=n)).date() for n in (1, 2)]
    lines = "".join(f"r{n},{program.tiny.parent},{d}T09:00:00Z,0.0040,USD,adjustment,approved,\n"
                    for n, d in enumerate(days))  # fmt: skip
    program.tiny.write("commissions", "two-days.csv", FEED + lines)
    program.tiny.run(NOW + timedelta(minutes=5))
    at = open_page("pages/02_reports.py", program.users["p_parent"])
    assert not at.exception
    column = at.dataframe[0].value["Commission"]
    assert column.iloc[-1] == 100.01 and round(float(column.iloc[:-1].sum()), 2) == 100.00
    assert translate("reports.total_rounded", "en") in [c.value for c in at.caption]


def test_reports_says_nothing_of_rounding_when_the_columns_add_up(program: Program) -> None:
    at = open_page("pages/02_reports.py", program.users["p_parent"])
    assert not at.exception and at.dataframe
    assert translate("reports.total_rounded", "en") not in [c.value for c in at.caption]
