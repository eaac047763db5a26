"""Warehouse DDL, applied by the idempotent `ensure_schema(con)`.

Contract between the ETL stages and the read side (`queries/`). Times are naive TIMESTAMPs meaning UTC; money is
DECIMAL(18,4) in the original currency (`amount`, `currency`) and in the program's base currency (`amount_base`); FX
rates keep 18 decimals (`etl.validate.RATE_TYPE`). Column names of metrics are the machine names of METRICS.md.
"""

from __future__ import annotations

from typing import Any

import duckdb

from etl.schema_bookkeeping import BOOKKEEPING
from etl.schema_upgrade import migrate
from etl.validate import RATE_TYPE

FACTS = f"""
create sequence if not exists seq_run_id start 1;
create sequence if not exists seq_file_id start 1;

-- Clicks: no primary key (dedupe against a recent window); physically ordered by (month, partner_id, ts).
create table if not exists clicks (
    click_id      varchar not null,
    ts            timestamp not null,
    partner_id    integer not null,
    offer_id      integer not null,
    link_id       integer,
    sub1          varchar,
    sub2          varchar,
    sub3          varchar,
    sub4          varchar,
    sub5          varchar,
    country       varchar not null,          -- ISO alpha-2 upper-case, 'ZZ' when empty/unknown
    device        varchar not null,          -- desktop, mobile, tablet, other
    os            varchar,
    browser       varchar,
    referrer      varchar,
    ip_hash       ubigint,                   -- first 64 bits of a keyed SHA-256; the raw ip is never stored
    ua_hash       varchar,                   -- MD5 of the user agent, hex (few distinct: dictionary-compressed);
                                             -- 16 digits in clicks of 2026-11-30 08:40-09:45 (etl.schema_upgrade)
    is_bot        boolean not null default false,
    is_unique     boolean not null default false,
    file_id       integer,
    run_id        integer not null
);

-- Keys of recent clicks (the last few days of click time): what dedupe and uniqueness look back on, so an
-- incremental run reads a small table instead of the clicks of a whole month. meta `click_keys_from` = coverage.
-- With a history file (etl.history) the working file's clicks are the recent ones: then this table only keeps the
-- keys of recent clicks moved into the history.
create table if not exists click_keys (
    click_id      varchar not null,
    ts            timestamp not null,
    vkey          ubigint                    -- hash(ip_hash, ua_hash, partner_id, offer_id); NULL without an ip
);

-- Clicks in the history file (etl.history) that a later run found not unique (an earlier click of the visitor came
-- late); the rollups were corrected at once, readers' views apply it (queries.warehouse), the file's next move too.
create table if not exists unique_restated (
    click_id      varchar not null,
    ts            timestamp not null
);

-- Conversions keyed by id; click attributes copied in at load (8x on cohort queries).
create table if not exists conversions (
    conversion_id varchar primary key,
    ts            timestamp not null,
    updated_at    timestamp not null,
    type          varchar not null,          -- registration, ftd, deposit, sale, lead, revenue
    status        varchar not null,          -- pending, approved, rejected, reversed
    partner_id    integer not null,
    offer_id      integer not null,
    link_id       integer,
    click_id      varchar,
    promo_code    varchar,
    attributed_by varchar not null,          -- click, promo_code, partner_id
    customer_id   varchar,
    amount        decimal(18,4),
    currency      varchar,
    amount_base   decimal(18,4),
    fx_rate       {RATE_TYPE},
    click_ts      timestamp,
    country       varchar not null,
    device        varchar not null,
    sub1          varchar,
    file_id       integer,
    run_id        integer not null,          -- run that inserted it
    updated_run_id integer not null,         -- run that last changed it (status, amount, its FX rate, ...)
    status_run_id integer                    -- run that gave it its status: inserted it, or changed the status
);

-- Conversions whose click has not arrived yet: retried each run for 7 days, then quarantined `unattributed`.
create table if not exists pending_conversions (
    conversion_id varchar primary key,
    raw           json not null,             -- the validated row, re-attributed on later runs
    click_id      varchar not null,
    first_seen    timestamp not null,
    attempts      integer not null default 1,
    file_id       integer,
    row_number    bigint
);

-- Earlier versions of a waiting conversion (rows a newer one replaced), each quarantined under its own file and row
-- if the conversion expires; `counted` is how its file counted it (inserted or updated).
create table if not exists pending_versions (
    conversion_id varchar not null,
    file_id       integer,
    row_number    bigint,
    path          varchar,
    raw           json,
    counted       varchar not null
);

-- Status updates read before their conversion (no click id, promo code or partner: `etl.conversion_early`)
create table if not exists pending_updates (
    conversion_id varchar not null,
    raw           json not null,             -- the validated row, as `pending_conversions` keeps it
    first_seen    timestamp not null,
    file_id       integer,
    row_number    bigint
);

-- Commissions: from the feed (source='feed') or computed by the engine (source='engine').
create table if not exists commissions (
    commission_id  varchar primary key,      -- feed id, or 'eng:<conversion_id>:<rule>[:L<level>:<partner>]'
    source         varchar not null,         -- feed, engine
    partner_id     integer not null,         -- beneficiary
    conversion_id  varchar,
    ts             timestamp not null,       -- event time the commission belongs to
    kind           varchar not null,         -- cpa, revshare, bonus, adjustment, sub_partner, reversal
    status         varchar not null,         -- pending, hold, approved, rejected, paid, reversed
    amount         decimal(18,4) not null,
    currency       varchar not null,
    amount_base    decimal(18,4) not null,
    fx_rate        {RATE_TYPE},
    offer_id       integer,
    plan_id        integer,
    rule           varchar,                  -- e.g. 'cpa:ftd tier 2', 'revshare 30%', 'override L1 5%'
    inputs         json,                     -- what the amount was computed from, for "explain this amount"
    level          integer,                  -- sub-partner override level (1 = direct child)
    from_partner_id integer,                 -- the descendant whose commission an override is taken from
    hold_until     timestamp,
    note           varchar,
    file_id        integer,                  -- feed rows: the read whose row is stored (etl.commission_feed)
    run_id         integer not null,
    updated_run_id integer not null
);

create table if not exists fx_rates (
    date      date not null,
    currency  varchar not null,
    rate      {RATE_TYPE} not null,          -- base currency units per 1 unit of `currency`
    primary key (date, currency)
);
"""

