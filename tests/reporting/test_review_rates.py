"""Shares in tables read with two fixed decimals, as the cards' rates do ("4.17%"), in either language and browser:
the Partner review's Reg→FTD read "50%", "34.9%", "34.02%" and "100%" in one column, and so did Reports' CR."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from streamlit.testing.v1 import AppTest

from cabinet.session import SESSION_KEY
from cabinet.ui import review_table
from cabinet.ui.tables import RATE_STEP
from tests.reporting.conftest import Program
from tests.reporting.test_pages import ROOT
from tests.reporting.test_table_language import _shown

SHARES = {"en": ("Bots", "Unique", "Reg→FTD", "Rejected"), "ru": ("Боты", "Уникальные", "Рег→FTD", "Отклонено")}
WRITTEN = {"en": r"\d+\.\d\d%", "ru": r"\d+,\d\d%"}  # "50.00%", "50,00%", as the cards write a rate


@pytest.mark.parametrize(("locale", "browser"), [("en", "en-US"), ("en", "ru-RU"), ("ru", "en-US"), ("ru", "ru-RU")])
def test_the_reviews_shares_have_two_decimals(program: Program, locale: str, browser: str) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.context = {"locale": browser}
    at.session_state[SESSION_KEY] = replace(program.users["root"], locale=locale)
    at.session_state["_choice_review_columns"] = list(review_table.SHARES)  # all shown, as if picked (they may not fit)
    at.switch_page("pages/22_review.py").run()
    assert not at.exception
    texts = _shown(at)[1]
    reg_to_ftd = [x for x in texts[SHARES[locale][2]] if x != "—"]
    assert reg_to_ftd and all(re.fullmatch(WRITTEN[locale], x) for x in reg_to_ftd), reg_to_ftd  # "100.00%"
    shares = [x for head in SHARES[locale] for x in texts[head] if x != "—"]
    assert all(re.fullmatch(WRITTEN[locale], x) for x in shares), shares


@pytest.mark.parametrize(("locale", "browser"), [("en", "en-US"), ("ru", "en-US")])
def test_a_reports_rate_has_two_decimals(program: Program, locale: str, browser: str) -> None:
    """In the browser's language the browser writes the rate, to its column's step's decimals less two; else the
    page writes it, as the session's language does."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.context = {"locale": browser}
    at.session_state[SESSION_KEY] = replace(program.users["root"], locale=locale)
    at.session_state["_choice_reports_metrics"] = ["clicks", "cr"]  # as the metric picker remembers them
    at.switch_page("pages/02_reports.py").run()
    assert not at.exception
    formats, texts = _shown(at)
    columns = json.loads(at.dataframe[0].proto.columns)
    cr = next(head for head in columns if head.startswith("CR"))
    assert columns[cr]["type_config"]["step"] == RATE_STEP
    if formats[cr] is None:  # written here
        shown = [x for x in texts[cr] if x != "—"]
        assert shown and all(re.fullmatch(WRITTEN[locale], x) for x in shown), shown
    else:  # by the browser, to two decimals
        assert formats[cr] == "percent" and locale == "en"
