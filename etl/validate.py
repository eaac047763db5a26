"""Contract rules as SQL over a staged file (`stg`: rn + text columns) → table `v`: typed values + one reason.

The first rule a row breaks gives its reason (contract codes: missing_field:<name>, bad_timestamp, bad_amount,
bad_currency, unknown_partner, unknown_offer, unknown_link_token, plus bad_type, bad_status, bad_kind, bad_date,
bad_rate, too_long:<name>). References that need the warehouse (FX, clicks, promo codes) are resolved as the rows
load (`etl.conversions`, `etl.commission_feed`). The feeds' columns and coded values are in `etl.contract`.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta

from etl.contract import (
    BOT_PATTERN,
    COMMISSION_KINDS,
    COMMISSION_STATUSES,
    CONVERSION_STATUSES,
    CONVERSION_TYPES,
    COUNTRIES,
    CURRENCY_PATTERN,
    DEVICES,
    FEED_COLUMNS,
)

RAW_VALUE_LIMIT = 2000  # characters a quarantined row keeps of a value (as of a bad row's text): no 20 MB referrer


def capped_json(doc: str) -> str:
    """SQL: the JSON object `doc` with every string value over `RAW_VALUE_LIMIT` characters cut to that many and '…'
    (only an object whose text is longer is taken apart; `doc` is repeated, not a subquery: 2x faster)."""
    ptr = "'/' || replace(replace(k, '~', '~0'), '/', '~1')"  # a JSON pointer addresses any key
    value = f"json_extract_string({doc}, {ptr})"
    cut = (
        f"case when json_type({doc}, {ptr}) = 'VARCHAR' and length({value}) > {RAW_VALUE_LIMIT} "
        f"then to_json(left({value}, {RAW_VALUE_LIMIT}) || '…') else json_extract({doc}, {ptr}) end"
    )
    pairs = f"list_transform(json_keys({doc}), lambda k: {{'k': k, 'v': {cut}}})"
    return (
        f"case when strlen(({doc})::varchar) > {RAW_VALUE_LIMIT} then to_json(map_from_entries({pairs})) else {doc} end"
    )


# A staged row `s` as the file had it, for the quarantine: its row number is the quarantine's row_number already,
# and the file id (a Parquet file staged with its own types has one) is the quarantine's file_id
RAW = capped_json("""json_merge_patch(to_json(s), '{"rn": null, "file_id": null}')""")

# A click's longest text, in characters, in every format (else `too_long:<name>`): the contract's 255 for sub values;
# 8,192 for a referrer or user agent, the longest header line common web servers take
CLICK_TEXT_LIMITS = {"click_id": 255, **{f"sub{i}": 255 for i in range(1, 6)}, "os": 255, "browser": 255,
                     "referrer": 8192, "user_agent": 8192}  # fmt: skip

TS_EPOCH = r"^-?\d{10,16}$"
# an offset as far as the world's go (up to ±14:00; +25:00 is a typo, not a time)
TS_ISO_OFFSET = r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|z|[+-](0\d|1[0-4])(:?[0-5]\d)?)$"
TS_ISO_NAIVE = r"^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?$"
MONEY = r"^[+-]?\d{1,14}(\.\d{1,4})?$"
MONEY_LIMIT = 10**14  # what DECIMAL(18,4), every money column, holds: |amount| < 10^14


# What every FX rate is stored as (`fx_rates.rate`, the `fx_rate` of conversions and commissions): 18 decimals, so
# a weak currency's rate keeps its digits (IDR 0.000062745098 was 0.00006275 in DECIMAL(18,8): +$0.49 on 100M IDR)
RATE_TYPE = "DECIMAL(38,18)"
# A rate with more decimals than that is rounded only when it moves by less than one part in 10^12 (the last digits
# of a binary float: 1/15937.5 is written 6.274509803921569e-05); otherwise it is a `bad_rate`
RATE_ROUNDING = 1e-12


def times_sql(amount: str, factor: str) -> str:
    """`amount × factor` rounded to 4 decimals, multiplied in 38 digits: DuckDB multiplies two DECIMAL(18) in 18
    digits, so 1,000,000.0000 × 1.00000000 (a scale of 12) overflowed and failed the run. Times a rate (a scale of
    18) the product has a scale of 22 and 16 whole digits: only for amounts `out_of_range_sql` has let through."""
    return f"round({amount}::decimal(38,4) * {factor}, 4)"


def out_of_range_sql(amount: str, factor: str) -> str:
    """True when `amount × factor` does not fit a money column (a huge amount at a high rate): a `bad_amount`.

    A product 10x beyond the limit is told in floating point first: in decimals it would overflow their 38 digits
    (10^14 × a rate of 1,000 is 10^17) and fail the run."""
    far = f"abs(({amount})::double * ({factor})::double) >= {MONEY_LIMIT * 10}"
    return f"case when {far} then true else abs({times_sql(amount, factor)}) >= {MONEY_LIMIT} end"


INT = r"^\d{1,9}(\.0+)?$"  # an id; "12.0" too (a float column from pandas when the column has gaps)


# The columns of a staged file: names (all text), or name -> staged DuckDB type (a Parquet file with its own types)
Present = set[str] | dict[str, str]

INT_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")
# Event times a run accepts: from 2000 to a day after the run's clock. Anything else is a sender's bug that would
# otherwise move the warehouse's newest click (its as-of time, the history split, the wait of conversions for their
# click): epoch seconds sent as milliseconds land in January 1970, a broken clock in a later year.
EARLIEST_TS = datetime(2000, 1, 1)
FUTURE_SLACK = timedelta(days=1)


# The run's clock (naive UTC) while a run validates: `run_etl(now=...)` replays a day as it was, and a file validated
# then must accept what that day accepted. Outside a run, the wall clock.
RUN_CLOCK: ContextVar[datetime | None] = ContextVar("run_clock", default=None)


def ts_range() -> tuple[datetime, datetime]:
    """The (earliest, latest) event time a run accepts: from 2000 to a day after the run's clock."""
    return EARLIEST_TS, (RUN_CLOCK.get() or datetime.now(UTC).replace(tzinfo=None)) + FUTURE_SLACK