DIMENSIONS = """
-- Snapshot of the store's dimensions, replaced at each run (through SQLAlchemy, any store backend).
create table if not exists dim_partners (
    partner_id     integer primary key,
    name           varchar,
    status         varchar,
    tier_code      varchar,
    parent_id      integer,
    manager_user_id integer,
    plan_id        integer,
    currency       varchar,
    timezone       varchar,
    created_at     timestamp
);
-- Closure table of the sub-partner tree: one row per (ancestor, descendant, level >= 1).
create table if not exists dim_partner_tree (
    ancestor_id    integer not null,
    descendant_id  integer not null,
    level          integer not null,
    primary key (ancestor_id, descendant_id)
);
create table if not exists dim_offers (
    offer_id  integer primary key,
    name      varchar,
    vertical  varchar,
    status    varchar
);
create table if not exists dim_links (
    link_id    integer primary key,
    token      varchar,
    partner_id integer,
    offer_id   integer,
    name       varchar,
    sub1 varchar, sub2 varchar, sub3 varchar, sub4 varchar, sub5 varchar
);
create table if not exists dim_promo_codes (
    code       varchar primary key,          -- stored upper-cased; matching is case-insensitive
    partner_id integer,
    offer_id   integer,
    status     varchar,
    valid_from timestamp,
    valid_to   timestamp
);
create table if not exists dim_plans (
    plan_id   integer primary key,
    name      varchar,
    type      varchar,
    currency  varchar,
    cpa_amounts json,
    ftd_baseline decimal(18,4),
    revshare_pct decimal(9,4),
    volume_tiers json,
    subpartner_override_pct json,
    hold_days integer
);
create table if not exists dim_tiers (
    tier_code varchar primary key,
    name      varchar,
    rank      integer,
    features  json,
    visible_metrics json,
    subpartner_depth integer
);
create table if not exists dim_settings (
    key   varchar primary key,               -- name, base_currency, tracking_domain, ...
    value varchar
);
create table if not exists dim_payouts (
    payout_id  integer primary key,
    partner_id integer,
    amount     decimal(18,4),
    currency   varchar,
    status     varchar,
    requested_at timestamp,
    decided_at timestamp
);
"""

