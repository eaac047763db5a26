"""Promo codes: each partner sees its own codes, whether each attributes conversions today, and what each brought."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine

from cabinet.promo import promo_codes
from cabinet.store.db import session_scope
from cabinet.store.models import PromoCode
from queries.promo_codes import PromoError, code_figures
from queries.warehouse import Warehouse
from tests.reporting.conftest import Program, loaded_once
from tests.reporting.test_pages import _open as open_page

# the child's code SPRING (typed in lower case) brings a registration and a $50 FTD; a rejected FTD counts nowhere
CODED = """conversion_id,ts,type,promo_code,amount,currency,status,customer_id
p1,2026-11-03T10:00:00Z,registration,spring,,,approved,c1
p2,2026-11-03T11:00:00Z,ftd,Spring,50,USD,approved,c1
p3,2026-11-04T11:00:00Z,ftd,SPRING,50,USD,rejected,c2
"""
PERIOD = {"date_from": date(2026, 10, 12), "date_to": date(2026, 11, 10), "tz": "UTC"}


@loaded_once
def codes(program: Program, store_engine: Engine) -> Program:
    with session_scope(store_engine) as s:
        s.add(PromoCode(code="AUTUMN", partner_id=program.tiny.parent, status="paused"))
        soon = datetime.now(UTC) + timedelta(days=30)  # the page judges codes by the wall clock: not started yet
        winter = (soon, soon + timedelta(days=21))
        s.add(PromoCode(code="WINTER", partner_id=program.tiny.parent, description="Holiday ads",
                        valid_from=winter[0], valid_to=winter[1]))  # fmt: skip
    program.tiny.write("conversions", "coded.csv", CODED)
    program.tiny.run()
    return program


def test_each_user_lists_the_codes_of_its_scope_with_their_state_today(codes: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        listed = {u: [c.code for c in promo_codes(s, codes.users[u].scope)] for u in codes.users}
        winter = next(c for c in promo_codes(s, codes.users["p_parent"].scope) if c.code == "WINTER")
    start = winter.valid_from
    assert start is not None and start.tzinfo is None  # naive UTC, as the warehouse keeps times
    assert listed == {"p_parent": ["AUTUMN", "WINTER"], "p_child": ["SPRING"], "p_bronze": [],
                      "mgr": ["SPRING", "AUTUMN", "WINTER"], "root": ["SPRING", "AUTUMN", "WINTER"]}  # fmt: skip
    days = (-1, 0, 21, 22)  # the day before, the first, the last day and after
    assert [winter.state(start + timedelta(days=d)) for d in days] == ["not_started", "active", "active", "expired"]


def test_figures_count_what_each_code_attributed(codes: Program) -> None:
    wh = Warehouse(codes.tiny.settings.warehouse_dir)
    child = code_figures(codes.users["p_child"].scope, wh=wh, **PERIOD)  # type: ignore[arg-type]
    assert child.rows() == [("SPRING", 1, 1, 0, 0.0, 100.0)]  # the plan's $100 CPA on the approved FTD
    assert code_figures(codes.users["p_parent"].scope, wh=wh, **PERIOD).is_empty()  # type: ignore[arg-type]
    assert code_figures(codes.users["mgr"].scope, wh=wh, **PERIOD).equals(child)  # type: ignore[arg-type]
    later = {**PERIOD, "date_from": date(2026, 11, 5)}
    assert code_figures(codes.users["p_child"].scope, wh=wh, **later).is_empty()  # type: ignore[arg-type]
    with pytest.raises(PromoError, match="time zone"):
        code_figures(codes.users["p_child"].scope, wh=wh, **{**PERIOD, "tz": "Nowhere/City"})  # type: ignore[arg-type]


def test_the_page_shows_codes_states_and_figures(codes: Program) -> None:
    at = open_page("pages/08_promo_codes.py", codes.users["p_child"])
    assert not at.exception and not at.error
    row = at.dataframe[0].value.to_dict("records")[0]
    assert (row["Code"], row["Offer"], row["Today"], row["FTDs"], row["Commission"]) == (
        "SPRING", "Shop", "✓ Works", 1, 100.0)  # fmt: skip
    parent = open_page("pages/08_promo_codes.py", codes.users["p_parent"]).dataframe[0].value
    autumn, winter = parent["Today"]  # a code's days after its state, when limited
    assert autumn == "Paused" and winter.startswith("Not started yet · ") and "Revenue" in parent.columns  # gold
    assert "Partner" in open_page("pages/08_promo_codes.py", codes.users["mgr"]).dataframe[0].value.columns
    bronze = open_page("pages/08_promo_codes.py", codes.users["p_bronze"])
    assert not bronze.exception and [i.value for i in bronze.info] == ["No promo codes yet."]
