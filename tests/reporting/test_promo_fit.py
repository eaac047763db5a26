"""Promo codes: the table fits a 1280-px page beside the menu. "Valid from" and "Valid to" side by side before the
description, and "Первые депозиты" over counts of a few digits, pushed the description past the edge (860 px of
table in 818; 1014 in Russian). FTD, registrations and sales are headed short ("Regs", "Рег.", "Прод."), their full
names on hover;
the description, free text, comes last. With the staff's Partner column the table still took 893 px (917 in
Russian): the days a code works are said after its state today when they are limited ("Not started yet · 2026-12-10
– 2026-12-31"), and the description takes the width the others leave, cut at its end when longer (whole on a
double-click and in the downloads, which keep both days and the full names)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, update

from cabinet.i18n import translate
from cabinet.store.db import session_scope
from cabinet.store.models import PromoCode
from cabinet.ui.fit import TABLE_PX, column_px
from tests.reporting.conftest import Program
from tests.reporting.table_width import columns_px
from tests.reporting.test_download_headers import Files, _csv, files  # noqa: F401 - the fixture, reused
from tests.reporting.test_page_locale import _open_ru as open_ru
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_promo_codes import codes  # noqa: F401 - the fixture, reused

PAGE = "pages/08_promo_codes.py"


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_the_codes_days_follow_their_state_and_the_description_comes_last(
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
    assert heads[-1] == said("promo.col_description")  # no column left out
    assert said("promo.col_ftds") in heads and said("promo.col_registrations") in heads
    rows = {r[heads[0]]: r for r in grid.value.to_dict("records")}
    winter = rows["WINTER"]
    state, days = winter[heads[2]].split(" · ")  # both days, as the store keeps them in the program's zone
    first, last = days.split(" – ")
    assert state == said("promo.state_not_started") and len(first) == len(last) == 10 and first < last
    assert winter[heads[-1]] == "Holiday ads"
    assert rows["AUTUMN"][heads[2]] == said("promo.state_paused")  # no limit: the state alone
    hover = json.loads(grid.proto.columns)
    assert hover[heads[2]]["help"] == said("promo.col_state_help", tz="UTC")
    assert hover[heads[-1]]["help"] == said("promo.col_description_help")
    assert hover[said("promo.col_ftds")]["help"] == said("metric.ftds")
    assert hover[said("promo.col_registrations")]["help"] == said("metric.registrations")
    assert hover[said("promo.col_sales")]["help"] == said("metric.sales")
    header = _csv(files, "promo_codes_")[0]
    assert said("promo.col_valid_from") in header and said("promo.col_valid_to") in header
    assert said("metric.registrations") in header and said("metric.sales") in header


def test_the_staff_table_names_the_partner_second_and_the_description_last(codes: Program) -> None:  # noqa: F811
    at = open_page(PAGE, codes.users["root"])
    assert not at.exception and not at.error
    heads = list(at.dataframe[0].value.columns)
    said = [translate(f"promo.col_{c}") for c in ("code", "partner", "offer", "state", "registrations")]
    assert heads[:5] == said and heads[-1] == translate("promo.col_description")


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_the_staff_table_fits_the_page_a_long_description_cut_at_its_end(
    codes: Program,  # noqa: F811
    store_engine: Engine,
    locale: str,
) -> None:
    """At most 818 px of columns for the staff (893 px in English, 917 in Russian before): a code's state whole, its
    days as far as the description's first words leave room, the description in the rest."""
    with session_scope(store_engine) as s:
        s.execute(update(PromoCode).where(PromoCode.code == "WINTER").values(description="Holiday ads " * 12))
    at = open_ru(codes, "root", PAGE) if locale == "ru" else open_page(PAGE, codes.users["root"])
    [grid] = at.dataframe
    widths = columns_px(grid)
    description = translate("promo.col_description", locale)
    assert sum(widths.values()) <= TABLE_PX
    assert 60 <= widths[description] < column_px(grid.value[description], description)
    state = translate("promo.col_state", locale)
    words = [translate(f"promo.state_{s}", locale) for s in ("active", "paused", "not_started")]
    assert widths[state] >= column_px(words, state)
