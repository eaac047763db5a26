"""Commissions: every commission row of the period with how its amount was computed; totals by status; downloads."""

import polars as pl
import streamlit as st

from cabinet.ui import data, store
from cabinet.ui.cards import card_box
from cabinet.ui.commission_table import commission_table
from cabinet.ui.dates import nothing_to_show
from cabinet.ui.guard import require_user
from cabinet.ui.money import unit_said
from cabinet.ui.plan_box import plan_box
from cabinet.ui.statement_box import month_statement_box
from cabinet.ui.tables import show_dataframe
from cabinet.ui.text import current_locale, t
from cabinet.ui.widgets import download_buttons, fmt_count, fmt_metric, per_language, period_picker, remember
from queries.commissions import KINDS, LIVE, CommissionError, CommissionRequest, cards_apart, visible_statuses

user = require_user("reports", page="commissions")
st.title(t("commissions.title"))
snap = data.snapshot_or_stop()
plan_box(user, snap)
date_from, date_to = period_picker(user, key="commissions")
staff = user.role in ("manager", "admin")
allowed = visible_statuses(user.visible_metrics)
month_statement_box(user, allowed)

cols = st.columns([2, 2, 1])
status_key, status_default = per_language("commissions_statuses", list(allowed))
statuses = remember(
    "commissions_statuses",
    cols[0].multiselect(
        t("commissions.statuses"),
        list(allowed),
        default=[s for s in status_default if s in allowed],
        format_func=lambda s: t(f"commissions.status_{s}"),
        key=status_key,
        placeholder=t("common.choose"),
        wrap=True,  # every pick in sight: in a column the chips kept one row, "Approved" behind a fade
    ),
)
kind_key, kind_default = per_language("commissions_kinds", list(KINDS))
kinds = remember(
    "commissions_kinds",
    cols[1].multiselect(
        t("commissions.kinds"),
        list(KINDS),
        default=[k for k in kind_default if k in KINDS],
        format_func=lambda k: t(f"commissions.kind_{k}"),
        key=kind_key,
        placeholder=t("common.choose"),
        wrap=True,
    ),
)
# no max_chars: the browser drops a longer paste whole, and every conversion's commissions showed, unsaid
conversion = cols[2].text_input(t("commissions.conversion"), key="commissions_conversion",
                                help=t("commissions.conversion_help"))  # fmt: skip
if len(conversion) > 255:
    st.error(t("commissions.conversion_too_long", n=255))
    st.stop()
if not statuses or not kinds:  # none picked: $0.00 under every status said nothing of why
    st.info(t("commissions.pick_status" if not statuses else "commissions.pick_kind"))
    st.stop()

req = CommissionRequest(date_from, date_to, user.timezone, tuple(statuses), tuple(kinds), conversion.strip() or None)
try:
    totals = data.commission_totals(user.scope, snap.snapshot_id, req)
    shows = None if staff else user.visible_metrics  # the amounts the tier shows, in the explanations too
    frame = data.commission_rows_explained(user.scope, snap.snapshot_id, req, current_locale(), shows)
except CommissionError as exc:
    st.error(t("commissions.bad_request", error=str(exc)))
    st.stop()

shown_statuses = [s for s in allowed if s in statuses]
cards = card_box("commissions")  # two to a row on a phone: six one under another took a screen and a half
for first in range(0, len(shown_statuses), 4):  # four to a row: six side by side cut long amounts off
    for col, status in zip(cards.columns(4), shown_statuses[first : first + 4], strict=False):
        n, amount = totals.get(status, (0, 0))
        col.metric(
            t(f"commissions.status_{status}"),
            fmt_metric("commission", float(amount)),
            help=t("commissions.rows", n=fmt_count(n)),
        )
added = [s for s in shown_statuses if s in LIVE]  # the commission's statuses, which the Dashboard adds up
if len(added) > 1 and (apart := cards_apart(totals, added, data.base_currency())):
    # each card is rounded once: together they can read a cent apart from what the statuses make (the Dashboard's)
    named = ", ".join(t(f"commissions.status_{s}") for s in added)
    st.caption(unit_said("commissions.cards_rounded", data.base_currency(), statuses=named,
                         cards=fmt_metric("commission", float(apart[0])),
                         total=fmt_metric("commission", float(apart[1]))))  # fmt: skip
if frame.is_empty():  # a period after the data loaded (Today) says so: "no data" read as no commission
    st.info(nothing_to_show(snap.data_as_of, date_from, user.timezone))
    st.stop()

offers = {o: f"{o} · {name}" for o, name in data.offers(snap.snapshot_id).select("offer_id", "offer").iter_rows()}
# staff read a partner by its name, as the offer: "49" alone sent them to the Partners page to find whose it is
partners = {p: f"{p} · {name}" for p, name, _ in store.partners(user.scope)} if staff else None
base = data.base_currency()
table, config = commission_table(frame, allowed, offers, partners, base)
st.caption(t("commissions.intro", column=t("commissions.col_amount_base", currency=base)))
show_dataframe(table, config, hide_index=True, placeholder="—", width="stretch")
total = sum(n for n, _ in totals.values())
if total > frame.height:
    st.caption(t("commissions.shown_of", shown=fmt_count(frame.height), total=fmt_count(total)))
download = frame.select(  # times as the full export writes them: ISO 8601 with the offset
    pl.col("ts_iso").alias("ts"), *(["partner_id"] if staff else []), "conversion_id", "conversion_type", "offer_id",
    "kind", "status", "amount", "currency", "amount_base", "rule", "how",
)  # fmt: skip
# headed by the columns' full names; the currency and the rule are the file's own columns
files = {c: t(f"commissions.col_{c}") for c in ("ts", "conversion_id", "conversion_type", "kind", "status", "amount",
                                                 "how", "currency", "rule")}  # fmt: skip
files |= {"partner_id": t("dim.partner_id"), "offer_id": t("dim.offer_id"),
          "amount_base": t("commissions.col_amount_base", currency=base)}  # fmt: skip
download_buttons(download, f"commissions_{date_from}_{date_to}", key="commissions", headers=files)
st.caption(data.as_of(snap))
