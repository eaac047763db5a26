"""A differential check of the rollups: every rollup aggregated again from the raw facts (clicks of both files,
conversions, commissions) in plain Python, the way METRICS.md and `etl.rollups` define each column, and compared key
by key and column by column with rollup_hourly, rollup_partner_hourly and rollup_daily."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from etl.rollups import DAILY_KEYS, HOURLY_KEYS, METRICS, PARTNER_HOURLY_KEYS

LIVE = ("pending", "approved")
PLURAL = {"registration": "registrations", "ftd": "ftds", "deposit": "deposits", "sale": "sales", "lead": "leads"}
Key = tuple[object, ...]
Table = dict[Key, dict[str, object]]


def _hour(ts: datetime) -> datetime:
    return ts.replace(minute=0, second=0, microsecond=0)


def _visible(con: duckdb.DuckDBPyConnection) -> set[tuple[int, int]]:
    """(earning partner, source partner) pairs shown: descendants down to the earner's tier depth."""
    rows = con.execute(
        "select t.ancestor_id, t.descendant_id, t.level, r.subpartner_depth from dim_partner_tree t "
        "join dim_partners p on p.partner_id = t.ancestor_id left join dim_tiers r on r.tier_code = p.tier_code"
    ).fetchall()
    return {(a, d) for a, d, level, depth in rows if level <= (depth or 0)}


def _facts(con: duckdb.DuckDBPyConnection, history: Path | None) -> list[tuple[datetime, tuple, dict[str, object]]]:
    """(time, (partner, offer, link, country, device, sub1), metric increments) of every fact."""
    out: list[tuple[datetime, tuple, dict[str, object]]] = []
    cols = "ts, partner_id, offer_id, link_id, country, device, sub1, is_bot, is_unique"
    clicks = con.execute(f"select {cols} from clicks").fetchall()
    if history is not None and history.exists():
        hist = duckdb.connect(str(history), read_only=True)
        try:
            restated = set(con.execute("select click_id, ts from unique_restated").fetchall())
            for row in hist.execute(f"select {cols}, click_id from clicks").fetchall():
                clicks.append((*row[:8], row[8] and (row[9], row[0]) not in restated))
        finally:
            hist.close()
    for ts, partner, offer, link, country, device, sub1, bot, unique in clicks:
        inc = {"bot_clicks": 1} if bot else {"clicks": 1, "unique_clicks": int(bool(unique))}
        out.append((ts, (partner, offer, link, country, device, sub1), inc))
    conv = {}
    for row in con.execute(
        "select conversion_id, ts, partner_id, offer_id, link_id, country, device, sub1, type, status, amount_base "
        "from conversions"
    ).fetchall():
        cid, ts, partner, offer, link, country, device, sub1, type_, status, amount = row
        conv[cid] = row
        if status not in LIVE:
            continue
        inc: dict[str, object] = {}
        if type_ in PLURAL:
            inc[PLURAL[type_]] = 1
        if type_ == "deposit":
            inc["deposit_amount"] = amount or Decimal(0)
        if type_ == "sale":
            inc["sales_amount"] = amount or Decimal(0)
        if type_ in ("sale", "revenue"):
            inc["revenue"] = amount or Decimal(0)
        out.append((ts, (partner, offer, link, country, device, sub1), inc))
    visible = _visible(con)
    for ts, partner, cid, source, from_partner, offer, status, amount in con.execute(
        "select ts, partner_id, conversion_id, source, from_partner_id, offer_id, status, amount_base from commissions"
    ).fetchall():
        c = conv.get(cid)
        src = from_partner
        if src is None and source == "feed" and c is not None:
            src = c[2]
        hidden = src is not None and src != partner and (partner, src) not in visible
        if hidden:
            dims = (partner, None, None, "ZZ", "other", None)
        elif c is not None:
            same = c[2] == partner
            dims = (partner, c[3], c[4] if same else None, c[5], c[6], c[7] if same else None)
        else:
            dims = (partner, offer, None, "ZZ", "other", None)
        out.append((ts, dims, {f"commission_{status}": amount}))
    return out


def _add(table: Table, key: Key, inc: dict[str, object]) -> None:
    row = table.setdefault(key, dict.fromkeys(METRICS, 0))
    for m, v in inc.items():
        row[m] += v  # type: ignore[operator]


