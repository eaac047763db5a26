"""Raw IPs are never stored, not even in the raw values the quarantine and the waiting conversions keep: an address
anywhere in them (a click's `ip` is replaced by its hash before; this catches the rest: a column outside the contract
such as `client_ip`, an `ip` column of another feed, an address with a port in a malformed line) becomes `[ip]`."""

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
