"""Partners (managers and admins): the partners in the user's scope with their last 30 days, and changes to one
partner's status, tier and payout currency (and, for admins, its manager and commission plan); admins add partners."""

from datetime import timedelta

import polars as pl
import streamlit as st

from cabinet.ui import data, data_loads, payout_currency, review_table, store
from cabinet.ui.chips import wrapping_pills
from cabinet.ui.column_pick import column_pick
from cabinet.ui.dates import fmt_moment, local_time, today_in
from cabinet.ui.fit import auto_px, column_px, figures_px
from cabinet.ui.guard import ScopeError, require_user
from cabinet.ui.headers import head_short
from cabinet.ui.menu import VIEW_AS_PARAM
from cabinet.ui.once import once
from cabinet.ui.partner_new import add_partner_box
from cabinet.ui.partner_notes import notes_box
from cabinet.ui.password_reset import link_base
from cabinet.ui.store import APPLICATION, PARTNER_STATUSES, PartnerChange, PartnerChangeError
from cabinet.ui.tables import show_dataframe
from cabinet.ui.text import t
from cabinet.ui.widgets import (
    display_config,
    fmt_count,
    forget_inputs,
    plain,
    relabel,
    short_label,
    show_refusal,
    to_cents,
)
from queries.reports import ReportRequest

user = require_user("manage", page="partners")
st.title(t("partners.title"))
# what the last change or move did, said under the form whose button was clicked (at the top of the page it was out
# of sight, the page kept scrolled down to the form); said before stopping when a page draws no form
notices = {"saved": st.session_state.pop("partners_saved", None), "moved": st.session_state.pop("partners_moved", None)}


def say(which: str) -> None:
    """The notice of the last change ("saved": partner, fields changed) or move ("moved": partner, new parent or 0,
    whether it moved), once."""
    done = notices.pop(which, None)
    if done is None:
        return
    if which == "moved":
        st.success(t("partners.moved_top" if not done[1] else "partners.moved", partner=done[0], parent=done[1])
                   if done[2] else t("partners.same"))  # fmt: skip
        return
    if not done[1]:
        st.success(t("partners.same"))
        return
    st.success(t("partners.saved", partner=done[0], fields=", ".join(t(f"partners.col_{f}") for f in done[1])))
    if "plan_id" in done[1]:  # the partner's pages read the published data: the new plan shows after the next run
        st.info(t("partners.plan_next_run"))
        data_loads.no_schedule_warning()


def stop(message: str) -> None:
    for which in list(notices):
        say(which)
    st.info(message)
    st.stop()


rows, options = store.partner_directory(user.scope)
add_partner_box(user.scope, options)
if not rows:  # a manager is given partners by an admin: "no partners yet" read as if the program had none
    stop(t("partners.none" if user.role == "admin" else "partners.none_yours"))

cols = st.columns([2, 3])
# every status in sight on a phone: a multiselect's fourth chip (Blocked) sat behind a fade at 390 px
statuses = wrapping_pills(cols[0], t("partners.statuses"), list(PARTNER_STATUSES), list(PARTNER_STATUSES),
                          lambda s: t(f"partners.status_{s}"), "partners_statuses")  # fmt: skip
search = cols[1].text_input(t("partners.search"), key="partners_search").strip().lower()
shown = [
    r for r in rows if r.status in statuses and (not search or search in f"{r.id} {r.name} {r.email or ''}".lower())
]
shown.sort(key=lambda r: r.status != "pending")  # applications waiting for a decision first, then by name
table = pl.DataFrame(
    {
        "id": [r.id for r in shown],
        "name": [r.name for r in shown],
        # a new tab; none for an application, pending or declined: it has no cabinet, and staff are refused a view as it
        "open": [f"./?{VIEW_AS_PARAM}={r.id}" if r.status not in APPLICATION else None for r in shown],
        "status": [t(f"partners.status_{r.status}") for r in shown],
        "tier": [options.tiers.get(r.tier_code, r.tier_code) for r in shown],
        "manager": [r.manager or "" for r in shown],
        "plan": [r.plan or "" for r in shown],
        "parent": [str(r.parent_id or "") for r in shown],
        # the currency it is paid in, ticked once it has said where to be paid: two columns under long headers
        "payout": [f"{r.currency} ✓" if r.has_payout_method else r.currency for r in shown],
    },
    schema_overrides={"id": pl.Int64},
)
snap = data.warehouse().snapshot()
metrics = [m for m in ("clicks", "ftds", "commission") if m in user.visible_metrics]
if snap is not None and not table.is_empty():  # each partner's last 30 days, from the published snapshot
    today = today_in(user.timezone)
    req = ReportRequest(today - timedelta(days=29), today, user.timezone, ("partner_id",), tuple(metrics))
    figures = data.performance(user.scope, snap.snapshot_id, req).with_columns(pl.col("partner_id").cast(pl.Int64))
    table = table.join(figures.rename({"partner_id": "id"}), on="id", how="left")
    table = table.with_columns([pl.col(m).fill_null(0) for m in metrics])
    # the way into the partner's cabinet and the figures before the long text columns: at 1280 px the table scrolls
    # sideways from Manager on, and the link, last, was out of sight
    first = ["id", "name", "open", "status", "tier", *metrics]
    table = table.select(*first, *(c for c in table.columns if c not in first))
