"""Snapshot of the store's dimensions into the warehouse at each run (through SQLAlchemy: SQLite or PostgreSQL).

Read and write are separate: the runner reads the store before its transaction (click files are validated against
the links, partners and offers read, `stage_lookups`, while they are read) and writes the same rows inside it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import duckdb
import polars as pl
from sqlalchemy import Connection, select

from cabinet.config import Settings
from cabinet.links import verify_link_any
from cabinet.store.db import open_store
from cabinet.store.models import (
    CommissionPlan,
    Offer,
    Partner,
    PayoutRequest,
    ProgramSettings,
    PromoCode,
    Tier,
    TrackingLink,
)
from etl.dims_notes import CODE_KEY, FIRST_OF_CODE
from etl.dims_notes import store_notes as store_notes  # the runner's warnings of the store's hand edits
from etl.schema import DIM_TABLES, get_meta, set_meta


def _naive(dt):  # type: ignore[no-untyped-def]
    return dt.replace(tzinfo=None) if dt is not None and dt.tzinfo else dt


_INT, _TEXT, _TIME = pl.Int64, pl.String, pl.Datetime("us")


def _frame(rows: list[tuple], columns: list[str], types: str) -> pl.DataFrame:
    """A frame of `rows` with a type per column (`types`: one letter each, i integer, t text, d timestamp). Given,
    not guessed from the first rows: a column empty in the first hundred rows (101 codes without dates, then one
    with them) failed every run."""
    schema = {name: {"i": _INT, "t": _TEXT, "d": _TIME}[kind] for name, kind in zip(columns, types, strict=True)}
    return pl.DataFrame(rows, schema=schema, orient="row")


@dataclass
class Dimensions:
    """The store's dimension rows of one run: {dim table: frame}; tables without rows are absent."""

    frames: dict[str, pl.DataFrame] = field(default_factory=dict)

    def digest(self) -> str:
        """A hash of every row read: equal digests, equal dimensions."""
        h = hashlib.sha256()
        for table in sorted(self.frames):
            h.update(table.encode() + b"\0" + self.frames[table].write_csv().encode() + b"\0")
        return h.hexdigest()