def _epoch_ms(ts: datetime) -> int:
    return int((ts - datetime(1970, 1, 1)) / timedelta(milliseconds=1))


def _type(present: Present, name: str) -> str:
    """The staged DuckDB type of a column: text unless the file was Parquet (`present` then maps name -> type)."""
    return present.get(name, "VARCHAR") if isinstance(present, dict) else "VARCHAR"


def col(present: Present, name: str) -> str:
    """The trimmed text of a column, NULL when empty or absent from the file."""
    if name not in present:
        return "null::varchar"
    if _type(present, name) != "VARCHAR":
        return f's."{name}"::varchar'
    ref = f's."{name}"'
    # trim only values that start or end with a space: trimming every value copied every string of the file
    return (
        f"case when starts_with({ref}, ' ') or ends_with({ref}, ' ') then nullif(trim({ref}), '') "
        f"else nullif({ref}, '') end"
    )


def int_of(present: Present, name: str) -> str:
    """A column as INTEGER (NULL when absent or not an integer: text such as '12.5' is not rounded to 13, as a cast
    would, which would credit another partner)."""
    if name in present and _type(present, name) in INT_TYPES:
        return f'try_cast(s."{name}" as integer)'
    return int_text(col(present, name))


def int_text(text: str) -> str:
    """An id given as text as INTEGER: NULL unless it is a whole number ('12' or '12.0'; '12.5' is not 13)."""
    return f"case when regexp_matches({text}, '{INT}') then try_cast({text} as integer) end"


def ts_of(present: Present, name: str) -> str:
    """A contract timestamp column as naive UTC TIMESTAMP, by its staged type (NULL when it does not parse)."""
    typ, ref = _type(present, name), f's."{name}"'
    if name not in present:
        return "null::timestamp"
    lo, hi = ts_range()
    if typ in INT_TYPES:
        return f"case when {ref} between {_epoch_ms(lo)} and {_epoch_ms(hi)} then epoch_ms({ref}::bigint) end"
    if typ.startswith("TIMESTAMP") or typ == "DATE":  # TIMESTAMPTZ converts in the session time zone: UTC
        return f"case when {ref}::timestamp between {_literal(lo)} and {_literal(hi)} then {ref}::timestamp end"
    return ts_expr(col(present, name))


def _literal(ts: datetime) -> str:
    return f"timestamp '{ts:%Y-%m-%d %H:%M:%S}'"  # from the run's clock, never from input


