"""What a partner sees of sub-partners below its tier's depth (its plan may pay more levels; a downgrade leaves the
overrides of levels it no longer shows): the money, never which partner, conversion or offer it came from; and the
Sub-partners page keeps to the tier's visible metrics."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, select

from cabinet.access import build_session_user
from cabinet.session import SessionUser
from cabinet.store.db import session_scope
from cabinet.store.models import CommissionPlan, Partner, Tier
from queries.commissions import KINDS, STATUSES, CommissionRequest, explain, rows, totals
from queries.detail import DetailRequest, detail_rows
from queries.subpartners import subpartner_tree
from queries.warehouse import Warehouse
from tests.reporting.conftest import NOW, Program, loaded_once
from tests.reporting.test_pages import _open as open_page

PERIOD = (date(2026, 10, 12), date(2026, 11, 10))
HEAD = "conversion_id,ts,updated_at,type,partner_id,offer_id,amount,currency,status\n"


@loaded_once
def deep(program: Program, store_engine: Engine) -> tuple[Program, int]:
    """A grandchild under the child; the plan pays 10% and 5% over two levels. Its FTDs g1 and g2 are approved (CPA
    $100 each: $5 to the parent at level 2), then g2 is rejected (its overrides clawed back); the grandchild's id."""
    tiny = program.tiny
    with session_scope(store_engine) as s:
        plan = s.scalar(select(CommissionPlan))
        plan.subpartner_override_pct = ["10", "5"]
        grandchild = Partner(name="Grandchild", tier_code="bronze", plan_id=plan.id, parent_id=tiny.child)
        s.add(grandchild)
        s.flush()
        gc = grandchild.id
    rows_ = [f"g{n},2026-11-0{n + 4}T10:00:00Z,,ftd,{gc},{tiny.offer},50,USD,approved\n" for n in (1, 2)]
    tiny.write("conversions", "g.csv", HEAD + "".join(rows_))
    tiny.run(NOW + timedelta(hours=1))
    tiny.write("conversions", "g2.csv", HEAD + f"g2,2026-11-06T10:00:00Z,2026-11-07T10:00:00Z,ftd,{gc},{tiny.offer},"
               "50,USD,rejected\n")  # fmt: skip
    tiny.run(NOW + timedelta(hours=2))
    return program, gc


def _as_tier(store_engine: Engine, partner_id: int, tier: str, username: str) -> SessionUser:
    """The partner moved to `tier` (the admin's Partners page), and its login's session as built now."""
    with session_scope(store_engine) as s:
        s.get(Partner, partner_id).tier_code = tier  # type: ignore[union-attr]
    user = build_session_user(store_engine, username)
    assert user is not None
    return user


def _req(conversion_id: str | None = None) -> CommissionRequest:
    return CommissionRequest(*PERIOD, "UTC", STATUSES, KINDS, conversion_id)


def _overrides(user: SessionUser, wh: Warehouse) -> list[dict]:
    got = rows(user.scope, wh=wh, req=_req())
    return [r for r in got.iter_rows(named=True) if r["level"] is not None]


def test_a_downgraded_partner_keeps_the_deeper_overrides_without_their_source(
    deep: tuple[Program, int], store_engine: Engine
) -> None:
    program, gc = deep
    tiny, wh = program.tiny, Warehouse(program.tiny.settings.warehouse_dir)
    gold = _as_tier(store_engine, tiny.parent, "gold", "p_parent")  # depth 3: the grandchild is shown, and named
    assert {(r["from_partner_id"], r["conversion_id"]) for r in _overrides(gold, wh)} == {(gc, "g1"), (gc, "g2")}

    silver = _as_tier(store_engine, tiny.parent, "silver", "p_parent")  # depth 1: the grandchild is not shown
    got = _overrides(silver, wh)
    assert [(r["kind"], r["amount"], r["level"]) for r in got] == [
        ("reversal", -5, 2),  # g2's clawback (Nov 7), then g2's and g1's overrides
        ("sub_partner", 5, 2),
        ("sub_partner", 5, 2),
    ]
    for r in got:  # the money stays; which partner, conversion, offer and rule it came from does not
        assert r["from_partner_id"] is None and r["commission_id"] is None and r["masked"]
        assert (r["conversion_id"], r["conversion_type"], r["offer_id"]) == (None, None, None)
        assert str(gc) not in r["inputs"] and "g1" not in r["inputs"] and "g2" not in r["inputs"]
    assert [r["rule"] for r in got] == ["reversal of override L2 5%", "override L2 5%", "override L2 5%"]
    assert [explain(r, "en") for r in got] == [
        "Takes back an approved commission of $5.00: its conversion was rejected or changed",
        "5% of a level-2 sub-partner's commission of $100.00",
        "5% of a level-2 sub-partner's commission of $100.00",
    ]
    assert explain(got[1], "ru").replace("\xa0", " ") == "5% от комиссии субпартнёра 2-го уровня в 100,00 $"
    # its conversion ids find nothing, not even a count
    assert rows(silver.scope, wh=wh, req=_req("g1")).is_empty() and totals(silver.scope, wh=wh, req=_req("g1")) == {}
    # staff see every source (the parent's level 2, the child's level 1); the child sees the grandchild, its level 1
    for staff in ("mgr", "root"):
        seen = _overrides(program.users[staff], wh)
        assert {(r["from_partner_id"], r["level"]) for r in seen} == {(gc, 1), (gc, 2)}
        assert not any(r["masked"] for r in seen)
    child = build_session_user(store_engine, "p_child")
    assert {(r["from_partner_id"], r["conversion_id"]) for r in _overrides(child, wh)} == {(gc, "g1"), (gc, "g2")}  # type: ignore[arg-type]

    # the full export: the same rows, the same columns empty
    export = detail_rows(silver.scope, wh=wh, req=DetailRequest("commissions", *PERIOD, "UTC"),
                         metrics=silver.visible_metrics).filter(level=2)  # fmt: skip
    assert export.height == 3 and export["amount"].sum() == 5
    for column in ("commission_id", "conversion_id", "offer_id", "from_partner_id"):
        assert export[column].null_count() == 3, column
    assert sorted(export["rule"]) == ["override L2 5%", "override L2 5%", "reversal of override L2 5%"]
    root = program.users["root"]
    full = detail_rows(root.scope, wh=wh, req=DetailRequest("commissions", *PERIOD, "UTC"),
                       metrics=root.visible_metrics).filter(partner_id=tiny.parent, level=2)  # fmt: skip
    assert set(full["from_partner_id"]) == {gc} and set(full["conversion_id"]) == {"g1", "g2"}


