"""Dashboard: KPIs with change vs the previous period, daily trend, top offers and sub1, balance."""

from datetime import timedelta
from decimal import Decimal

import plotly.express as px
import polars as pl
import streamlit as st

from cabinet.ui import data, money
from cabinet.ui.cards import card_columns
from cabinet.ui.charts import show_chart
from cabinet.ui.dates import not_loaded_yet, nothing_to_show, today_in
from cabinet.ui.guard import require_user
from cabinet.ui.text import t
from cabinet.ui.widgets import fmt_metric, kpi_cards, period_picker, relabel, show_refusal, show_table
from queries.commissions import LIVE, cards_apart
from queries.payouts import MissingRate, ledger_cards

user = require_user("dashboard")

st.title(t("dashboard.title"))
snap = data.snapshot_or_stop()
date_from, date_to = period_picker(user, key="dashboard")
scope, sid, tz = user.scope, snap.snapshot_id, user.timezone

visible = user.visible_metrics  # the tier's: no card, trend, column or ranking tells of a metric it hides
empty = nothing_to_show(snap.data_as_of, date_from, tz)  # a period after the data loaded says so, not "no data"
cards, today = data.kpis(scope, sid, date_from, date_to, tz), today_in(tz)
if date_to >= today:  # today's figures are still arriving: a part of a day against a whole one read as a fall
    whole = data.kpis(scope, sid, date_from, today - timedelta(days=1), tz) if date_from < today else None
    nothing = {c: pl.lit(None, pl.Float64) for c in ("change", "difference")}  # "Today" alone: nothing whole to compare
    changes = (whole if whole is not None else cards.with_columns(**nothing)).select(
        "metric", "previous", "change", "difference"
    )
    cards = cards.select("metric", "value").join(changes, on="metric", how="left", maintain_order="left")
kpi_cards(cards, visible)
unloaded = not_loaded_yet(snap.data_as_of, date_from, tz)
if unloaded:  # said once, under the zeros it explains: said under the trend and both tops only, below the fold at
    st.info(empty)  # 1280 × 900, the cards read as a day without traffic, and the same box came three times
if date_to >= today:
    st.caption(t("dashboard.whole_days" if date_from < today else "dashboard.today_only"))
# the status cards beside Commission, each rounded once, can add up to a cent apart from it: said, as on Commissions
parts = {s: (0, Decimal(str(v))) for s, v in cards.select("metric", "value").iter_rows()
         if s.removeprefix("commission_") in LIVE and s != "commission" and s in visible and v is not None}  # fmt: skip
if (
    "commission" in visible
    and len(parts) == len(LIVE)
    and (apart := cards_apart(parts, list(parts), data.base_currency()))
):
    named = ", ".join(t(f"commissions.status_{s.removeprefix('commission_')}") for s in parts)
    st.caption(money.unit_said("commissions.cards_rounded", data.base_currency(), statuses=named,
                               cards=fmt_metric("commission", float(apart[0])),
                               total=fmt_metric("commission", float(apart[1]))))  # fmt: skip
# the balance as on Payouts: approved commission only where the tier shows commission, the balance also to a login
# that handles payouts (the money it may ask for)
if balance_cards := ledger_cards(visible, user.has("payouts"), "dashboard"):
    try:
        paid = money.payout_queue(scope, ("requested", "approved", "paid"))  # the store's, as Payouts counts them
        bal = data.balance(scope, sid, tuple((p.amount, p.currency, p.requested_at, p.status) for p, _ in paid))
    except MissingRate as exc:  # a payout in a currency without an FX rate: no balance rather than a wrong one
        show_refusal(exc)
    else:
        labels = {"balance": "balance", "approved": "approved_total", "paid_out": "paid_out"}
        helps = {"balance": t("dashboard.balance_help")}
        if scope.own_partner_id is not None and user.has("payouts"):  # Payouts' Available can read a cent less
            can_ask = fmt_metric("commission", bal["available"])
            helps["balance"] += " " + money.unit_said(
                "dashboard.balance_available", data.base_currency(), available=can_ask
            )  # whole cents, yen or units of 0.001 dinar
        for col, card in zip(card_columns(3, "balance"), balance_cards, strict=False):
            col.metric(t(f"dashboard.{labels[card]}"), fmt_metric("commission", bal[card]), help=helps.get(card))

if unloaded:  # no trend or tops of days not loaded: nothing more to say of them
    st.caption(data.as_of(snap))
    st.stop()
if trended := [m for m in ("clicks", "registrations", "ftds", "commission") if m in visible]:
    trend = data.trend(scope, sid, date_from, date_to, tz)
    st.header(t("dashboard.trend"))
    if trend.is_empty():
        st.info(empty)
    else:
        relabel("dashboard_trend", trended)  # its label in the language switched to; the choice kept (a key per
        metric = st.radio(
            t("common.metric"),
            trended,
            horizontal=True,
            format_func=lambda m: t(f"metric.{m}"),
            key="dashboard_trend",  # language lost it)
        )
        fig = px.bar(trend.to_pandas(), x="day", y=metric,
                     labels={"day": t("dim.day"), metric: t(f"metric.{metric}")})  # fmt: skip
        show_chart(fig, "day")

# what they are ranked by first, beside the name: last, the commission was beyond a phone's screen
ranked = tuple(m for m in ("commission", "clicks", "ftds") if m in visible)
# "FTD" in Russian, the full name on hover: "Первые депозиты" over counts of a digit or two took the offers' table past
# a phone's screen
headed = {"ftds": t("dashboard.col_ftds")} if "ftds" in ranked else None
for dim in ("offer_id", "sub1") if ranked else ():  # one below the other: side by side the money column did not fit
    with st.container():
        st.header(t(f"dashboard.top_{dim}"))
        frame = data.top(scope, sid, dim, date_from, date_to, tz, ranked)
        if frame.is_empty():
            st.info(empty)
        elif dim == "offer_id":  # the name first; commissions without an offer (bonus, adjustment) said so
            label = pl.format("{} · {}", pl.col("offer_id"), pl.col("offer"))
            show_table(
                frame.with_columns(offer=pl.when(pl.col("offer_id").is_null()).then(pl.lit(t("common.no_offer")))
                                   .otherwise(label)).select(["offer", *ranked]), headed=headed
            )  # fmt: skip
        else:
            named = frame.with_columns(pl.col("sub1").fill_null(t("common.no_value")))
            show_table(named.select(["sub1", *ranked]), headed=headed)
st.caption(data.as_of(snap))
