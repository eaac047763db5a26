"""Promo codes: the partner's codes, whether each attributes conversions today, and what each brought in the period."""

from datetime import UTC, datetime
from urllib.parse import quote, urlencode

import polars as pl
import streamlit as st

from cabinet.ui import data, store
from cabinet.ui.dates import not_loaded_yet, nothing_to_show
from cabinet.ui.fit import auto_px, column_px, figures_px, rest_px
from cabinet.ui.guard import require_user
from cabinet.ui.promo_forms import manage_codes, valid_days
from cabinet.ui.tables import show_dataframe
from cabinet.ui.text import t
from cabinet.ui.widgets import display_config, download_buttons, period_picker, short_label, to_cents
from queries.metrics import MONEY
from queries.promo_codes import PromoError

DESCRIPTION_LEAST_PX = 60  # a description's first word, however wide the rest

user = require_user("promo_codes")
st.title(t("promo.title"))
codes = store.promo_codes(user.scope)
support = store.support_email()
if (own := user.scope.own_partner_id) is not None:  # how codes work and where new ones come from, for partners
    st.caption(t("promo.intro") + " " + (t("promo.ask", email=support) if support else t("promo.ask_manager")))
    # a request by email, to support or else the manager, naming the partner: "ask your manager" named nobody
    to = support or ((store.contacts(own)[0] or ("", ""))[1])
    if to:
        about = {"partner": own, "login": user.username}
        ask = urlencode({"subject": t("promo.request_subject", **about), "body": t("promo.request_body", **about)},
                        quote_via=quote)  # fmt: skip
        st.link_button(t("promo.request"), f"mailto:{to}?{ask}", icon=":material/mail:")
else:  # managers and admins issue and change their partners' codes
    manage_codes(user, codes)
if not codes:
    st.info(t("promo.none"))
    st.stop()

date_from, date_to = period_picker(user, key="promo")
now = datetime.now(UTC).replace(tzinfo=None)
zone = store.program_timezone()
staff = user.scope.own_partner_id is None
table = pl.DataFrame(
    {
        "code": [c.code for c in codes],
        "partner_id": [c.partner_id for c in codes],
        "partner": [f"{c.partner_id} · {c.partner}" for c in codes],
        "offer": [c.offer or t("promo.any_offer") for c in codes],
        "state": [c.state(now) for c in codes],
        # no date: no limit on that side (blank, not "None")
        "valid_from": [str(c.days(zone)[0] or "") for c in codes],  # days in the program's zone, as issued
        "valid_to": [str(c.days(zone)[1] or "") for c in codes],
        "description": [c.description or "" for c in codes],
    }
)
metrics = [m for m in ("registrations", "ftds", "sales", "revenue", "commission") if m in user.visible_metrics]
snap = data.warehouse().snapshot()
if snap is not None and not_loaded_yet(snap.data_as_of, date_from, user.timezone):
    # a period after the data loaded (Today) says so: a row of zeros under each code read as nothing brought in
    st.info(nothing_to_show(snap.data_as_of, date_from, user.timezone))
    metrics = []  # the codes and their state listed, no figures of days not loaded
elif snap is not None:
    try:
        figures = data.promo_figures(user.scope, snap.snapshot_id, date_from, date_to, user.timezone)
    except PromoError as exc:
        st.error(t("promo.bad_request", error=str(exc)))
        st.stop()
    table = table.join(figures.select("code", *metrics), on="code", how="left")
    table = table.with_columns([pl.col(m).fill_null(0) for m in metrics])
else:
    metrics = []
states = {s: t(f"promo.state_{s}") for s in ("active", "paused", "not_started", "expired")}
# the days a code works said after its state today, when limited ("Expired · 2026-10-01 – 2026-10-31"): "Valid from"
# and "Valid to" side by side, and "Первые депозиты" over counts of a few digits, pushed the description past the edge
# of a 1280-px page (860 px of table in 818, 1014 in Russian); the downloads keep both days. Registrations and sales
# are headed short ("Regs", "Рег.", "Прод."), each full name on hover, and the description, free text, comes last and
# takes the width the others leave, cut at its end when longer (whole on a double-click and in the downloads): with
# the staff's Partner column the table took 893 px (917 in Russian), the description past the edge
said = table.with_columns(pl.col("state").replace_strict(states), valid_days(table["valid_from"], table["valid_to"]))
shown = said.with_columns(
    pl.when(pl.col("valid").is_null()).then("state").otherwise(pl.concat_str("state", pl.lit(" · "), "valid"))
).select("code", *(["partner"] if staff else []), "offer", "state", *metrics, "description")  # the figures, the text
headers = {c: t(f"promo.col_{c}") for c in ("code", "partner", "offer", "state", "valid_from", "valid_to",
                                              "description")} | {m: short_label(m) for m in metrics}  # fmt: skip
shortened = {m: t(f"promo.col_{m}") for m in ("registrations", "ftds", "sales") if m in metrics}  # full names on hover
short = headers | shortened
config = display_config(shown)
for m in shortened:
    config[short[m]] = config.pop(headers[m])
currency = data.base_currency()
others = [auto_px(shown[c], short[c]) for c in shown.columns if c not in (*metrics, "state", "description")]
others += [figures_px(shown[m], short[m], currency if m in MONEY else None) for m in metrics]
# the state whole, its days as far as the description's first words leave room, the description in the rest
least = column_px(said["state"], short["state"])
state_px = min(column_px(shown["state"], short["state"]), rest_px([*others, DESCRIPTION_LEAST_PX], least))
config[short["state"]] = st.column_config.TextColumn(help=t("promo.col_state_help", tz=zone), width=state_px)
described = min(
    column_px(shown["description"], short["description"]), rest_px([*others, state_px], DESCRIPTION_LEAST_PX)
)
config[short["description"]] = st.column_config.TextColumn(help=t("promo.col_description_help"), width=described)
show_dataframe(to_cents(shown).rename(short, strict=False), config, hide_index=True, placeholder="—", width="stretch")
st.caption(t("promo.caption"))
download_buttons(
    table.drop("partner" if not staff else "partner_id"), f"promo_codes_{date_from}_{date_to}", "promo", headers=headers
)  # a partner's own id, which its table leaves out, is headed "Partner"
