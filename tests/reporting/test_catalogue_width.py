"""The Offer catalogue's table fits a laptop's 1280 px beside the menu: twelve columns under long headers ("Requests
waiting", "Partners with links") scrolled it sideways, the requests waiting for a manager and all after them out of
sight (1186 px of columns in an 818-px table, 1500 in Russian). What an admin acts on comes first, the counts under
short headers that say their full names on hover, the vertical last. An offer every tier may run says "All tiers":
"Бронзовый, Серебряный, Золотой" took 230 px. In Russian an offer run by approval only still took the table to 1041 px
("Серебряный, Золотой · по одобрению" 256, "Интернет-магазины" 139): an offer is named by its number and name in one
column ("13 · Crypto Margin", as the picker under the table names it), which takes the width left; one run by
approval only says so by its requests waiting, "—" for one that needs no approval; the counts of pages, partners and
creatives are headed "Стр.", "Партн.", "Креат.", and the e-commerce vertical reads "Товары". Nothing the table said
is left out."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine

from cabinet.i18n import translate
from cabinet.offers_admin import OfferChange, create_offer
from cabinet.store.db import session_scope
from cabinet.ui.fit import TABLE_PX, column_px
from tests.reporting.conftest import Program
from tests.reporting.table_width import columns_px, table_px
from tests.reporting.test_page_locale import _ru
from tests.reporting.test_pages import _open as open_page

HEADS = ("col_id", "field_status", "head_requests", "head_who", "head_pages", "head_links", "head_partners",
         "head_creatives", "head_codes", "field_vertical")  # fmt: skip
FULL = {"head_pages": "col_pages", "head_links": "col_links", "head_partners": "col_partners",
        "head_creatives": "col_creatives", "head_codes": "col_codes"}  # fmt: skip


def _with_approval_only(program: Program, store_engine: Engine, name: str = "VIP") -> int:
    with session_scope(store_engine) as s:
        change = OfferChange(name, "ecommerce", "", ("https://vip.example",), "active", ("silver", "gold"), "approval")
        return create_offer(s, program.users["root"].scope, change).offer_id


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_the_offer_table_puts_what_an_admin_acts_on_first(program: Program, store_engine: Engine, locale: str) -> None:
    offer_id = _with_approval_only(program, store_engine)
    user = _ru(program, "root") if locale == "ru" else program.users["root"]
    at = open_page("pages/20_catalogue.py", user)
    assert not at.exception
    grid = at.dataframe[0]
    heads = [translate(f"catalogue.{h}", locale) for h in HEADS]
    assert list(grid.value.columns) == heads
    rows = {r[heads[0]]: r for _, r in grid.value.iterrows()}
    row = rows[f"{offer_id} · VIP"]  # as the picker under the table names it
    tiers = ", ".join(translate(f"program.tier_{c}", locale) for c in ("gold", "silver"))
    assert row[heads[3]] == tiers  # the tiers alone: run by approval only, it has requests waiting (none yet)
    assert (row[heads[2]], row[heads[4]], row[heads[5]]) == (0, 1, 0)
    assert row[heads[-1]] == translate("offers.vertical_ecommerce", locale)
    opened = [r for name, r in rows.items() if not name.endswith(" · VIP")]
    assert opened and all(r[heads[2]] != r[heads[2]] for r in opened)  # no approval to wait for: "—" (NaN)
    said = json.loads(grid.proto.columns)  # each short header's full name on hover
    for head, full in FULL.items():
        assert said[translate(f"catalogue.{head}", locale)]["help"] == translate(f"catalogue.{full}", locale)
    assert said[heads[2]]["help"] == translate("catalogue.help_requests", locale)
    assert said[heads[3]]["help"] == translate("catalogue.help_who", locale)
    assert said[heads[0]]["help"] == translate("catalogue.help_offer", locale)


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_the_offer_table_fits_the_page_with_an_offer_run_by_approval_only(
    program: Program, store_engine: Engine, locale: str
) -> None:
    """At most 818 px of columns, each offer's number and name whole (1041 px in Russian before)."""
    _with_approval_only(program, store_engine, "Copy Trading Pro")
    user = _ru(program, "root") if locale == "ru" else program.users["root"]
    grid = open_page("pages/20_catalogue.py", user).dataframe[0]
    offer = translate("catalogue.col_id", locale)
    assert table_px(grid) <= TABLE_PX
    assert columns_px(grid)[offer] >= column_px(grid.value[offer], offer)


def test_a_long_offer_name_takes_the_width_left_and_no_more(program: Program, store_engine: Engine) -> None:
    """A name of 60 letters is cut at its end (whole on a double-click and in the picker) rather than push the
    counts and the vertical out of sight."""
    _with_approval_only(program, store_engine, "A" * 60)
    grid = open_page("pages/20_catalogue.py", _ru(program, "root")).dataframe[0]
    widths = columns_px(grid)
    assert TABLE_PX - 20 <= sum(widths.values()) <= TABLE_PX
    assert widths[translate("catalogue.col_id", "ru")] < column_px(["A" * 60], "")


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
    assert said[f"{ids[0]} · Every"] == translate("catalogue.all_tiers", locale)
    assert said[f"{ids[1]} · Zz Some"] == ", ".join(translate(f"program.tier_{c}", locale) for c in ("gold", "silver"))
    assert json.loads(grid.proto.columns)[who]["width"] == column_px(said.values(), who)
