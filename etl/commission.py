"""Commission engine: computes engine commissions set-based in DuckDB, inside the caller's transaction.

What is (re)computed in a run:
- conversions with `updated_run_id = run_id`, conversions whose feed commission changed this run, and those of
  partners whose plan, parent chain or ancestors' override percents changed in the store (`plan_priced`);
- for partners whose plan has volume tiers, every conversion of each touched (partner, calendar month) group (the
  months of the customers' FTDs below included: one that became a customer's first is counted there now), the month
  in the program's time zone (`dim_settings.default_timezone`, as on statements), so the N-th counted conversion of the
  month is paid at the tier N falls in, counted progressively ordered by (ts, conversion_id); the months conversions
  left this run (`conv_moved_from`) too; a new time zone reprices tiered partners' months. Counted = status pending or
  approved and qualifying (an FTD below the baseline, or not its customer's first FTD that stands, is not counted); CPA
  tiers count conversions of the same type, RevShare tiers count the month's qualifying FTDs up to the line; rows record
  these counts (`inputs.month_count`, `month_ftds`) only under tiered plans: other plans do not reprice a month, so a
  count there would go stale;
- every FTD of a customer (partner and `customer_id`) one of whose FTDs the run touched, or that an update gave
  another customer (`conv_customer_from`): CPA pays only a customer's first FTD that stands;
- engine commissions in `hold` whose `hold_until <= now` are approved.
A blocked partner (`dim_partners.status`), or a declined application (`declined`), earns nothing more: its rows not
final yet are `rejected` with `inputs.partner_blocked`, and priced again when it is unblocked (blocking is part of
`plan_priced`'s fingerprint), as if never blocked: those that were, or would have been, in hold (`inputs.held`) are
approved first when their hold ended before the conversion was cancelled or made pending again, as a hold is
(`etl.commission_holds.BLOCKS_ENDED`).
Conversions with a feed commission of their own partner (source='feed' with that conversion_id and partner_id) are
never computed; non-final engine rows they had are removed, final ones reversed. Likewise a feed row of kind
'sub_partner' naming the conversion and paying an ancestor replaces the engine's override of it for that ancestor.
The plan is the partner's current plan (`dim_partners.plan_id`); partners without one earn nothing from the engine.
A conversion without a rate for its plan currency is skipped and counted in `missing_fx` once (`fx_waiting`,
`etl.commission_waiting`).

Status lifecycle (one function for base rows and overrides): conversion pending -> pending; approved -> hold until
ts + hold_days, then approved; rejected/reversed -> rejected (never held), or reversed when the row was in hold.
Holds that ended before the run are approved before pricing, unless the conversion was cancelled (or made pending
again) inside the hold, so whether a cancellation reverses or claws back, and whether a conversion pending again is
paid, follows the hold's end, not the schedule of runs.
Approved and paid rows are final: their amount is never rewritten (tier shifts only move pending/hold rows; one that
would be priced differently now is counted in `kept_final` once, `etl.commission_kept`); when their
conversion is rejected/reversed afterwards, a negative row `<id>:reversal` (kind 'reversal', status approved, at the
time of the status change) is added; approved again later, a 'reinstatement' row `<id>:reinstatement:<n>` pays it
again (further changes add `<id>:<kind>:<n>`). The adjustments carry the id they adjust in `inputs.reverses`.

Sub-partner overrides: for each cpa/revshare commission (engine or feed) of partner P, each ancestor A at level k with
a k-th `subpartner_override_pct` in A's plan gets pct x that commission (same currency) as kind 'sub_partner', id
'<source id>:L<k>:<A>' (feed sources: 'eng:feed:<id>:L<k>:<A>'); it follows its source's status (a reversed source
reverses it; a clawed-back source claws it back); a blocked (or pending) partner's feed commissions, which the engine
does not touch, give rejected overrides (`inputs.source_blocked`), as its engine commissions do.

Ids are deterministic ('eng:<conversion_id>:cpa|revshare', overrides and reversals derived from them) and only rows
whose values change are written, so a rerun is idempotent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

from etl import commission_holds as h
from etl import commission_kept as k
from etl import commission_merge_sql as m
from etl import commission_replan as r
from etl import commission_sql as q
from etl import commission_superseded as sup
from etl import commission_waiting as w
from etl.commission_feed import FEED_SUB_PARTNER_FROM_DDL
from etl.commission_plans import PlanError, load_plans, stage_plans

__all__ = ["CommissionResult", "PlanError", "base_currency", "compute_commissions"]

_PARAM = re.compile(r"\$(\w+)")
_SCRATCH = (
    "eng_scored",
    "eng_desired",
    "eng_changes",
    "eng_sources",
    "eng_stale",
    "eng_reversals",
    "eng_expired",
    "eng_plan_now",
    "eng_replan",
    "conv_moved_from",
    "conv_customer_from",
    "feed_sub_partner_from",
)


@dataclass
class CommissionResult:
    """What one engine pass changed; `touched_hours` are the UTC hours whose rollups must be refreshed."""

    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    reversals: int = 0
    approved_from_hold: int = 0
    missing_fx: int = 0  # conversions newly waiting for a rate of their plan's currency (`etl.commission_waiting`)
    # approved/paid rows newly priced differently (`etl.commission_kept`): they keep the approved amount
    kept_final: int = 0
    touched_hours: set[datetime] = field(default_factory=set)

    @property
    def changed(self) -> int:
        """Rows inserted, updated or deleted in total."""
        return self.inserted + self.updated + self.deleted + self.reversals + self.approved_from_hold


def _run(con: duckdb.DuckDBPyConnection, sql: str, **params: object) -> None:
    """Execute with only the named parameters the statement uses (DuckDB rejects unused ones)."""
    used = set(_PARAM.findall(sql))
    con.execute(sql, {k: v for k, v in params.items() if k in used})


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(con.execute(sql).fetchall()[0][0])


def base_currency(con: duckdb.DuckDBPyConnection) -> str:
    """The program's base currency from `dim_settings` (USD when not set)."""
    rows = con.execute("select value from dim_settings where key = 'base_currency'").fetchall()
    return str(rows[0][0]).upper() if rows and rows[0][0] else "USD"