# Money sums in 38 digits: a fact's amount fits DECIMAL(18,4), the sum of a cell's facts need not (the same storage
# and speed here: a 7.7M-row rollup wrote in 6.5 / 6.6 s, 54 / 56 MB)
_METRICS = """
    clicks              bigint not null default 0,
    unique_clicks       bigint not null default 0,
    bot_clicks          bigint not null default 0,
    registrations       bigint not null default 0,
    ftds                bigint not null default 0,
    deposits            bigint not null default 0,
    deposit_amount      decimal(38,4) not null default 0,
    sales               bigint not null default 0,
    sales_amount        decimal(38,4) not null default 0,
    leads               bigint not null default 0,
    revenue             decimal(38,4) not null default 0,
    commission_pending  decimal(38,4) not null default 0,
    commission_hold     decimal(38,4) not null default 0,
    commission_approved decimal(38,4) not null default 0,
    commission_paid     decimal(38,4) not null default 0,
    commission_rejected decimal(38,4) not null default 0,
    commission_reversed decimal(38,4) not null default 0
"""

ROLLUPS = f"""
-- Fine rollup for partner views: UTC hour x partner x offer x link x country x device x sub1.
-- Conversions count at their event hour, commissions at theirs; money in base currency.
create table if not exists rollup_hourly (
    hour       timestamp not null,
    partner_id integer not null,
    offer_id   integer,                      -- null for commissions without an offer (bonus, adjustment)
    link_id    integer,
    country    varchar not null,
    device     varchar not null,
    sub1       varchar,
    {_METRICS}
);
-- Coarse rollup for program-wide views: UTC day x partner x offer x country.
create table if not exists rollup_daily (
    day        date not null,
    partner_id integer not null,
    offer_id   integer,                      -- null for commissions without an offer
    country    varchar not null,
    {_METRICS}
);
-- Partner totals per UTC hour: what the Dashboard and time-only reports need (a partner-month is ~720 rows).
create table if not exists rollup_partner_hourly (
    hour       timestamp not null,
    partner_id integer not null,
    {_METRICS}
);
"""

# 9: nothing new in the tables; a warehouse of 9 has been through every step of `etl.schema_upgrade.upgrade` (or was
# made new by the DDL above), so runs on it skip those checks (~25 ms a run); one of 8 takes them once more.
# 10: each run's warnings kept in `etl_runs.warnings` (before, only `etl run`'s output and the schedule's log said them)
SCHEMA_VERSION = "10"
ROLLUP_TABLES = ("rollup_hourly", "rollup_daily", "rollup_partner_hourly")
# the store's snapshot (`DIMENSIONS`): written by `etl.dims`, fingerprinted by the runner
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
# The visitor key of a click (uniqueness: no click of the same key in the 24 h before); NULL without an ip. The first
# 16 hex digits of the user-agent hash: all that clicks of 2026-11-30 08:40-09:45 kept (`etl.schema_upgrade`).
VISITOR_KEY = "case when ip_hash is not null then hash(ip_hash, left(ua_hash, 16), partner_id, offer_id) end"


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | dict[str, Any] | None = None) -> Any:
    """The first column of the first row of a query (None when it returns no row)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


def get_meta(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    """A value of the warehouse's `meta` table (None when unset)."""
    rows = con.execute("select value from meta where key = ?", [key]).fetchall()
    return rows[0][0] if rows else None


def set_meta(con: duckdb.DuckDBPyConnection, key: str, value: object) -> None:
    """Set a `meta` value (stored as text; None stores NULL)."""
    text = None if value is None else str(value)
    # an update first: planning the upsert took ~5 ms, the update ~1.5 ms, and a key is new once in its life
    if not con.execute("update meta set value = ? where key = ?", [text, key]).fetchall()[0][0]:
        con.execute("insert into meta values (?, ?)", [key, text])


def ensure_schema(con: duckdb.DuckDBPyConnection) -> bool:
    """Create every warehouse table that does not exist yet (idempotent); upgrade older column types and data, in
    one transaction (`etl.schema_upgrade.migrate`: a warehouse of a newer schema is refused, untouched).

    Returns whether an upgrade is not published yet: this one, or one whose run failed (the run then publishes it)."""
    pending = migrate(con, (FACTS, DIMENSIONS, ROLLUPS, BOOKKEEPING), int(SCHEMA_VERSION), ROLLUP_TABLES)
    from etl.history import clicks_view  # late: etl.history builds on this module

    clicks_view(con)
    return pending
