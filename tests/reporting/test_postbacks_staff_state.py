"""Staff read whether each partner's postback is on or paused beside the partner, before the long URL: it was said
at the end of the last column ("Tells of"), beyond a laptop's screen at 1280 px."""

from __future__ import annotations

from sqlalchemy import Engine

from cabinet.i18n import translate
from cabinet.postbacks import add_postback, set_enabled
from cabinet.store.db import session_scope
from tests.reporting.conftest import Program
from tests.reporting.test_page_locale import _open_ru as open_ru
from tests.reporting.test_pages import _open as open_page

PAGE = "pages/18_postbacks.py"


def test_a_paused_postback_says_so_beside_its_partner(program: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        scope = program.users["p_parent"].scope
        hook = add_postback(
            s, scope, program.tiny.parent, "https://t.example/pb?c={conversion_id}", ["approved"], [], 0
        )
        set_enabled(s, scope, hook.id, False, 0)
    at = open_page(PAGE, program.users["mgr"])
    assert not at.exception
    table = at.dataframe[0].value
    heads = [translate(f"postbacks.col_{c}") for c in ("partner", "enabled", "template", "describe")]
    assert list(table.columns) == heads
    assert table[heads[1]].iloc[0] == "paused" and table[heads[3]].iloc[0] == "When Approved · All types · All offers"
    russian = open_ru(program, "root", PAGE).dataframe[0].value
    assert russian[translate("postbacks.col_enabled", "ru")].iloc[0] == "приостановлен"
