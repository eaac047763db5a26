"""Staff tables write their figures as the session's language does, also in a browser of another language: the
Partners page, the Partner review and Data loads read "8,254" and "$8,938.27" in a Russian session in an English
browser, beside Russian cards ("8 254")."""

from __future__ import annotations

from dataclasses import replace

from tests.reporting.conftest import Program
from tests.reporting.test_data_loads_page import loaded  # noqa: F401 - the fixture, reused
from tests.reporting.test_table_language import _open, _shown


def _figures(texts: dict[str, list[str]], column: str) -> list[str]:
    return [x for x in texts[column] if x != "—"]


def test_partners_and_the_review_write_figures_in_russian_in_an_english_browser(program: Program) -> None:
    root = replace(program.users["root"], locale="ru")
    partners = _open("pages/13_partners.py", root, "en-US")
    assert not partners.exception
    formats, texts = _shown(partners)
    money = _figures(texts, "Комиссия")
    assert formats["Комиссия"] is None and money and all(x.endswith("\xa0$") for x in money)  # "1 568,00 $"
    assert list(partners.dataframe[0].value["Комиссия"])  # still numbers under the texts: they sort as numbers
    review = _open("pages/22_review.py", root, "en-US")
    assert not review.exception
    formats, texts = _shown(review)
    shares = _figures(texts, "Боты")
    assert formats["Боты"] is None and "33,33%" in shares and not [x for x in shares if "." in x]  # not "33.33%"
    assert all(x.endswith("\xa0$") for x in _figures(texts, "Комиссия"))


def test_data_loads_counts_in_russian_in_an_english_browser(loaded: Program) -> None:  # noqa: F811
    at = _open("pages/23_data_loads.py", replace(loaded.users["root"], locale="ru"), "en-US")
    assert not at.exception
    # the recent runs' rows read, headed short ("Строк", the full name on hover) to fit the page
    runs = next(i for i, d in enumerate(at.dataframe) if "Строк" in d.value.columns)
    formats, texts = _shown(at, runs)
    assert formats["Строк"] is None and texts["Строк"] == [
        "3",
        "10",
    ]  # written here, not by the browser
