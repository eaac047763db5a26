"""The staff pages' search boxes and filters match only what the rows show: an empty partner id or email is no
"None" to be found, and the Partner review offers no signal filter when no partner raises a signal."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, update

from cabinet.store.db import session_scope
from cabinet.store.models import Partner
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page


def test_the_logins_search_finds_no_staff_login_by_its_empty_partner_id(program: Program) -> None:
    at = open_page("pages/16_logins.py", program.users["root"])
    at.text_input(key="logins_search").input("none").run()
    assert not at.exception
    assert at.metric[0].value == "0" and at.dataframe[0].value.empty
    at.text_input(key="logins_search").input(str(program.tiny.child)).run()
    assert list(at.dataframe[0].value["Username"]) == ["p_child"]


def test_the_partners_search_finds_no_partner_by_its_empty_email(program: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        s.execute(update(Partner).where(Partner.id == program.tiny.child).values(email=None))
    at = open_page("pages/13_partners.py", program.users["mgr"])
    at.text_input(key="partners_search").input("none").run()
    assert not at.exception
    assert at.metric[0].value == "0"
    assert at.dataframe[0].value.empty


def test_the_review_offers_no_signal_filter_when_no_partner_raises_one(program: Program) -> None:
    at = open_page("pages/22_review.py", program.users["mgr"])
    at.selectbox(key="review_period_en").set_value("custom").run()
    at.date_input(key="review_dates").set_value((date(2026, 11, 1), date(2026, 11, 10))).run()
    assert not at.exception and at.dataframe  # the partners are listed, all of them
    assert [s.value for s in at.success] == ["No partner raises a signal in this period."]
    assert not [m for m in at.multiselect if m.key == "review_only"]
