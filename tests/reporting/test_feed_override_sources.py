"""A `sub_partner` row of the commission feed names no source partner, only a conversion: when that conversion is of
a sub-partner deeper than the parent's tier shows, the parent sees the override's money and nothing of where it came
from — no conversion, type or offer on the Commissions page, in its downloads, its monthly statement or its full
export, as for the engine's own overrides from such partners (`queries.commissions.HIDDEN_SOURCE`)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine

from cabinet.access import build_session_user
from cabinet.session import SessionUser
from cabinet.store.db import session_scope
from cabinet.store.models import Partner
from queries.commissions import KINDS, STATUSES, CommissionRequest, explain, rows, totals
from queries.detail import DetailRequest, detail_rows
from queries.reports import ReportRequest, performance
from queries.statement import month_lines
from queries.warehouse import Warehouse
from tests.reporting.conftest import NOW, Program, grandchild_with_an_ftd, loaded_once
from tests.reporting.test_pages import _open as open_page

PERIOD = (date(2026, 10, 12), date(2026, 11, 10))
FEED_HEAD = "commission_id,partner_id,ts,amount,currency,kind,conversion_id,status,note\n"


@loaded_once
def fed(program: Program, store_engine: Engine) -> tuple[Program, int]:
    """The parent is silver (shows the child, not the grandchild); the grandchild's FTD g1 (FR, on the Shop offer,
    which the parent never promotes) and the child's registration r2; the feed pays the parent $7 on g1 and $2 on r2
    as `sub_partner` overrides. The grandchild's id."""
    tiny = program.tiny
    gc = grandchild_with_an_ftd(store_engine, tiny)
    tiny.write("commissions", "feed.csv", FEED_HEAD + f"fg,{tiny.parent},2026-11-06T10:00:00Z,7,USD,sub_partner,g1,"
               f"approved,\nfr,{tiny.parent},2026-11-06T11:00:00Z,2,USD,sub_partner,r2,approved,\n")  # fmt: skip
    tiny.run(NOW + timedelta(hours=1))
    return program, gc


def _user(store_engine: Engine, name: str) -> SessionUser:
    user = build_session_user(store_engine, name)
    assert user is not None
    return user


def _req(conversion_id: str | None = None) -> CommissionRequest:
    return CommissionRequest(*PERIOD, "UTC", STATUSES, KINDS, conversion_id)


def _feed_rows(user: SessionUser, wh: Warehouse) -> dict[float, dict]:
    got = rows(user.scope, wh=wh, req=_req())
    return {float(r["amount"]): r for r in got.iter_rows(named=True) if r["source"] == "feed"}


