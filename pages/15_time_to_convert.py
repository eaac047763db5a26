"""Time to convert: how long after the click registrations or FTDs come, overall and by the week of the click."""

import plotly.express as px
import polars as pl
import streamlit as st

from cabinet.ui import data
from cabinet.ui.cards import card_columns
from cabinet.ui.charts import show_chart
from cabinet.ui.dates import fmt_day, fmt_week
from cabinet.ui.guard import ScopeError, require_user
from cabinet.ui.lag_picker import lag_partner_picker
from cabinet.ui.tables import RATE_STEP, show_dataframe
from cabinet.ui.text import t
from cabinet.ui.widgets import download_buttons, fmt_count, fmt_metric, period_picker, relabel, show_refusal
from queries.cohorts import EVENT_METRICS
from queries.conversion_lag import BUCKETS, EVENTS, LagError, LagRequest, click_weeks

user = require_user("cohorts", page="time_to_convert")
st.title(t("lag.title"))
snap = data.snapshot_or_stop()
events = tuple(e for e in EVENTS if EVENT_METRICS[e] in user.visible_metrics)  # counts the user's tier shows
if not events:
    st.info(t("lag.no_event"))
    st.stop()
date_from, date_to = period_picker(user, key="lag", default="last_90_days")
cols = st.columns(2)
relabel("lag_event", events)  # after a switch of language the radio showed no choice (its label was the old one)
event = cols[0].radio(t("lag.event"), events, horizontal=True, format_func=lambda e: t(f"lag.event_{e}"),
                      key="lag_event")  # fmt: skip
partner = lag_partner_picker(user, snap.snapshot_id, events, "lag_partner", cols[1])  # staff: all, or one
req = LagRequest(date_from, date_to, user.timezone, event, partner)
try:
    frame = data.lag(user.scope, snap.snapshot_id, req)
    first, last = click_weeks(req)
except LagError as exc:
    st.error(t("lag.bad_request", error=t(exc.key, **exc.params) if exc.key else str(exc)))
    st.stop()
except ScopeError as exc:
    show_refusal(exc, partner)
    st.stop()
# the clicks of whole weeks are counted: "Yesterday" counted the week's, under a caption naming one day
st.caption(t("lag.range", start=fmt_day(first), end=fmt_day(last), tz=user.timezone))
if frame.is_empty():
    st.info(t("common.empty"))
    st.stop()


def duration(hours: float | None) -> str | None:
    """Hours under two days, days above, to a tenth as the session's language writes it."""
    if hours is None:
        return None
    return t("lag.hours", n=fmt_count(hours, 1)) if hours < 48 else t("lag.days", n=fmt_count(hours / 24, 1))


names = [name for name, _ in BUCKETS]
overall = frame.filter(pl.col("click_week").is_null()).row(0, named=True)
cards = card_columns(4, "lag")
cards[0].metric(t(f"lag.count_{event}"), fmt_count(overall["conversions"]))
cards[1].metric(t("lag.median"), duration(overall["median_hours"]), help=t("lag.median_help"))
cards[2].metric(t("lag.within_1d"), fmt_metric("cr", overall["within_1d"]))
cards[3].metric(t("lag.within_7d"), fmt_metric("cr", overall["within_7d"]))
shares = pl.DataFrame({"bucket": [t(f"lag.bucket_{n}") for n in names], "share": [overall[n] * 100 for n in names]})
fig = px.bar(shares.to_pandas(), x="bucket", y="share", labels={"bucket": t("lag.after_click"), "share": "%"})
show_chart(fig)

st.header(t("lag.by_week"))
weeks = frame.filter(pl.col("click_week").is_not_null()).sort("click_week", descending=True)
# written here, not in polars's map_elements: that runs on a worker thread, without the session (so in English)
medians = pl.Series("median_hours", [duration(h) for h in weeks["median_hours"]], dtype=pl.Utf8)
shown = weeks.select("click_week", "conversions", pl.lit(medians), *names)
headers = {"click_week": t("lag.click_week"), "conversions": t(f"lag.count_{event}"), "median_hours": t("lag.median")}
headers |= {n: t(f"lag.bucket_{n}") for n in names}
# short headers, the full names on hover: "Click week (from Monday)" and "Registrations after a click" over dates and
# counts of a few digits pushed the later buckets past the edge of a 1280-px page (904 px of table in 818, 1011 in ru)
short = headers | {"click_week": t("lag.col_click_week"), "median_hours": t("lag.col_median")}
short["conversions"] = t(f"lag.col_count_{event}")
# shares to two fixed decimals, as the cards' and the other tables' ("50.00%" beside "34.02%", not "50%")
config = {short[n]: st.column_config.NumberColumn(format="percent", step=RATE_STEP) for n in names}
config[short["conversions"]] = st.column_config.NumberColumn(format="localized", help=headers["conversions"])
config[short["click_week"]] = st.column_config.DateColumn(help=headers["click_week"])
config[short["median_hours"]] = st.column_config.TextColumn(help=f"{headers['median_hours']}: {t('lag.median_help')}")
# each week as its days ("Oct 26 – Nov 1"), as Cohorts and the weekly summary name one, its year when the weeks are of
# more than one (the caption above says it; "26 окт. – 1 нояб. 2026 г." pushed the last bucket past a 1280-px page);
# dates still, so they sort in time; the downloads keep ISO dates
years = first.year != last.year
show_dataframe(shown.rename(short), config, dates={short["click_week"]: lambda w: fmt_week(w, year=years)},
               hide_index=True, width="stretch", placeholder="—")  # fmt: skip
st.caption(t("lag.caption", tz=user.timezone))
if overall["before_click"]:  # timed over an hour before their click: not brought by it, so in no bucket
    st.caption(t("lag.before_click", n=fmt_count(overall["before_click"])))
# headed as the cards, in full; the median a number of hours there, so its header says the unit
files = headers | {"median_hours": t("lag.col_median_hours"), "within_1d": t("lag.within_1d"),
                   "within_7d": t("lag.within_7d"), "before_click": t("lag.col_before_click")}  # fmt: skip
# the row of all weeks named so, as Reports' totals row (it had an empty week), the weeks as the table writes them
named = frame.with_columns(pl.col("click_week").cast(pl.Utf8).fill_null(t("lag.all_weeks")))
download_buttons(named, f"time_to_convert_{event}_{first}_{last}", "lag", headers=files)