def program_timezone(con: duckdb.DuckDBPyConnection) -> str:
    """The program's time zone from `dim_settings` (UTC when not set); ValueError when DuckDB does not know it."""
    rows = con.execute("select value from dim_settings where key = 'default_timezone'").fetchall()
    tz = str(rows[0][0]) if rows and rows[0][0] else "UTC"
    try:
        con.execute("select timezone($tz, timestamp '2026-01-01')", {"tz": tz})
    except duckdb.Error as exc:
        raise ValueError(f"the program's time zone {tz!r} is not a time zone: set one in Program settings") from exc
    return tz


def _naive_utc(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo else now


def _record_hours(con: duckdb.DuckDBPyConnection, select_ts: str) -> None:
    con.execute(
        f"insert into eng_touched_hours select distinct date_trunc('hour', ts) from ({select_ts}) where ts is not null"
    )


def _apply(con: duckdb.DuckDBPyConnection, stale_sql: str, result: CommissionResult, params: dict) -> None:
    """Merge eng_desired into commissions: drop stale rows, write changed rows, add reversals of final rows.

    Each write reads only its scratch table, so it is left out when that table is empty (most of a small run's: ~30
    statements a run fewer, each a few milliseconds of planning whatever its rows)."""
    _run(con, stale_sql, **params)
    stale = _count(con, "select count(*) from eng_stale")
    if stale:
        _record_hours(con, "select ts from eng_stale")
        con.execute(m.DELETE_STALE)
        result.deleted += stale

    _run(con, m.CHANGES, **params)
    new, changed = con.execute("select count(*) filter (where is_new), count(*) from eng_changes").fetchall()[0]
    if changed:
        _record_hours(con, "select ts from eng_changes union all select old_ts from eng_changes")
    if new:
        _run(con, m.INSERT_NEW, **params)
    if changed > new:
        _run(con, m.UPDATE_CHANGED, **params)
    result.inserted += int(new)
    result.updated += int(changed) - int(new)

    _reverse(con, m.NEW_REVERSALS, result, params)


def _reverse(con: duckdb.DuckDBPyConnection, reversals_sql: str, result: CommissionResult, params: dict) -> None:
    """Insert the negative 'reversal' rows that `reversals_sql` selects into `eng_reversals`."""
    _run(con, reversals_sql, **params)
    reversals = _count(con, "select count(*) from eng_reversals")
    if reversals:
        _record_hours(con, "select ts from eng_reversals")
        _run(con, m.INSERT_REVERSALS, **params)
        result.reversals += reversals


def _approve_ended_holds(con: duckdb.DuckDBPyConnection, sql: str, result: CommissionResult, params: dict) -> None:
    _run(con, sql, **params)
    expired = _count(con, "select count(*) from eng_expired")
    if expired:
        _record_hours(con, "select ts from eng_expired")
        _run(con, h.APPROVE_EXPIRED, **params)
        result.approved_from_hold += expired


def compute_commissions(con: duckdb.DuckDBPyConnection, run_id: int, now: datetime) -> CommissionResult:
    """Compute, update and reverse engine commissions for what run `run_id` touched; approve expired holds."""
    tz = program_timezone(con)
    params = {"run": run_id, "now": _naive_utc(now), "base": base_currency(con), "tz": tz}
    result = CommissionResult()
    plans = load_plans(con)  # validated every run: a broken plan fails the run even when nothing is priced
    con.execute("create or replace temp table eng_touched_hours (hour timestamp)")
    con.execute("create temp table if not exists conv_moved_from (partner_id integer, ts timestamp)")
    con.execute("create temp table if not exists conv_customer_from (partner_id integer, customer_id varchar)")
    con.execute(FEED_SUB_PARTNER_FROM_DDL)
    con.execute(k.KEPT_DDL)
    con.execute(w.WAITING_DDL)
    _approve_ended_holds(con, h.HOLDS_ENDED, result, params)
    _run(con, r.PLAN_NOW, **params)
    con.execute(r.REPLAN)
    if _count(con, r.OLD_FORM):
        con.execute(r.REPLAN_OLD_FORM)
    if _count(con, "select count(*) from eng_replan"):
        _approve_ended_holds(con, h.BLOCKS_ENDED, result, params)  # as if never blocked
    if con.execute(q.ANY_SOURCE, {"run": run_id}).fetchall()[0][0] or _count(con, "select count(*) from eng_replan"):
        stage_plans(con, plans)
        _price(con, params, result, tz)
    con.execute(r.SAVE_PLANS)
    # nothing new to price (a run with only clicks, or none): the ~30 statements would all be empty; holds still expire

    _approve_ended_holds(con, h.EXPIRED_HOLDS, result, params)  # rows this run priced whose hold has ended

    result.touched_hours = {row[0] for row in con.execute("select distinct hour from eng_touched_hours").fetchall()}
    for table in _SCRATCH:  # free the working sets; eng_touched_hours stays for refresh_rollups
        con.execute(f"drop table if exists {table}")
    return result


def _price(con: duckdb.DuckDBPyConnection, params: dict, result: CommissionResult, tz: str) -> None:
    """Base commissions and sub-partner overrides of the run's touched conversions and feed commissions."""
    for sql in (q.TOUCHED, q.candidates_sql(tz), q.scored_sql(tz)):
        _run(con, sql, **params)
    con.execute(w.WAITING)
    result.missing_fx = _count(con, w.NEWLY_WAITING)
    if _count(con, "select count(*) from fx_waiting"):
        con.execute(w.FORGET)
    con.execute(w.REMEMBER)

    con.execute(q.CREATE_DESIRED)
    _run(con, q.DESIRED_CPA, **params)
    _run(con, q.DESIRED_REVSHARE, **params)
    con.execute(k.KEPT)
    _apply(con, m.STALE_BASE, result, params)
    # before the override sources: they follow these reversals
    _reverse(con, sup.SUPERSEDED_REVERSALS, result, params)
    _reverse(con, m.UNPRICED_REVERSALS, result, params)
    _reverse(con, m.UNPRICED_REINSTATEMENTS, result, params)

    _run(con, m.SOURCES, **params)
    con.execute(q.CREATE_DESIRED)
    _run(con, m.DESIRED_OVERRIDES, **params)
    con.execute(k.KEPT_OVERRIDES)
    result.kept_final = _count(con, k.NEWLY_KEPT)
    if _count(con, "select count(*) from kept_final"):
        con.execute(k.FORGET)
    con.execute(k.REMEMBER)
    _apply(con, m.STALE_OVERRIDES, result, params)
    _reverse(con, sup.SUPERSEDED_OVERRIDE_REVERSALS, result, params)  # before the orphans': they leave these
    _reverse(con, m.ORPHAN_REVERSALS, result, params)
    _reverse(con, m.ORPHAN_REINSTATEMENTS, result, params)
