"""Snapshot of the store's dimensions into the warehouse at each run (through SQLAlchemy: SQLite or PostgreSQL)."""

from __future__ import annotations

import json

import duckdb
import polars as pl
from sqlalchemy import select

from cabinet.config import Settings
from cabinet.links import verify_link
from cabinet.store.db import make_engine
from cabinet.store.models import (
    CommissionPlan,
    Offer,
    Partner,
    PayoutRequest,
    ProgramSettings,
    PromoCode,
    Tier,
    TrackingLink,
)

DIM_TABLES = (
    "dim_partners",
    "dim_partner_tree",
    "dim_offers",
    "dim_links",
    "dim_promo_codes",
    "dim_plans",
    "dim_tiers",
    "dim_settings",
    "dim_payouts",
)


def _naive(dt):  # type: ignore[no-untyped-def]
    return dt.replace(tzinfo=None) if dt is not None and dt.tzinfo else dt


def _frame(rows: list[tuple], columns: list[str]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=columns, orient="row")


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Insert a frame into a dim table by column name (`table` comes from DIM_TABLES)."""
    con.register("_dim_rows", frame)
    try:
        con.execute(f"insert into {table} by name select * from _dim_rows")
    finally:
        con.unregister("_dim_rows")


def snapshot_dimensions(con: duckdb.DuckDBPyConnection, cfg: Settings) -> None:
    """Replace every dim_* table from the store; links whose token does not verify are left out (unknown tokens)."""
    key = cfg.require_link_key()
    engine = make_engine(cfg.store_url)
    try:
        with engine.connect() as conn:
            partners = conn.execute(
                select(
                    Partner.id,
                    Partner.name,
                    Partner.status,
                    Partner.tier_code,
                    Partner.parent_id,
                    Partner.manager_user_id,
                    Partner.plan_id,
                    Partner.currency,
                    Partner.timezone,
                    Partner.created_at,
                )
            ).all()
            offers = conn.execute(select(Offer.id, Offer.name, Offer.vertical, Offer.status)).all()
            links = conn.execute(
                select(
                    TrackingLink.id,
                    TrackingLink.token,
                    TrackingLink.partner_id,
                    TrackingLink.offer_id,
                    TrackingLink.name,
                    TrackingLink.sub1,
                    TrackingLink.sub2,
                    TrackingLink.sub3,
                    TrackingLink.sub4,
                    TrackingLink.sub5,
                )
            ).all()
            promos = conn.execute(
                select(
                    PromoCode.code,
                    PromoCode.partner_id,
                    PromoCode.offer_id,
                    PromoCode.status,
                    PromoCode.valid_from,
                    PromoCode.valid_to,
                )
            ).all()
            plans = conn.execute(
                select(
                    CommissionPlan.id,
                    CommissionPlan.name,
                    CommissionPlan.type,
                    CommissionPlan.currency,
                    CommissionPlan.cpa_amounts,
                    CommissionPlan.ftd_baseline,
                    CommissionPlan.revshare_pct,
                    CommissionPlan.volume_tiers,
                    CommissionPlan.subpartner_override_pct,
                    CommissionPlan.hold_days,
                )
            ).all()
            tiers = conn.execute(
                select(Tier.code, Tier.name, Tier.rank, Tier.features, Tier.visible_metrics, Tier.subpartner_depth)
            ).all()
            program = conn.execute(
                select(
                    ProgramSettings.name,
                    ProgramSettings.base_currency,
                    ProgramSettings.tracking_domain,
                    ProgramSettings.default_timezone,
                    ProgramSettings.default_locale,
                ).where(ProgramSettings.id == 1)
            ).first()
            payouts = conn.execute(
                select(
                    PayoutRequest.id,
                    PayoutRequest.partner_id,
                    PayoutRequest.amount,
                    PayoutRequest.currency,
                    PayoutRequest.status,
                    PayoutRequest.requested_at,
                    PayoutRequest.decided_at,
                )
            ).all()
    finally:
        engine.dispose()
    for table in DIM_TABLES:
        con.execute(f"delete from {table}")
    if partners:
        df = _frame(
            [(*r[:9], _naive(r[9])) for r in partners],
            [
                "partner_id",
                "name",
                "status",
                "tier_code",
                "parent_id",
                "manager_user_id",
                "plan_id",
                "currency",
                "timezone",
                "created_at",
            ],
        )
        _insert(con, "dim_partners", df)
        con.execute(TREE_SQL)
    if offers:
        df = _frame([tuple(r) for r in offers], ["offer_id", "name", "vertical", "status"])
        _insert(con, "dim_offers", df)
    good_links = [tuple(r) for r in links if r[1] and verify_link(r[1], key) == r[0]]
    if good_links:
        df = _frame(
            good_links, ["link_id", "token", "partner_id", "offer_id", "name", "sub1", "sub2", "sub3", "sub4", "sub5"]
        )
        _insert(con, "dim_links", df)
    if promos:
        df = _frame(
            [(r[0].upper(), r[1], r[2], r[3], _naive(r[4]), _naive(r[5])) for r in promos],
            ["code", "partner_id", "offer_id", "status", "valid_from", "valid_to"],
        )
        _insert(con, "dim_promo_codes", df)
    if plans:
        df = _frame(
            [
                (
                    r[0],
                    r[1],
                    r[2],
                    r[3],
                    json.dumps(r[4]),
                    str(r[5]),
                    str(r[6]),
                    json.dumps(r[7]),
                    json.dumps(r[8]),
                    r[9],
                )
                for r in plans
            ],
            [
                "plan_id",
                "name",
                "type",
                "currency",
                "cpa_amounts",
                "ftd_baseline",
                "revshare_pct",
                "volume_tiers",
                "subpartner_override_pct",
                "hold_days",
            ],
        )
        _insert(con, "dim_plans", df)
    if tiers:
        df = _frame(
            [(r[0], r[1], r[2], json.dumps(r[3]), json.dumps(r[4]), r[5]) for r in tiers],
            ["tier_code", "name", "rank", "features", "visible_metrics", "subpartner_depth"],
        )
        _insert(con, "dim_tiers", df)
    settings = {"base_currency": "USD", "name": "Partner Program"}
    if program is not None:
        settings.update(
            zip(
                ("name", "base_currency", "tracking_domain", "default_timezone", "default_locale"), program, strict=True
            )
        )
    df = pl.DataFrame({"key": list(settings), "value": [str(v) for v in settings.values()]})
    _insert(con, "dim_settings", df)
    if payouts:
        df = _frame(
            [(r[0], r[1], str(r[2]), r[3], r[4], _naive(r[5]), _naive(r[6])) for r in payouts],
            ["payout_id", "partner_id", "amount", "currency", "status", "requested_at", "decided_at"],
        )
        _insert(con, "dim_payouts", df)


# Closure of the sub-partner tree: every (ancestor, descendant, level >= 1); depth is capped against cycles.
TREE_SQL = """
insert into dim_partner_tree
with recursive tree(ancestor_id, descendant_id, level) as (
    select parent_id, partner_id, 1 from dim_partners where parent_id is not null
    union all
    select p.parent_id, t.descendant_id, t.level + 1
    from tree t join dim_partners p on p.partner_id = t.ancestor_id
    where p.parent_id is not null and t.level < 10
)
select ancestor_id, descendant_id, min(level) from tree group by all
"""
