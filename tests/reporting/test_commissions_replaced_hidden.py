"""A parent's approved override from a sub-partner deeper than its tier shows, replaced by the feed's override of that
conversion for the parent, is taken back saying the program's own commission replaces it (`inputs.replaced_by`, kept
in the masked inputs as a flag), not that its conversion was rejected or changed; the masked row still names nothing
of the sub-partner, its conversion or the feed row."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import Engine

from cabinet.access import build_session_user
from queries.commissions import explain, rows
from queries.warehouse import Warehouse
from tests.reporting.conftest import NOW, Program, grandchild_with_an_ftd
from tests.reporting.test_feed_override_sources import FEED_HEAD, _req
from tests.reporting.test_pages import _open

REPLACED = "Takes back an approved commission of $5.00: the program's own commission of this conversion replaces it"


def test_a_hidden_override_replaced_by_the_feeds_says_so(program: Program, store_engine: Engine) -> None:
    tiny = program.tiny
    gc = grandchild_with_an_ftd(store_engine, tiny)
    tiny.run(NOW + timedelta(hours=1))  # the parent's level-2 override: 5% of the grandchild's $100, approved
    tiny.write("commissions", "feed.csv", FEED_HEAD + f"fg,{tiny.parent},2026-11-06T10:00:00Z,7,USD,sub_partner,g1,"
               "approved,\n")  # fmt: skip
    tiny.run(NOW + timedelta(hours=2))

    silver = build_session_user(store_engine, "p_parent")
    assert silver is not None and silver.scope.subpartner_ids == (tiny.child,)
    got = rows(silver.scope, wh=Warehouse(tiny.settings.warehouse_dir), req=_req())
    [back] = [r for r in got.iter_rows(named=True) if r["kind"] == "reversal"]
    assert back["masked"] and float(back["amount"]) == -5
    assert explain(back, "en") == REPLACED
    assert "заменяет собственная комиссия программы" in explain(back, "ru")
    # nothing of the grandchild, its conversion or the feed row that replaced the override
    hidden = ("commission_id", "conversion_id", "conversion_type", "offer_id", "from_partner_id", "note")
    assert [back[k] for k in hidden] == [None] * len(hidden) and back["rule"] == "reversal of override L2 5%"
    inputs = json.loads(back["inputs"])
    assert inputs["replaced_by"] is True and str(gc) not in [str(v) for v in inputs.values()]
    assert not any(secret in back["inputs"] for secret in ("g1", "fg", "from_partner", "source_commission"))

    at = _open("pages/03_commissions.py", silver)
    assert not at.exception and not at.error
    assert REPLACED in [str(v) for v in at.dataframe[0].value.to_numpy().ravel()]

    # staff see which feed row replaced it
    staff = rows(program.users["root"].scope, wh=Warehouse(tiny.settings.warehouse_dir), req=_req())
    [full] = [r for r in staff.iter_rows(named=True) if r["kind"] == "reversal"]
    assert json.loads(full["inputs"])["replaced_by"] == "fg" and explain(full, "en") == REPLACED
