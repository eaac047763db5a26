"""Reports and the Dashboard's top offers file a partner's override from a sub-partner deeper than its tier shows under
no offer, country or device, as its Commissions page and statement do: its totals by offer would tell which offers
that partner promotes. A tier upgrade files it under its offer again at the next ETL run, with no new data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine

from cabinet.access import build_session_user
from cabinet.session import SessionUser
from cabinet.store.db import session_scope
from cabinet.store.models import Partner
from queries import dashboard
from queries.reports import ReportRequest, performance
from queries.warehouse import Warehouse
from tests.reporting.conftest import NOW, Program, loaded_once, silver_parent_of_a_grandchild

PERIOD = (date(2026, 10, 12), date(2026, 11, 10))
CLICK_HEAD = "click_id,ts,link_token,partner_id,offer_id,country,device,ip,user_agent\n"
HEAD = "conversion_id,ts,updated_at,type,click_id,amount,currency,status\n"
# the fine hourly rollup, and the facts (a zone whose days start in the middle of a UTC hour)
ZONES = ("UTC", "Asia/Kolkata")


@loaded_once
def silver_parent(program: Program, store_engine: Engine) -> Program:
    """The parent is silver (shows one level); a grandchild under the child, the plan pays 10% and 5% over two
    levels. The grandchild's FTDs g1 and g2 (its clicks: FR, desktop) are approved (CPA $100: $5 to the parent at
    level 2), then g2 is rejected (its override clawed back): $5 to the parent from level 2, beside its own $100 on
    the offer (DE, mobile)."""
    tiny = program.tiny
    gc = silver_parent_of_a_grandchild(store_engine, tiny)
    clicks = [f"gk{n},2026-11-0{n + 4}T09:00:00Z,,{gc},{tiny.offer},FR,desktop,10.0.1.{n},Mozilla/5.0 G\n"
              for n in (1, 2)]  # fmt: skip
    tiny.write("clicks", "g.csv", CLICK_HEAD + "".join(clicks))
    rows = [f"g{n},2026-11-0{n + 4}T10:00:00Z,,ftd,gk{n},50,USD,approved\n" for n in (1, 2)]
    tiny.write("conversions", "g.csv", HEAD + "".join(rows))
    tiny.run(NOW + timedelta(hours=1))
    tiny.write("conversions", "g2.csv", HEAD + "g2,2026-11-06T10:00:00Z,2026-11-07T10:00:00Z,ftd,gk2,50,USD,rejected\n")
    tiny.run(NOW + timedelta(hours=2))
    return program


def _parent(store_engine: Engine) -> SessionUser:
    user = build_session_user(store_engine, "p_parent")
    assert user is not None
    return user


def _by(user: SessionUser, wh: Warehouse, dim: str, tz: str) -> dict[object, float]:
    """Commission by `dim` (values with clicks only left out)."""
    req = ReportRequest(*PERIOD, tz, (dim,), ("commission",))
    return {key: money for key, money in performance(user.scope, wh=wh, req=req).rows() if money}


@pytest.mark.parametrize("tz", ZONES)
def test_an_override_from_deeper_than_the_tier_shows_is_under_no_offer_until_the_tier_shows_it(
    silver_parent: Program, store_engine: Engine, tz: str
) -> None:
    tiny = silver_parent.tiny
    wh = Warehouse(tiny.settings.warehouse_dir)
    silver = _parent(store_engine)
    assert silver.scope.subpartner_ids == (tiny.child,)
    assert _by(silver, wh, "offer_id", tz) == {tiny.offer: 100.0, None: 5.0}
    assert _by(silver, wh, "country", tz) == {"DE": 100.0, "ZZ": 5.0}
    assert _by(silver, wh, "device", tz) == {"mobile": 100.0, "other": 5.0}
    # the offer filter of the Reports page finds only its own commission on the offer
    req = ReportRequest(*PERIOD, tz, ("offer_id",), ("commission",), (("offer_id", (str(tiny.offer),)),))
    assert performance(silver.scope, wh=wh, req=req).rows() == [(tiny.offer, 100.0)]
    top = dashboard.top(silver.scope, wh=wh, dim="offer_id", date_from=PERIOD[0], date_to=PERIOD[1], tz=tz)
    assert top.select("offer_id", "commission").rows() == [(tiny.offer, 100.0), (None, 5.0)]

    with session_scope(store_engine) as s:  # gold shows three levels; the next run brings no new data
        s.get(Partner, tiny.parent).tier_code = "gold"  # type: ignore[union-attr]
    tiny.run(NOW + timedelta(hours=3))
    gold = _parent(store_engine)
    assert _by(gold, wh, "offer_id", tz) == {tiny.offer: 105.0}
    assert _by(gold, wh, "country", tz) == {"DE": 100.0, "FR": 5.0}
    assert _by(gold, wh, "device", tz) == {"mobile": 100.0, "desktop": 5.0}
