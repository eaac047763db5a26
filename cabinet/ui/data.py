"""Cached, scope-keyed wrappers around `queries` for pages; the snapshot id in the key invalidates on publish."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from decimal import Decimal

import duckdb
import polars as pl
import streamlit as st

from cabinet import formatting, tracking
from cabinet.access import Scope
from cabinet.ui.dates import fmt_as_of
from cabinet.ui.resources import app_settings, engine
from cabinet.ui.text import t
from cabinet.ui.unreachable import session_scope
from queries import (
    cohorts,
    commissions,
    compare,
    conversion_lag,
    dashboard,
    detail,
    plan,
    promo_codes,
    reports,
    review,
    subpartners,
)
from queries.cohorts import CohortRequest
from queries.commissions import CommissionRequest
from queries.conversion_lag import LagRequest
from queries.detail import DetailRequest
from queries.plan import PlanTerms
from queries.reports import ReportRequest
from queries.warehouse import CURRENT_FILE, CurrentError, SnapshotInfo, Warehouse, get_warehouse, read_current


def warehouse() -> Warehouse:
    """The process-wide reader of the published snapshots."""
    return get_warehouse(app_settings().warehouse_dir)


def published() -> SnapshotInfo | None:
    """What `CURRENT` names, without attaching it (the home page's "data as of"); None before the first publish, and
    when `CURRENT` is damaged (`unreadable` says which)."""
    try:
        return read_current(app_settings().warehouse_dir)
    except CurrentError:  # cut short or edited by hand: the pages say so, the home page goes on
        return None


def unreadable() -> bool:
    """`CURRENT` is there, but it or the snapshot it names cannot be read (cut short, edited or deleted by hand): not
    "nothing published yet", which a warehouse with data is not. The next ETL run publishes again."""
    return (app_settings().warehouse_dir / CURRENT_FILE).exists() and warehouse().snapshot() is None


def as_of(snap: SnapshotInfo | None) -> str:
    """A page's "data as of" line: the latest event loaded, or that none is (a snapshot published without events has
    a publish time, which is not the data's: the menu and home page say the same)."""
    if snap is None or snap.data_as_of is None:
        return t("common.no_events")
    return t("common.data_as_of", as_of=fmt_as_of(snap.data_as_of))


def recent_kpis(scope: Scope, tz: str, days: int = 7) -> pl.DataFrame | None:
    """The KPIs of the last `days` whole days (to yesterday: today's are still arriving, and a part of a day against
    a whole one reads as a fall) against the days before, for the home page; None when no snapshot is published or
    the one `CURRENT` names cannot be opened (the home page then goes on without them)."""
    try:
        snap = warehouse().snapshot()
    except (duckdb.Error, OSError) as exc:
        logging.getLogger(__name__).warning("the home page's KPIs are left out: %s", exc)
        return None
    if snap is None:
        return None
    end = formatting.today_in(tz) - timedelta(days=1)
    return kpis(scope, snap.snapshot_id, end - timedelta(days=days - 1), end, tz)


def snapshot_or_stop() -> SnapshotInfo:
    """The current snapshot; a plain message and a stopped page when nothing is published yet."""
    snap = warehouse().snapshot()
    if snap is None:
        if unreadable():
            st.warning(t("common.snapshot_unreadable"))
        else:
            st.info(t("common.no_snapshot"))
        st.stop()
    return snap


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def report(scope: Scope, snapshot_id: str, req: ReportRequest) -> pl.DataFrame:
    """Report rows plus a totals row, cached per scope, snapshot and request."""
    return reports.report_with_totals(scope, wh=warehouse(), req=req)


@st.cache_data(ttl=300, max_entries=128, show_spinner=False)
def compared_report(scope: Scope, snapshot_id: str, req: ReportRequest, against: str = "previous") -> pl.DataFrame:
    """The report with totals beside the period before or the same days a year before (`queries.compare`), cached
    likewise."""
    return compare.compared(scope, wh=warehouse(), req=req, against=against)


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def kpis(scope: Scope, snapshot_id: str, date_from: date, date_to: date, tz: str) -> pl.DataFrame:
    """The Dashboard's cards (`queries.dashboard.kpis`: metric, value, previous value, change, difference), cached per
    scope, snapshot and period."""
    return dashboard.kpis(scope, wh=warehouse(), date_from=date_from, date_to=date_to, tz=tz)


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def trend(scope: Scope, snapshot_id: str, date_from: date, date_to: date, tz: str) -> pl.DataFrame:
    """Clicks, registrations, FTDs and commission by local day (`queries.dashboard.trend`), cached likewise."""
    return dashboard.trend(scope, wh=warehouse(), date_from=date_from, date_to=date_to, tz=tz)


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def top(scope: Scope, snapshot_id: str, dim: str, date_from: date, date_to: date, tz: str,
        metrics: tuple[str, ...] = dashboard.TOP_METRICS) -> pl.DataFrame:  # fmt: skip
    """The Dashboard's top values of `dim` (offer_id or sub1) by commission, then clicks, with the tier's `metrics`
    (`queries.dashboard.top`), cached likewise."""
    return dashboard.top(scope, wh=warehouse(), dim=dim, date_from=date_from, date_to=date_to, tz=tz, metrics=metrics)


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def balance(
    scope: Scope, snapshot_id: str, requests: tuple[tuple[Decimal, str, datetime, str], ...]
) -> dict[str, float]:
    """The Dashboard's balance from the scope's payout `requests` as the store holds them now (amount, currency,
    requested at, status): in the key, so a payout decided since the last ETL run counts at once, as on Payouts."""
    return dashboard.balance(scope, wh=warehouse(), requests=requests)


@st.cache_data(ttl=300, max_entries=128, show_spinner=False)
def plan_terms(scope: Scope, snapshot_id: str, partner_id: int, today: date) -> PlanTerms | None:
    """The partner's commission plan and this month's tier standing, cached per snapshot and day."""
    return plan.plan_terms(scope, wh=warehouse(), partner_id=partner_id, today=today)


@st.cache_data(ttl=300, max_entries=64, show_spinner=False)
def offers(snapshot_id: str) -> pl.DataFrame:
    """Every offer of the snapshot (offer_id, offer: its name), cached per snapshot: offers are the program's, not a
    partner's data (a partner's report rows name its own; `widgets.label_report` takes them as a dict)."""
    return dashboard.offer_names(wh=warehouse())


def listed_offers(scope: Scope, snapshot_id: str) -> pl.DataFrame:
    """The offers (offer_id, offer) a report's offer list shows: for a partner (or a view as one) those of its tier
    and of its links and codes (`cabinet.tracking.reported_offers`), not the offers kept for other tiers; every offer
    for staff. Read from the store on each run: a new link or tier shows at once."""
    every = offers(snapshot_id)
    if scope.own_partner_id is None:
        return every
    with session_scope(engine()) as s:
        mine = tracking.reported_offers(s, scope, scope.own_partner_id)
    return every.filter(pl.col("offer_id").is_in(sorted(mine)))


@st.cache_data(ttl=300, max_entries=128, show_spinner=False)
def commission_rows(scope: Scope, snapshot_id: str, req: CommissionRequest) -> pl.DataFrame:
    """The newest commission rows of the request, cached per scope, snapshot and request."""
    return commissions.rows(scope, wh=warehouse(), req=req)


@st.cache_data(ttl=300, max_entries=128, show_spinner=False)
def commission_rows_explained(scope: Scope, snapshot_id: str, req: CommissionRequest, locale: str,
                               metrics: tuple[str, ...] | None = None) -> pl.DataFrame:  # fmt: skip
    """The rows of `commission_rows` with how each amount was computed (`how`, with the amounts the viewer's `metrics`
    show) and the amount in its currency as text (`amount_text`), in `locale`: ~0.9 s for 5,000 rows, so cached with
    them rather than made on every run."""
    frame = commission_rows(scope, snapshot_id, req)
    how = [commissions.explain(row, locale, metrics) for row in frame.iter_rows(named=True)]
    money = [formatting.fmt_money(float(a), c, locale) for a, c in frame.select("amount", "currency").iter_rows()]
    return frame.with_columns(how=pl.Series(how, dtype=pl.String), amount_text=pl.Series(money, dtype=pl.String))


@st.cache_data(ttl=300, max_entries=128, show_spinner=False)
def commission_totals(scope: Scope, snapshot_id: str, req: CommissionRequest) -> dict:
    return commissions.totals(scope, wh=warehouse(), req=req)


def base_currency() -> str:
    """The base currency of the published snapshot (the currency of every `amount_base`); USD before any."""
    snap = warehouse().snapshot()
    return _base_currency(snap.snapshot_id) if snap is not None else "USD"


@st.cache_data(max_entries=16, show_spinner=False)
def _base_currency(snapshot_id: str) -> str:
    return dashboard.base_currency(wh=warehouse())


@st.cache_data(ttl=300, max_entries=128, show_spinner=False)
def subpartner_tree(scope: Scope, snapshot_id: str, root: int, date_from: date, date_to: date, tz: str) -> pl.DataFrame:
    return subpartners.subpartner_tree(scope, wh=warehouse(), root=root, date_from=date_from, date_to=date_to, tz=tz)


@st.cache_data(ttl=300, max_entries=64, show_spinner=False)
def subpartner_roots(scope: Scope, snapshot_id: str) -> pl.DataFrame:
    return subpartners.tree_roots(scope, wh=warehouse())


@st.cache_data(ttl=300, max_entries=128, show_spinner=False)
def cohort_cells(scope: Scope, snapshot_id: str, req: CohortRequest) -> pl.DataFrame:
    """Cohort rows (cohort x period) of the request, cached per scope, snapshot and request."""
    return cohorts.cohorts(scope, wh=warehouse(), req=req)


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def lag(scope: Scope, snapshot_id: str, req: LagRequest) -> pl.DataFrame:
    """Time to convert by click week (`queries.conversion_lag`), cached per scope, snapshot and request."""
    return conversion_lag.conversion_lag(scope, wh=warehouse(), req=req)


@st.cache_data(ttl=300, max_entries=64, show_spinner=False)
def cohort_partners(scope: Scope, snapshot_id: str) -> pl.DataFrame:
    return cohorts.cohort_partners(scope, wh=warehouse())


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def performance(scope: Scope, snapshot_id: str, req: ReportRequest) -> pl.DataFrame:
    """Report rows without a totals row, cached per scope, snapshot and request."""
    return reports.performance(scope, wh=warehouse(), req=req)


@st.cache_data(ttl=300, max_entries=64, show_spinner=False)
def partner_review(scope: Scope, snapshot_id: str, date_from: date, date_to: date, tz: str,
                   limits: review.Thresholds, against: str = "previous") -> pl.DataFrame:  # fmt: skip
    """Each partner of the scope against the period before (or a year before: `against`), with the signals that hold
    under the program's `limits` (`queries.review`)."""
    return review.review(scope, wh=warehouse(), date_from=date_from, date_to=date_to, tz=tz, limits=limits,
                         against=against)  # fmt: skip


@st.cache_data(ttl=300, max_entries=128, show_spinner=False)
def promo_figures(scope: Scope, snapshot_id: str, date_from: date, date_to: date, tz: str) -> pl.DataFrame:
    return promo_codes.code_figures(scope, wh=warehouse(), date_from=date_from, date_to=date_to, tz=tz)


@st.cache_data(ttl=300, max_entries=128, show_spinner=False)
def detail_count(scope: Scope, snapshot_id: str, req: DetailRequest, metrics: tuple[str, ...]) -> int:
    return detail.count_rows(scope, wh=warehouse(), req=req, metrics=metrics)


@st.cache_data(ttl=300, max_entries=128, show_spinner=False)
def detail_days(scope: Scope, snapshot_id: str, req: DetailRequest, metrics: tuple[str, ...]) -> dict[date, int]:
    return detail.day_counts(scope, wh=warehouse(), req=req, metrics=metrics)


@st.cache_data(ttl=300, max_entries=128, show_spinner=False)
def detail_hours(
    scope: Scope, snapshot_id: str, req: DetailRequest, day: date, metrics: tuple[str, ...]
) -> dict[int, int]:
    return detail.hour_counts(scope, wh=warehouse(), req=req, day=day, metrics=metrics)
