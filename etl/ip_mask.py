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
}


_V4 = r"\d{1,3}(?:\.\d{1,3}){3}"
_MAPPED = r"(?:::|(?:0{1,4}:){5})ffff:"  # ::ffff: and 0:0:0:0:0:ffff: before an IPv4 address
_H = "[0-9a-f]{1,4}"


def ip_form_sql(ip: str) -> str:
    """SQL: the address `ip` (trimmed SQL text) in the form its hash is taken of: an IPv4 address with a port
    (`192.0.2.7:5123`) or mapped into IPv6 (`::ffff:192.0.2.7`, `::ffff:c000:207`) as the IPv4 address, an IPv6
    address in lower case without its brackets, port or leading zeros (`[2001:DB8::01]:443` as `2001:db8::1`). Only a
    value with a colon is rewritten: a plain IPv4 address (and its hash) is left as it is, at the cost of one test."""
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
    form = f"case when regexp_matches(v, '{hex_mapped}') then {v4} when contains(v, ':') then {v6} else v end"
    # a lambda names the value once (a subquery here would be a join per row)
    return f"case when contains({ip}, ':') then list_transform([{dotted}], lambda v: {form})[1] else {ip} end"


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
