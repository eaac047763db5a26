"""The floor of a full ETL run: each step the pipeline must do, as the cheapest DuckDB statement found for it.

Usage: python bench/bench_floor.py DATA_DIR [--repeat 2] [--scratch /tmp/cabinet-bench-floor]

DATA_DIR is a demo data directory (`cabinet demo`: `inbox/` and the SQLite store, whose links, partners and offers
the clicks are checked against). In one process, one after another: the bare load of `bench_etl.py`
(`CREATE TABLE AS SELECT *` per inbox file, then checkpoint) and the floor, hand-written statements into a fresh file
database that do only what a run must:

- the contract's click checks (required fields; known token, partner and offer; the country and device lists) and the
  rows read and bad per file, in a read of their own (DuckDB reads only the columns the checks use);
- clicks: read the Parquet files again with the same checks, resolve the token (link, partner, offer, sub values),
  hash the ip with a key (SHA-256) and write the good rows sorted by (month, partner, time), in one statement;
- duplicate ids within the load (a hash aggregate); unique clicks per METRICS.md: a window over the clicks of visitors
  seen more than once, and an update of the repeat clicks;
- the three click rollups (fine hourly from the clicks, daily and partner-hourly from the fine one);
- conversions: read the Parquet files, keep each id's last row, copy the click attributes in (join on click id),
  convert to the base currency (as-of join on the rates), insert into a table with its primary key;
- one computed commission row per conversion (a CPA amount per type), with its primary key;
- the money rows of the three rollups, from conversions and commissions;
- checkpoint.

Left out, though a run must do them: quarantine rows, the manifest, dedupe against earlier loads, commission plans,
tiers, overrides and hold, user-agent classification, the conversions and commissions in CSV/JSON Lines, publish.
So a run cannot be faster than the floor, and bare / floor bounds the ratio `bench_etl.py` reports (target 0.6).
Not part of the test run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sqlite3
import sys
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_etl import _bare_load

from etl.contract import COUNTRIES

KEY = "floor-ip-key-0123456789abcdef"

# The contract's click checks, at their cheapest: required fields, a known token / partner / offer, the country list,
# the device list. `filename` is kept for the per-file counts.
VALIDATED = """
select c.click_id, make_timestamp(c.ts * 1000) as ts, l.link_id,
       coalesce(l.partner_id, c.partner_id::integer) as partner_id,
       coalesce(l.offer_id, c.offer_id::integer) as offer_id,
       coalesce(c.sub1, l.sub1) as sub1, l.sub2, l.sub3, l.sub4, l.sub5,
       case when regexp_full_match(upper(c.country), '{countries}') then upper(c.country) else 'ZZ' end as country,
       case when lower(c.device) in ('desktop', 'mobile', 'tablet') then lower(c.device) else 'other' end as device,
       c.os, c.browser, c.referrer,
       ('0x' || left(sha256($key || c.ip), 16))::ubigint as ip_hash, hash(c.user_agent) as ua_hash,
       false as is_bot, c.filename,
       case when c.click_id is null or c.click_id = '' then 'missing_field:click_id'
            when c.ts is null then 'missing_field:ts'
            when c.link_token is not null and l.link_id is null then 'unknown_link_token'
            when p.partner_id is null then 'unknown_partner'
            when o.offer_id is null then 'unknown_offer' end as reason
