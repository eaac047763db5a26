"""Conversions and feed commissions: attribution, FX, upserts by id, and conversions waiting for their click.

Attribution order: click id (click attributes are copied in: click time, partner, offer, link, country, device, sub1) →
promo code (case-insensitive; active, valid at the event time, and of the row's offer when the code is bound to one: a
row naming no offer takes the code's) → explicit partner id. A conversion naming a click that has not arrived waits in
`pending_conversions` and is retried every run; it is quarantined `unattributed` once its event time is more than 7 days
older than the newest click loaded (not after the run's clock), or it has waited 7 days (a warehouse with no click yet
only has the wait: the conversions of a new program may land before its clicks, however old they are); each version read
while it waited (`pending_versions` keeps the replaced ones) is then quarantined under its own file and row. One that
also names a promo code or a partner waits too (so the order files arrive in does not choose the partner), and those
attribute it when the wait is over. A later row of a known conversion (newer `updated_at`) updates status and amount but
keeps the attribution; an older or equal one is a duplicate. A row that leaves out the attribution takes its
conversion's other rows' or waiting version's (`etl.conversion_updates.fill_rows`); one of a conversion not read yet
waits for it (`etl.conversion_early`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb

from etl import history
from etl.conversion_early import NO_ATTRIBUTION, WAIT, expire_updates, park_updates, settle_applied
from etl.conversion_updates import MOVED_SQL, NOT_WAITING, WAITING, fill_from_older, fill_rows
from etl.conversion_wait import G_COLUMNS, G_STRUCT, WAIT_DAYS, flags_sql, park, release
from etl.fx import day_rates_sql
from etl.schema import scalar
from etl.validate import RAW, Present, conversions_sql, out_of_range_sql, times_sql
from etl.value_sql import col


def load_conversions_file(
    con: duckdb.DuckDBPyConnection,
    present: Present,
    stats: Any,
    *,
    run_id: int,
    file_id: int,
    key: str,
    base: str,
    now: datetime,
) -> None:
    """Validate, attribute and upsert the conversions of the staged file."""
    from etl.ingest import quarantine_rows

    con.execute(conversions_sql(present))
    stats.quarantined = quarantine_rows(con, stats, run_id, file_id, now)
    typed = ", ".join(f"v.{c}" for c in G_COLUMNS.split(", ")[:-3])
    con.execute(
        # raw values are kept only for rows that end up waiting or quarantined (see apply_conversions): serialising
        # every row and carrying it through the joins and sorts was a fifth of the conversions' time
        f"create or replace temp table g as select {typed}, ? as file_id, ? as path, null::json as raw "
        "from v where v.reason is null",
        [file_id, stats.path],
    )
    counts = apply_conversions(con, run_id, base=base, now=now, pending_mode=False)
    stats.inserted, stats.updated, stats.duplicates = counts["inserted"], counts["updated"], counts["duplicates"]
    stats.quarantined += counts["quarantined"]


def prepare_click_lookup(con: duckdb.DuckDBPyConnection, tables: list[str]) -> None:
    """Temp table `clk_lookup`: the first click of every click id the run's conversions or waiting ones name.

    One scan of clicks per run, however many conversion files arrive. `tables` are staged conversion files with a
    click_id column (text), chosen by the caller from code. One struct: `arg_min` of a column skips its NULLs (a
    link or sub1 of a later click of the id)."""
    ids = "".join(f"select {_click_id(con, t)} as click_id from {t} s union all " for t in tables)
    con.execute(
        f"""create or replace temp table clk_lookup as
        select click_id, unnest(first) from (select c.click_id, arg_min(struct_pack(click_ts := c.ts,
            partner_id := c.partner_id, offer_id := c.offer_id, link_id := c.link_id, country := c.country,
            device := c.device, sub1 := c.sub1), c.ts) as first
        from all_clicks c where c.click_id in ({ids} select click_id from pending_conversions) group by c.click_id)"""
    )


def _click_id(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """SQL of a staged conversion file's click id as its rows name it (`etl.value_sql.col`): a Parquet file's float
    column gives `1000`, not `1000.0`, which no click has, and the conversion waited a run for its loaded click."""
    typ = scalar(
        con,
        "select data_type from duckdb_columns() "
        "where database_name = 'temp' and table_name = ? and column_name = 'click_id'",
        [table],
    )
    return col({"click_id": str(typ or "VARCHAR")}, "click_id")


def resolve_pending(con: duckdb.DuckDBPyConnection, run_id: int, *, base: str, now: datetime) -> tuple[int, int]:
    """Retry conversions waiting for their click; return (attributed now, quarantined as unattributed)."""
    if not scalar(con, "select count(*) from pending_conversions"):
        return 0, 0
    con.execute(
        f"create or replace temp table g as select unnest(from_json(raw, '{G_STRUCT}')) from pending_conversions"
    )
    counts = apply_conversions(con, run_id, base=base, now=now, pending_mode=True)
    newest_click = history.newest_click(con, now)  # a click dated after the run's clock does not end waits early
    con.execute(
        "create or replace temp table expired as select conversion_id, 'unattributed' as reason "
        "from pending_conversions p where p.first_seen < ?::timestamp - to_days(?) "
        "or (p.raw ->> '$.ts')::timestamp < ?::timestamp - to_days(?)",
        [now, WAIT_DAYS, newest_click, WAIT_DAYS],
    )
    expired = scalar(con, "select count(*) from expired")
    if expired:
        release(con, "expired", run_id, now)
    con.execute("update pending_conversions set attempts = attempts + 1")
    con.execute("drop table if exists expired")
    return counts["applied"], expired


def resolve_updates(con: duckdb.DuckDBPyConnection, run_id: int, *, base: str, now: datetime) -> tuple[int, int]:
    """Status updates waiting for their conversion (`etl.conversion_early`): those whose conversion is stored now
    are applied as its updates, or join its wait for its click; those whose first waited `WAIT_DAYS` go to the
    quarantine. Return (applied or joined, quarantined)."""
    if not scalar(con, "select count(*) from pending_updates"):
        return 0, 0
    con.execute(
        "create or replace temp table early_ids as select distinct conversion_id from pending_updates "
        "where conversion_id in (select conversion_id from conversions union all "
        "select conversion_id from pending_conversions)"
    )
    applied = int(scalar(con, "select count(*) from pending_updates semi join early_ids using (conversion_id)"))
    if applied:
        con.execute(
            f"create or replace temp table g as select unnest(from_json(p.raw, '{G_STRUCT}')) "
            "from pending_updates p semi join early_ids using (conversion_id)"
        )
        apply_conversions(con, run_id, base=base, now=now, pending_mode=False, early=True)
        settle_applied(con)
    con.execute("drop table early_ids")
    return applied, expire_updates(con, run_id, now, WAIT_DAYS)


# the type of each conversion's first row, when ids repeat: an aggregate over the narrow rows, joined back (a window
# over the wide attributed rows cost ~3x as much)
FIRST_TYPES_SQL = """
create or replace temp table g_first as
select conversion_id, arg_min(type, struct_pack(u := updated_at, f := file_id, r := rn)) as type
from g group by conversion_id
"""
_FIRST_TYPE = "(select t.type from g_first t where t.conversion_id = g.conversion_id)"

# the rate of a row's date (or the latest before it); the base currency is 1
_RATE = "case when r.a_currency = $base then 1::decimal(18,8) else fx.rate end"

ATTRIBUTE_SQL = f"""
create or replace temp table f as
with clk as (select * from clk_lookup),
r as (
    select
        g.*,
        e.conversion_id is not null as known,
        e.type as e_type,
        w.type as w_type,
        {{first_type}} as first_type,
        -- a conversion waiting for its click counts as seen: a row of it read again is its update or duplicate
        e.conversion_id is null and w.conversion_id is not null as waiting,
        coalesce(e.updated_at, w.updated_at) as old_updated_at,
        case when e.conversion_id is not null then e.attributed_by
             when clk.click_id is not null then 'click'
             when pc.code is not null then 'promo_code'
             when dp.partner_id is not null then 'partner_id' end as attributed_by,
        case when e.conversion_id is not null then e.partner_id when clk.click_id is not null then clk.partner_id
             when pc.code is not null then pc.partner_id else dp.partner_id end as a_partner,
        case when e.conversion_id is not null then e.offer_id when clk.click_id is not null then clk.offer_id
             when pc.code is not null then coalesce(g.offer_id, pc.offer_id) else g.offer_id end as a_offer,
        case when e.conversion_id is not null then e.link_id else clk.link_id end as link_id,
        case when e.conversion_id is not null then e.click_ts else clk.click_ts end as click_ts,
        coalesce(case when e.conversion_id is not null then e.country else clk.country end, 'ZZ') as country,
        coalesce(case when e.conversion_id is not null then e.device else clk.device end, 'other') as device,
        case when e.conversion_id is not null then e.sub1 else clk.sub1 end as sub1,
        case when e.conversion_id is not null then e.click_id when clk.click_id is not null then g.click_id end
            as a_click_id,
        -- optional values a row leaves out keep the stored or waiting version's
        coalesce(g.customer_id, e.customer_id, w.customer_id) as a_customer,
        coalesce(g.amount, e.amount, w.amount) as a_amount,
        case when coalesce(g.amount, e.amount, w.amount) is not null
             then coalesce(g.currency, e.currency, w.currency, $base) end as a_currency,
        case
            when e.conversion_id is not null or clk.click_id is not null then null
            -- the click comes first in the order of precedence: a conversion naming one that has not come waits for
            -- it, and its promo code or partner id attribute it only when the wait is over (else the order the files
            -- arrive in would choose the partner)
            when g.click_id is not null and not (
                coalesce(pw.first_seen, $now::timestamp) < $now::timestamp - to_days({WAIT_DAYS})
                or coalesce(g.ts < $newest::timestamp - to_days({WAIT_DAYS}), false)
            ) then 'wait'
            when g.promo_code is not null and pk.code is null and dp.partner_id is null then 'unknown_promo_code'
            when g.promo_code is not null and pc.code is null and dp.partner_id is null then
                case when lower(coalesce(pk.status, 'active')) <> 'active' then 'inactive_promo_code'
                     when (pk.valid_from is not null and g.ts < pk.valid_from)
                          or (pk.valid_to is not null and g.ts > pk.valid_to) then 'promo_code_outside_dates'
                     else 'promo_code_other_offer' end
            when g.promo_code is null and g.partner_id is not null and dp.partner_id is null then 'unknown_partner'
            when pc.code is null and dp.partner_id is null and g.click_id is not null then 'wait'  -- to `unattributed`
            -- none of them (a status update read before its conversion): it waits for it (`etl.conversion_early`)
            when pc.code is null and dp.partner_id is null then '{{no_attribution}}'
        end as a_reason
    from g
    left join conversions e on e.conversion_id = g.conversion_id
    left join pending_conversions pw on pw.conversion_id = g.conversion_id
    left join {{waiting}} w on w.conversion_id = g.conversion_id
    left join clk on clk.click_id = g.click_id
    -- a code attributes the conversions of its validity dates while it is active, and only of its offer when it
    -- has one (a row naming no offer takes the code's); `pk` tells an unknown code apart
    left join dim_promo_codes pk on pk.code = g.promo_code
    left join dim_promo_codes pc on pc.code = g.promo_code and lower(coalesce(pc.status, 'active')) = 'active'
        and (pc.valid_from is null or g.ts >= pc.valid_from) and (pc.valid_to is null or g.ts <= pc.valid_to)
        and (pc.offer_id is null or g.offer_id is null or g.offer_id = pc.offer_id)
    left join dim_partners dp on dp.partner_id = g.partner_id
)
select
    r.*,
    {_RATE} as fx_rate,
    coalesce(
        -- a conversion waiting for its click keeps its type too: the row of another type does not replace it
        case when r.a_reason = 'wait' and r.type <> coalesce(r.w_type, r.first_type) then 'type_changed' end,
        r.a_reason,
        case when not r.known and r.a_offer is null then 'missing_field:offer_id' end,
        case when not r.known and r.a_offer not in (select offer_id from dim_offers) then 'unknown_offer' end,
        case when r.a_amount is not null and r.a_currency <> $base and fx.rate is null then 'no_fx_rate' end,
        case when r.a_amount is not null and {out_of_range_sql("r.a_amount", _RATE)} then 'bad_amount' end,
        -- a conversion keeps its type: a row of its id with another is another event (an id reused), not an update
        case when r.type <> coalesce(r.e_type, r.w_type, r.first_type) then 'type_changed' end
    ) as reason
from r
left join {day_rates_sql("r", "a_currency")} fx on fx.currency = r.a_currency and fx.day = r.ts::date
"""


CLASSIFY_SQL = f"""
create or replace temp table ok as
with {
    flags_sql(
        "select file_id, rn, conversion_id, updated_at, old_updated_at, known or waiting as known from f "
        "where reason is null"
    )
}
select f.*, flags.is_dup, flags.is_insert, flags.is_final
from f join flags on flags.file_id = f.file_id and flags.rn = f.rn
where f.reason is null
"""
# The same flags when no conversion id repeats among the rows (a monthly file of new conversions): each row is
# its conversion's first and last, so the windows and the join back are not needed.
CLASSIFY_UNIQUE_SQL = """
create or replace temp table ok as
with d as (
    select *, coalesce(updated_at <= old_updated_at, false) as is_dup from f where reason is null
)
select *, not is_dup and not known and not waiting as is_insert, not is_dup as is_final from d
"""

# New conversions are inserted, known ones updated in place (status, amounts; the attribution stays): a plain insert
# and an UPDATE ... FROM took about half the time of one INSERT ... ON CONFLICT over the primary key.
INSERT_SQL = f"""
insert into conversions
select conversion_id, ts, updated_at, type, status, a_partner, a_offer, link_id, a_click_id, promo_code, attributed_by,
       a_customer, a_amount, a_currency, {times_sql("a_amount", "fx_rate")}, fx_rate, click_ts, country, device, sub1,
       file_id, $run_id, $run_id, $run_id
from ok where is_final and not known
"""

UPDATE_SQL = f"""
update conversions set
    ts = ok.ts, updated_at = ok.updated_at, type = ok.type, status = ok.status, customer_id = ok.a_customer,
    amount = ok.a_amount, currency = ok.a_currency, amount_base = {times_sql("ok.a_amount", "ok.fx_rate")},
    fx_rate = ok.fx_rate, updated_run_id = $run_id,
    status_run_id = case when conversions.status is distinct from ok.status then $run_id
                         else conversions.status_run_id end
from ok
where ok.is_final and ok.known and conversions.conversion_id = ok.conversion_id
"""


def apply_conversions(
    con: duckdb.DuckDBPyConnection, run_id: int, *, base: str, now: datetime, pending_mode: bool, early: bool = False
) -> dict[str, int]:
    """Attribute, convert and upsert the rows of temp table `g`; quarantine or park what cannot be loaded.

    `pending_mode`: `g` holds conversions waiting for their click; `early`: status updates that waited for their
    conversion (`etl.conversion_early`), their outcome left in `early_outcome` for their files' counts."""
    waiting_rows = NOT_WAITING if pending_mode else WAITING
    ids_repeat = scalar(con, "select count(*) > count(distinct conversion_id) from g")
    if not pending_mode:
        fill_rows(con, ids_repeat=ids_repeat, waiting=waiting_rows)
    # rows of one conversion read together: its type is its first row's (a window only when ids repeat)
    first = _FIRST_TYPE if ids_repeat else "null"
    if ids_repeat:
        con.execute(FIRST_TYPES_SQL)
    con.execute(
        ATTRIBUTE_SQL.replace("{waiting}", waiting_rows)
        .replace("{first_type}", first)
        .replace("{no_attribution}", NO_ATTRIBUTION if pending_mode or early else WAIT),
        {"base": base, "now": now, "newest": history.newest_click(con, now)},
    )
    bad = f"f.reason is not null and f.reason not in ('wait', '{WAIT}')"
    # a file's rows carry no raw values (the staged file `stg` has them); waiting rows carry theirs
    rows, raw = ("f", "f.raw") if pending_mode or early else ("f left join stg s on s.rn = f.rn", RAW)
    quarantined = scalar(con, f"select count(*) from f where {bad}")
    if quarantined and pending_mode:  # waiting conversions that now fail otherwise (an offer removed, ...)
        con.execute(f"create or replace temp table moved as select conversion_id, reason from f where {bad}")
        release(con, "moved", run_id, now)
    elif quarantined:
        con.execute(
            f"insert into quarantine select ?, f.file_id, 'conversions', f.path, f.rn, f.reason, {raw}, ? "
            f"from {rows} where {bad}",
            [run_id, now],
        )
    waiting = {"inserted": 0, "updated": 0, "duplicates": 0}
    if not pending_mode and scalar(con, "select count(*) from f where reason = 'wait'"):
        waiting = park(con, rows, raw, now, base, keep_dups=early)
    if not pending_mode and not early and scalar(con, f"select count(*) from f where reason = '{WAIT}'"):
        upd, dup = park_updates(con, rows, raw, now)
        waiting = {**waiting, "updated": waiting["updated"] + upd, "duplicates": waiting["duplicates"] + dup}
    repeated = scalar(con, "select count(*) > count(distinct conversion_id) from f where reason is null")
    con.execute(CLASSIFY_SQL if repeated else CLASSIFY_UNIQUE_SQL)
    counts = {
        "inserted": scalar(con, "select count(*) from ok where is_insert") + waiting["inserted"],
        "updated": scalar(con, "select count(*) from ok where not is_dup and not is_insert") + waiting["updated"],
        "duplicates": scalar(con, "select count(*) from ok where is_dup") + waiting["duplicates"],
        "quarantined": quarantined,
        "applied": scalar(con, "select count(*) from ok where is_final"),
    }
    if early:  # what each update turned out to be, for its file's counts (`etl.conversion_early.settle_applied`)
        dups = " union all select file_id, 'duplicates' from parked_dups" if waiting["duplicates"] else ""
        con.execute(
            "create or replace temp table early_outcome as select file_id, 'duplicates' as to_ from ok where is_dup "
            f"union all select file_id, 'quarantined' from f where {bad}{dups}"
        )
    con.execute(INSERT_SQL, {"run_id": run_id})
    if scalar(con, "select count(*) from ok where is_final and known"):
        con.execute(MOVED_SQL)
    con.execute(UPDATE_SQL, {"run_id": run_id})
    if not pending_mode:
        fill_from_older(con, base=base, run_id=run_id)
    con.execute("insert into touched select distinct date_trunc('hour', ts) from ok where is_final")
    if pending_mode:
        for waiting in ("pending_conversions", "pending_versions"):
            con.execute(f"delete from {waiting} where conversion_id in (select conversion_id from ok)")
    for table in ("f", "ok", "g", "g_first", "moved", "parked_dups"):
        con.execute(f"drop table if exists {table}")
    return counts
