"""Conversions waiting for their click: rows of a file that park (`park`: a new conversion waits, a newer row replaces
its waiting version, others are duplicates, classified by `flags_sql` like loaded rows), and those that go to the
quarantine after all (`release`: expired, or failing otherwise now): every version read of each, under its own file
and row, with the counts of those files and their runs moved."""

from __future__ import annotations

from datetime import datetime

import duckdb

from etl.conversion_updates import older_waiting_sql

WAIT_DAYS = 7  # a conversion waits this long for its click, then goes to the quarantine as unattributed

# The layout of a conversion row as it waits (`pending_conversions.raw`) and as `g` holds the rows to apply
G_STRUCT = (
    '{"rn":"BIGINT","conversion_id":"VARCHAR","ts":"TIMESTAMP","updated_at":"TIMESTAMP","type":"VARCHAR",'
    '"status":"VARCHAR","click_id":"VARCHAR","promo_code":"VARCHAR","partner_id":"INTEGER","offer_id":"INTEGER",'
    '"customer_id":"VARCHAR","amount":"DECIMAL(18,4)","currency":"VARCHAR","file_id":"INTEGER","path":"VARCHAR",'
    '"raw":"JSON"}'
)
G_COLUMNS = (
    "rn, conversion_id, ts, updated_at, type, status, click_id, promo_code, partner_id, offer_id, customer_id, "
    "amount, currency, file_id, path, raw"
)


def release(con: duckdb.DuckDBPyConnection, table: str, run_id: int, now: datetime) -> None:
    """Waiting conversions of `table` (conversion_id, reason) go to the quarantine: every version read of each (the
    waiting one and those it replaced), under its own file, row and values, and each file's counts move with it."""
    con.execute(
        f"""create or replace temp table released as
        select p.conversion_id, p.file_id, p.row_number, p.raw ->> '$.path' as path, p.raw -> '$.raw' as raw,
               coalesce(p.raw ->> '$.counted', 'inserted') as counted, t.reason
        from pending_conversions p join {table} t using (conversion_id)
        union all
        select v.conversion_id, v.file_id, v.row_number, v.path, v.raw, v.counted, t.reason
        from pending_versions v join {table} t using (conversion_id)"""
    )
    con.execute(
        "insert into quarantine select ?, file_id, 'conversions', path, row_number, reason, raw, ? from released",
        [run_id, now],
    )
    move_counts(con, "released")
    for waiting in ("pending_conversions", "pending_versions"):
        con.execute(f"delete from {waiting} where conversion_id in (select conversion_id from {table})")
    con.execute("drop table released")


def move_counts(con: duckdb.DuckDBPyConnection, table: str, to: str = "quarantined") -> None:
    """Rows counted `inserted` or `updated` (column `counted`) while waiting, now counted `to` (quarantined, or
    duplicates: an update older than its conversion that came): keep each file's counts adding up, and the totals of
    the run that read the file (the sum of its files' counts)."""
    to = {"quarantined": "quarantined", "duplicates": "duplicates"}[to]  # an allow-list: a column's name
    moved = (
        "select file_id, count(*) filter (where counted = 'inserted') as ins, "
        f"count(*) filter (where counted = 'updated') as upd, count(*) as n from {table} group by file_id"
    )
    change = f"inserted = inserted - q.ins, updated = updated - q.upd, {to} = {to} + q.n"
    con.execute(
        f"update etl_runs set {change} "
        "from (select f.run_id, sum(m.ins) as ins, sum(m.upd) as upd, sum(m.n) as n "
        f"from ({moved}) m join etl_files f using (file_id) group by f.run_id) q "
        "where etl_runs.run_id = q.run_id and etl_runs.status = 'ok'"  # the run in progress sums its files at its end
    )
    con.execute(f"update etl_files set {change} from ({moved}) q where etl_files.file_id = q.file_id")


