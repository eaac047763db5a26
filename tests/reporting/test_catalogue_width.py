"""The Offer catalogue's table fits a laptop's 1280 px beside the menu as far as it can: twelve columns under long
headers ("Requests waiting", "Partners with links") scrolled it sideways, the requests waiting for a manager and all
after them out of sight (1186 px of columns in an 818-px table, 1500 in Russian). What an admin acts on comes first,
the tiers and who may run an offer read together in one column, the counts under short headers that say their full
names on hover. Nothing the table said is left out."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine

from cabinet.i18n import translate
from cabinet.offers_admin import OfferChange, create_offer
from cabinet.store.db import session_scope
from tests.reporting.conftest import Program
from tests.reporting.test_page_locale import _ru
from tests.reporting.test_pages import _open as open_page

HEADS = ("col_id", "field_name", "field_status", "head_requests", "head_who", "field_vertical", "head_pages",
         "head_links", "head_partners", "head_creatives", "head_codes")  # fmt: skip
FULL = {"head_requests": "col_requests", "head_pages": "col_pages", "head_links": "col_links",
        "head_partners": "col_partners", "head_creatives": "col_creatives", "head_codes": "col_codes"}  # fmt: skip


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_the_offer_table_puts_what_an_admin_acts_on_first(program: Program, store_engine: Engine, locale: str) -> None:
    with session_scope(store_engine) as s:
        change = OfferChange("VIP", "igaming", "", ("https://vip.example",), "active", ("silver", "gold"), "approval")
        offer_id = create_offer(s, program.users["root"].scope, change).offer_id
    user = _ru(program, "root") if locale == "ru" else program.users["root"]
    at = open_page("pages/20_catalogue.py", user)
    assert not at.exception
    grid = at.dataframe[0]
    heads = [translate(f"catalogue.{h}", locale) for h in HEADS]
    assert list(grid.value.columns) == heads
    row = grid.value[grid.value[heads[0]] == offer_id].iloc[0]
    tiers = ", ".join(translate(f"program.tier_{c}", locale) for c in ("gold", "silver"))
    assert row[heads[4]] == f"{tiers} · {translate('catalogue.approved_only', locale)}"
    assert (row[heads[3]], row[heads[6]], row[heads[7]]) == (0, 1, 0)
    said = json.loads(grid.proto.columns)  # each short header's full name on hover
    for head, full in FULL.items():
        assert said[translate(f"catalogue.{head}", locale)]["help"] == translate(f"catalogue.{full}", locale)
    assert said[heads[4]]["help"] == translate("catalogue.help_who", locale)
