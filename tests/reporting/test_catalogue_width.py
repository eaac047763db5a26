"""The Offer catalogue's table fits a laptop's 1280 px beside the menu as far as it can: twelve columns under long
headers ("Requests waiting", "Partners with links") scrolled it sideways, the requests waiting for a manager and all
after them out of sight (1186 px of columns in an 818-px table, 1500 in Russian). What an admin acts on comes first,
the tiers and who may run an offer read together in one column, the counts under short headers that say their full
names on hover, the vertical last. An offer every tier may run says "All tiers": "Бронзовый, Серебряный, Золотой"
took 230 px. Nothing the table said is left out."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine

from cabinet.i18n import translate
from cabinet.offers_admin import OfferChange, create_offer
from cabinet.store.db import session_scope
from cabinet.ui.fit import column_px, text_px
from tests.reporting.conftest import Program
from tests.reporting.test_page_locale import _ru
from tests.reporting.test_pages import _open as open_page

HEADS = ("col_id", "field_name", "field_status", "head_requests", "head_who", "head_pages", "head_links",
         "head_partners", "head_creatives", "head_codes", "field_vertical")  # fmt: skip
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
    assert (row[heads[3]], row[heads[5]], row[heads[6]]) == (0, 1, 0)
    said = json.loads(grid.proto.columns)  # each short header's full name on hover
    for head, full in FULL.items():
        assert said[translate(f"catalogue.{head}", locale)]["help"] == translate(f"catalogue.{full}", locale)
    assert said[heads[4]]["help"] == translate("catalogue.help_who", locale)


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_an_offer_every_tier_may_run_says_all_tiers_and_who_may_run_reads_whole(
    program: Program, store_engine: Engine, locale: str
) -> None:
    """An offer naming every tier of the program reads "All tiers", as one naming none does; one naming some names
    them. The column is as wide as its longest text: sized by the first ten rows, it cut "Silver, Gold · appr" of
    an offer further down."""
    with session_scope(store_engine) as s:
        scope = program.users["root"].scope
        every = ("bronze", "silver", "gold")
        ids = [
            create_offer(
                s, scope, OfferChange(name, "igaming", "", ("https://x.example",), "active", tiers, access)
            ).offer_id
            for name, tiers, access in (("Every", every, "open"), ("Zz Some", ("gold", "silver"), "approval"))
        ]
    user = _ru(program, "root") if locale == "ru" else program.users["root"]
    at = open_page("pages/20_catalogue.py", user)
    grid = at.dataframe[0]
    who = translate("catalogue.head_who", locale)
    said = dict(zip(grid.value[translate("catalogue.col_id", locale)], grid.value[who], strict=True))
    assert said[ids[0]] == translate("catalogue.all_tiers", locale)
    some = ", ".join(translate(f"program.tier_{c}", locale) for c in ("gold", "silver"))
    assert said[ids[1]] == f"{some} · {translate('catalogue.approved_only', locale)}"
    width = json.loads(grid.proto.columns)[who]["width"]
    assert width >= column_px(said.values(), who) and width >= text_px(said[ids[1]]) + 16
