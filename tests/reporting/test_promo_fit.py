"""Promo codes: the table fits a 1280-px page beside the menu. "Valid from" and "Valid to" side by side before the
description, and "Первые депозиты" over counts of a few digits, pushed the description past the edge (860 px of
table in 818; 1014 in Russian). The days a code works are one column, headed short with its full name on hover, as
are FTD in Russian and registrations ("Regs", "Рег."); the downloads keep both days and the full names. The
description, free text, comes last: with the staff's Partner column the table took 936 px (963 in Russian), the days
out of sight; they are in sight now, the figures before them."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from cabinet.i18n import translate
from tests.reporting.conftest import Program
from tests.reporting.test_download_headers import Files, _csv, files  # noqa: F401 - the fixture, reused
from tests.reporting.test_page_locale import _open_ru as open_ru
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_promo_codes import codes  # noqa: F401 - the fixture, reused

PAGE = "pages/08_promo_codes.py"


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_the_codes_days_are_one_column_and_the_description_last(
    codes: Program,  # noqa: F811
    files: Files,  # noqa: F811
    locale: str,
) -> None:
    at = open_ru(codes, "p_parent", PAGE) if locale == "ru" else open_page(PAGE, codes.users["p_parent"])
    assert not at.exception and not at.error
    [grid] = at.dataframe

    def said(key: str, **values: object) -> str:
        return translate(key, locale, **values)

    heads = list(grid.value.columns)
    assert heads[:3] == [said("promo.col_code"), said("promo.col_offer"), said("promo.col_state")]
    assert heads[-2:] == [said("promo.col_valid"), said("promo.col_description")]  # no column left out
    assert said("promo.col_ftds") in heads and said("promo.col_registrations") in heads
    rows = {r[heads[0]]: r for r in grid.value.to_dict("records")}
    winter = rows["WINTER"]
    first, last = winter[heads[-2]].split(" – ")  # both days, as the store keeps them in the program's zone
    assert len(first) == len(last) == 10 and first < last and winter[heads[-1]] == "Holiday ads"
    assert pd.isna(rows["AUTUMN"][heads[-2]])  # no limit: the placeholder, not "None"
    hover = json.loads(grid.proto.columns)
    assert hover[said("promo.col_valid")]["help"].startswith(said("promo.col_valid_help", tz="UTC")[:20])
    assert hover[said("promo.col_ftds")]["help"] == said("metric.ftds")
    assert hover[said("promo.col_registrations")]["help"] == said("metric.registrations")
    header = _csv(files, "promo_codes_")[0]
    assert said("promo.col_valid_from") in header and said("promo.col_valid_to") in header
    assert said("metric.registrations") in header


def test_the_staff_table_names_the_partner_second_and_the_description_last(codes: Program) -> None:  # noqa: F811
    at = open_page(PAGE, codes.users["root"])
    assert not at.exception and not at.error
    heads = list(at.dataframe[0].value.columns)
    said = [translate(f"promo.col_{c}") for c in ("code", "partner", "offer", "state", "registrations")]
    assert heads[:5] == said and heads[-2:] == [translate("promo.col_valid"), translate("promo.col_description")]
