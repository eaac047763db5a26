"""SQL of conversions read again: the values an update row leaves out, and the event times a row corrects.

A later row of a conversion (a newer `updated_at`) updates it; the contract makes amount, currency and customer
optional, so a row that leaves them out keeps the earlier version's, whether that version is stored, waiting for its
click (`pending_conversions`), or read in the same run. An earlier version read after it (a duplicate by its
`updated_at`) gives it the values it lacks, as if the rows had arrived in order. A row that leaves out the
attribution (click id, promo code, partner, offer) of a conversion not stored yet takes it from the conversion's other
rows in the file or its waiting version, so a status update of a waiting conversion waits with it. A row that moves a
conversion's event time leaves an hour to roll up again and a month whose volume tiers must be priced again; a row that
moves an FTD to another customer leaves that customer's other FTDs to be priced again (only a customer's first FTD pays
CPA).
"""

from __future__ import annotations

import duckdb

from etl.schema import scalar
from etl.validate import out_of_range_sql, times_sql

# The waiting version of each conversion (`pending_conversions`); none when the waiting rows themselves are applied
WAITING = """(
    select conversion_id, (raw ->> '$.updated_at')::timestamp as updated_at, raw ->> '$.customer_id' as customer_id,
        (raw ->> '$.amount')::decimal(18,4) as amount, raw ->> '$.currency' as currency, raw ->> '$.type' as type
    from pending_conversions
)"""
NOT_WAITING = """(
    select null::varchar as conversion_id, null::timestamp as updated_at, null::varchar as customer_id,
        null::decimal(18,4) as amount, null::varchar as currency, null::varchar as type
    where false
)"""

# Rows of one conversion read together (a file with its status updates): a row that leaves out an optional value
# (amount with its currency, customer) takes the one of the row before it, when that row is newer than the stored or
# waiting version (ATTRIBUTE_SQL then fills from that version) — as if each row had been read in its own run.
FILL_SQL = """
create or replace temp table fill as
with rep as (
    select conversion_id from g group by all
    having count(*) > 1 and (count(amount) < count(*) or count(customer_id) < count(*))
),
o as (
    select g.file_id, g.rn, g.conversion_id, g.updated_at, g.amount, g.currency, g.customer_id,
        coalesce(e.updated_at, w.updated_at) as old_u
    from g
    semi join rep using (conversion_id)
    left join conversions e using (conversion_id)
    left join {waiting} w using (conversion_id)
),
x as (
    select *,
        last_value(case when amount is not null and (old_u is null or updated_at > old_u)
                        then struct_pack(a := amount, c := currency) end ignore nulls) over w as ac,
        last_value(case when customer_id is not null and (old_u is null or updated_at > old_u)
                        then customer_id end ignore nulls) over w as cu
    from o
    window w as (partition by conversion_id order by updated_at, file_id, rn
                 rows between unbounded preceding and current row)
)
select file_id, rn, ac, cu from x where (amount is null and ac is not null) or (customer_id is null and cu is not null);
update g set
    amount = coalesce(g.amount, f.ac.a),
    currency = case when g.amount is null and f.ac is not null then f.ac.c else g.currency end,
    customer_id = coalesce(g.customer_id, f.cu)
from fill f
where g.file_id = f.file_id and g.rn = f.rn;
drop table fill;
"""

# Rows of a conversion not stored yet that leave out its attribution (a status update names no click, code or partner)
# take the one it was read with: of the row before it in the run's rows, else of its waiting version (it waits for that
# click: whichever file came first, the click keeps its precedence), else of a row after it. A stored conversion keeps
# its attribution anyway. Columns filled one by one; a row keeps the values it names.
_ATTRIBUTION = ("click_id", "promo_code", "partner_id", "offer_id")
ATTRIBUTION_FILL_SQL = f"""
create or replace temp table fill as
with o as (
    select g.file_id, g.rn, g.conversion_id, g.updated_at, {", ".join(f"g.{c}" for c in _ATTRIBUTION)}
    from g
    where g.conversion_id in (select conversion_id from pending_conversions){{repeated}}
),
w as (
    select conversion_id, click_id, raw ->> '$.promo_code' as promo_code,
        (raw ->> '$.partner_id')::integer as partner_id, (raw ->> '$.offer_id')::integer as offer_id
    from pending_conversions where conversion_id in (select conversion_id from o)
),
x as (
    select o.file_id, o.rn, {
    ", ".join(
        f"coalesce(last_value(o.{c} ignore nulls) over before_, w.{c}, first_value(o.{c} ignore nulls) over after_) "
        f"as {c}"
        for c in _ATTRIBUTION
    )
}
    from o left join w using (conversion_id)
    window before_ as (partition by o.conversion_id order by o.updated_at, o.file_id, o.rn
                       rows between unbounded preceding and current row),
           after_ as (partition by o.conversion_id order by o.updated_at, o.file_id, o.rn
                      rows between current row and unbounded following)
)
select x.* from x join g using (file_id, rn)
where {" or ".join(f"(g.{c} is null and x.{c} is not null)" for c in _ATTRIBUTION)};
update g set {", ".join(f"{c} = coalesce(g.{c}, f.{c})" for c in _ATTRIBUTION)}
from fill f
where g.file_id = f.file_id and g.rn = f.rn;
drop table fill;
"""


