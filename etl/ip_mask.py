"""Raw IPs are never stored, not even in the raw values the quarantine and the waiting conversions keep: an address
anywhere in them (a click's `ip` is replaced by its hash before; this catches the rest: a column outside the contract
such as `client_ip`, an `ip` column of another feed, an address with a port in a malformed line) becomes `[ip]`.

A click's ip is hashed in one written form (`ip_form_sql`), so that one visitor is one visitor whichever way its
tracker wrote the address."""

from __future__ import annotations

import ipaddress
import re

import duckdb

_IP_LIKE = re.compile(r"[0-9A-Fa-f:.]{2,45}")
_IPV4 = re.compile(r"(?<![0-9.])(?:\d{1,3}\.){3}\d{1,3}(?![0-9])")  # also one followed by a port: 192.0.2.5:8080
# The tables whose raw values a run writes: which of their rows it wrote (a parameter names the run or its files),
# and where the values as read are. A waiting conversion keeps its typed fields beside them, which are left alone: a
# click id that looks like an address must still find its click.
_RAW_TABLES = {
    "quarantine": ("run_id = $run", "raw"),
    "pending_versions": ("list_contains($files, file_id)", "raw"),
    "pending_conversions": ("list_contains($files, file_id)", "raw -> '$.raw'"),
    "pending_updates": ("list_contains($files, file_id)", "raw -> '$.raw'"),
}


_V4 = r"\d{1,3}(?:\.\d{1,3}){3}"
_MAPPED = r"(?:::|(?:0{1,4}:){5})ffff:"  # ::ffff: and 0:0:0:0:0:ffff: before an IPv4 address
_H = "[0-9a-f]{1,4}"
# What an address is, as Python's `ipaddress` reads one (an octet may keep leading zeros: `192.000.002.007` is an
# address, hashed as written, as before); an IPv6 address without a zone (`fe80::1%eth0` names a local interface).
_OCTET = r"(?:25[0-5]|2[0-4]\d|[01]?\d?\d)"
ADDRESS_V4 = rf"{_OCTET}(?:\.{_OCTET}){{3}}"


def _groups(n: int) -> str:
    return "" if n == 0 else f"{_H}(?::{_H}){{{n - 1}}}"


ADDRESS_V6 = "|".join(
    [_groups(8), f"{_groups(6)}:{ADDRESS_V4}"]
    + [f"{_groups(k)}::(?:{_H}(?::{_H}){{0,{6 - k}}})?" for k in range(7)]
    + [f"{_groups(7)}::"]
    + [f"{_groups(k)}::(?:{_H}:){{0,{5 - k}}}{ADDRESS_V4}" for k in range(6)]
)
# The unspecified address (`0.0.0.0`, `::`, `::ffff:0:0`) is what a server logs when it has none: no visitor has it.
# An IPv4 address other than it is one pattern (one test of each plain address: two cost 30 ms more per 1M clicks).
_NONZERO = r"(?:25[0-5]|2[0-4]\d|1\d\d|0?[1-9]\d|0{0,2}[1-9])"
_ZERO = "0{1,3}"
_SPECIFIED_V4 = [
    rf"{_NONZERO}(?:\.{_OCTET}){{3}}",
    rf"{_ZERO}\.{_NONZERO}(?:\.{_OCTET}){{2}}",
    rf"{_ZERO}\.{_ZERO}\.{_NONZERO}\.{_OCTET}",
    rf"{_ZERO}\.{_ZERO}\.{_ZERO}\.{_NONZERO}",
]
SPECIFIED_V4 = f"(?:{'|'.join(_SPECIFIED_V4)})"
# The written forms with a colon that are addresses (the form of a value with none is an IPv4 address's), and those
# of them that are unspecified (an IPv4 address with a port is a specified one already)
_WRITTEN = rf"{SPECIFIED_V4}:\d+|\[(?:{ADDRESS_V6})\](?::\d+)?|{ADDRESS_V6}"
_UNSPECIFIED = rf"\[?(?:[0:.]+|{_MAPPED}(?:0{{1,4}}:0{{1,4}}|0{{1,3}}(?:\.0{{1,3}}){{3}}))(?:\](?::\d+)?)?"


def ip_form_sql(ip: str) -> str:
    """SQL: the address `ip` as `one_form_sql` gives it; of a list (`203.0.113.9, 10.0.0.1`, an `X-Forwarded-For`
    header as the proxy passed it on: the client, then each proxy), the first address, the visitor's (written once
    into the expression: two expressions, one per case, took twice as long to prepare, ~10 ms more a statement)."""
    return one_form_sql(first_address_sql(ip))


