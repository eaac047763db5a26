"""The Commissions table's amount, status and kind read whole on every row. Streamlit sizes a column by its first
rows: on a page of approved commissions the tenth row's "В ожидании" was cut to "В ожидани" (a larger amount, or a
longer kind such as "Восстановление", further down likewise). Each is as wide as the longest of its texts."""

from __future__ import annotations

import json

import pytest

from cabinet.i18n import translate
from cabinet.ui.fit import column_px
from tests.reporting.conftest import Program
from tests.reporting.test_page_locale import _open_ru as open_ru
from tests.reporting.test_pages import _open as open_page


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_amount_status_and_kind_are_as_wide_as_their_longest_text(program: Program, locale: str) -> None:
    if locale == "ru":
        at = open_ru(program, "p_parent", "pages/03_commissions.py")
    else:
        at = open_page("pages/03_commissions.py", program.users["p_parent"])
    assert not at.exception
    [grid] = at.dataframe
    said = json.loads(grid.proto.columns)
    heads = [translate("commissions.col_amount", locale), translate("commissions.col_status", locale),
             translate("commissions.col_kind", locale)]  # fmt: skip
    for head in heads:
        texts = grid.value[head].tolist()
        assert texts, head
        assert said[head]["width"] >= column_px(texts, head), head
