"""Program settings: the tiers table fits a laptop's 1280 px in Russian. Its depth column headed "Уровней
субпартнёров" over one-digit values pushed the pages a tier's partners get past the edge (899 px of table in an 818-px
column); headed "Глубина" now, each count's field said in full on hover, in English too."""

from __future__ import annotations

import json

import pytest

from cabinet.i18n import translate
from tests.reporting.conftest import Program
from tests.reporting.test_page_locale import _ru
from tests.reporting.test_pages import _open as open_page

SAID = {"col_metrics": "visible_metrics", "col_depth": "subpartner_depth", "col_pages": "features"}


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_the_tiers_table_says_each_count_in_full_on_hover(program: Program, locale: str) -> None:
    user = _ru(program, "root") if locale == "ru" else program.users["root"]
    at = open_page("pages/12_program.py", user)
    assert not at.exception
    [grid] = [d for d in at.dataframe if translate("program.tier", locale) in d.value.columns]
    heads = [translate(f"program.{c}", locale) for c in ("tier", "partners", "col_metrics", "col_depth", "col_pages")]
    assert list(grid.value.columns) == heads
    assert all(len(h) <= 18 for h in heads)  # no header wider than its values: "Уровней субпартнёров" was 20
    said = json.loads(grid.proto.columns)
    for col, field in SAID.items():
        assert said[translate(f"program.{col}", locale)]["help"] == translate(f"program.{field}", locale)
