"""The demo is a program that has run for more than a year and grows: its clicks fill the days asked for and, thinner,
the year and two weeks before them; "the same days a year before" of its last 30 days has most partners, some that
grew, some that fell, some that were not there yet; old conversions are decided and old earnings paid out."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

import polars as pl
import pytest
from sqlalchemy import select

from cabinet.access import Scope, derive_scope
from cabinet.config import Settings
from cabinet.demo.generate import DemoResult, generate
from cabinet.demo.timeline import HISTORY_DAYS
from cabinet.store.db import make_engine, migrate, session_scope
from cabinet.store.models import Partner, PayoutRequest, TrackingLink, User
from etl.runner import run_etl
from queries.payouts import ledger
from queries.review import Thresholds, review
from queries.warehouse import Warehouse
from tests.conftest import install_env

DAYS = 60


@dataclass(frozen=True)
class Loaded:
    cfg: Settings
    res: DemoResult
    end: date
    quarantined: dict[str, int]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    """A demo of 60,000 clicks whose window is the 60 days up to yesterday, loaded by one ETL run."""
    cfg = Settings.from_env(env=install_env(tmp_path_factory.mktemp("history")))
    migrate(cfg.store_url)
    engine = make_engine(cfg.store_url)
    end = datetime.now(UTC).date() - timedelta(days=1)
    with session_scope(engine) as session:
        res = generate(session, inbox=cfg.inbox_dir, data_dir=cfg.data_dir, creatives_dir=cfg.creatives_dir,
                       link_key=cfg.require_link_key(), clicks=60_000, days=DAYS, seed=7, end=end)  # fmt: skip
    engine.dispose()
    run = run_etl(cfg)
    reasons = Counter(r for (r,) in _sql(cfg, "select reason from quarantine"))
    return Loaded(cfg, res, end, dict(reasons) | {"files_failed": run.files_failed})


def _sql(cfg: Settings, query: str, **params: object) -> list[tuple]:  # type: ignore[type-arg]
    wh = Warehouse(cfg.warehouse_dir)
    try:
        return wh.cursor().sql(query, params=params or None).fetchall()
    finally:
        wh.close()


def _admin_scope(cfg: Settings) -> Scope:
    engine = make_engine(cfg.store_url)
    with session_scope(engine) as s:
        scope = derive_scope(s, s.scalars(select(User).where(User.username == "admin")).one())
    engine.dispose()
    return scope


def test_the_history_loads_with_only_the_documented_bad_rows(loaded: Loaded) -> None:
    """The FX rates cover the whole history (a conversion older than the first rate would be `no_fx_rate`)."""
    assert loaded.quarantined == {"missing_field:click_id": 1, "bad_timestamp": 1, "unknown_partner": 1,
                                  "unknown_offer": 1, "unknown_link_token": 1, "bad_amount": 1, "bad_currency": 1,
                                  "no_fx_rate": 1, "unattributed": 1, "files_failed": 0}  # fmt: skip


def test_the_history_is_thinner_than_the_days_asked_for_and_reaches_past_a_year_before(loaded: Loaded) -> None:
    start = loaded.end - timedelta(days=DAYS - 1)
    query = "select ts::date, count(*) from clicks where click_id not like 'x%' group by 1"  # not the bought ones
    days = pl.DataFrame(_sql(loaded.cfg, query), schema=["day", "clicks"], orient="row")
    window = days.filter(pl.col("day") >= start)
    history = days.filter(pl.col("day") < start)
    assert days["day"].min() == start - timedelta(days=HISTORY_DAYS)  # a year and two weeks before the window
    assert loaded.res.recent_clicks == window["clicks"].sum()
    per_day_now, per_day_then = window["clicks"].sum() / DAYS, history["clicks"].sum() / HISTORY_DAYS
    assert per_day_then < 0.8 * per_day_now
    first_month = history.filter(pl.col("day") < days["day"].min() + timedelta(days=30))["clicks"].sum()
    last_month = window.filter(pl.col("day") > loaded.end - timedelta(days=30))["clicks"].sum()
    assert 1.5 < last_month / first_month < 3.5  # it grew: about twice the traffic of a year before


def test_the_same_days_a_year_before_hold_most_partners_grown_fallen_and_new(loaded: Loaded) -> None:
    # a small demo's partners are small: judged from 30 clicks (`make run`'s, four times bigger, at the default 100)
    frame = review(_admin_scope(loaded.cfg), wh=Warehouse(loaded.cfg.warehouse_dir), limits=Thresholds(min_clicks=30),
                   date_from=loaded.end - timedelta(days=29), date_to=loaded.end, tz="UTC", against="year")  # fmt: skip
    now = frame.filter(pl.col("clicks") > 0)
    assert now.filter(pl.col("clicks_prev") > 0).height > 0.6 * now.height
    signals = Counter(s for row in frame["signals"].to_list() for s in row)
    assert all(signals[s] >= 1 for s in ("spiked", "dropped", "new_traffic", "stopped")), signals
    assert 1.3 < frame["clicks"].sum() / frame["clicks_prev"].sum() < 3


def test_no_partner_has_clicks_before_it_joined(loaded: Loaded) -> None:
    """A sub-partner joins after its parent; the partners that joined later show it in the Partners list."""
    engine = make_engine(loaded.cfg.store_url)
    with session_scope(engine) as s:
        joined = {p.id: p.created_at.replace(tzinfo=None) for p in s.scalars(select(Partner))}
        parents = {p.id: p.parent_id for p in s.scalars(select(Partner))}
        link_made = {lk.partner_id: lk.created_at.replace(tzinfo=None) for lk in s.scalars(select(TrackingLink))}
    engine.dispose()
    first = dict(_sql(loaded.cfg, "select partner_id, min(ts) from clicks group by 1"))
    assert all(first[pid] > joined[pid] for pid in first)
    assert all(link_made[pid] == joined[pid] for pid in link_made)
    assert all(joined[pid] > joined[parent] for pid, parent in parents.items() if parent is not None)
    assert len({d.date() for d in joined.values()}) > 10  # not all on one day


def test_old_conversions_are_decided(loaded: Loaded) -> None:
    """Before the window every conversion has its final status; only the last weeks' wait for one, those a promo code
    brought too."""
    start = loaded.end - timedelta(days=DAYS - 1)
    old = dict(_sql(loaded.cfg, "select status, count(*) from conversions where ts < $s group by 1", s=start))
    waiting = _sql(loaded.cfg, "select min(ts) from conversions where status = 'pending'")  # promo codes' too
    assert set(old) == {"approved", "rejected", "reversed"}
    assert old["approved"] > 5 * (old["rejected"] + old["reversed"])
    assert waiting[0][0].date() > loaded.end - timedelta(days=46)  # the slowest check takes 45 days


def test_earnings_were_paid_out_month_after_month_within_what_was_approved(loaded: Loaded) -> None:
    engine = make_engine(loaded.cfg.store_url)
    wh = Warehouse(loaded.cfg.warehouse_dir)
    scope = _admin_scope(loaded.cfg)
    with session_scope(engine) as s:
        requests = list(s.scalars(select(PayoutRequest)))
        first_partner = min(p.id for p in s.scalars(select(Partner)))
    engine.dispose()
    paid = [r for r in requests if r.status == "paid"]
    months = sorted({r.paid_at.year * 12 + r.paid_at.month - 1 for r in paid if r.partner_id == first_partner})
    # gold_parent was paid month after month through its year: a month that brought it less than the $100 a request
    # needs waits for the next one (which months, 1 to 3 of ~13, depends on the day the demo ends), never two in a row
    assert len(months) >= 8 and max(b - a for a, b in pairwise(months)) <= 2, months
    assert all(r.paid_at.date() < loaded.end for r in paid)
    assert Counter(r.status for r in requests if r.status != "paid") == {"approved": 2, "requested": 2}  # to act on
    for pid in {r.partner_id for r in requests}:
        book = [(r.amount, r.currency, r.requested_at.replace(tzinfo=None), r.status) for r in requests
                if r.partner_id == pid]  # fmt: skip
        assert ledger(scope, wh=wh, partner_id=pid, requests=book).balance >= Decimal(0), pid


def test_the_history_comes_a_file_a_month_and_its_commissions_are_settled(loaded: Loaded) -> None:
    """A tracker's export of its past: the window's clicks a file a day, the history's a file a month, its
    conversions in one file; the feed's bonuses of the history were paid, as were the FTDs the previous system paid."""
    start = loaded.end - timedelta(days=DAYS - 1)
    clicks = sorted(p.name for p in (loaded.cfg.inbox_dir / "clicks").glob("clicks_*.parquet"))
    monthly = [n for n in clicks if len(n) == len("clicks_2026-01.parquet")]
    assert len(clicks) - len(monthly) == DAYS and 13 <= len(monthly) <= 14
    assert (loaded.cfg.inbox_dir / "conversions" / f"conversions_before_{start}.parquet").is_file()
    feed = pl.read_csv(loaded.cfg.inbox_dir / "commissions" / "history.csv", infer_schema=False)
    old = feed.filter(pl.col("ts").str.slice(0, 10) < str(start))
    assert dict(old.group_by("kind").agg(pl.col("status").unique().sort()).iter_rows()) == {
        "bonus": ["paid"], "adjustment": ["approved"], "cpa": ["paid"]}  # fmt: skip


def test_a_customer_brings_revenue_for_months(loaded: Loaded) -> None:
    """Cohorts' LTV grows past the first month (revenue lines all came within 30 days of the FTD)."""
    query = """select count(*) filter (where r.ts - f.ts <= interval 30 days) / count(*),
                      count(*) filter (where r.ts - f.ts > interval 90 days) / count(*)
               from conversions r join conversions f using (partner_id, customer_id)
               where r.type = 'revenue' and f.type = 'ftd'"""
    first_month, after_a_quarter = _sql(loaded.cfg, query)[0]
    assert 0.4 < first_month < 0.7 and 0.05 < after_a_quarter < 0.25