LOOKUPS = ("dim_links", "dim_partners", "dim_offers")  # what click validation resolves against
LOOKUP_PREFIX = "stg_"  # their temp copies before the transaction: stg_dim_links, ...


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Insert a frame into a dim table by column name (`table` comes from DIM_TABLES)."""
    # codes are upper-cased by DuckDB, as the conversions' codes are: Python's `str.upper` differs for some letters
    # ('ß' → 'SS', DuckDB 'ẞ'), and a code would then never match what customers typed. Codes equal but for case (a
    # hand edit of the store: the cabinet refuses them) are one code, the one issued first (`duplicate_code_notes`)
    select = "select * from _dim_rows"
    if table == "dim_promo_codes":
        frame = frame.with_row_index("_n")  # rows in the store's id order (`read_dimensions`)
        select = f"select * exclude (_n) replace ({CODE_KEY} as code) from _dim_rows {FIRST_OF_CODE}"
    con.register("_dim_rows", frame)
    try:
        con.execute(f"insert into {table} by name {select}")
    finally:
        con.unregister("_dim_rows")


def snapshot_dimensions(con: duckdb.DuckDBPyConnection, cfg: Settings, dims: Dimensions | None = None) -> bool:
    """Replace every dim_* table with `dims` (read from the store now when not given); returns whether their rows
    changed (`write_dimensions`)."""
    dims = dims if dims is not None else read_dimensions(cfg)
    return write_dimensions(con, dims)


def write_dimensions(con: duckdb.DuckDBPyConnection, dims: Dimensions) -> bool:
    """Replace every dim_* table with the rows read (the partner tree's closure is derived here); returns whether
    their rows changed (`fingerprint`). Not written when they are the rows the last write wrote (meta
    `dims_digest`): rewriting unchanged tables made every publish's checkpoint rewrite them too."""
    digest = dims.digest()
    if get_meta(con, "dims_digest") == digest and _counts(con) == {t: len(f) for t, f in dims.frames.items()}:
        return False  # (the counts guard against tables emptied since, e.g. by a schema change)
    before = fingerprint(con)
    for table in DIM_TABLES:
        con.execute(f"delete from {table}")
    for table, frame in dims.frames.items():
        if table not in DIM_TABLES:  # names come from `read_dimensions`; an allow-list all the same
            raise ValueError(f"not a dimension table: {table}")
        _insert(con, table, frame)
    if "dim_partners" in dims.frames:
        con.execute(TREE_SQL)
    set_meta(con, "dims_digest", digest)
    return fingerprint(con) != before


def fingerprint(con: duckdb.DuckDBPyConnection) -> tuple[int, ...]:
    """A hash and count of each dim table's rows: equal fingerprints, the same rows (in any order)."""
    return tuple(
        int(con.execute(f"select coalesce(bit_xor(hash(t)), 0) + count(*) from {name} t").fetchall()[0][0])
        for name in DIM_TABLES  # an allow-list: their fingerprint decides whether dimensions changed
    )


def _counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows per non-empty dim table (the tables a `Dimensions` has frames for; the tree is derived)."""
    tables = [t for t in DIM_TABLES if t != "dim_partner_tree"]
    # one row per table (a UNION ALL): a scalar subquery per table took 17 ms to plan, every run, this ~2 ms
    counts = " union all ".join(f"select {i}, count(*) from {t}" for i, t in enumerate(tables))
    return {tables[i]: int(n) for i, n in con.execute(counts).fetchall() if n}


def stage_lookups(con: duckdb.DuckDBPyConnection, dims: Dimensions) -> None:
    """Temp tables `stg_dim_links`, `stg_dim_partners`, `stg_dim_offers` with the rows read (the warehouse's
    columns), for validating clicks before the run's transaction writes the dimensions."""
    for table in LOOKUPS:
        con.execute(f"create or replace temp table {LOOKUP_PREFIX}{table} as select * from {table} limit 0")
        if table in dims.frames:
            _insert(con, f"{LOOKUP_PREFIX}{table}", dims.frames[table])


def _one_read(conn: Connection) -> None:
    """Make the reads that follow one consistent view of the store: a link added with its new partner between two of
    them would otherwise be read without its partner (PostgreSQL's default READ COMMITTED takes a new view per
    statement; pysqlite begins a transaction only before a write). PostgreSQL: REPEATABLE READ; SQLite: a read
    transaction, which writers wait out (`busy_timeout`)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN")
    else:
        conn.execution_options(isolation_level="REPEATABLE READ")


def read_dimensions(cfg: Settings) -> Dimensions:
    """Every dimension row from the store; links whose token does not verify are left out (unknown tokens). Rows come
    in key order, so the digest changes only with them: PostgreSQL returns a row updated in a column the warehouse
    does not take (a partner's email, a link archived) last, and every table was written again."""
    keys = cfg.link_keys()  # links made before `cabinet keys rotate` keep counting
    engine = open_store(str(cfg.store_url))  # StoreUnavailable: deleted, emptied or down since the last run
    try:
        with engine.connect() as conn:
            _one_read(conn)
            partners = conn.execute(
                select(
                    Partner.id,
                    Partner.name,
                    Partner.status,  # a declined application earns nothing, as a blocked partner (`etl.commission`)
                    Partner.tier_code,
                    Partner.parent_id,
                    Partner.manager_user_id,
                    Partner.plan_id,
                    Partner.currency,
                    Partner.timezone,
                    Partner.created_at,
                ).order_by(Partner.id)
            ).all()
            offers = conn.execute(select(Offer.id, Offer.name, Offer.vertical, Offer.status).order_by(Offer.id)).all()
            links = conn.execute(
                select(
                    TrackingLink.id,
                    TrackingLink.token,
                    TrackingLink.partner_id,
                    TrackingLink.offer_id,
                    TrackingLink.name,
                    TrackingLink.sub1,
                    TrackingLink.sub2,
                    TrackingLink.sub3,
                    TrackingLink.sub4,
                    TrackingLink.sub5,
                ).order_by(TrackingLink.id)
            ).all()
            promos = conn.execute(
                select(
                    PromoCode.code,
                    PromoCode.partner_id,
                    PromoCode.offer_id,
                    PromoCode.status,
                    PromoCode.valid_from,
                    PromoCode.valid_to,
                ).order_by(PromoCode.id)
            ).all()
            plans = conn.execute(
                select(
                    CommissionPlan.id,
                    CommissionPlan.name,
                    CommissionPlan.type,
                    CommissionPlan.currency,
                    CommissionPlan.cpa_amounts,
                    CommissionPlan.ftd_baseline,
                    CommissionPlan.revshare_pct,
                    CommissionPlan.volume_tiers,
                    CommissionPlan.subpartner_override_pct,
                    CommissionPlan.hold_days,
                ).order_by(CommissionPlan.id)
            ).all()
            tiers = conn.execute(
                select(
                    Tier.code, Tier.name, Tier.rank, Tier.features, Tier.visible_metrics, Tier.subpartner_depth
                ).order_by(Tier.code)
            ).all()
            program = conn.execute(
                select(
                    ProgramSettings.name,
                    ProgramSettings.base_currency,
                    ProgramSettings.tracking_domain,
                    ProgramSettings.default_timezone,
                    ProgramSettings.default_locale,
                ).where(ProgramSettings.id == 1)
            ).first()
            payouts = conn.execute(
                select(
                    PayoutRequest.id,
                    PayoutRequest.partner_id,
                    PayoutRequest.amount,
                    PayoutRequest.currency,
                    PayoutRequest.status,
                    PayoutRequest.requested_at,
                    PayoutRequest.decided_at,
                ).order_by(PayoutRequest.id)
            ).all()
    finally:
        engine.dispose()
    out: dict[str, pl.DataFrame] = {}
    if partners:
        df = _frame(
            [(*r[:9], _naive(r[9])) for r in partners],
            [
                "partner_id",
                "name",
                "status",
                "tier_code",
                "parent_id",
                "manager_user_id",
                "plan_id",
                "currency",
                "timezone",
                "created_at",
            ],
            "itttiiittd",
        )
        out["dim_partners"] = df
    if offers:
        df = _frame([tuple(r) for r in offers], ["offer_id", "name", "vertical", "status"], "ittt")
        out["dim_offers"] = df
    good_links = [tuple(r) for r in links if r[1] and verify_link_any(r[1], keys) == r[0]]
    if good_links:
        df = _frame(
            good_links,
            ["link_id", "token", "partner_id", "offer_id", "name", "sub1", "sub2", "sub3", "sub4", "sub5"],
            "itiitttttt",
        )
        out["dim_links"] = df
    if promos:
        df = _frame(
            [(r[0], r[1], r[2], r[3], _naive(r[4]), _naive(r[5])) for r in promos],  # upper-cased by `_insert`
            ["code", "partner_id", "offer_id", "status", "valid_from", "valid_to"],
            "tiitdd",
        )
        out["dim_promo_codes"] = df
    if plans:
        df = _frame(
            [
                (
                    r[0],
                    r[1],
                    r[2],
                    r[3],
                    json.dumps(r[4]),
                    str(r[5]),
                    str(r[6]),
                    json.dumps(r[7]),
                    json.dumps(r[8]),
                    r[9],
                )
                for r in plans
            ],
            [
                "plan_id",
                "name",
                "type",
                "currency",
                "cpa_amounts",
                "ftd_baseline",
                "revshare_pct",
                "volume_tiers",
                "subpartner_override_pct",
                "hold_days",
            ],
            "itttttttti",
        )
        out["dim_plans"] = df
    if tiers:
        df = _frame(
            [(r[0], r[1], r[2], json.dumps(r[3]), json.dumps(r[4]), r[5]) for r in tiers],
            ["tier_code", "name", "rank", "features", "visible_metrics", "subpartner_depth"],
            "ttitti",
        )
        out["dim_tiers"] = df
    settings = {"base_currency": "USD", "name": "Partner Program"}
    if program is not None:
        settings.update(
            zip(
                ("name", "base_currency", "tracking_domain", "default_timezone", "default_locale"), program, strict=True
            )
        )
    df = pl.DataFrame({"key": list(settings), "value": [str(v) for v in settings.values()]})
    out["dim_settings"] = df
    if payouts:
        df = _frame(
            [(r[0], r[1], str(r[2]), r[3], r[4], _naive(r[5]), _naive(r[6])) for r in payouts],
            ["payout_id", "partner_id", "amount", "currency", "status", "requested_at", "decided_at"],
            "iitttdd",
        )
        out["dim_payouts"] = df
    return Dimensions(out)


# Closure of the sub-partner tree: every (ancestor, descendant, level >= 1). Each row carries the ids on its way up
# (`path`) and never steps onto one again, so a cycle in the store's parents (`tree_cycles`) gives no row of a partner
# over itself (it would earn an override on its own commission); depth is capped at 10, past what plans pay and tiers
# show.
TREE_SQL = """
insert into dim_partner_tree
with recursive tree(ancestor_id, descendant_id, level, path) as (
    select parent_id, partner_id, 1, [partner_id, parent_id]
    from dim_partners where parent_id is not null and parent_id <> partner_id
    union all
    select p.parent_id, t.descendant_id, t.level + 1, list_append(t.path, p.parent_id)
    from tree t join dim_partners p on p.partner_id = t.ancestor_id
    where p.parent_id is not null and t.level < 10 and not list_contains(t.path, p.parent_id)
)
select ancestor_id, descendant_id, min(level) from tree group by ancestor_id, descendant_id
"""
