"""Partner review (managers and admins): each partner of the scope in the period against the period before (or the
same days a year before, for a seasonal program), and the signals to act on — traffic that stopped, dropped, spiked
or is new, bot or repeated clicks, registrations that do not deposit,
commission that ends rejected or reversed (`queries.review`)."""

from datetime import timedelta

import polars as pl
import streamlit as st

from cabinet.ui import data, review_limits, review_table, store
from cabinet.ui.cards import card_columns
from cabinet.ui.column_pick import column_pick
from cabinet.ui.dates import fmt_days, today_in
from cabinet.ui.guard import require_user
from cabinet.ui.tables import RATE_STEP, show_dataframe
from cabinet.ui.text import t
from cabinet.ui.widgets import download_buttons, fmt_count, number_format, period_picker, relabel, to_cents
from queries import review
from queries.compare import AGAINST, other_period

user = require_user("manage", page="review")
st.title(t("review.title"))
snap = data.snapshot_or_stop()
date_from, date_to = period_picker(user, key="review")
limits = review_limits.limits()
said = review_limits.words(limits)
review_limits.limits_box(user, limits)
# whole days only: today's figures are still arriving, and a part of a day beside a whole one read as traffic that
# dropped or stopped (the period "Today" flagged every partner with clicks yesterday as stopped)
today = today_in(user.timezone)
if date_from >= today:
    st.info(t("review.today_only"))
    st.stop()
cut = date_to >= today
date_to = min(date_to, today - timedelta(days=1))
dates = {a: {"dates": fmt_days(*other_period(date_from, date_to, a))} for a in AGAINST}
relabel("review_against", AGAINST)  # its dates' words in the language switched to
# a seasonal program's December beside the last one: against November, every partner's clicks "spiked"
against = st.radio(t("review.compare_with"), AGAINST, format_func=lambda a: t(f"review.against_{a}", **dates[a]),
                   horizontal=True, key="review_against")  # fmt: skip
before = t(f"review.before_{against}")  # "in the period before", "in the same days a year before"
frame = data.partner_review(user.scope, snap.snapshot_id, date_from, date_to, user.timezone, limits, against)
if frame.is_empty():  # a manager is given partners by an admin: "no partner of yours had clicks" hid that they had none
    st.info(t("review.none_yours") if user.scope.partner_ids == () else t("review.empty", before=before))
    st.stop()

names = {pid: name for pid, name, _ in store.partners(user.scope)}
if review.nothing_before(frame):  # every partner with clicks read as new traffic, the cards not saying why
    st.info(t("review.nothing_before", before=before, dates=dates[against]["dates"],
              signal=t("review.signal_new_traffic")))  # fmt: skip
counts = {s: frame.filter(pl.col("signals").list.contains(s)).height for s in review.SIGNALS}
if not any(counts.values()):
    st.success(t("review.no_signals"))
cols = card_columns(4, "review")
for i, signal in enumerate(s for s in review.SIGNALS if counts[s]):
    cols[i % 4].metric(t(f"review.signal_{signal}"), counts[signal],
                       help=t(f"review.help_{signal}", before=before, **said))  # fmt: skip
picked = []  # no filter of nothing to pick when no partner gives a signal: every partner is listed
if any(counts.values()):
    picked = st.multiselect(t("review.only"), [s for s in review.SIGNALS if counts[s]], key="review_only",
                            format_func=lambda s: f"{t(f'review.signal_{s}')} ({counts[s]})",
                            placeholder=t("review.everyone"))  # fmt: skip
shown = frame
if picked:
    shown = frame.filter(pl.col("signals").list.eval(pl.element().is_in(picked)).list.any())
# "в этом периоде или в предыдущем периоде" in Russian said the period twice; counts grouped as the cards' figures
st.caption(t(f"review.count_{against}", shown=fmt_count(shown.height), total=fmt_count(frame.height)))

changed = ("clicks_change", "ftds_change", "commission_change")
percent = (*changed, "bot_share", "unique_share", "reg_to_ftd", "rejected_share")
table = review_table.table(shown, names)
if not any(counts.values()):  # an empty column as wide as two signals: Commission ± went out of sight at 1280 px
    table = table.drop("signals")
headers = review_table.headers()
# shares to two fixed decimals, as the cards' and the reports' rates ("50.00%" beside "34.02%", not "50%"); the changes
# are signed apart (`changes`)
config = {headers[c]: st.column_config.NumberColumn(format="percent", help=t(f"review.colhelp_{c}", before=before),
                                                    step=None if c in changed else RATE_STEP)
          for c in percent}  # fmt: skip
config |= {headers[c]: st.column_config.NumberColumn(format=number_format(c)) for c in ("clicks", "ftds", "commission")}
# wide enough for two signals on a phone ("Трафик вы…" was all of it at 390 px); the figures keep their own widths
config[headers["signals"]] = st.column_config.TextColumn(width="medium")
config[headers["open"]] = st.column_config.LinkColumn(
    display_text=review_table.VIEW_AS_ICON, help=t("review.view_as_help")
)
# the shares beside the figures and their changes were beyond the page's width at 1280 px (1,078 px of table in 818,
# 1,107 in Russian): shown as far as they fit, that of a signal the list is filtered by first, the others picked here
widths = review_table.columns_px(table, headers)
optional = {c: widths[c] for c in review_table.SHARES}
first = [review_table.SHARE_OF[s] for s in picked if s in review_table.SHARE_OF]
taken = sum(px for c, px in widths.items() if c not in optional)
chosen = column_pick(st, "review_columns", t("review.columns"), optional, taken, headers.get, first)
table = table.drop(c for c in optional if c not in chosen)
if first := [c for c in first if c in chosen]:  # beside the signals: at the end it was the column out of sight
    lead = [c for c in ("partner", "signals", "open") if c in table.columns]
    table = table.select(*lead, *first, *(c for c in table.columns if c not in lead and c not in first))
shown_heads = {headers[c] for c in table.columns}
changes = [headers[c] for c in changed]  # "+12.5%", as the cards
show_dataframe(to_cents(table).rename(headers, strict=False), {h: c for h, c in config.items() if h in shown_heads},
               changes=changes, hide_index=True, width="stretch", placeholder="—")  # fmt: skip
# headed as the table; the figures it leaves out as Reports heads them ("Bot clicks", "Clicks before")
download_buttons(review_table.download(shown, names), f"partner_review_{date_from}_{date_to}", key="review",
                 headers=review_table.download_headers(shown.columns, against))  # fmt: skip
if cut:
    st.caption(t("review.whole_days", dates=fmt_days(date_from, date_to)))
st.caption(t("review.caption", n_clicks_of=said["n_clicks_of"], n_registrations_of=said["n_registrations_of"],
             period=t(f"review.then_{against}", **dates[against])))  # fmt: skip