# The windows run over narrow rows (keys and times) and the flags are joined back: sorting the wide rows (raw JSON
# included) three times was a fifth of a 10M run.
def flags_sql(rows: str) -> str:
    """CTEs ending in `flags` (file_id, rn, is_dup, is_insert, is_final) for `rows`, a SELECT of (file_id, rn,
    conversion_id, updated_at, old_updated_at, known): a row no newer than the stored one or than the row before it
    is a duplicate; of the others, a conversion's first row is its insert (unless it is known) and its last row its
    values. The windows run over these narrow rows; the caller joins the flags back."""
    return f"""n as (
    select *, lag(updated_at) over (partition by conversion_id order by updated_at, file_id, rn) as prev_u
    from ({rows})
),
d as (
    select *,
        (old_updated_at is not null and updated_at <= old_updated_at) or (prev_u is not null and updated_at = prev_u)
            as is_dup
    from n
),
flags as (
    select file_id, rn, is_dup,
        not is_dup and not known and row_number() over first_ = 1 as is_insert,
        not is_dup and row_number() over last_ = 1 as is_final
    from d
    window first_ as (partition by conversion_id, is_dup order by updated_at, file_id, rn),
           last_ as (partition by conversion_id, is_dup order by updated_at desc, file_id desc, rn desc)
)"""


# Rows that wait for their click, classified like loaded rows: against the conversion's waiting row (an equal or
# older `updated_at` is a duplicate) and each other. The first of a conversion is its insert, the last its values.
PARK_SQL = f"""
create or replace temp table parked as
with {
    flags_sql(
        "select f.file_id, f.rn, f.conversion_id, f.updated_at, "
        "(p.raw ->> '$.updated_at')::timestamp as old_updated_at, p.conversion_id is not null as known "
        "from f left join pending_conversions p using (conversion_id) "
        "where f.reason = 'wait'"
    )
}
select * from flags
"""


def park(
    con: duckdb.DuckDBPyConnection, rows: str, raw: str, now: datetime, base: str, *, keep_dups: bool = False
) -> dict[str, int]:
    """Rows of a file whose click has not arrived: a new conversion waits, a newer row of a waiting one replaces it
    (the wait started by the first is kept; the replaced version goes to `pending_versions`), others are duplicates
    (with `keep_dups`, listed in temp table `parked_dups`: file_id, rn). Returns the counts of the rows."""
    con.execute(PARK_SQL)
    if keep_dups:
        con.execute("create or replace temp table parked_dups as select file_id, rn from parked where is_dup")
    counts = dict(
        zip(
            ("inserted", "updated", "duplicates"),
            con.execute(
                "select count(*) filter (where is_insert), count(*) filter (where not is_dup and not is_insert), "
                "count(*) filter (where is_dup) from parked"
            ).fetchone()
            or (0, 0, 0),
            strict=True,
        )
    )
    counted = "case when k.is_insert then 'inserted' else 'updated' end"
    parked = f"from {rows} join parked k on k.file_id = f.file_id and k.rn = f.rn"
    # the versions a newer row replaces are kept, to be quarantined each as read if the conversion expires
    con.execute(
        "insert into pending_versions select p.conversion_id, p.file_id, p.row_number, p.raw ->> '$.path', "
        "p.raw -> '$.raw', coalesce(p.raw ->> '$.counted', 'inserted') from pending_conversions p "
        "where p.conversion_id in (select f.conversion_id from f join parked k using (file_id, rn) where k.is_final)"
    )
    con.execute(
        f"insert into pending_versions select f.conversion_id, f.file_id, f.rn, f.path, {raw}, {counted} {parked} "
        "where not k.is_dup and not k.is_final"
    )
    # values a newer row leaves out stay the waiting version's (ATTRIBUTE_SQL filled them in)
    filled = {"amount": "f.a_amount", "currency": "f.a_currency", "customer_id": "f.a_customer"}
    fields = ", ".join(f"{c} := {raw if c == 'raw' else filled.get(c, 'f.' + c)}" for c in G_COLUMNS.split(", "))
    con.execute(
        "insert or replace into pending_conversions "
        f"select f.conversion_id, to_json(struct_pack({fields}, counted := {counted})), f.click_id, "
        f"coalesce(p.first_seen, ?), coalesce(p.attempts, 1), f.file_id, f.rn {parked} and k.is_final "
        "left join pending_conversions p on p.conversion_id = f.conversion_id",
        [now],
    )
    if counts["duplicates"]:  # an older row gives the waiting version the values it lacks
        con.execute(older_waiting_sql("f join parked k using (file_id, rn)"), {"base": base})
    con.execute("drop table parked")
    # rows of a conversion that parks here which load now (they name a click that has come) are its updates: its
    # insert is counted once, as when the rows come in files of their own
    con.execute(
        "update f set waiting = true where reason is null and not known and not waiting "
        "and conversion_id in (select conversion_id from f where reason = 'wait')"
    )
    return {k: int(v) for k, v in counts.items()}
