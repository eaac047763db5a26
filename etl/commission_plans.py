"""Commission plans for the engine: read every plan of `dim_plans` (parsed and checked by `cabinet.plans`) and stage
them as small temp tables (`eng_plans`, `eng_cpa`, `eng_tiers`, `eng_overrides`)."""

from __future__ import annotations

import duckdb

from cabinet.plans import CPA_TYPES, PLAN_TYPES, Plan, PlanError, Tier, parse_plan

__all__ = ["CPA_TYPES", "PLAN_TYPES", "Plan", "PlanError", "Tier", "load_plans", "parse_plan", "stage_plans"]


def load_plans(con: duckdb.DuckDBPyConnection) -> list[Plan]:
    """Parse every plan of `dim_plans`; raises PlanError on the first malformed one."""
    frame = con.sql("select * from dim_plans order by plan_id")
    return [parse_plan(dict(zip(frame.columns, values, strict=True))) for values in frame.fetchall()]


_STAGE_DDL = """
create or replace temp table eng_plans (
    plan_id integer, type varchar, currency varchar, ftd_baseline decimal(18,4), revshare_pct decimal(9,4),
    hold_days integer, pays_cpa boolean, pays_revshare boolean, has_tiers boolean);
create or replace temp table eng_cpa (plan_id integer, conv_type varchar, amount decimal(18,4));
create or replace temp table eng_tiers (
    plan_id integer, tier integer, min_count integer, max_count integer, conv_type varchar,
    cpa_amount decimal(18,4), revshare_pct decimal(9,4));
create or replace temp table eng_overrides (plan_id integer, level integer, pct decimal(9,4));
"""


def stage_plans(con: duckdb.DuckDBPyConnection, plans: list[Plan]) -> None:
    """Write plans into temp tables eng_plans, eng_cpa, eng_tiers (one row per tier and type), eng_overrides."""
    con.execute(_STAGE_DDL)
    plan_rows, cpa_rows, tier_rows, override_rows = [], [], [], []
    for p in plans:
        pays_cpa = p.type in ("cpa", "hybrid")
        pays_rs = p.type in ("revshare", "hybrid")
        plan_rows.append(
            (p.plan_id, p.type, p.currency, p.ftd_baseline, p.revshare_pct, p.hold_days, pays_cpa, pays_rs,
             bool(p.tiers))
        )  # fmt: skip
        cpa_rows += [(p.plan_id, t, amount) for t, amount in p.cpa.items()]
        tiered_cpa = {t for tier in p.tiers for t in tier.cpa}
        tiered_rs = any(tier.revshare_pct is not None for tier in p.tiers)
        for tier in p.tiers:
            # a type is tiered only if some tier carries it; a tier without the value falls back to the base value
            for conv_type in sorted(tiered_cpa):
                amount = tier.cpa.get(conv_type, p.cpa.get(conv_type))
                tier_rows.append((p.plan_id, tier.number, tier.min_count, tier.max_count, conv_type, amount, None))
            if tiered_rs:
                pct = p.revshare_pct if tier.revshare_pct is None else tier.revshare_pct
                tier_rows.append((p.plan_id, tier.number, tier.min_count, tier.max_count, "revenue", None, pct))
        override_rows += [(p.plan_id, level, pct) for level, pct in enumerate(p.override_pct, start=1) if pct > 0]
    for table, rows, width in (
        ("eng_plans", plan_rows, 9),
        ("eng_cpa", cpa_rows, 3),
        ("eng_tiers", tier_rows, 7),
        ("eng_overrides", override_rows, 3),
    ):
        if rows:
            con.executemany(f"insert into {table} values ({', '.join('?' * width)})", rows)