from read_parquet($files, filename = true) c
left join links l on l.token = c.link_token
left join partners p on p.partner_id = coalesce(l.partner_id, c.partner_id)
left join offers o on o.offer_id = coalesce(l.offer_id, c.offer_id)
"""

# Rows read and rows bad per file (the manifest's counts): a second read of the files, writing nothing wide.
COUNTS = f"""
create table file_counts as
select filename, count(*) as rows_read, count(*) filter (where reason is not null) as bad
from ({VALIDATED}) group by filename
"""

CLICKS = f"""
create table clicks as
select * exclude (filename, reason), true as is_unique from ({VALIDATED}) where reason is null
order by date_trunc('month', ts), partner_id, ts
"""

DUPLICATES = "create table dup_ids as select click_id from clicks group by click_id having count(*) > 1"

# A window over every click (partition by visitor) cost ~2 s more at 10M than one over the repeat visitors alone.
UNIQUE = """
create temp table not_unique as
with v as (
    select hash(ip_hash, ua_hash, partner_id, offer_id) as k, ts, rowid as r from clicks where ip_hash is not null
),
repeat as (select k from v group by k having count(*) > 1),
w as (
    select r, ts - lag(ts) over (partition by k order by ts) < interval 24 hours as repeat_click
    from v semi join repeat using (k)
)
select r from w where repeat_click;
update clicks set is_unique = false where rowid in (select r from not_unique);
"""

ROLLUPS = [
    """create table rollup_hourly as
    select date_trunc('hour', ts) as hour, partner_id, offer_id, link_id, country, device, sub1,
           count(*) filter (where not is_bot) as clicks, count(*) filter (where is_unique and not is_bot) as uniq,
           count(*) filter (where is_bot) as bots
    from clicks group by all order by partner_id, hour""",
    """create table rollup_daily as
    select hour::date as day, partner_id, offer_id, country, sum(clicks) as clicks, sum(uniq) as uniq,
           sum(bots) as bots
    from rollup_hourly group by all order by day, partner_id""",
    """create table rollup_partner_hourly as
    select hour, partner_id, sum(clicks) as clicks, sum(uniq) as uniq, sum(bots) as bots
    from rollup_hourly group by all order by partner_id, hour""",
]

CONVERSIONS = """
create table conversions (
    conversion_id varchar primary key, ts timestamp, updated_at timestamp, type varchar, status varchar,
    partner_id integer, offer_id integer, link_id integer, click_id varchar, customer_id varchar,
    amount decimal(18,4), currency varchar, amount_base decimal(18,4), click_ts timestamp, country varchar,
    device varchar, sub1 varchar);
insert into conversions
with v as (
    select conversion_id, make_timestamp(ts * 1000) as ts, make_timestamp(updated_at * 1000) as updated_at, type,
           status, click_id, partner_id::integer as partner_id, offer_id::integer as offer_id, customer_id,
           amount::decimal(18,4) as amount, coalesce(currency, 'USD') as currency
    from read_parquet($files)
    qualify row_number() over (partition by conversion_id order by updated_at desc) = 1
),
k as (
    select click_id, ts, partner_id, offer_id, link_id, country, device, sub1 from clicks
    where click_id in (select click_id from v)
)
select v.conversion_id, v.ts, v.updated_at, v.type, v.status, coalesce(k.partner_id, v.partner_id),
       coalesce(k.offer_id, v.offer_id), k.link_id, k.click_id, v.customer_id, v.amount, v.currency,
       round(v.amount * coalesce(fx.rate, 1), 4), k.ts, coalesce(k.country, 'ZZ'), coalesce(k.device, 'other'), k.sub1
from v
left join k on k.click_id = v.click_id
asof left join fx on fx.currency = v.currency and v.ts::date >= fx.date
"""

COMMISSIONS = """
create table commissions (commission_id varchar primary key, conversion_id varchar, partner_id integer, ts timestamp,
                          amount decimal(18,4), amount_base decimal(18,4), status varchar);
insert into commissions
select 'cpa:' || conversion_id, conversion_id, partner_id, ts,
       case type when 'ftd' then 50 when 'registration' then 2 when 'sale' then amount * 0.1 else 0 end,
       case type when 'ftd' then 50 when 'registration' then 2 when 'sale' then amount_base * 0.1 else 0 end, status
from conversions
"""

MONEY = """
insert into {table} ({keys}, registrations, ftds, deposit_amount, revenue, commission)
select {bucket}, {keys_after}, count(*) filter (where type = 'registration'), count(*) filter (where type = 'ftd'),
       sum(c.amount_base) filter (where type = 'deposit'),
       sum(c.amount_base) filter (where type in ('revenue', 'sale')),
       sum(m.amount_base)
