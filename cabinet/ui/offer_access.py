"""The Offers page's access parts (`cabinet.offer_access` checks and stores): a partner's offers that need approval,
each with its request; for managers and admins, the requests of their partners to decide and the accesses to
revoke."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import polars as pl
import streamlit as st
from sqlalchemy.orm import Session

from cabinet import offer_access as _access
from cabinet.access import Scope
from cabinet.offer_access import AccessItem, QueueItem
from cabinet.ui.dates import fmt_day
from cabinet.ui.resources import engine
from cabinet.ui.text import t, vertical
from cabinet.ui.unreachable import session_scope
from cabinet.ui.widgets import plain, save_then_rerun

DONE_KEY = "access_done"  # (translation key, values, place): said once after the rerun, where it was clicked
ANCHOR = "approval"  # the section's place on the page, for the hint at the top to link to
# where a notice is said: under the queue's buttons, under the accesses given, in the asked offer's box, or at the
# end of the offers that need approval (an offer given access leaves them); at the top of the page it was out of
# sight of a click a screen or more below
QUEUE, GIVEN, APPROVAL = "queue", "given", "approval"


def say_done(place: str | int) -> None:
    """What the last request or decision made at `place` did, once (an offer's id: its request)."""
    done = st.session_state.get(DONE_KEY)
    if done is not None and done[2] == place:
        del st.session_state[DONE_KEY]
        st.success(t(done[0], **done[1]))


def waiting_offers(scope: Scope, partner_id: int) -> list[AccessItem]:
    """The approval offers the partner is not approved for, with where each request stands (read once per run: the
    hint at the top and the section below show them)."""
    with session_scope(engine()) as s:
        return [i for i in _access.partner_view(s, scope, partner_id) if i.status != "approved"]


def _queue(scope: Scope, statuses: tuple[str, ...]) -> list[QueueItem]:
    with session_scope(engine()) as s:
        return _access.queue(s, scope, statuses)


def approval_hint(items: list[AccessItem]) -> None:
    """At the top of the Offers page: how many offers need approval and where their requests stand, linking down."""
    if items:
        waiting = sum(i.status == "requested" for i in items)
        st.info(t("access.hint", n=len(items), waiting=waiting, anchor=ANCHOR), icon=":material/lock:")


def approval_offers(scope: Scope, partner_id: int, tz: str, items: list[AccessItem]) -> None:
    """The approval offers the partner is not approved for yet (`waiting_offers`), each with where its request stands
    and a way to ask (the partner) or to give access (staff choosing the partner)."""
    if not items:
        say_done(APPROVAL)  # the last one given access: said where the section was
        return
    st.header(t("access.title"), anchor=ANCHOR)
    st.caption(t("access.caption"))
    for item in items:
        offer = item.offer
        with st.container(border=True):
            st.markdown(f"**{plain(offer.name)}** · {plain(vertical(offer.vertical))} · #{offer.id}")
            if offer.description:
                st.text(offer.description)
            when = item.decided_at or item.requested_at
            day = fmt_day(when.astimezone(ZoneInfo(tz)).date()) if when else ""
            if item.status is not None:
                st.caption(t(f"access.status_{item.status}", day=day, reason=plain(item.reason or "—")))  # as typed
            say_done(offer.id)  # the request just sent, in its offer's box
            if item.status == "requested":
                continue
            if scope.own_partner_id is None:  # staff choosing the partner: access without a request
                if st.button(t("access.grant"), key=f"access_grant_{offer.id}", icon=":material/lock_open:"):
                    save_then_rerun(lambda s, o=offer.id: _access.grant(s, scope, partner_id, o), DONE_KEY,
                                    done=("access.granted", {"offer": plain(offer.name)}, APPROVAL))  # fmt: skip
                continue
            with st.form(f"access_request_{offer.id}"):  # no max_chars on the texts here: the browser dropped a
                # longer paste whole; a long one stays typed and is refused with its limit (`cabinet.offer_access`)
                message = st.text_area(t("access.message"), height=70,
                                       key=f"access_message_{offer.id}", help=t("access.message_help"))  # fmt: skip
                sent = st.form_submit_button(t("access.ask"), icon=":material/how_to_reg:")
            if sent:
                save_then_rerun(lambda s, o=offer.id, m=message: _access.request_access(s, scope, partner_id, o, m),
                                DONE_KEY, done=("access.asked", {"offer": plain(offer.name)}, offer.id))  # fmt: skip
    say_done(APPROVAL)


def _table(items: list[QueueItem], tz: str) -> pl.DataFrame:
    zone = ZoneInfo(tz)
    return pl.DataFrame(
        {
            t("access.col_partner"): [f"{i.partner_id} · {i.partner}" for i in items],
            t("access.col_offer"): [f"{i.offer_id} · {i.offer}" for i in items],
            t("access.col_requested"): [
                f"{i.requested_at.astimezone(zone):%Y-%m-%d %H:%M}" if i.requested_at else "" for i in items
            ],
            t("access.col_message"): [i.message or "" for i in items],
        }
    )


def staff_queue(scope: Scope, tz: str) -> None:
    """The requests of the staff member's partners, oldest first, to approve or reject; then the accesses given, to
    revoke."""
    requests = _queue(scope, ("requested",))
    st.header(t("access.queue_title", n=len(requests)))
    if not requests:
        st.caption(t("access.queue_empty"))
        say_done(QUEUE)  # the last request decided
    else:
        st.dataframe(_table(requests, tz), hide_index=True, width="stretch")
        by_id = {i.access_id: i for i in requests}
        pick = st.selectbox(t("access.pick"), list(by_id), key="access_pick",
                            format_func=lambda a: f"{by_id[a].partner} → {by_id[a].offer}")  # fmt: skip
        item = by_id[pick]
        if item.message:  # the table's last column, beyond the screen on a phone: what the partner wrote, in sight
            st.caption(t("access.col_message"))
            st.text(item.message)
        reason = st.text_input(t("access.reason"), key="access_reason",
                               help=t("access.reason_help"))  # fmt: skip
        left, right = st.columns(2)
        names = {"partner": plain(item.partner), "offer": plain(item.offer)}

        def decide(approve: bool) -> None:
            def change(s: Session) -> object:
                return _access.decide(s, scope, int(pick), approve, reason)

            done = "access.approved" if approve else "access.rejected"
            save_then_rerun(change, DONE_KEY, done=(done, names, QUEUE), clear=("access_reason",))

        # keys per request: a replayed click (`cabinet.ui.once`) finds the next request picked, and decides none
        if left.button(t("access.approve"), type="primary", key=f"access_approve_{pick}", icon=":material/check:"):
            decide(True)
        if right.button(t("access.reject"), key=f"access_reject_{pick}", icon=":material/close:"):
            decide(False)
        say_done(QUEUE)
    approved = _queue(scope, ("approved",))
    if not approved:
        say_done(GIVEN)  # the last access taken back
        return
    with st.expander(t("access.approved_title", n=len(approved))):
        st.dataframe(_table(approved, tz).drop(t("access.col_message")), hide_index=True, width="stretch")
        given = {i.access_id: i for i in approved}
        pick = st.selectbox(t("access.pick"), list(given), key="access_revoke_pick",
                            format_func=lambda a: f"{given[a].partner} → {given[a].offer}")  # fmt: skip
        with st.form(f"access_revoke_{pick}"):  # per access, as the requests' buttons
            reason = st.text_input(t("access.revoke_reason"), key="access_revoke_reason")
            if st.form_submit_button(t("access.revoke"), icon=":material/lock:"):
                names = {"partner": plain(given[pick].partner), "offer": plain(given[pick].offer)}
                save_then_rerun(lambda s: _access.revoke(s, scope, int(pick), reason), DONE_KEY,
                                done=("access.revoked", names, GIVEN), clear=("access_revoke_reason",))  # fmt: skip
        st.caption(t("access.revoke_caption"))
    say_done(GIVEN)  # under the box, not in it: its title counts the accesses, and a new title draws it folded