def test_a_feed_override_on_a_deeper_sub_partners_conversion_names_no_conversion_or_offer(
    fed: tuple[Program, int], store_engine: Engine
) -> None:
    program, gc = fed
    tiny, wh = program.tiny, Warehouse(program.tiny.settings.warehouse_dir)
    silver = _user(store_engine, "p_parent")
    assert silver.scope.subpartner_ids == (tiny.child,)
    got = _feed_rows(silver, wh)
    deep, shown = got[7.0], got[2.0]
    assert (deep["conversion_id"], deep["conversion_type"], deep["offer_id"], deep["commission_id"]) == (None,) * 4
    assert deep["masked"] and deep["kind"] == "sub_partner" and deep["rule"] == "feed"
    assert explain(deep, "en") == "Set by the program."
    # the child's conversion is the parent's to see, as for the engine's level-1 overrides
    assert (shown["conversion_id"], shown["offer_id"], shown["masked"]) == ("r2", tiny.other_offer, False)
    # its conversion id finds nothing; the money still counts
    assert rows(silver.scope, wh=wh, req=_req("g1")).is_empty() and totals(silver.scope, wh=wh, req=_req("g1")) == {}
    # f1's CPA and both feed overrides: the feed's $7 on g1 is the parent's override of it, in place of the engine's
    # level-2 override ($5), which would have paid it twice
    assert totals(silver.scope, wh=wh, req=_req())["approved"] == (3, 109)

    # staff and a parent shown the grandchild (gold: three levels) see where it came from
    for name in ("root", "mgr"):
        staff = _feed_rows(program.users[name], wh)[7.0]
        assert (staff["conversion_id"], staff["offer_id"], staff["masked"]) == ("g1", tiny.other_offer, False)

    # the page and its downloads
    at = open_page("pages/03_commissions.py", silver)
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert not any("g1" in c for c in table["Conversion"].dropna()) and "Registration · r2" in set(table["Conversion"])
    assert sorted(table["Offer"].dropna()) == [f"{tiny.offer} · Casino", f"{tiny.other_offer} · Shop"]  # not g1's
    assert str(gc) not in table.to_string()

    # the monthly statement: g1's override (the feed's $7) is under no offer
    lines = month_lines(silver.scope, wh=wh, partner_id=tiny.parent, start=NOW.replace(day=1, hour=0),
                        end=NOW.replace(month=12, day=1, hour=0), statuses=STATUSES)  # fmt: skip
    by_offer = {(r["offer_id"], r["kind"]): float(r["amount_base"]) for r in lines}  # type: ignore[arg-type]
    assert by_offer == {(tiny.offer, "cpa"): 100.0, (tiny.other_offer, "sub_partner"): 2.0, (None, "sub_partner"): 7.0}

    # the full export: the same row, its conversion and offer empty
    export = detail_rows(silver.scope, wh=wh, req=DetailRequest("commissions", *PERIOD, "UTC"),
                         metrics=silver.visible_metrics).filter(rule="feed")  # fmt: skip
    assert sorted(export.select("commission_id", "conversion_id", "offer_id", "amount").rows(), key=str) == [
        ("fr", "r2", tiny.other_offer, 2),
        (None, None, None, 7),
    ]


@pytest.mark.parametrize(("dim", "hidden"), [("offer_id", None), ("country", "ZZ")])
def test_reports_file_the_feed_override_of_a_deeper_sub_partner_under_no_offer_or_country(
    fed: tuple[Program, int], store_engine: Engine, dim: str, hidden: object
) -> None:
    program, _ = fed
    tiny, wh = program.tiny, Warehouse(program.tiny.settings.warehouse_dir)
    silver = _user(store_engine, "p_parent")
    req = ReportRequest(*PERIOD, "UTC", (dim,), ("commission",))
    got = {key: money for key, money in performance(silver.scope, wh=wh, req=req).rows() if money}
    assert got.get(hidden) == 7.0  # the feed's override of g1, in place of the engine's level-2 one ($5)
    assert (tiny.other_offer if dim == "offer_id" else "GB") in got  # r2's override: the child is shown
    assert "FR" not in got


def test_a_tier_showing_the_sub_partner_files_the_feed_override_under_its_offer_at_the_next_run(
    fed: tuple[Program, int], store_engine: Engine
) -> None:
    program, _ = fed
    tiny, wh = program.tiny, Warehouse(program.tiny.settings.warehouse_dir)
    with session_scope(store_engine) as s:  # gold shows three levels; the next run brings no new data
        s.get(Partner, tiny.parent).tier_code = "gold"  # type: ignore[union-attr]
    tiny.run(NOW + timedelta(hours=2))
    gold = _user(store_engine, "p_parent")
    req = ReportRequest(*PERIOD, "UTC", ("offer_id",), ("commission",))
    got = {key: money for key, money in performance(gold.scope, wh=wh, req=req).rows() if money}
    assert got == {
        tiny.offer: 100.0,
        tiny.other_offer: 9.0,
    }  # r2's $2 and g1's $7 from the feed (not also the engine's $5)
    assert _feed_rows(gold, wh)[7.0]["conversion_id"] == "g1"