def fill_rows(con: duckdb.DuckDBPyConnection, *, ids_repeat: bool, waiting: str) -> None:
    """Before the rows of `g` (a file's) are attributed: the attribution and the optional values a row leaves out,
    from the rows of its conversion read before it (`waiting`: the waiting versions' values, `WAITING`)."""
    # and the conversions that repeat in the file leaving some out, when ids repeat (else no aggregate over the file)
    repeated = ""
    if ids_repeat:
        lacking = " or ".join(f"count({c}) < count(*)" for c in _ATTRIBUTION)
        repeated = (
            f" or g.conversion_id in (select conversion_id from g group by all having count(*) > 1 and ({lacking}))"
        )
    if ids_repeat or scalar(con, "select count(*) from pending_conversions"):
        con.execute(ATTRIBUTION_FILL_SQL.replace("{repeated}", repeated))
    if ids_repeat:
        con.execute(FILL_SQL.replace("{waiting}", waiting))


# Known conversions whose event time a row corrects: the hours they leave must be rolled up again, and the months they
# leave priced again (volume tiers count a month's conversions; the engine finds the month in the program's zone).
# An FTD given another customer leaves the old customer's FTDs to price again (the first of them may be paid now).
MOVED_SQL = """
create or replace temp table moved_ts as
select c.partner_id, c.ts as old_ts, ok.ts from conversions c join ok using (conversion_id)
where ok.is_final and ok.known and c.ts <> ok.ts;
insert into touched select distinct date_trunc('hour', old_ts) from moved_ts;
create temp table if not exists conv_moved_from (partner_id integer, ts timestamp);
insert into conv_moved_from select distinct partner_id, old_ts from moved_ts;
drop table moved_ts;
create temp table if not exists conv_customer_from (partner_id integer, customer_id varchar);
insert into conv_customer_from
select distinct c.partner_id, c.customer_id from conversions c join ok using (conversion_id)
where ok.is_final and ok.known and c.type = 'ftd' and c.customer_id is distinct from ok.a_customer
  and c.customer_id is not null;
"""

# Older rows (duplicates) of this file that carry a value the conversion lacks: the newest of them that carries it
# (no version read before carried it, or the conversion would have it). Columns: conversion_id, ac (amount and
# currency), cu (customer).
_OLDER = """
    select conversion_id,
        arg_max(struct_pack(a := amount, c := coalesce(currency, $base)), updated_at)
            filter (where amount is not null) as ac,
        arg_max(customer_id, updated_at) filter (where customer_id is not null) as cu
    from {rows} where is_dup and (amount is not null or customer_id is not null)
    group by all
"""
# ... for stored conversions: the amount at the rate of the conversion's date, as a newer row's would be
OLDER_FILL_SQL = f"""
create or replace temp table older as
with o as (
    select c.conversion_id, c.ts, c.amount is null and o.ac is not null as fill, o.ac, o.cu
    from ({_OLDER.format(rows="ok")}) o
    join conversions c using (conversion_id)
    where (c.amount is null and o.ac is not null) or (c.customer_id is null and o.cu is not null)
),
rated as (
    select o.*, case when o.ac.c = $base then 1::decimal(18,8) else fx.rate end as rate
    from o asof left join fx_rates fx on fx.currency = o.ac.c and o.ts::date >= fx.date
)
select conversion_id, ts, cu, ac, fill and rate is not null and not {out_of_range_sql("ac.a", "rate")} as fill, rate
from rated;
update conversions c set
    amount = case when o.fill then o.ac.a else c.amount end,
    currency = case when o.fill then o.ac.c else c.currency end,
    amount_base = case when o.fill then {times_sql("o.ac.a", "o.rate")} else c.amount_base end,
    fx_rate = case when o.fill then o.rate else c.fx_rate end,
    customer_id = coalesce(c.customer_id, o.cu),
    updated_run_id = $run_id
from older o
where c.conversion_id = o.conversion_id;
insert into touched select distinct date_trunc('hour', ts) from older where fill;
drop table older;
"""


def older_waiting_sql(rows: str) -> str:
    """... for conversions waiting for their click: `rows` are the rows read, with their `is_dup` flag."""
    return f"""
update pending_conversions p set raw = json_merge_patch(p.raw, json_merge_patch(
    case when p.raw ->> '$.amount' is null and o.ac is not null
         then json_object('amount', o.ac.a, 'currency', o.ac.c) else '{{}}'::json end,
    case when p.raw ->> '$.customer_id' is null and o.cu is not null
         then json_object('customer_id', o.cu) else '{{}}'::json end))
from ({_OLDER.format(rows=rows)}) o
where p.conversion_id = o.conversion_id
"""


def fill_from_older(con: duckdb.DuckDBPyConnection, *, base: str, run_id: int) -> None:
    """After the rows of `ok` are applied: older rows (duplicates) that carry a value their conversion lacks give it,
    to the stored conversion or to the waiting one (whose click came in this run: it is applied after the files)."""
    if not scalar(con, "select count(*) from ok where is_dup and (amount is not null or customer_id is not null)"):
        return
    params: dict[str, object] = {"base": base, "run_id": run_id}
    for sql in filter(str.strip, OLDER_FILL_SQL.split(";\n")):  # each statement with the parameters it uses
        con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql})
    con.execute(older_waiting_sql("ok"), {"base": base})