def test_the_sub_partners_page_adds_up_the_override_of_levels_it_does_not_list(
    deep: tuple[Program, int], store_engine: Engine
) -> None:
    program, gc = deep
    tiny, wh = program.tiny, Warehouse(program.tiny.settings.warehouse_dir)
    silver = _as_tier(store_engine, tiny.parent, "silver", "p_parent")
    tree = subpartner_tree(silver.scope, wh=wh, root=tiny.parent, date_from=PERIOD[0], date_to=PERIOD[1], tz="UTC")
    assert tree.select("level", "partner_id", "override").rows() == [(1, tiny.child, 0.0), (None, None, 5.0)]
    at = open_page("pages/04_subpartners.py", silver)
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["Partner"]) == [f"{tiny.child} · Child", "Deeper levels and partners moved away"]
    assert list(table["Override earned"]) == [0.0, 5.0]
    assert [m.value for m in at.metric] == ["1", "1", "0", "$5.00"]  # the override of the Commissions page
    assert str(gc) not in table.to_string()
    # an admin sees the whole tree, every override on its sub-partner's row
    admin = subpartner_tree(program.users["root"].scope, wh=wh, root=tiny.parent, date_from=PERIOD[0],
                            date_to=PERIOD[1], tz="UTC")  # fmt: skip
    assert admin.select("level", "partner_id", "override").rows() == [(1, tiny.child, 0.0), (2, gc, 5.0)]


@pytest.mark.parametrize(
    ("metrics", "columns", "cards"),
    [
        (["clicks"], ["Clicks"], ["Sub-partners", "With clicks"]),
        (
            ["ftds", "commission"],
            ["Override earned", "FTDs", "Commission"],
            ["Sub-partners", "FTDs", "Override earned"],
        ),
    ],
)
def test_the_sub_partners_page_shows_only_the_metrics_the_tier_shows(
    program: Program, store_engine: Engine, metrics: list[str], columns: list[str], cards: list[str]
) -> None:
    with session_scope(store_engine) as s:  # Program settings, tier form
        s.get(Tier, "gold").visible_metrics = metrics  # type: ignore[union-attr]
    user = build_session_user(store_engine, "p_parent")
    at = open_page("pages/04_subpartners.py", user)
    assert not at.exception
    assert list(at.dataframe[0].value.columns) == ["Level", "Partner", *columns, "Their parent", "Status"]
    assert [m.label for m in at.metric] == cards


def test_the_monthly_statement_names_no_offer_of_a_deeper_sub_partner(
    deep: tuple[Program, int], store_engine: Engine
) -> None:
    """Its totals by offer would tell which offers the partners it may not see promote: those overrides have none."""
    from datetime import datetime

    from queries.statement import month_lines

    program, _ = deep
    tiny, wh = program.tiny, Warehouse(program.tiny.settings.warehouse_dir)
    november = {"partner_id": tiny.parent, "start": datetime(2026, 11, 1), "end": datetime(2026, 12, 1),
                "statuses": STATUSES}  # fmt: skip
    gold = _as_tier(store_engine, tiny.parent, "gold", "p_parent")
    shown = {(r["offer_id"], r["kind"]) for r in month_lines(gold.scope, wh=wh, **november)}
    assert (tiny.offer, "sub_partner") in shown
    silver = _as_tier(store_engine, tiny.parent, "silver", "p_parent")
    lines = month_lines(silver.scope, wh=wh, **november)
    deeper = [r for r in lines if r["kind"] in ("sub_partner", "reversal") and r["offer_id"] is None]
    assert sum(r["amount_base"] for r in deeper) == 5  # the money stays, under no offer
    assert (tiny.offer, "sub_partner") not in {(r["offer_id"], r["kind"]) for r in lines}