from conversions c left join (select conversion_id, amount_base from commissions) m using (conversion_id)
group by all
"""
LEVELS = [
    ("rollup_hourly", "hour, partner_id, offer_id, link_id, country, device, sub1", "date_trunc('hour', c.ts)"),
    ("rollup_daily", "day, partner_id, offer_id, country", "c.ts::date"),
    ("rollup_partner_hourly", "hour, partner_id", "date_trunc('hour', c.ts)"),
]


def floor(data_dir: Path, scratch: Path) -> dict[str, float]:
    """Run the floor's statements into a fresh file database; seconds per step."""
    inbox = data_dir / "inbox"
    db = scratch / "floor.duckdb"
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    clicks = sorted(str(p) for p in (inbox / "clicks").glob("*.parquet"))
    conversions = sorted(str(p) for p in (inbox / "conversions").glob("*.parquet"))
    store = sqlite3.connect(data_dir / "cabinet.db")
    con.execute(
        "create temp table links (link_id integer, token varchar, partner_id integer, offer_id integer, "
        "sub1 varchar, sub2 varchar, sub3 varchar, sub4 varchar, sub5 varchar)"
    )
    con.executemany(
        "insert into links values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        store.execute("select id, token, partner_id, offer_id, sub1, sub2, sub3, sub4, sub5 from tracking_links"),
    )
    con.execute("create temp table partners (partner_id integer)")
    con.executemany("insert into partners values (?)", store.execute("select id from partners"))
    con.execute("create temp table offers (offer_id integer)")
    con.executemany("insert into offers values (?)", store.execute("select id from offers"))
    store.close()
    con.execute("create temp table fx (currency varchar, date date, rate decimal(18,8))")
    con.execute(
        "insert into fx select c, d::date, 1.1 from (values ('EUR'), ('GBP'), ('RUB')) t(c), "
        "range(date '2026-01-01', date '2027-01-01', interval 1 day) r(d)"
    )
    steps: dict[str, float] = {}

    def step(name: str, sql: str, params: dict[str, object] | None = None) -> None:
        t = time.perf_counter()
        con.execute(sql, params or {})
        steps[name] = steps.get(name, 0.0) + time.perf_counter() - t

    countries = "|".join(COUNTRIES)
    step("counts per file", COUNTS.format(countries=countries), {"key": KEY, "files": clicks})
    step("clicks", CLICKS.format(countries=countries), {"key": KEY, "files": clicks})
    step("duplicates", DUPLICATES)
    step("unique clicks", UNIQUE)
    for sql, name in zip(ROLLUPS, ("rollup hourly", "rollup daily", "rollup partner-hourly"), strict=True):
        step(name, sql)
    for table in ("rollup_hourly", "rollup_daily", "rollup_partner_hourly"):
        for column, kind in (
            ("registrations", "bigint"),
            ("ftds", "bigint"),
            ("deposit_amount", "decimal(18,4)"),
            ("revenue", "decimal(18,4)"),
            ("commission", "decimal(18,4)"),
        ):
            con.execute(f"alter table {table} add column {column} {kind}")
    step("conversions", CONVERSIONS, {"files": conversions})
    step("commissions", COMMISSIONS)
    for table, keys, bucket in LEVELS:
        _first, *rest = keys.split(", ")
        step("money rollups", MONEY.format(table=table, keys=keys, bucket=bucket, keys_after=", ".join(rest)))
    step("checkpoint", "checkpoint")
    steps["total"] = sum(steps.values())
    steps["clicks_rows"] = con.execute("select count(*) from clicks").fetchall()[0][0]
    con.close()
    db.unlink(missing_ok=True)
    return steps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data_dir", type=Path, help="a demo data directory: inbox/ and the store cabinet.db")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--scratch", type=Path, default=Path("/tmp/cabinet-bench-floor"))
    args = ap.parse_args()
    args.scratch.mkdir(parents=True, exist_ok=True)
    for _ in range(args.repeat):
        rows, bare = _bare_load(args.data_dir / "inbox", args.scratch)
        steps = floor(args.data_dir, args.scratch)
        rounded = {k: round(v, 2) for k, v in steps.items()}
        print(json.dumps({"rows": rows, "bare_s": round(bare, 2), **rounded, "ratio": round(bare / steps["total"], 3)}))
    with contextlib.suppress(OSError):  # both databases are removed after use; the directory only if it is empty
        args.scratch.rmdir()


if __name__ == "__main__":
    main()
