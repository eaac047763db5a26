"""The staff pages' search boxes and filters match only what the rows show: an empty partner id or email is no
"None" to be found, and the Partner review offers no signal filter when no partner raises a signal."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, update
from streamlit.testing.v1 import AppTest

from cabinet.i18n import translate
from cabinet.store.db import session_scope
from cabinet.store.models import Partner
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page


def test_the_logins_search_finds_no_staff_login_by_its_empty_partner_id(program: Program) -> None:
    at = open_page("pages/16_logins.py", program.users["root"])
    at.text_input(key="logins_search").input("none").run()
    assert not at.exception
    assert at.metric[0].value == "0" and not at.dataframe  # said so, no empty table
    at.text_input(key="logins_search").input(str(program.tiny.child)).run()
    assert list(at.dataframe[0].value["Username"]) == ["p_child"]


def test_the_partners_search_finds_no_partner_by_its_empty_email(program: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        s.execute(update(Partner).where(Partner.id == program.tiny.child).values(email=None))
    at = open_page("pages/13_partners.py", program.users["mgr"])
    at.text_input(key="partners_search").input("none").run()
    assert not at.exception
    assert at.metric[0].value == "0"
    assert not at.dataframe  # said so, no empty table


def test_the_review_offers_no_signal_filter_when_no_partner_raises_one(program: Program) -> None:
    at = open_page("pages/22_review.py", program.users["mgr"])
    at.selectbox(key="review_period_en").set_value("custom").run()
    at.date_input(key="review_dates").set_value((date(2026, 11, 1), date(2026, 11, 10))).run()
    assert not at.exception and at.dataframe  # the partners are listed, all of them
    assert [s.value for s in at.success] == ["No partner raises a signal in this period."]
    assert not [m for m in at.multiselect if m.key == "review_only"]


def _review_page(program: Program, start: date, end: date) -> AppTest:
    at = open_page("pages/22_review.py", program.users["mgr"])
    at.selectbox(key="review_period_en").set_value("custom").run()
    return at.date_input(key="review_dates").set_value((start, end)).run()


def test_the_review_compares_whole_days_and_not_today_beside_yesterday(program: Program) -> None:
    """The child's 150 clicks on 9 November (the pages' today is the 10th, whose figures are still arriving): the
    period "today" flagged it as stopped, and 4–10 November set 6 days of data beside 7."""
    tiny = program.tiny
    rows = ["click_id,ts,link_token,partner_id,offer_id,country,device,ip,user_agent"]
    rows += [f"y{i},2026-11-09T{i // 60:02d}:{i % 60:02d}:00Z,,{tiny.child},{tiny.other_offer},GB,mobile,"
             f"10.9.{i}.1,Mozilla Y{i}" for i in range(150)]  # fmt: skip
    tiny.write("clicks", "yesterday.csv", "\n".join(rows) + "\n")
    tiny.run()
    today = _review_page(program, date(2026, 11, 10), date(2026, 11, 10))
    assert not today.exception and not today.metric and not today.dataframe
    assert [i.value for i in today.info] == [translate("review.today_only")]
    week = _review_page(program, date(2026, 11, 4), date(2026, 11, 10))
    assert not week.exception
    assert translate("review.whole_days", dates="Nov 4\u2009–\u20099, 2026") in [c.value for c in week.caption]
    assert any("Oct 29\u2009–\u2009Nov 3, 2026" in c.value for c in week.caption)  # 6 whole days beside the 6 before
    assert list(week.dataframe[0].value["Clicks"]) == [150, 0]  # the parent: its 2 clicks are on 1 November
