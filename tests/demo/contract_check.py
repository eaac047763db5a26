"""Test helper: check inbox files against the inbox contract (version 1): columns, types, enums and references.

Used by the tests to prove the demo generator writes what the contract says, with exactly its documented bad rows.
Every check is one SQL pass per file over DuckDB's native readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from cabinet.links import verify_link
from etl.contract import CURRENCIES, FEED_COLUMNS
from etl.readers import stage_file

COLUMNS = {feed: set(cols) for feed, cols in FEED_COLUMNS.items()}
REQUIRED = {
    "clicks": ["click_id", "ts"],
    "conversions": ["conversion_id", "ts", "type"],
    "commissions": ["commission_id", "partner_id", "ts", "amount", "currency"],
    "fx_rates": ["date", "currency", "rate"],
}
TS_RE = r"^(-?\d{10,16}|\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}(:?\d{2})?)?)$"
MONEY_RE = r"^[+-]?\d+(\.\d{1,4})?$"
ISO_4217 = list(CURRENCIES)


@dataclass(frozen=True)
class Violation:
    feed: str
    file: str
    row_number: int
    reason: str


def _col(cols: set[str], name: str) -> str:
    return f"nullif(trim(cast(\"{name}\" as varchar)), '')" if name in cols else "null::varchar"


def _ts_ok(expr: str) -> str:
    return (
        f"({expr} is not null and regexp_matches({expr}, '{TS_RE}') and "
        f"(regexp_matches({expr}, '^-?\\d+$') or try_cast({expr} as timestamptz) is not null))"
    )


def check_file(
    con: duckdb.DuckDBPyConnection,
    feed: str,
    path: Path,
    *,
    partners: set[int],
    offers: set[int],
    link_key: bytes,
    fx_currencies: set[str],
    base: str,
) -> tuple[list[Violation], set[str]]:
    """Violations of one file and its unknown column names."""
    con.execute("set TimeZone = 'UTC'")
    cols = set(stage_file(con, path, "chk"))
    rules: list[tuple[str, str]] = [(f"missing_field:{c}", f"{_col(cols, c)} is null") for c in REQUIRED[feed]]
    ts_col = "date" if feed == "fx_rates" else "ts"
    if feed == "fx_rates":
        rules.append(("bad_timestamp", f"try_cast({_col(cols, 'date')} as date) is null"))
        rules.append(("bad_amount", f"coalesce(try_cast({_col(cols, 'rate')} as double), 0) <= 0"))
    else:
        rules.append(("bad_timestamp", f"not {_ts_ok(_col(cols, ts_col))}"))
    if feed in ("conversions", "commissions"):
        amount = _col(cols, "amount")
        neg_ok = "true" if feed == "commissions" else f"{_col(cols, 'type')} = 'revenue'"
        rules.append(
            (
                "bad_amount",
                f"{amount} is not null and (not regexp_matches({amount}, '{MONEY_RE}') "
                f"or (try_cast({amount} as decimal(18,4)) < 0 and not {neg_ok}))",
            )
        )
        cur = _col(cols, "currency")
        rules.append(("bad_currency", f"{cur} is not null and not list_contains({ISO_4217}, upper({cur}))"))
    if feed == "conversions":
        types = "('registration','ftd','deposit','sale','lead','revenue')"
        rules.append(("bad_type", f"{_col(cols, 'type')} not in {types}"))
        rules.append(
            (
                "bad_status",
                f"coalesce({_col(cols, 'status')}, 'pending') not in ('pending','approved','rejected','reversed')",
            )
        )
    where = " or ".join(f"({cond})" for _, cond in rules)
    case = " ".join(f"when {cond} then '{reason}'" for reason, cond in rules)
    rows = con.sql(f"select rn, case {case} end from chk where {where} order by rn").fetchall()
    out = [Violation(feed, path.name, int(rn), str(reason)) for rn, reason in rows]
    bad = {v.row_number for v in out}
    out += _reference_checks(con, feed, path, cols, bad, partners, offers, link_key, fx_currencies, base)
    return sorted(out, key=lambda v: v.row_number), cols - COLUMNS[feed]


def _reference_checks(con, feed, path, cols, bad, partners, offers, link_key, fx_currencies, base):  # type: ignore[no-untyped-def]
    out = []
    fields = ["partner_id", "offer_id", "link_token", "currency"]
    sel = ", ".join(_col(cols, f) for f in fields)
    for rn, partner, offer, token, currency in con.sql(f"select rn, {sel} from chk order by rn").fetchall():
        if rn in bad:
            continue
        reason = None
        if feed == "clicks" and token is not None:
            link_id = verify_link(token, link_key)
            reason = "unknown_link_token" if link_id is None else None
        elif partner is not None and int(partner) not in partners:
            reason = "unknown_partner"
        elif offer is not None and int(offer) not in offers:
            reason = "unknown_offer"
        elif currency is not None and currency != base and currency not in fx_currencies and feed != "fx_rates":
            reason = "no_fx_rate" if currency.upper() in ISO_4217 else "bad_currency"
        if reason:
            out.append(Violation(feed, path.name, int(rn), reason))
    return out
