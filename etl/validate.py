"""Contract rules as SQL over a staged file (`stg`: rn + text columns) → table `v`: typed values + one reason.

The first rule a row breaks gives its reason (contract codes: missing_field:<name>, bad_timestamp, bad_amount,
bad_currency, unknown_partner, unknown_offer, unknown_link_token, plus bad_type, bad_status, bad_kind, bad_date,
bad_rate, too_long:<name>). References that need the warehouse (FX, clicks, promo codes) are resolved as the rows
load (`etl.conversions`, `etl.commission_feed`). The feeds' columns and coded values are in `etl.contract`, the SQL
of a value as its type (ids, times, money) in `etl.value_sql`.
"""

from __future__ import annotations

from collections.abc import Iterable

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
from etl.ip_mask import first_address_sql, ip_form_sql, one_form_sql
from etl.value_sql import (
    MONEY,
    RATE_ROUNDING,
    Present,
    bad_value,
    cleaned,
    col,
    header_again,
    int_of,
    int_text,
    longer,
    money_text,
    staged_type,
    text_ref,
    ts_expr,
    ts_of,
    value_ref,
)

# the typed values' names other modules take from here
from etl.value_sql import MONEY_LIMIT as MONEY_LIMIT
from etl.value_sql import RATE_TYPE as RATE_TYPE
from etl.value_sql import RUN_CLOCK as RUN_CLOCK
from etl.value_sql import out_of_range_sql as out_of_range_sql
from etl.value_sql import times_sql as times_sql

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
# The other feeds' free text, likewise: ids and codes 255 characters (as a click's id), a commission's note 2,000 (as
# a note on a partner), far beyond real values; a 20 MB customer id was stored and shown. Their coded columns (type,
# status, kind, currency, dates, amounts, rates) have their own reasons, which an over-long value gets.
TEXT_LIMITS = {
    "clicks": CLICK_TEXT_LIMITS,
    "conversions": {"conversion_id": 255, "click_id": 255, "promo_code": 255, "customer_id": 255},
    "commissions": {"commission_id": 255, "conversion_id": 255, "note": 2000},
    "fx_rates": {},
}


def _case(rules: list[tuple[str, str]]) -> str:
    return "case " + " ".join(f"when {cond} then '{reason}'" for reason, cond in rules) + " end"


def _required(values: dict[str, str], names: list[str]) -> list[tuple[str, str]]:
    return [(f"missing_field:{n}", f"{values[n]} is null") for n in names]


def _too_long(present: Present, feed: str, values: dict[str, str]) -> list[tuple[str, str]]:
    """`too_long:<name>` for each of the feed's text columns in the file (`TEXT_LIMITS`); `values`: SQL of each."""
    return [(f"too_long:{n}", longer(values[n], most)) for n, most in TEXT_LIMITS[feed].items() if n in present]


