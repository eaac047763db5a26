"""The Account page's "Your team" (`cabinet.team` checks and stores): the partner's logins, a teammate added by email,
and each teammate's payout access and whether it may log in."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import polars as pl
import streamlit as st

from cabinet import team as _team
from cabinet.access import Scope
from cabinet.team import Member
from cabinet.ui.next_run import empty_saved_inputs
from cabinet.ui.password_reset import link_base
from cabinet.ui.resources import app_settings, engine
from cabinet.ui.text import t
from cabinet.ui.unreachable import session_scope
from cabinet.ui.widgets import save_then_rerun

DONE_KEY = "team_done"  # (translation key, values): said once after the rerun
_FIELDS = ("team_username", "team_name", "team_email")


def _members(scope: Scope) -> list[Member]:
    with session_scope(engine()) as s:
        return _team.members(s, scope)


def team_box(scope: Scope, tz: str) -> None:
    """For a partner's payout login acting as itself: the team, the form to add a teammate, changes to one."""
    empty_saved_inputs()
    st.header(t("team.title"))
    done = st.session_state.pop(DONE_KEY, None)  # said where its button was: under the form, or under the actions
    people = _members(scope)
    zone = ZoneInfo(tz)
    st.dataframe(
        pl.DataFrame(
            {
                t("team.col_username"): [m.username + (f" ({t('team.you')})" if m.is_you else "") for m in people],
                t("team.col_name"): [m.display_name for m in people],
                t("team.col_email"): [m.email for m in people],
                t("team.col_payouts"): ["✓" if m.payouts_access else "" for m in people],
                t("team.col_two_step"): ["✓" if m.two_step else "" for m in people],
                t("team.col_enabled"): ["✓" if m.enabled else "" for m in people],
                t("team.col_last_login"): [
                    f"{m.last_login_at.astimezone(zone):%Y-%m-%d %H:%M}" if m.last_login_at else "" for m in people
                ],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(t("team.caption"))
    with st.expander(t("team.add_title"), icon=":material/person_add:"), st.form("team_add"):
        left, right = st.columns(2)
        # no max_chars: the browser drops a longer paste whole; a long value stays typed and the save refuses it
        username = left.text_input(t("invite.username"), key="team_username")
        name = right.text_input(t("team.name"), key="team_name")  # the teammate's: "Your name" is the sign-up's
        email = left.text_input(t("invite.email"), key="team_email")
        money = right.checkbox(t("team.payouts_access"), value=False, key="team_money", help=t("team.payouts_help"))
        sent = st.form_submit_button(t("team.add_submit"), type="primary")
    if sent:
        welcome = (base, app_settings().require_link_key()) if (base := link_base()) else None
        save_then_rerun(lambda s: _team.add_member(s, scope, username, name, email, money, welcome), DONE_KEY,
                        done=("team.added", {"username": username.strip(), "email": email.strip()}),
                        clear=_FIELDS, once=("team_add", username, name, email, money))  # fmt: skip
    if done is not None and done[0] == "team.added":
        st.success(t(done[0], **done[1]))
    others = {m.user_id: m for m in people if not m.is_you}
    if not others:
        return
    pick = st.selectbox(t("team.pick"), list(others), key="team_pick",
                        format_func=lambda i: f"{others[i].username} · {others[i].email}")  # fmt: skip
    member = others[pick]
    left, right = st.columns(2)
    if member.payouts_access:
        if left.button(t("team.take_access"), key="team_take", icon=":material/money_off:"):
            save_then_rerun(lambda s: _team.set_payouts_access(s, scope, pick, False), DONE_KEY,
                            done=("team.access_taken", {"username": member.username}))  # fmt: skip
    elif left.button(t("team.give_access"), key="team_give", icon=":material/payments:"):
        save_then_rerun(lambda s: _team.set_payouts_access(s, scope, pick, True), DONE_KEY,
                        done=("team.access_given", {"username": member.username}))  # fmt: skip
    if member.enabled:
        if right.button(t("team.disable"), key="team_disable", icon=":material/person_off:"):
            save_then_rerun(lambda s: _team.set_enabled(s, scope, pick, False), DONE_KEY,
                            done=("team.disabled", {"username": member.username}))  # fmt: skip
    elif right.button(t("team.enable"), key="team_enable", icon=":material/person:"):
        save_then_rerun(lambda s: _team.set_enabled(s, scope, pick, True), DONE_KEY,
                        done=("team.enabled", {"username": member.username}))  # fmt: skip
    if done is not None and done[0] != "team.added":
        st.success(t(done[0], **done[1]))
