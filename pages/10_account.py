"""Account: where the partner's payouts go (method and details), which emails it gets (a manager's or admin's: the
daily digest), the user's password, two-step login and sign-in activity."""

from collections.abc import Callable
from zoneinfo import ZoneInfo

import polars as pl
import streamlit as st

from cabinet.ui import email_link, preferences, store
from cabinet.ui.cards import card_columns
from cabinet.ui.guard import ScopeError, require_user
from cabinet.ui.login import pop_notices, refresh_cookie
from cabinet.ui.next_run import forget_inputs
from cabinet.ui.once import once
from cabinet.ui.preferences import preferences_box
from cabinet.ui.second_factor import OFF_NOTICE, second_factor_box
from cabinet.ui.store import METHODS, AccountError, masked
from cabinet.ui.team import team_box
from cabinet.ui.text import current_locale, t
from cabinet.ui.widgets import plain, relabel, show_refusal

user = require_user("account")
st.title(t("account.title"))
scope = user.scope
# the notices the run before left
notices = pop_notices("account_saved", "account_password_saved", "account_email_saved", "account_digest_saved",
                      OFF_NOTICE)  # fmt: skip


def save(action: Callable[[], object], notice: str | tuple[str, dict[str, object]], clear: tuple[str, ...] = (),
         sent: tuple[object, ...] = (), where: str = "account_saved") -> None:  # fmt: skip
    """Run a change; on success say `notice` (a text's key, and its values) after the rerun, at the top of the page
    or where `said(where)` is, and draw the inputs `clear` empty, else show why it was refused. `sent`: the form's
    key and values, the same again at once a replay (`cabinet.ui.once`)."""
    try:
        if sent:
            once(action, str(sent[0]), *sent[1:])
        else:
            action()
    except (AccountError, ScopeError) as exc:
        show_refusal(exc)
        return
    forget_inputs(clear)
    st.session_state[where] = notice
    st.rerun()


def said(where: str) -> None:
    """The notice a change left under `where` for this run, if any."""
    if done := notices[where]:
        st.success(t(done) if isinstance(done, str) else t(done[0], **done[1]))


def payout_details(partner_id: int, method: str | None, details: dict[str, str]) -> None:
    """The payout method and details (masked), and the form that changes them with the user's password."""
    if method:
        known = {f for fields in METHODS.values() for f in fields}  # details stored by other tools keep their keys
        shown = ", ".join(f"{t(f'account.field_{k}') if k in known else k}: {v}" for k, v in masked(details).items())
        st.write(t("account.current", method=t(f"account.method_{method}"), details=shown or "—"))
    else:
        st.info(t("account.no_method"))
    options = list(METHODS)
    relabel("account_method", options)  # after a switch of language: "Bank transfer" stayed over a Russian page
    # the stored method first, and only then: beside the state `relabel` sets, an index is logged as a conflict
    first = {} if "account_method" in st.session_state else {"index": options.index(method) if method in options else 0}
    picked = st.selectbox(t("account.method"), options, format_func=lambda m: t(f"account.method_{m}"),
                          key="account_method", **first)  # fmt: skip
    with st.form("account_payout"):  # a refused save keeps what was typed; a saved one clears the form
        values = {f: st.text_input(t(f"account.field_{f}"), key=f"account_f_{f}")  # no max_chars (a paste went whole)
                  for f in METHODS[picked]}  # fmt: skip
        password = st.text_input(t("account.your_password"), type="password", help=t("account.password_why"),
                                 key="account_f_password", autocomplete="current-password")  # fmt: skip
        if st.form_submit_button(t("account.save"), type="primary"):
            try:
                once(lambda: store.save_payout_details(scope, partner_id, picked, values, password),
                     "account_payout", partner_id, picked, values, password)  # fmt: skip
                st.session_state["account_saved"] = "account.saved"
                for key in [k for k in st.session_state if str(k).startswith("account_f_")]:
                    del st.session_state[key]
                st.rerun()
            except (AccountError, ScopeError) as exc:
                show_refusal(exc)


def billing_details(partner_id: int, now: str) -> None:
    """The partner's company as its payout statements print it under "Paid to"."""
    with st.form("account_billing"):
        # no max_chars: the browser drops a longer pasted text whole; the store refuses it with the limits, kept typed
        text = st.text_area(t("account.billing"), now, height=110, help=t("account.billing_help"),
                            placeholder=t("account.billing_placeholder"))  # fmt: skip
        if st.form_submit_button(t("account.billing_save")):
            save(lambda: store.save_billing_details(scope, partner_id, text), "account.billing_saved")


def sign_in_activity() -> None:
    """What happened to this login lately (from the audit log), and ending its sessions in other browsers."""
    st.header(t("security.title"))
    events = store.sign_in_activity(scope)
    zone = ZoneInfo(user.timezone)
    if events:
        when = [e.ts.astimezone(zone).strftime("%Y-%m-%d %H:%M") for e in events]
        what = [t(f"security.{e.action}") + (f" · {t(f'security.how_{e.how}')}" if e.how else "") for e in events]
        table = pl.DataFrame({t("security.col_when", zone=user.timezone): when, t("security.col_what"): what,
                              t("security.col_device"): [e.device_in(current_locale()) for e in events],
                              t("security.col_ip"): [e.ip or "—" for e in events]})  # fmt: skip
        st.dataframe(table, hide_index=True, width="stretch")
    st.caption(t("security.caption"))
    if st.button(t("security.end_others"), key="security_end_others", help=t("security.end_others_help")):
        store.end_other_sessions(scope, before_commit=refresh_cookie)  # this browser's session goes on, a new cookie
        st.session_state["account_saved"] = "security.ended"
        st.rerun()


