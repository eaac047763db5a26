"""The Promo codes page's staff part: issue a code to a partner, pause or resume one, change its days."""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from cabinet.session import SessionUser
from cabinet.store.models import SHUT_OUT
from cabinet.ui import store
from cabinet.ui.dates import date_format
from cabinet.ui.guard import ScopeError
from cabinet.ui.next_run import forget_inputs
from cabinet.ui.once import once
from cabinet.ui.store import CODE_STATES, CodeChange, PromoCodeError, PromoItem
from cabinet.ui.text import t, vertical
from cabinet.ui.widgets import show_refusal

DONE_KEY = "promo_done"  # (translation key, code) said after the rerun that lists the change


def manage_codes(user: SessionUser, codes: list[PromoItem]) -> None:
    """An expander with two tabs: a new code, and a change to one of `codes`. Partners never get here."""
    if done := st.session_state.pop(DONE_KEY, None):
        st.success(t(done[0], code=done[1]))
    tz = store.program_timezone()
    with st.expander(t("promo.manage"), icon=":material/edit:", expanded=not codes):
        new, change = st.tabs([t("promo.issue"), t("promo.change")])
        with new:
            _issue(user, tz)
        with change:
            _change(user, codes, tz)


def _days(prefix: str, first: date | None = None, last: date | None = None) -> tuple[date | None, date | None]:
    """Two optional day pickers (empty: no limit on that side)."""
    cols, shown = st.columns(2), date_format()
    picked = (cols[0].date_input(t("promo.first_day"), value=first, key=f"{prefix}_first", format=shown),
              cols[1].date_input(t("promo.last_day"), value=last, key=f"{prefix}_last", format=shown))  # fmt: skip
    return tuple(d if isinstance(d, date) else None for d in picked)  # type: ignore[return-value]


def _issue(user: SessionUser, tz: str) -> None:
    # none the store refuses a code: blocked, or an application waiting or declined
    partners = {pid: f"{pid} · {name}" for pid, name, status in store.partners(user.scope) if status not in SHUT_OUT}
    if not partners:
        st.info(t("promo.no_partners"))
        return
    pid = st.selectbox(t("promo.partner"), list(partners), format_func=partners.get, key="promo_new_partner")
    offers = {0: t("promo.any_offer")} | {
        o.id: f"{o.name} · {vertical(o.vertical)}" for o in store.code_offers(user.scope, pid)
    }
    with st.form("promo_issue"):  # a refused code keeps what was typed; an issued one clears the form
        # no max_chars: the browser drops a longer paste whole; the store refuses it with its limit, kept typed
        code = st.text_input(t("promo.code"), help=t("promo.code_help"), key="promo_new_code")
        offer = st.selectbox(t("promo.offer"), list(offers), format_func=offers.get, key="promo_new_offer")
        first, last = _days("promo_new")
        description = st.text_input(t("promo.description"), key="promo_new_description")
        st.caption(t("promo.days_in", tz=tz))
        if st.form_submit_button(t("promo.issue_button"), type="primary", icon=":material/add:"):
            try:
                change = CodeChange("active", first, last, description)

                def issue() -> str:
                    return store.issue_code(user.scope, int(pid), code, int(offer) or None, change)

                made = once(issue, "promo_issue", pid, code, offer, change)  # again at once: a replay, no refusal
                st.session_state[DONE_KEY] = ("promo.issued", made)
                forget_inputs(("promo_new_code", "promo_new_offer", "promo_new_first", "promo_new_last",
                               "promo_new_description"))  # fmt: skip
                st.rerun()
            except (PromoCodeError, ScopeError) as exc:
                show_refusal(exc, pid)


def _change(user: SessionUser, codes: list[PromoItem], tz: str) -> None:
    if not codes:
        st.info(t("promo.none"))
        return
    by_code = {c.code: c for c in codes}
    picked = st.selectbox(t("promo.pick"), list(by_code), key="promo_pick",
                          format_func=lambda c: f"{c} · {by_code[c].partner_id} · {by_code[c].partner}")  # fmt: skip
    item = by_code[picked]
    first_day, last_day = item.days(tz)
    with st.form(f"promo_change_{picked}"):  # its own widgets per code: they start from that code's values
        status = st.radio(t("promo.state"), list(CODE_STATES), index=CODE_STATES.index(item.status)
                          if item.status in CODE_STATES else 1, horizontal=True,
                          format_func=lambda s: t(f"promo.set_{s}"))  # fmt: skip
        first, last = _days(f"promo_change_{picked}", first_day, last_day)
        description = st.text_input(t("promo.description"), value=item.description or "")
        st.caption(t("promo.days_in", tz=tz))
        if st.form_submit_button(t("promo.save"), type="primary"):
            try:
                change = CodeChange(str(status), first, last, description)

                def save() -> list[str]:
                    return store.change_code(user.scope, picked, change)

                # again at once: a replay says what the first did; the same form sent later changes nothing, says so
                changed = once(save, "promo_change", picked, change)
                st.session_state[DONE_KEY] = ("promo.changed" if changed else "promo.same", picked)
                st.rerun()
            except (PromoCodeError, ScopeError) as exc:
                show_refusal(exc, item.partner_id)


def valid_days(first: pl.Series, last: pl.Series) -> pl.Series:
    """The days each code works, as one column ("2026-12-01 – 2026-12-31", "from 2026-12-01", "to 2026-12-31"; none
    where it has no limit): `first` and `last` the codes' first and last days as text, empty where there is none.
    Written here, in the session's language, not in a polars worker thread (which has no session)."""
    return pl.Series("valid", [_days_said(a, b) for a, b in zip(first, last, strict=True)], dtype=pl.Utf8)


def _days_said(first: str, last: str) -> str | None:
    if first and last:
        return f"{first} – {last}"
    if first:
        return t("promo.valid_since", day=first)
    return t("promo.valid_until", day=last) if last else None
