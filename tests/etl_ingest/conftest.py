"""A tiny store and inbox helpers for ingest behaviour tests; runs go through the real `etl.runner.run_etl`."""

from __future__ import annotations

import contextlib
import csv
import functools
import gzip
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest
from sqlalchemy import Engine

from cabinet.config import Settings
from cabinet.links import sign_link
from cabinet.program import ensure_program_defaults
from cabinet.store.db import session_scope
from cabinet.store.models import CommissionPlan, Offer, Partner, PromoCode, TrackingLink
from etl.runner import RunResult, run_etl
from queries.warehouse import path_literal

NOW = datetime(2026, 11, 10, 12, 0)
CLICK_HEADER = "click_id,ts,link_token,partner_id,offer_id,sub1,country,device,ip,user_agent\n"


@dataclass(frozen=True)
class Tiny:
    """Ids and the valid link token of the tiny program."""

    settings: Settings
    parent: int
    child: int
    offer: int
    other_offer: int
    link: int
    token: str

    @property
    def inbox(self) -> Path:
        return self.settings.inbox_dir

    def write(self, feed: str, name: str, text: str) -> Path:
        """Write an inbox file (text, or gzip when the name ends with .gz)."""
        path = self.inbox / feed / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode()
        path.write_bytes(gzip.compress(data, mtime=0) if name.endswith(".gz") else data)
        return path

    def write_parquet(self, feed: str, name: str, frame: pl.DataFrame) -> Path:
        path = self.inbox / feed / name
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(path)
        return path

    def run(self, now: datetime = NOW) -> RunResult:
        return run_etl(self.settings, now=now, grace_s=0)

    @contextlib.contextmanager
    def warehouse(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The working database, read-only, closed afterwards (the next run needs it)."""
        with peek(self.settings.warehouse_dir / "work.duckdb") as con:
            yield con

    def rows(self, sql: str, params: list[object] | None = None) -> list[tuple]:
        with self.warehouse() as con:
            return con.execute(sql, params or []).fetchall()


@functools.cache
def _peek_db() -> duckdb.DuckDBPyConnection:
    """The in-memory DuckDB a test process looks into warehouse files through (`peek`)."""
    return duckdb.connect()


@contextlib.contextmanager
def peek(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only look at the warehouse file `path` (as its own catalog `work`, the default while it is open),
    detached afterwards. Attached to one in-memory DuckDB kept for the process: a new DuckDB connection costs
    ~25-35 ms (its built-in extensions load), an attach ~3 ms, and the ETL tests look hundreds of times a worker."""
    con = _peek_db().cursor()
    try:
        con.execute(f"attach {path_literal(path)} as work (read_only)")
        con.execute("use work")
        yield con
    finally:
        con.close()
        with contextlib.suppress(duckdb.Error):  # not attached: the attach itself failed
            _peek_db().execute("detach database if exists work")


@pytest.fixture
def tiny(settings: Settings, store_engine: Engine) -> Tiny:
    """Parent partner (gold, CPA plan) with one child, two offers, a link with sub1, a promo code for the child."""
    return build_tiny(settings, store_engine)


def build_tiny(settings: Settings, store_engine: Engine) -> Tiny:
    """The tiny program (see `tiny`) in the store behind `store_engine`, on any backend."""
    key = settings.require_link_key()
    with session_scope(store_engine) as s:
        ensure_program_defaults(s)
        plan = CommissionPlan(name="CPA", type="cpa", currency="USD", cpa_amounts={"ftd": "100"},
                              ftd_baseline=Decimal("20"), hold_days=0)  # fmt: skip
        offer, other = Offer(name="Casino", vertical="igaming"), Offer(name="Shop", vertical="ecommerce")
        s.add_all([plan, offer, other])
        s.flush()
        parent = Partner(name="Parent", tier_code="gold", plan_id=plan.id)
        s.add(parent)
        s.flush()
        child = Partner(name="Child", tier_code="silver", plan_id=plan.id, parent_id=parent.id)
        s.add(child)
        s.flush()
        link = TrackingLink(partner_id=parent.id, offer_id=offer.id, landing_url="https://x.example", sub1="fb")
        s.add(link)
        s.flush()
        link.token = sign_link(link.id, key)
        s.add(PromoCode(code="SPRING", partner_id=child.id, offer_id=other.id))
        ids = (parent.id, child.id, offer.id, other.id, link.id, link.token)
    return Tiny(settings, *ids)


def conserved(t: Tiny) -> None:
    """Every file's rows_read = inserted + updated + duplicates + quarantined, and every finished run's counts are
    the sums of its files' (a waiting conversion quarantined later moves the counts of its file and of its run)."""
    for path, read, ins, upd, dup, quar in t.rows(
        "select path, rows_read, inserted, updated, duplicates, quarantined from etl_files"
    ):
        assert read == ins + upd + dup + quar, path
    cols = ("rows_read", "inserted", "updated", "duplicates", "quarantined")
    sums = ", ".join(f"coalesce((select sum({c}) from etl_files f where f.run_id = r.run_id), 0)" for c in cols)
    runs = t.rows(f"select run_id, {', '.join(cols)}, {sums} from etl_runs r where status = 'ok' order by 1")
    assert [(r[0], *r[1:6]) for r in runs] == [(r[0], *r[6:]) for r in runs]


def write_rows(t: Tiny, feed: str, name: str, rows: list[dict[str, str]]) -> None:
    """`rows` as an inbox file of `feed` in the format of the name's extension (CSV with a header, quoted where
    needed; JSON Lines; Parquet; gzip for .gz)."""
    path = t.inbox / feed / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if name.endswith(".parquet"):
        pl.DataFrame(rows).write_parquet(path)
        return
    if ".csv" in name:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        text = buf.getvalue()
    else:
        text = "".join(json.dumps(r) + "\n" for r in rows)
    path.write_bytes(gzip.compress(text.encode(), compresslevel=1) if name.endswith(".gz") else text.encode())


def failing_stage(monkeypatch: pytest.MonkeyPatch, stage: str, message: str) -> None:
    """Make the runs' stage `stage` (an attribute of `etl.runner._stages()`) raise `RuntimeError(message)`; the others
    stay real."""
    from etl import runner

    real = runner._stages()

    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError(message)

    monkeypatch.setattr(runner, "_stages", lambda: type("Failing", (real,), {stage: staticmethod(fail)}))