st.metric(t("partners.count"), fmt_count(table.height))
if table.is_empty():  # the filter shows none (the last application approved, with only applications shown): an
    # empty table, then "No data for these dates and filters" on a page without dates
    stop(t("common.no_match"))
# short headers, their full names on hover, each text column as wide as its texts, the link an icon: the table
# scrolled sideways from Tier on at 1280 px (1191 px of table in 818, 1432 in Russian)
headers = {c: t(f"partners.col_{c}") for c in ("id", "name", "open", "status", "tier", "manager")}
headers |= {c: t(f"partners.head_{c}") for c in ("plan", "parent", "payout")} | {m: short_label(m) for m in metrics}
config = display_config(table)
head_short(config, headers, {"ftds": t("partners.head_ftds")})  # "FTD" in Russian: "Первые депозиты" over few digits
config |= {
    headers[c]: st.column_config.Column(width=column_px(table[c], headers[c]), help=said)
    for c, said in {
        "name": None,
        "status": None,
        "tier": None,
        "manager": None,
        "plan": t("partners.col_plan"),
        "parent": t("partners.col_parent"),
        "payout": t("partners.colhelp_payout"),
    }.items()
}
config[headers["open"]] = st.column_config.LinkColumn(
    display_text=review_table.VIEW_AS_ICON, help=t("review.view_as_help")
)
# the columns a manager reads less often, beyond the page's width at 1280 px with the others (975 px of table in 818,
# 1,082 in Russian), shown as far as they fit, the others picked here; the picked partner's are said under "Change"
widths = {"id": auto_px(table["id"].cast(pl.String), headers["id"]), "open": auto_px([], headers["open"])}
widths |= {c: column_px(table[c], headers[c]) for c in table.columns if c not in widths and c not in metrics}
widths |= {m: figures_px(table[m], headers[m], data.base_currency() if m == "commission" else None) for m in metrics}
optional = {c: widths[c] for c in ("manager", "plan", "parent", "payout")}
taken = sum(px for c, px in widths.items() if c not in optional)
chosen = column_pick(st, "partners_columns", t("partners.columns"), optional, taken, lambda c: t(f"partners.pick_{c}"))
table = table.drop(c for c in optional if c not in chosen)
shown_heads = {headers.get(c, c) for c in table.columns}
# figures as the session's language writes them, also in a browser of another language ("8,254" beside a card's
# "8 254" in a Russian session)
show_dataframe(to_cents(table).rename(headers, strict=False), {h: c for h, c in config.items() if h in shown_heads},
               hide_index=True, placeholder="—", width="stretch")  # fmt: skip
st.caption(t("partners.caption"))

st.header(t("partners.change"))
by_id = {r.id: r for r in shown}
pick = st.selectbox(
    t("partners.pick"), list(by_id), format_func=lambda i: f"{i} · {by_id[i].name}", key="partners_pick"
)
row, admin = by_id[pick], user.role == "admin"
# what the table may leave out (`column_pick`) and the form does not say: where it sits in the tree, where it is paid
names = {r.id: r.name for r in rows}
parent = f"{row.parent_id} · {plain(names[row.parent_id])}" if row.parent_id in names else row.parent_id  # as typed
st.caption(t("partners.details", parent=parent or t("partners.details_top"), currency=row.currency,
             method=t("partners.method_given" if row.has_payout_method else "partners.method_missing")))  # fmt: skip
if row.status in APPLICATION:  # who applied, when and how: the table shows neither the email nor the day
    day = fmt_moment(local_time(row.created_at, user.timezone)) if row.created_at else "—"
    how = t("partners.applied_under", parent=row.parent_id) if row.parent_id else t("partners.applied_open")
    st.caption(t("partners.applied", day=day, tz=user.timezone, email=plain(row.email or "—"), how=how))
# an application is approved (active) or declined, never paused or blocked, and one declined may still be approved;
# a partner is never an application again
allowed = {"pending": ["pending", "active", "declined"], "declined": ["declined", "active"]}.get(
    row.status, [s for s in PARTNER_STATUSES if s not in APPLICATION]
)
managers, plans = [0, *options.managers], [0, *options.plans]  # 0: none
named = dict(options.managers)
if row.manager_user_id and row.manager_user_id not in named:  # its manager's login disabled, or made an admin: kept
    managers.append(row.manager_user_id)
    why = "partners.manager_admin" if row.manager_user_id in options.admins else "partners.manager_disabled"
    named[row.manager_user_id] = t(why, manager=row.manager or row.manager_user_id)
choices = {"status": allowed, "tier_code": list(options.tiers), "manager_user_id": managers, "plan_id": plans,
           "currency": payout_currency.choices(row.currency)}  # fmt: skip