def expected(con: duckdb.DuckDBPyConnection, history: Path | None = None) -> dict[str, Table]:
    """Each rollup as the raw facts give it: {table: {key: {metric: value}}}, rows of all zeros left out."""
    tables: dict[str, Table] = {"rollup_hourly": {}, "rollup_daily": {}, "rollup_partner_hourly": {}}
    for ts, (partner, offer, link, country, device, sub1), inc in _facts(con, history):
        _add(tables["rollup_hourly"], (_hour(ts), partner, offer, link, country, device, sub1), inc)
        _add(tables["rollup_daily"], (ts.date(), partner, offer, country), inc)
        _add(tables["rollup_partner_hourly"], (_hour(ts), partner), inc)
    return {t: _nonzero(rows) for t, rows in tables.items()}


def _nonzero(rows: Table) -> Table:
    return {k: v for k, v in rows.items() if any(x != 0 for x in v.values())}


def actual(con: duckdb.DuckDBPyConnection) -> dict[str, Table]:
    """Each rollup summed over its keys (readers always SUM), rows of all zeros left out."""
    out: dict[str, Table] = {}
    for table, keys in (
        ("rollup_hourly", HOURLY_KEYS),
        ("rollup_daily", DAILY_KEYS),
        ("rollup_partner_hourly", PARTNER_HOURLY_KEYS),
    ):
        sums = ", ".join(f"sum({m})" for m in METRICS)
        rows = con.execute(f"select {', '.join(keys)}, {sums} from {table} group by all").fetchall()
        n = len(keys)
        out[table] = _nonzero({tuple(r[:n]): dict(zip(METRICS, r[n:], strict=True)) for r in rows})
    return out


def differences(con: duckdb.DuckDBPyConnection, history: Path | None = None) -> list[str]:
    """Every (table, key, metric) where the rollup and the facts disagree, as readable lines."""
    want, got = expected(con, history), actual(con)
    out = []
    for table in want:
        w, g = want[table], got[table]
        for key in sorted(set(w) | set(g), key=repr):
            a, b = w.get(key, {}), g.get(key, {})
            for m in METRICS:
                if a.get(m, 0) != b.get(m, 0):
                    out.append(f"{table} {key} {m}: facts {a.get(m, 0)} rollup {b.get(m, 0)}")
    return out


def click_problems(con: duckdb.DuckDBPyConnection, history: Path | None = None) -> list[str]:
    """Facts the rollups count that break METRICS.md themselves: a click id stored twice (both files), and a unique
    flag that is not "no earlier click of the visitor (ip, user agent, partner, offer) less than 24 h before" (clicks
    sharing their visitor's timestamp are left out: their order is the files')."""
    cols = "click_id, ts, ip_hash, left(ua_hash, 16), partner_id, offer_id, is_unique"
    rows = [(*r, "work") for r in con.execute(f"select {cols} from clicks").fetchall()]
    if history is not None and history.exists():
        restated = set(con.execute("select click_id, ts from unique_restated").fetchall())
        hist = duckdb.connect(str(history), read_only=True)
        try:
            for r in hist.execute(f"select {cols} from clicks").fetchall():
                rows.append((*r[:6], r[6] and (r[0], r[1]) not in restated, "history"))
        finally:
            hist.close()
    out, ids = [], defaultdict(list)
    for r in rows:
        ids[r[0]].append(r[7])
    out += [f"click {i} stored {len(w)} times: {w}" for i, w in ids.items() if len(w) > 1]
    by_visitor = defaultdict(list)
    for r in rows:
        if r[2] is not None:
            by_visitor[r[2:6]].append(r)
    day = 24 * 3600
    for clicks in by_visitor.values():
        clicks.sort(key=lambda r: r[1])
        for i, r in enumerate(clicks):
            if any(o[1] == r[1] for j, o in enumerate(clicks) if j != i):
                continue
            prev = [o for o in clicks[:i] if (r[1] - o[1]).total_seconds() < day]
            if r[6] != (not prev):
                out.append(
                    f"click {r[0]} at {r[1]} unique={r[6]}, earlier clicks of its visitor: {[o[1] for o in prev]}"
                )
    return out