said("account_saved")
partner_id = scope.own_partner_id
if partner_id is not None:
    acct = store.partner_account(scope, partner_id)
    name, email, status, tier = acct.name, acct.email, acct.status, acct.tier
    st.header(plain(name))  # as typed: anyone may apply with any name
    cols = card_columns(3, "account")
    cols[0].metric(t("account.partner"), str(partner_id))
    cols[1].metric(t("account.tier"), tier)
    cols[2].metric(t("account.status"), t(f"account.status_{status}"))
    if email:
        st.caption(t("account.email", email=plain(email)))  # as typed: an address stored before markup was refused
    st.header(t("account.payouts"))
    if user.has("payouts"):
        payout_details(partner_id, acct.payout_method, acct.payout_details)
        billing_details(partner_id, acct.billing_details)
    elif "payouts" in user.withheld:  # a team member kept from the money's way out
        st.caption(t("account.payouts_hidden"))
    else:  # a tier without payouts
        st.caption(t("auth.no_feature", feature=t("menu.payouts")))

    # the account's owners (its payout logins) manage the team, a paused partner's too (to disable a teammate)
    if user.impersonator is None and status in ("active", "paused") and store.owns_account(scope):
        team_box(scope, user.timezone)

    st.header(t("account.emails"))
    prefs = store.email_prefs(scope, partner_id)
    if not user.has("payouts"):  # payout emails are not sent to this login: their switch is not its to turn
        prefs.pop("payout_updates", None)
    with st.form("account_emails"):
        wanted = {name: st.checkbox(t(f"account.pref_{name}"), value=on, key=f"account_pref_{name}")
                  for name, on in prefs.items()}  # fmt: skip
        st.caption(t("account.emails_always"))
        if st.form_submit_button(t("account.save_emails")):
            save(lambda: store.save_email_prefs(scope, partner_id, wanted), "account.emails_saved")

elif user.role == "partner":  # an application not approved yet or declined, or a blocked partner: only its own login
    if (standing := store.own_partner_status(user.partner_id)) == "pending":
        st.info(t("home.standing_pending"))
    else:
        st.error(t("home.standing_declined" if standing == "declined" else "home.standing_blocked"))
else:
    st.info(t("account.staff", username=user.username, role=t(f"menu.role_{user.role}")))
    st.header(t("account.emails"))  # a manager's or admin's own: the daily digest of what waits for them
    with st.form("account_digest"):
        digest = st.checkbox(t("account.pref_digest"), value=preferences.digest_on(user), key="account_pref_digest")
        st.caption(t("account.digest_help"))
        if st.form_submit_button(t("account.save_emails")):
            save(lambda: preferences.save_digest(user, digest), "account.emails_saved", where="account_digest_saved")
    said("account_digest_saved")  # under its form

preferences_box(user)  # the menu's language and time zone, here too: on a phone the menu is folded away
if user.impersonator is None:  # a manager viewing as a partner changes their own password in their own account
    st.header(t("account.password"))
    with st.form("account_password", clear_on_submit=True):
        current = st.text_input(t("account.current_password"), type="password", autocomplete="current-password")
        new = st.text_input(t("account.new_password"), type="password", autocomplete="new-password")
        repeat = st.text_input(t("account.repeat_password"), type="password", autocomplete="new-password")
        if st.form_submit_button(t("account.change")):  # the older cookies' sessions end; this browser's goes on
            save(lambda: store.change_password(scope, current, new, repeat, before_commit=refresh_cookie),
                 "account.password_changed", sent=("account_password", current, new, repeat),
                 where="account_password_saved")  # fmt: skip
    said("account_password_saved")
    st.header(t("account.login_email"))
    st.caption(t("account.login_email_now", email=plain(store.login_email(scope))))
    with st.form("account_email"):  # a refused change keeps the address typed, to be corrected
        new_email = st.text_input(t("account.new_email"), key="account_new_email")  # no max_chars: as above
        email_password = st.text_input(
            t("account.your_password"), type="password", key="account_email_password", autocomplete="current-password"
        )
        if st.form_submit_button(t("account.change_email")):  # by a link to the new address, where links are made
            link = email_link.link_parts()
            sent_to = (
                "account.email_link_sent",
                {"email": plain(new_email.strip()), "hours": email_link.CONFIRM_HOURS},
            )
            save(lambda: store.change_email(scope, email_password, new_email, link),
                 "account.email_changed" if link is None else sent_to,
                 clear=("account_new_email", "account_email_password"),
                 sent=("account_email", email_password, new_email), where="account_email_saved")  # fmt: skip
    said("account_email_saved")  # under its form, in sight: the new mailbox has a link to open
    second_factor_box(scope)
    said(OFF_NOTICE)  # under the box, where "Turn off" was
    sign_in_activity()
