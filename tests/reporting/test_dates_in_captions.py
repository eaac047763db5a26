"""The dates of the captions under Cohorts, Time to convert, a partner's application, the plan's month, the news, an
offer's request and the payout statement read as the session's language writes them, as the period under the picker
does ("Nov 7 – Dec 6, 2026"): they said "2026-10-26" and "2026-11-20 09:30" beside "26 окт." on a chart. Time to
convert's shares have two fixed decimals, as the other tables' rates; the Russian cohort chart names FTDs "FTD"."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, select, update
from streamlit.testing.v1 import AppTest

from cabinet.i18n import translate
from cabinet.news import NewsItem, post
from cabinet.offer_access import request_access
from cabinet.statements import payout_statement
from cabinet.store.db import session_scope
from cabinet.store.models import OfferAccess, Partner
from cabinet.ui.tables import RATE_STEP
from queries.conversion_lag import BUCKETS
from tests.reporting.conftest import Program
from tests.reporting.test_conversion_lag import late  # noqa: F401 - the fixture, reused
from tests.reporting.test_offer_access import vip  # noqa: F401 - the fixture, reused
from tests.reporting.test_page_locale import _ru
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_payouts import payable  # noqa: F401 - the fixture, reused
from tests.reporting.test_plan_tier_metrics import tiered  # noqa: F401 - the fixture, reused
from tests.reporting.test_review_rates import WRITTEN
from tests.reporting.test_statements import _paid
from tests.reporting.test_table_language import _shown

THIN, NARROW = "\u2009", "\u202f"  # CLDR's spaces around a range's dash (English) and before "г." (Russian)
LOCALES = ("en", "ru")


def _open(program: Program, user: str, page: str, locale: str, **state: object) -> AppTest:
    who = _ru(program, user) if locale == "ru" else program.users[user]
    at = open_page(page, who) if not state else _open_with(page, who, state)
    assert not at.exception, at.exception
    return at


def _open_with(page: str, who: object, state: dict[str, object]) -> AppTest:
    from cabinet.session import SESSION_KEY
    from tests.reporting.test_pages import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[SESSION_KEY] = who
    for key, value in state.items():
        at.session_state[key] = value
    return at.switch_page(page).run()


def _captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


@pytest.mark.parametrize("locale", LOCALES)
def test_the_weeks_of_cohorts_and_of_time_to_convert_read_as_the_language_writes_dates(
    late: Program,  # noqa: F811
    locale: str,
) -> None:
    """Sunday 1 November alone: the whole week of 26 October – 1 November."""
    sunday_alone = (date(2026, 11, 1), date(2026, 11, 1))
    day = {f"_choice_{page}_{what}": value for page in ("lag", "cohorts")
           for what, value in (("period", "custom"), ("dates", sunday_alone))}  # fmt: skip
    monday, sunday = {
        "en": ("Oct 26, 2026", "Nov 1, 2026"),
        "ru": (f"26 окт. 2026{NARROW}г.", f"1 нояб. 2026{NARROW}г."),
    }[locale]
    lag = _open(late, "p_parent", "pages/15_time_to_convert.py", locale, **day)
    assert translate("lag.range", locale, start=monday, end=sunday, tz="UTC") in _captions(lag), _captions(lag)
    cohorts = _open(late, "p_parent", "pages/05_cohorts.py", locale, **day)
    said = translate("cohorts.range_week", locale, start=monday, end=sunday, tz="UTC")
    assert said in _captions(cohorts), _captions(cohorts)


@pytest.mark.parametrize("locale", LOCALES)
def test_time_to_converts_shares_have_two_decimals(late: Program, locale: str) -> None:  # noqa: F811
    at = _open(late, "p_parent", "pages/15_time_to_convert.py", locale)
    formats, texts = _shown(at)
    columns = json.loads(at.dataframe[0].proto.columns)
    shares = [translate(f"lag.bucket_{name}", locale) for name, _ in BUCKETS]
    assert all(columns[head]["type_config"]["step"] == RATE_STEP for head in shares), columns
    for head in shares:
        if formats[head] is None:  # written by the page: "50.00%", "100,00%"
            shown = [x for x in texts[head] if x != "—"]
            assert shown and all(re.fullmatch(WRITTEN[locale], x) for x in shown), shown


def test_the_russian_cohort_chart_names_ftds_as_the_cabinet_does() -> None:
    assert translate("cohorts.axis_ftd", "ru") == "FTD (клиентов)"
    assert "депозит" not in translate("cohorts.axis_ftd", "ru")


@pytest.mark.parametrize("locale", LOCALES)
def test_an_application_says_when_it_came_as_the_language_writes_it(
    program: Program, store_engine: Engine, locale: str
) -> None:
    with session_scope(store_engine) as s:
        s.add(Partner(name="Applicant", tier_code="bronze", status="pending", email="applicant@example.com",
                      created_at=datetime(2026, 11, 20, 9, 30)))  # fmt: skip
    at = _open(program, "root", "pages/13_partners.py", locale)
    when = {"en": "Nov 20, 2026, 09:30", "ru": f"20 нояб. 2026{NARROW}г., 09:30"}[locale]
    said = translate("partners.applied", locale, day=when, tz="UTC", email="applicant@example\\.com",
                     how=translate("partners.applied_open", locale))  # fmt: skip
    assert said in _captions(at), _captions(at)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_news_and_an_offers_request_are_dated_as_the_language_writes_it(
    vip: tuple[Program, int],  # noqa: F811
    store_engine: Engine,
    locale: str,
) -> None:
    program, offer_id = vip
    with session_scope(store_engine) as s:
        post(s, program.users["root"].scope, NewsItem("Double FTD week", "Two."), datetime(2026, 11, 20, 9, tzinfo=UTC))
        request_access(s, program.users["p_parent"].scope, program.tiny.parent, offer_id, "SEO")
        s.execute(update(OfferAccess).values(requested_at=datetime(2026, 11, 20, 9, 30)))
        assert s.scalar(select(OfferAccess.status)) == "requested"
    home = _open(program, "p_parent", "app.py", locale)
    when = {"en": "Nov 20, 2026, 09:00", "ru": f"20 нояб. 2026{NARROW}г., 09:00"}[locale]
    assert any(c.startswith(f"{when} · ") for c in _captions(home)), _captions(home)
    offers = _open(program, "p_parent", "pages/19_offers.py", locale)
    day = {"en": "Nov 20, 2026", "ru": f"20 нояб. 2026{NARROW}г."}[locale]
    assert translate("access.status_requested", locale, day=day) in _captions(offers), _captions(offers)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_plans_month_is_named_as_the_language_names_it(tiered: Program, locale: str) -> None:  # noqa: F811
    at = _open(tiered, "p_parent", "pages/03_commissions.py", locale)
    month = {"en": "Counts are of November 2026 ", "ru": f"Счёт за ноябрь 2026{NARROW}г. "}[locale]
    assert any(c.startswith(month) for c in _captions(at)), _captions(at)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_payout_statement_writes_its_dates_as_the_monthly_statement(
    payable: Program,  # noqa: F811
    store_engine: Engine,
    locale: str,
) -> None:
    """ "Issued on December 6, 2026" and a footer made at "Dec 6, 2026, 7:58:16 PM" beside the monthly statement's
    "Dec 6, 2026" and "Dec 5, 2026, 23:59"."""
    payout = _paid(payable, store_engine)
    with session_scope(store_engine) as s:
        made = payout_statement(s, payable.users["p_parent"].scope, payout, locale)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(made.pdf)).pages)
    short = {"en": r"Issued on [A-Z][a-z]{2} \d{1,2}, \d{4}", "ru": r"Дата выписки: \d{1,2} [а-я]+\. \d{4}\s?г\."}
    assert re.search(short[locale], text), text
    assert re.search(r", \d\d:\d\d \(", text), text  # made at: a 24-hour clock to the minute