def ts_expr(text: str) -> str:
    """Parse contract timestamp text to a naive UTC TIMESTAMP (NULL when it does not parse or is out of `ts_range`)."""
    lo, hi = ts_range()
    parsed = (
        f"case when regexp_matches({text}, '{TS_EPOCH}') then epoch_ms(try_cast({text} as bigint)) "
        # RFC 3339 allows "t" and "z"; DuckDB reads "T" and "Z". ISO 8601 allows leaving out the seconds.
        f"when regexp_matches({text}, '{TS_ISO_OFFSET}') then try_cast(upper({text}) as timestamptz)::timestamp "
        f"when regexp_matches({text}, '{TS_ISO_NAIVE}') then try_cast(upper({text}) as timestamp) end"
    )
    return f"case when ({parsed}) between {_literal(lo)} and {_literal(hi)} then ({parsed}) end"  # parsed once (CSE)


def longer(text: str, most: int) -> str:
    """SQL: the text has more than `most` characters, told by its bytes first (known without reading the string)."""
    return f"(strlen({text}) > {most} and length({text}) > {most})"


def _case(rules: list[tuple[str, str]]) -> str:
    return "case " + " ".join(f"when {cond} then '{reason}'" for reason, cond in rules) + " end"


def _required(present: Present, names: list[str]) -> list[tuple[str, str]]:
    return [(f"missing_field:{n}", f"{col(present, n)} is null") for n in names]


def money_text(present: Present) -> str:
    """The amount as text, with binary float noise taken off: `59.97000000000001` (19.99 * 3 in a float column of
    Parquet, or a JSON number from JavaScript) is `59.9700`. A value that really has more than 4 decimals
    (`1.23456`) is left as it is, and is a `bad_amount`."""
    text = col(present, "amount")
    if text == "null::varchar":
        return text
    num = f"try_cast({text} as double)"
    return (
        f"case when regexp_matches({text}, '^[+-]?\\d{{1,14}}\\.\\d{{5,}}$') "
        f"and abs({num} - round({num}, 4)) <= 1e-12 * greatest(1, abs({num})) "
        f"then round({num}, 4)::decimal(18,4)::varchar else {text} end"
    )


def _money_rules(present: Present, neg_ok: str) -> list[tuple[str, str]]:
    amount, cur = money_text(present), col(present, "currency")
    return [
        ("bad_amount", f"{amount} is not null and not regexp_matches({amount}, '{MONEY}')"),
        ("bad_amount", f"{amount} is not null and try_cast({amount} as decimal(18,4)) < 0 and not ({neg_ok})"),
        ("bad_currency", f"{cur} is not null and not regexp_full_match(upper({cur}), '{CURRENCY_PATTERN}')"),
    ]


