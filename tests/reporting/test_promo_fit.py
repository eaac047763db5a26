"""Promo codes: the table fits a 1280-px page beside the menu. "Valid from" and "Valid to" side by side before the
description, and "Первые депозиты" over counts of a few digits, pushed the description past the edge (860 px of
table in 818; 1014 in Russian). The days a code works are one column after its description, headed short with its
full name on hover, as is FTD in Russian; the downloads keep both days."""

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
def test_the_codes_days_are_one_column_after_the_description(
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
    assert heads[-2:] == [said("promo.col_description"), said("promo.col_valid")]  # no column left out
    assert said("promo.col_ftds") in heads and said("metric.registrations") in heads
    rows = {r[heads[0]]: r for r in grid.value.to_dict("records")}
    winter = rows["WINTER"]
    first, last = winter[heads[-1]].split(" – ")  # both days, as the store keeps them in the program's zone
    assert len(first) == len(last) == 10 and first < last and winter[heads[-2]] == "Holiday ads"
    assert pd.isna(rows["AUTUMN"][heads[-1]])  # no limit: the placeholder, not "None"
    hover = json.loads(grid.proto.columns)
    assert hover[said("promo.col_valid")]["help"].startswith(said("promo.col_valid_help", tz="UTC")[:20])
    assert hover[said("promo.col_ftds")]["help"] == said("metric.ftds")
    header = _csv(files, "promo_codes_")[0]
    assert said("promo.col_valid_from") in header and said("promo.col_valid_to") in header