def _money_rules(amount: str, cur: str, neg_ok: str) -> list[tuple[str, str]]:
    """`bad_amount` and `bad_currency` of the amount's text (`money_text`) and the currency's value (SQL of each)."""
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
    typed = {n for n in ("ts", "partner_id", "offer_id") if n in present and staged_type(present, n) != "VARCHAR"}
    inner = ", ".join(f's."{n}"' if n in typed else f'{value_ref(n)} as "{n}"' for n in names)
    c = {n: f't."{n}"' for n in names}
    # an empty user agent is a bot's; a file without the column (a tracker that does not send it) says nothing
    empty = f"{c['user_agent']} is null"
    if ids := sorted({int(i) for i in without_ua}):
        empty += f" and t.file_id not in ({', '.join(map(str, ids))})"
    bot = f"({empty}) or coalesce(u.is_bot, false)" if "user_agent" in present else "false"
    rules = (
        [("bad_row", "t._bad")]
        + [(f"missing_field:{n}", f"{c[n]} is null") for n in ("click_id", "ts")]
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
    {ip_hash("t._ip", first=True)} as ip_hash,
    u.ua_hash,
    {bot} as is_bot
from (
    select s.file_id, s.rn, {inner}, {ts_of(present, "ts", text_ref("ts"))} as _ts,
           {int_of(present, "partner_id", text_ref("partner_id"))} as _partner,
           {int_of(present, "offer_id", text_ref("offer_id"))} as _offer,
           {bad_value(present, CLICK_TEXT_LIMITS)} or {header_again(present, names)} as _bad,
           {first_address_sql(value_ref("ip"))} as _ip
    from {cleaned(present, names, ("ts", "partner_id", "offer_id"), f"{table} s", f"{file_id} as file_id, s.rn")}
) t
left join (  -- user agents repeat: hash and classify each distinct one once
    select ua, md5(ua) as ua_hash, regexp_matches(lower(ua), '{BOT_PATTERN}') as is_bot
    from (select distinct {col(present, "user_agent")} as ua from {table} s)
) u on u.ua = {c["user_agent"]}
left join {lookups}dim_links l on l.token = {c["link_token"]}
left join {lookups}dim_partners p on {c["link_token"]} is null and p.partner_id = t._partner
left join {lookups}dim_offers o on {c["link_token"]} is null and o.offer_id = t._offer
"""


def ip_hash(ip: str, *, first: bool = False) -> str:
    """The stored pseudonym of an ip (SQL text `ip`): the first 64 bits of SHA-256 of the key (parameter `$key`) and
    the ip in one written form (`ip_form_sql`: `::ffff:192.0.2.7` and `192.0.2.7:5123` are `192.0.2.7`); NULL, as
    for a missing ip, when the value is no address (`-`, `unknown`, `0.0.0.0`). `first`: `ip` is the first address
    of the value already (`first_address_sql`), named once where a statement wrote that expression eight times."""
    form = one_form_sql(ip) if first else ip_form_sql(ip)
    return f"('0x' || left(sha256($key || {form}), 16))::ubigint"


def click_raw_sql(present: Present, table: str, file_id: str, bad: str) -> str:
    """SELECT (file_id, rn, raw) of the rows of `table` listed in `bad` (a table of file_id, rn): each row's values
    as read, as JSON without file_id and rn, for the quarantine. Raw IPs are never stored, not even there: the ip is
    replaced by its hash (as clicks keep it)."""
    patch = (
        f"json_object('file_id', null, 'rn', null, 'ip', null, 'ip_hash', ({ip_hash(col(present, 'ip'))})::varchar)"
        if "ip" in present
        else """'{"file_id": null, "rn": null}'"""
    )
    # the row's JSON is made once, below: `capped_json` names it seven times, and each copy of the ip's hash took
    # ~10 ms to prepare (its address patterns), ~0.1 s a statement
    return f"""
select file_id, rn, {capped_json("doc")} as raw
from (
    select {file_id} as file_id, s.rn, json_merge_patch(to_json(s), {patch}) as doc
    from {table} s
    semi join {bad} b on b.file_id = {file_id} and b.rn = s.rn
)
"""


def conversions_sql(present: Present) -> str:
    """Typed conversions with a reason from the row alone; attribution and FX come later. `present` maps each column
    to its staged type for a Parquet file staged with its own types (times and ids are then read as they are).

    Each value is cleaned once (`cleaned`), then parsed once in a projection over it (times, ids, the amount's text);
    the rules and the typed columns name those."""
    names = FEED_COLUMNS["conversions"]
    c = {n: value_ref(n) for n in names}
    typ, status = f"lower({c['type']})", f"lower(coalesce({c['status']}, 'pending'))"
    parsed = (
        f"{ts_of(present, 'ts', text_ref('ts'))} as _ts, {ts_of(present, 'updated_at', text_ref('updated_at'))} "
        f"as _updated, {int_of(present, 'partner_id', text_ref('partner_id'))} as _partner, "
        f"{int_of(present, 'offer_id', text_ref('offer_id'))} as _offer, "
        f"{money_text(present, text_ref('amount'), c['amount'])} as _money"
    )
    rules = [
        ("bad_row", f"{bad_value(present, TEXT_LIMITS['conversions'])} or {header_again(present, names)}"),
        *_required(c, ["conversion_id", "ts", "type"]),
        ("bad_timestamp", "s._ts is null"),
        ("bad_timestamp", f"{c['updated_at']} is not null and s._updated is null"),
        *_too_long(present, "conversions", c),
        ("bad_type", f"{typ} not in {CONVERSION_TYPES}"),
        ("bad_status", f"{status} not in {CONVERSION_STATUSES}"),
        *_money_rules("s._money", c["currency"], f"{typ} = 'revenue'"),
        ("unknown_partner", f"{c['partner_id']} is not null and s._partner is null"),
        ("unknown_offer", f"{c['offer_id']} is not null and s._offer is null"),
    ]
    texts = ("ts", "updated_at", "partner_id", "offer_id", "amount")
    return f"""
create or replace temp table v as
select
    s.rn,
    {_case(rules)} as reason,
    {c["conversion_id"]} as conversion_id,
    s._ts as ts,
    coalesce(s._updated, s._ts) as updated_at,
    {typ} as type,
    {status} as status,
    {c["click_id"]} as click_id,
    upper(nfc_normalize({c["promo_code"]})) as promo_code,
    s._partner as partner_id,
    s._offer as offer_id,
    {c["customer_id"]} as customer_id,
    try_cast(s._money as decimal(18,4)) as amount,
    upper({c["currency"]}) as currency
from (select s.*, {parsed} from {cleaned(present, names, texts)}) s
"""


def commissions_sql(present: Present) -> str:
    """Typed feed commissions with a reason (each value cleaned and parsed once, as in `conversions_sql`)."""
    names = FEED_COLUMNS["commissions"]
    c = {n: value_ref(n) for n in names}
    kind, status = f"lower(coalesce({c['kind']}, 'adjustment'))", f"lower(coalesce({c['status']}, 'approved'))"
    parsed = f"{ts_expr(c['ts'])} as _ts, {money_text(present, text_ref('amount'), c['amount'])} as _money"
    rules = [
        ("bad_row", f"{bad_value(present, TEXT_LIMITS['commissions'])} or {header_again(present, names)}"),
        *_required(c, ["commission_id", "partner_id", "ts", "amount", "currency"]),
        ("bad_timestamp", "s._ts is null"),
        *_too_long(present, "commissions", c),
        *_money_rules("s._money", c["currency"], "true"),
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
    s._ts as ts,
    try_cast(s._money as decimal(18,4)) as amount,
    upper({c["currency"]}) as currency,
    {kind} as kind,
    {status} as status,
    {c["conversion_id"]} as conversion_id,
    {c["note"]} as note
from (select s.*, {parsed} from {cleaned(present, names, ("amount",))}) s
left join dim_partners p on p.partner_id = {int_text(c["partner_id"])}
"""


_BASE = "coalesce((select upper(value) from dim_settings where key = 'base_currency'), 'USD')"


def fx_sql(present: Present) -> str:
    """Typed FX rates with a reason (each value cleaned and parsed once, as in `conversions_sql`)."""
    names = FEED_COLUMNS["fx_rates"]
    c = {n: value_ref(n) for n in names}
    rate, num, currency = "s._rate", "s._num", f"upper({c['currency']})"
    parsed = f"try_cast({c['rate']} as {RATE_TYPE}) as _rate, try_cast({c['rate']} as double) as _num"
    rules = [
        ("bad_row", header_again(present, names)),
        *_required(c, ["date", "currency", "rate"]),
        ("bad_date", f"try_cast({c['date']} as date) is null"),
        ("bad_currency", f"not regexp_full_match({currency}, '{CURRENCY_PATTERN}')"),
        ("bad_rate", f"coalesce({rate}, 0) <= 0"),
        # more decimals than a rate keeps, whose rounding would change it (`RATE_ROUNDING`): not silently rounded
        ("bad_rate", f"abs({num} - {rate}::double) > {RATE_ROUNDING} * {num}"),
        # the base currency is 1 by definition: any other rate for it is a sender's mix-up (it would be unused)
        ("bad_rate", f"{currency} = {_BASE} and {rate} <> 1"),
    ]
    return f"""
create or replace temp table v as
select s.rn, {_case(rules)} as reason, try_cast({c["date"]} as date) as date, {currency} as currency, {rate} as rate
from (select s.*, {parsed} from {cleaned(present, names)}) s
"""