def clicks_sql(
    present: Present, table: str, file_id: str = "s.file_id", lookups: str = "", without_ua: Iterable[int] = ()
) -> str:
    """SELECT of typed clicks with a reason from `table` (a staged table or a parenthesised SELECT of the files);
    references are checked against `{lookups}dim_links`, `..._partners` and `..._offers`. The values of the rows
    with a reason, as read, come from `click_raw_sql` (carrying every row as read through this SELECT for the few
    bad ones cost ~0.5 s of ~6.9 at 10M clicks).

    Each input column is trimmed/cast once in an inner projection (`t`); the rules then read plain columns.
    `without_ua`: ids of files read together with others (Parquet) that have no `user_agent` column of their own:
    their clicks are not bots for lacking one.
    """
    names = FEED_COLUMNS["clicks"]
    # ts, partner_id and offer_id are only tested for NULL here (typed below): a Parquet number needs no text copy
    typed = {n for n in ("ts", "partner_id", "offer_id") if n in present and _type(present, n) != "VARCHAR"}
    inner = ", ".join(f's."{n}"' if n in typed else f'{col(present, n)} as "{n}"' for n in names)
    c = {n: f't."{n}"' for n in names}
    # an empty user agent is a bot's; a file without the column (a tracker that does not send it) says nothing
    empty = f"{c['user_agent']} is null"
    if ids := sorted({int(i) for i in without_ua}):
        empty += f" and t.file_id not in ({', '.join(map(str, ids))})"
    bot = f"({empty}) or coalesce(u.is_bot, false)" if "user_agent" in present else "false"
    rules = (
        [(f"missing_field:{n}", f"{c[n]} is null") for n in ("click_id", "ts")]
        + [
            ("bad_timestamp", "t._ts is null"),
            ("too_long:click_id", longer(c["click_id"], CLICK_TEXT_LIMITS["click_id"])),
            ("unknown_link_token", f"{c['link_token']} is not null and l.link_id is null"),
            ("missing_field:link_token", f"{c['link_token']} is null and {c['partner_id']} is null"),
            ("missing_field:offer_id", f"{c['link_token']} is null and {c['offer_id']} is null"),
            ("unknown_partner", f"{c['link_token']} is null and p.partner_id is null"),
            ("unknown_offer", f"{c['link_token']} is null and o.offer_id is null"),
        ]
        + [(f"too_long:{n}", longer(c[n], m)) for n, m in CLICK_TEXT_LIMITS.items() if n in present and n != "click_id"]
    )
    country = f"upper({c['country']})"
    device = f"lower({c['device']})"
    return f"""
select
    t.file_id,
    t.rn,
    {_case(rules)} as reason,
    {c["click_id"]} as click_id,
    t._ts as ts,
    coalesce(l.partner_id, p.partner_id) as partner_id,
    coalesce(l.offer_id, o.offer_id) as offer_id,
    l.link_id,
    coalesce({c["sub1"]}, l.sub1) as sub1,
    coalesce({c["sub2"]}, l.sub2) as sub2,
    coalesce({c["sub3"]}, l.sub3) as sub3,
    coalesce({c["sub4"]}, l.sub4) as sub4,
    coalesce({c["sub5"]}, l.sub5) as sub5,
    case when regexp_full_match({country}, '{"|".join(COUNTRIES)}') then {country} else 'ZZ' end as country,
    case when {device} in {DEVICES} then {device} else 'other' end as device,
    {c["os"]} as os,
    {c["browser"]} as browser,
    {c["referrer"]} as referrer,
    {ip_hash(c["ip"])} as ip_hash,
    u.ua_hash,
    {bot} as is_bot
from (
    select {file_id} as file_id, s.rn, {inner}, {ts_of(present, "ts")} as _ts,
           {int_of(present, "partner_id")} as _partner, {int_of(present, "offer_id")} as _offer
    from {table} s
) t
left join (  -- user agents repeat: hash and classify each distinct one once
    select ua, md5(ua) as ua_hash, regexp_matches(lower(ua), '{BOT_PATTERN}') as is_bot
    from (select distinct {col(present, "user_agent")} as ua from {table} s)
) u on u.ua = {c["user_agent"]}
left join {lookups}dim_links l on l.token = {c["link_token"]}
left join {lookups}dim_partners p on {c["link_token"]} is null and p.partner_id = t._partner
left join {lookups}dim_offers o on {c["link_token"]} is null and o.offer_id = t._offer
"""


def ip_hash(ip: str) -> str:
    """The stored pseudonym of an ip (SQL text `ip`): the first 64 bits of SHA-256 of the key (parameter `$key`) and
    the ip."""
    return f"('0x' || left(sha256($key || {ip}), 16))::ubigint"


def click_raw_sql(present: Present, table: str, file_id: str, bad: str) -> str:
    """SELECT (file_id, rn, raw) of the rows of `table` listed in `bad` (a table of file_id, rn): each row's values
    as read, as JSON without file_id and rn, for the quarantine. Raw IPs are never stored, not even there: the ip is
    replaced by its hash (as clicks keep it)."""
    patch = (
        f"json_object('file_id', null, 'rn', null, 'ip', null, 'ip_hash', ({ip_hash(col(present, 'ip'))})::varchar)"
        if "ip" in present
        else """'{"file_id": null, "rn": null}'"""
    )
    return f"""
select {file_id} as file_id, s.rn, {capped_json(f"json_merge_patch(to_json(s), {patch})")} as raw
from {table} s
semi join {bad} b on b.file_id = {file_id} and b.rn = s.rn
"""