def first_address_sql(ip: str) -> str:
    """SQL: of a list of addresses (an `X-Forwarded-For` header), the first, trimmed; any other value as it is."""
    return f"(case when contains({ip}, ',') then trim(split_part({ip}, ',', 1)) else {ip} end)"


def one_form_sql(ip: str) -> str:
    """SQL: the address `ip` (trimmed SQL text) in the form its hash is taken of: an IPv4 address with a port
    (`192.0.2.7:5123`) or mapped into IPv6 (`::ffff:192.0.2.7`, `::ffff:c000:207`) as the IPv4 address, an IPv6
    address in lower case without its brackets, port or leading zeros (`[2001:DB8::01]:443` as `2001:db8::1`). Only a
    value with a colon is rewritten: a plain IPv4 address (and its hash) is left as it is, at the cost of one test.

    NULL when the value is no address (`-`, `unknown`, `n/a`, `abc`, `999.1.1.1`, the unspecified `0.0.0.0`): such a
    click has no ip, as one without the column or with an empty value (else all of them were one visitor)."""
    low = f"lower({ip})"
    bare = f"regexp_replace(regexp_replace({low}, '^\\[([^\\]]*)\\](?::\\d+)?$', '\\1'), '^({_V4}):\\d+$', '\\1')"
    dotted = f"regexp_replace({bare}, '^{_MAPPED}({_V4})$', '\\1')"
    hex_mapped = f"^{_MAPPED}({_H}):({_H})$"
    octets = [
        f"(('0x' || regexp_extract(v, '{hex_mapped}', {g}))::int {op})::varchar"
        for g in (1, 2)
        for op in ("// 256", "% 256")
    ]
    v4 = " || '.' || ".join(octets)
    v6 = "regexp_replace(v, '(^|:)0+([0-9a-f]+)', '\\1\\2', 'g')"
    # only the mapped forms (and the unspecified) begin with '0' or ':', and a group with leading zeros follows ':0'
    form = (
        f"case when (starts_with(v, ':') or starts_with(v, '0')) and regexp_matches(v, '{hex_mapped}') then {v4} "
        f"when contains(v, ':0') or (starts_with(v, '0') and contains(v, ':')) then {v6} else v end"
    )
    # An address is tested as written, outside the lambda: there each regular expression took 4x as long (1M clicks,
    # 30% IPv6: +0.3 s). One case, each test on the values the earlier ones left (`and` tests all).
    return (
        f"case when contains({ip}, ':') then case when not regexp_full_match({ip}, '{_WRITTEN}', 'i') then null "
        f"when (starts_with({ip}, ':') or starts_with({ip}, '0') or starts_with({ip}, '[')) "
        f"and regexp_full_match({ip}, '{_UNSPECIFIED}', 'i') then null "
        f"else list_transform([{dotted}], lambda v: {form})[1] end "
        f"when regexp_full_match({ip}, '{SPECIFIED_V4}') then {ip} end"
    )


def mask_ips(text: str) -> str:
    """`text` with every IPv4/IPv6 address in it replaced by `[ip]`."""

    def whole(match: re.Match[str]) -> str:
        try:
            ipaddress.ip_address(match.group(0))
        except ValueError:
            return match.group(0)
        return "[ip]"

    def v4(match: re.Match[str]) -> str:
        return "[ip]" if all(int(part) <= 255 for part in match.group(0).split(".")) else match.group(0)

    return _IPV4.sub(v4, _IP_LIKE.sub(whole, text))


def mask_raw_values(con: duckdb.DuckDBPyConnection, run_id: int, file_ids: list[int]) -> int:
    """Mask the addresses in the raw values this run wrote (its quarantine rows, the waiting conversions of its
    files); how many rows changed."""
    changed = 0
    for table, (rows, values) in _RAW_TABLES.items():
        params = {"run": run_id} if "$run" in rows else {"files": file_ids}
        found = con.execute(
            f"select rowid, ({values})::varchar as v from {table} where {rows} and v is not null", params
        )
        masked = [(rid, old, new) for rid, old in found.fetchall() if (new := mask_ips(old)) != old]
        if masked:
            con.execute("create or replace temp table masked_raw (rid bigint, old varchar, new varchar)")
            con.executemany("insert into masked_raw values (?, ?, ?)", masked)
            # the values as read are a part of the row's JSON exactly as `->` gives it back (both minified)
            con.execute(
                f"update {table} set raw = replace(raw::varchar, m.old, m.new)::json "
                f"from masked_raw m where {table}.rowid = m.rid"
            )
            con.execute("drop table masked_raw")
            changed += len(masked)
    return changed