said = {"status": lambda s: t(f"partners.status_{s}"), "tier_code": options.tiers.get,
        "manager_user_id": lambda m: named.get(m, t("partners.nobody")),
        "plan_id": lambda p: options.plans.get(p, t("partners.no_plan")),
        "currency": payout_currency.label}  # fmt: skip
stored = {"status": row.status, "tier_code": row.tier_code, "manager_user_id": row.manager_user_id or 0,
          "plan_id": row.plan_id or 0, "currency": row.currency}  # fmt: skip
stored = {f: v if v in choices[f] else choices[f][0] for f, v in stored.items()}
keys = {f: f"partners_{f.split('_')[0]}_{pick}" for f in choices}  # partners_status_5, partners_tier_5, ...
was = st.session_state.get("partners_seen")  # (partner, the values its form was drawn with)
seen = was[1] if was is not None and was[0] == pick else {}
for field, key in keys.items():  # a field not changed in the form shows the stored value; a changed one, the choice
    chosen = st.session_state.get(key)
    if field not in seen or chosen == seen[field] or chosen not in choices[field]:
        st.session_state[key] = seen[field] = stored[field]
    else:  # a choice not saved yet, kept: labelled anew (after a switch of language)
        relabel(key, choices[field])
st.session_state["partners_seen"] = (pick, seen)
reason_key = f"partners_reason_{pick}"
with st.form(f"partner_{pick}"):  # its own widgets per partner
    left, right = st.columns(2)
    status = left.selectbox(t("partners.col_status"), allowed, format_func=said["status"], key=keys["status"])
    tier = right.selectbox(t("partners.col_tier"), choices["tier_code"], format_func=said["tier_code"],
                           key=keys["tier_code"])  # fmt: skip
    manager = left.selectbox(t("partners.col_manager"), managers, disabled=not admin,
                             format_func=said["manager_user_id"], key=keys["manager_user_id"])  # fmt: skip
    plan = right.selectbox(t("partners.col_plan"), plans, disabled=not admin, format_func=said["plan_id"],
                           key=keys["plan_id"])  # fmt: skip
    currency = left.selectbox(t("partners.col_currency"), choices["currency"], format_func=said["currency"],
                              key=keys["currency"], help=t("partners.currency_help"))  # fmt: skip
    # no max_chars on the reasons: the browser drops a longer paste whole (the reason typed was lost, and the save
    # asked for one); a long one stays in its field and is refused with its limit (`partners.reason_too_long`)
    reason = st.text_input(t("partners.reason"), help=t("partners.reason_help"), key=reason_key)
    if st.form_submit_button(t("partners.save"), type="primary"):
        try:
            drawn = PartnerChange(seen["status"], seen["tier_code"], seen["manager_user_id"] or None,
                                  seen["plan_id"] or None, currency=seen["currency"])  # fmt: skip
            change = PartnerChange(str(status), str(tier), int(manager) or None, int(plan) or None, reason, drawn,
                                   str(currency))  # fmt: skip
            url = link_base()  # an approved applicant's email says where to log in
            changed = once(lambda: store.change_partner(user.scope, int(pick), change, url), f"partner_{pick}", change)
            st.session_state["partners_saved"] = (pick, changed)  # the same again at once: a replay, said once more
            del st.session_state["partners_seen"]  # the next run's form shows the stored values
            forget_inputs((reason_key,))  # each change of status gives its own reason
            st.rerun()
        except (PartnerChangeError, ScopeError) as exc:
            show_refusal(exc, pick)
            for field in exc.params["fields"] if exc.key == "partners.changed_meanwhile" else ():
                seen[field] = stored[field]  # said what it is now: saving again keeps the choice made
                st.info(t("partners.now_is", field=t(f"partners.col_{field}"), value=said[field](stored[field])))
say("saved")
if row.plan_id is None and row.status != "declined":  # an application sent without an invitation has none, and
    # earns nothing until it has one
    st.warning(t("partners.no_plan_warning"))
st.caption(t("partners.blocking"))
if admin:  # a move of its own: the tree (and its overrides) changes, not the partner's fields
    parent_key, move_key = f"partners_parent_{pick}", f"partners_move_reason_{pick}"
    st.session_state.setdefault(parent_key, row.parent_id or 0)
    with st.form(f"partner_move_{pick}"):
        left, right = st.columns(2)
        # no bound for the browser to say in English on hover only: "no partner -3" in the session's language
        parent = left.number_input(t("partners.move_parent"), step=1, help=t("partners.move_help"), key=parent_key)
        move_reason = right.text_input(t("partners.move_reason"), key=move_key)
        if st.form_submit_button(t("partners.move")):
            try:
                done = once(lambda: store.move_partner(user.scope, int(pick), int(parent) or None, move_reason),
                            f"partner_move_{pick}", int(parent), move_reason)  # fmt: skip
                st.session_state["partners_moved"] = (pick, int(parent), done)
                forget_inputs(((parent_key, int(parent)), move_key))  # the next run shows where it is now
                st.rerun()
            except (PartnerChangeError, ScopeError) as exc:
                show_refusal(exc, pick)
say("moved")
notes_box(user.scope, int(pick), user.timezone)