def conversions_sql(present: Present) -> str:
    """Typed conversions with a reason from the row alone; attribution and FX come later. `present` maps each column
    to its staged type for a Parquet file staged with its own types (times and ids are then read as they are)."""
    c = {n: col(present, n) for n in FEED_COLUMNS["conversions"]}
    typ, status = f"lower({c['type']})", f"lower(coalesce({c['status']}, 'pending'))"
    ts, updated = ts_of(present, "ts"), ts_of(present, "updated_at")
    partner, offer = int_of(present, "partner_id"), int_of(present, "offer_id")
    rules = [
        *_required(present, ["conversion_id", "ts", "type"]),
        ("bad_timestamp", f"({ts}) is null"),
        ("bad_timestamp", f"{c['updated_at']} is not null and ({updated}) is null"),
        ("too_long:conversion_id", f"length({c['conversion_id']}) > 255"),
        ("bad_type", f"{typ} not in {CONVERSION_TYPES}"),
        ("bad_status", f"{status} not in {CONVERSION_STATUSES}"),
        *_money_rules(present, f"{typ} = 'revenue'"),
        ("unknown_partner", f"{c['partner_id']} is not null and ({partner}) is null"),
        ("unknown_offer", f"{c['offer_id']} is not null and ({offer}) is null"),
    ]
    return f"""
create or replace temp table v as
select
    s.rn,
    {_case(rules)} as reason,
    {c["conversion_id"]} as conversion_id,
    {ts} as ts,
    coalesce({updated}, {ts}) as updated_at,
    {typ} as type,
    {status} as status,
    {c["click_id"]} as click_id,
    upper(nfc_normalize({c["promo_code"]})) as promo_code,
    {partner} as partner_id,
    {offer} as offer_id,
    {c["customer_id"]} as customer_id,
    try_cast({money_text(present)} as decimal(18,4)) as amount,
    upper({c["currency"]}) as currency
from stg s
"""


def commissions_sql(present: Present) -> str:
    """Typed feed commissions with a reason."""
    c = {n: col(present, n) for n in FEED_COLUMNS["commissions"]}
    kind, status = f"lower(coalesce({c['kind']}, 'adjustment'))", f"lower(coalesce({c['status']}, 'approved'))"
    rules = [
        *_required(present, ["commission_id", "partner_id", "ts", "amount", "currency"]),
        ("bad_timestamp", f"({ts_expr(c['ts'])}) is null"),
        *_money_rules(present, "true"),
        ("unknown_partner", "p.partner_id is null"),
        ("bad_kind", f"{kind} not in {COMMISSION_KINDS}"),
        ("bad_status", f"{status} not in {COMMISSION_STATUSES}"),
    ]
    return f"""
create or replace temp table v as
select
    s.rn,
    {_case(rules)} as reason,
    {c["commission_id"]} as commission_id,
    p.partner_id,
    {ts_expr(c["ts"])} as ts,
    try_cast({money_text(present)} as decimal(18,4)) as amount,
    upper({c["currency"]}) as currency,
    {kind} as kind,
    {status} as status,
    {c["conversion_id"]} as conversion_id,
    {c["note"]} as note
from stg s
left join dim_partners p on p.partner_id = {int_text(c["partner_id"])}
"""


_BASE = "coalesce((select upper(value) from dim_settings where key = 'base_currency'), 'USD')"


def fx_sql(present: Present) -> str:
    """Typed FX rates with a reason."""
    c = {n: col(present, n) for n in FEED_COLUMNS["fx_rates"]}
    rate, num = f"try_cast({c['rate']} as {RATE_TYPE})", f"try_cast({c['rate']} as double)"
    rules = [
        *_required(present, ["date", "currency", "rate"]),
        ("bad_date", f"try_cast({c['date']} as date) is null"),
        ("bad_currency", f"not regexp_full_match(upper({c['currency']}), '{CURRENCY_PATTERN}')"),
        ("bad_rate", f"coalesce({rate}, 0) <= 0"),
        # more decimals than a rate keeps, whose rounding would change it (`RATE_ROUNDING`): not silently rounded
        ("bad_rate", f"abs({num} - {rate}::double) > {RATE_ROUNDING} * {num}"),
        # the base currency is 1 by definition: any other rate for it is a sender's mix-up (it would be unused)
        ("bad_rate", f"upper({c['currency']}) = {_BASE} and {rate} <> 1"),
    ]
    return f"""
create or replace temp table v as
select s.rn, {_case(rules)} as reason, try_cast({c["date"]} as date) as date, upper({c["currency"]}) as currency,
       {rate} as rate
from stg s
"""
