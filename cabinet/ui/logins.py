"""The Logins page's parts (admins): the list of logins, one login's actions, and a new login;
`cabinet.logins_admin` checks and stores. A password made here is shown once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import streamlit as st
from sqlalchemy.orm import Session

from cabinet import logins_admin
from cabinet.access import Scope
from cabinet.logins_admin import ROLES, STAFF_ROLES, LoginRow
from cabinet.password_reset import WELCOME_DAYS
from cabinet.ui.fit import column_px
from cabinet.ui.password_reset import link_base, welcome_checkbox
from cabinet.ui.resources import app_settings, engine
from cabinet.ui.text import plural, t
from cabinet.ui.unreachable import session_scope
from cabinet.ui.widgets import relabel, save_then_rerun

DONE_KEY = "logins_done"  # a login added: (notice key, its params, a password to show once or None)
ACTED_KEY = "logins_acted"  # an action on one login, the same: said under its buttons, where it was clicked
ACTIONS_PER_ROW = 3  # five buttons in a row cut their Russian labels at 1280 px ("Создать новый …")
TAKEN_KEY = "logins_taken"  # actions taken in the session: a part of each confirmation box's key


def all_logins(scope: Scope) -> list[LoginRow]:
    with session_scope(engine()) as s:
        return logins_admin.logins(s, scope)


def show_done(key: str = DONE_KEY) -> None:
    """The notice of the change before the rerun (a login added, or with `ACTED_KEY` an action on one), and a password
    it made (once)."""
    done = st.session_state.pop(key, None)
    if done is None:
        return
    key, params, password = done
    st.success(t(key, **params))
    if password is not None:
        st.code(password, language=None)
        st.caption(t("logins.password_once"))


def login_table(rows: list[LoginRow], tz: str) -> tuple[pl.DataFrame, dict[str, Any]]:
    """The list as a table, times in the admin's zone, headed in the session's language, and its column settings.
    Who a login is and how to reach it come first, then whether it may log in and when it last did. A partner's login
    names its partner in the role column as the other tables name a partner ("1 · Alpha Media"), and a team member
    kept from payouts says so there ("1 · Alpha Media · no payouts"): a column of ticks for the rest, and "Partner"
    before each name, pushed the table past an 818-px page at 1280 px (921 px in Russian). The role, the last login and
    the two-step login are as wide as their longest texts: sized by the first rows, a rare one was cut."""

    def when(value: datetime | None) -> str:
        return "" if value is None else value.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")

    def role(r: LoginRow) -> str:
        if not r.partner_id:
            return t(f"menu.role_{r.role}")
        said = f"{r.partner_id} · {r.partner}"
        return said if r.payouts_access else f"{said} · {t('logins.no_payouts')}"

    table = pl.DataFrame(
        {
            "username": [r.username for r in rows],
            "name": [r.display_name for r in rows],
            "role": [role(r) for r in rows],
            "email": [r.email for r in rows],
            "state": [_state(r) for r in rows],
            "last_login": [when(r.last_login_at) for r in rows],
            "two_step": [plural("logins.codes_left", r.recovery_codes_left) if r.two_step else "" for r in rows],
        },
        schema={c: pl.String for c in ("username", "name", "role", "email", "state", "last_login", "two_step")},
    )
    heads = {c: t(f"logins.col_{c}") for c in table.columns} | {"two_step": t("logins.head_two_step")}
    helps = {"role": t("logins.colhelp_role"), "last_login": None, "two_step": t("logins.col_two_step")}
    config = {
        heads[c]: st.column_config.Column(help=said, width=column_px(table[c], heads[c])) for c, said in helps.items()
    }
    return table.rename(heads), config


def _state(row: LoginRow) -> str:
    if not row.enabled:
        return t("logins.disabled")
    if row.locked_until is None:
        return t("logins.enabled")
    return t("logins.locked") if row.locked_everywhere else t("logins.locked_addresses")


def manage_box(scope: Scope, row: LoginRow) -> None:
    """What an admin can do to one login other than their own: each action behind a confirmation saying what it
    does."""
    if row.id == scope.user_id:
        st.info(t("logins.yourself"))
        return
    enable = not row.enabled
    actions: list[tuple[str, Callable[[Session], str | None], str]] = [
        ("logins.new_password", lambda s: logins_admin.new_password(s, scope, row.id), "logins.password_made"),
    ]
    base = link_base()
    if base is not None and row.enabled:  # the user sets a password no one else sees
        actions.append(("logins.reset_link", lambda s: _link_sent(s, scope, row.id, base),
                        "logins.reset_link_sent"))  # fmt: skip
    if row.locked_until is not None:
        actions.append(("logins.unlock", lambda s: logins_admin.unlock(s, scope, row.id), "logins.unlocked"))
    if row.two_step:
        actions.append(("logins.reset_two_step",
                        lambda s: logins_admin.reset_two_step(s, scope, row.id), "logins.two_step_off"))  # fmt: skip
    if row.role == "partner":  # a team member kept from the payout details and requests, or let in again
        give = not row.payouts_access
        actions.append(("logins.payouts_give" if give else "logins.payouts_take",
                        lambda s: logins_admin.set_payouts_access(s, scope, row.id, give),
                        "logins.payouts_given" if give else "logins.payouts_taken"))  # fmt: skip
    if row.role in STAFF_ROLES:  # a manager made an admin, or an admin a manager
        role = "admin" if row.role == "manager" else "manager"
        actions.append((f"logins.make_{role}", lambda s: logins_admin.set_role(s, scope, row.id, role),
                        f"logins.now_{role}"))  # fmt: skip
    typed = f"logins_email_{row.id}"  # the new address, typed in its action's box
    actions.append(("logins.set_email", lambda s: logins_admin.set_email(s, scope, row.id, st.session_state[typed]),
                    "logins.email_set"))  # fmt: skip
    actions.append(("logins.enable" if enable else "logins.disable",
                    lambda s: logins_admin.set_enabled(s, scope, row.id, enable),
                    "logins.now_enabled" if enable else "logins.now_disabled"))  # fmt: skip
    rows = (actions[i : i + ACTIONS_PER_ROW] for i in range(0, len(actions), ACTIONS_PER_ROW))
    cols = [col for row in rows for col in st.columns(ACTIONS_PER_ROW)[: len(row)]]
    for col, (label, change, notice) in zip(cols, actions, strict=True):
        key = label.replace(".", "_")  # one per way: a replayed "disable" is no click on "enable" (`cabinet.ui.once`)
        # closed for another login, and once an action is taken: left open, it hid the notice and the password shown
        # once under it, and offered to confirm again
        sure = f"logins_sure_{key}_{row.id}_{st.session_state.get(TAKEN_KEY, 0)}"
        with col.popover(t(label), width="stretch", key=sure):
            st.caption(t(f"{label}_help", username=row.username))
            if label == "logins.set_email":  # no max_chars: a long paste stays typed, and is refused with the limit
                st.text_input(t("account.new_email"), key=typed)
            if st.button(t("logins.confirm"), key=key, type="primary"):  # a new address typed: no replay of the last
                _act(change, notice, row.username, (key, row.id, st.session_state.get(typed, "")))


def _link_sent(session: Session, scope: Scope, user_id: int, base: str) -> None:
    logins_admin.send_reset_link(session, scope, user_id, base, app_settings().require_link_key())


def _act(change: Callable[[Session], str | None], notice: str, username: str, once: tuple[object, ...]) -> None:
    """Make the change (`once` for this button and login); the next run says `notice`, with the password the change
    made (if any) once."""

    def run(session: Session) -> tuple[str, dict[str, str], str | None]:
        return notice, {"username": username}, change(session)

    save_then_rerun(run, ACTED_KEY, after=_taken, once=once)


def _taken(_: object) -> None:
    st.session_state[TAKEN_KEY] = st.session_state.get(TAKEN_KEY, 0) + 1


def add_login_box(scope: Scope) -> None:
    """A new login (a manager, an admin, or one more of a partner's); its password is shown once."""
    with st.expander(t("logins.add_title"), icon=":material/person_add:", key="logins_add_box"), st.form("logins_add"):
        left, right = st.columns(2)
        # no max_chars: the browser drops a longer paste whole (a name pasted vanished, and the save asked for one);
        # a long value stays typed and the save refuses it (`cabinet.invites.checked_login`)
        name = left.text_input(t("logins.col_name"), key="logins_add_name")
        email = right.text_input(t("invite.email"), key="logins_add_email")
        username = left.text_input(t("invite.username"), key="logins_add_username")
        relabel("logins_add_role", ROLES)  # its labels in another language after a switch
        role = right.selectbox(t("logins.col_role"), ROLES, format_func=lambda r: t(f"menu.role_{r}"),
                               key="logins_add_role")  # fmt: skip
        # no bound for the browser to say in English on hover only: "no partner -3" in the session's language
        partner = right.number_input(t("logins.add_partner"), step=1, key="logins_add_partner",
                                     help=t("logins.add_partner_help"))  # fmt: skip
        money = st.checkbox(t("logins.add_payouts"), value=True, key="logins_add_payouts",
                            help=t("logins.add_payouts_help"))  # fmt: skip
        welcome = welcome_checkbox("logins_add_link", "logins")
        sent = st.form_submit_button(t("logins.add_submit"), type="primary")
    if sent:

        def add(session: Session) -> tuple[str, dict[str, object], str | None]:
            password = logins_admin.add_login(session, scope, username, name, email, str(role), int(partner) or None,
                                              welcome=welcome, payouts_access=money)  # fmt: skip
            params = {"username": username.strip(), "role": t(f"menu.role_{role}"), "days": WELCOME_DAYS}
            return "logins.added_link" if password is None else "logins.added", params, password

        sent_as = ("logins_add", name, email, username, role, partner, money, welcome is not None)
        save_then_rerun(add, DONE_KEY, clear=("logins_add_name", "logins_add_email", "logins_add_username",
                                              "logins_add_partner"), once=sent_as)  # fmt: skip
