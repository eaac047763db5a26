"""Payouts: a partner's balance, its requests and a new request; the manager's queue of requests to decide."""

from collections.abc import Callable

import streamlit as st

from cabinet.ui import data, money
from cabinet.ui.cards import card_columns
from cabinet.ui.dates import today_in
from cabinet.ui.guard import ScopeError, require_user
from cabinet.ui.money import NEXT, STATED, STATUSES, PayoutError
from cabinet.ui.next_run import forget_inputs
from cabinet.ui.once import once
from cabinet.ui.payout_batch import pay_together, say_to_send
from cabinet.ui.payout_currency import own_currency
from cabinet.ui.payout_files import requests_frame, requests_headers
from cabinet.ui.payout_hand import pay_by_hand, sent_asked, sent_fields
from cabinet.ui.payout_table import history, method_name
from cabinet.ui.store import METHODS
from cabinet.ui.text import current_locale, t
from cabinet.ui.typed_numbers import typed
from cabinet.ui.widgets import download_buttons, fmt_count, fmt_metric, held, hold, relabel, show_refusal
from queries.payouts import MissingRate, ledger, ledger_cards

user = require_user("payouts")
st.title(t("payouts.title"))
scope = user.scope
base = data.base_currency()


def statement_download(rows: list) -> None:
    """The PDF statement of one approved or paid request, made (and audit-logged) when the button is pressed."""
    stated = {p.id: (p, name) for p, name in rows if p.status in STATED}
    st.header(t("statements.section"))
    if not stated:
        st.caption(t("statements.none"))
        return

    def label(i: int) -> str:
        p, name = stated[i]
        return " · ".join(
            x for x in (str(i), name, money.amount_text(p.amount, p.currency), t(f"payouts.status_{p.status}")) if x
        )

    relabel("statements_pick", stated)
    pick = st.selectbox(t("statements.pick"), list(stated), format_func=label, key="statements_pick")
    locale = current_locale()
    st.download_button(t("statements.download"), data=lambda: money.payout_statement(scope, int(pick), locale).pdf,
                       file_name=f"payout-statement-{pick}.pdf", mime="application/pdf", key="statements_download",
                       icon=":material/picture_as_pdf:")  # fmt: skip


def pay_to(payout_id: int) -> None:
    """Where the picked request is to be paid (masked; in full on request, audit-logged), the partner's note, and a
    warning when the partner's payout details changed after the request."""
    full = held("payouts_revealed", scope, payout_id)  # another request picked, or another login: hidden again
    info = full or money.payment_details(scope, payout_id)
    if info.changed_since:
        st.warning(t("payouts.details_changed"))
    with st.container(border=True):
        method = method_name(info.method) or "—"
        st.caption(t("payouts.pay_to", method=method))
        say_to_send(scope, payout_id)  # a partner paid in another currency: how much to send in it
        known = {f for fields in METHODS.values() for f in fields}
        for field, value in info.details.items():  # as text: a holder's name is the partner's to type
            label = t(f"account.field_{field}") if field in known else field
            if full:
                st.caption(label)
                st.code(value, language=None)
            else:
                st.text(f"{label}: {value}")
        if not full and st.button(t("payouts.show_details"), key=f"payouts_reveal_{payout_id}",
                                  help=t("payouts.show_details_help")):  # fmt: skip
            # the same click again at once: a replay, shown from the first, not audit-logged twice
            shown = once(lambda: money.payment_details(scope, payout_id, full=True), "payouts_reveal", payout_id)
            hold("payouts_revealed", scope, payout_id, shown)
            st.rerun()
        if info.note:
            st.caption(t("payouts.partner_note"))
            st.text(info.note)


UNIT_SAID = ("approved", "available", "balance")  # cards whose help says to which unit they are rounded
FINAL = ("rejected", "paid")  # steps no other step follows (`cabinet.payouts.NEXT`)


def ask_step(*asked: object) -> None:
    """A step button's callback: what the manager saw when clicking (scope, request, its status, the step), taken
    by the next run once the login is checked again. The request is the button's, not the one picked by then: the
    queue may have changed before the click came back (the request decided elsewhere, the picker fallen back)."""
    st.session_state["payouts_step"] = asked


def take_step() -> Callable[[], object] | None:
    """The step the manager asked for by the click that started this run, under the scope it was asked in (not one
    left by a run that stopped before, when the login had ended). What came of it (done, or refused) is drawn by the
    function returned, under the step buttons where the click was (at the top it was out of sight)."""
    asked = st.session_state.pop("payouts_step", None)
    if asked is None or asked[0] != scope:  # asked by another login in this tab, or as another partner
        return None
    _, payout_id, seen, step = asked
    if st.session_state.get(f"payouts_to_{step}_{payout_id}") is not True:  # its click is over
        return None
    reference = st.session_state.get(f"payouts_reference_{payout_id}", "") if step == "paid" else ""
    reason = st.session_state.get(f"payouts_reason_{payout_id}", "") if step == "rejected" else ""
    sent = sent_asked(payout_id) if step == "paid" else None  # paid by hand in the partner's currency: what went
    try:
        if sent is not None:
            pay_by_hand(scope, payout_id, seen, reference, sent)  # what was sent checked first, then as below
        else:
            money.decide_payout(scope, payout_id, step, seen, reference, reason)  # checked against the balance now
    except (PayoutError, ScopeError) as exc:
        return lambda refused=exc: show_refusal(refused)  # `exc` is gone after the block
    # said: the request may leave the queue as shown, and the partner's email is not seen here
    return lambda: st.success(t("payouts.step_done", payout=payout_id, status=t(f"payouts.status_{step}")))


partner_id = scope.own_partner_id
minimum = money.min_payout()
if partner_id is not None:  # a partner (or a manager viewing as one): balance, request, history
    snap = data.snapshot_or_stop()
    mine = money.payout_requests(scope, partner_id)
    try:
        book = ledger(scope, wh=data.warehouse(), partner_id=partner_id,
                      requests=[(p.amount, p.currency, p.requested_at, p.status) for p in mine])  # fmt: skip
    except MissingRate as exc:  # a payout in a currency without an FX rate: no balance to ask from
        show_refusal(exc)
        st.stop()
    shown = ledger_cards(user.visible_metrics, True, "payouts")  # approved commission only where the tier shows it
    # a partner paid in another currency: about how much is available in it, at the latest rate
    own = own_currency(scope, partner_id, book.available, base, today_in(user.timezone))
    for card, label in zip(card_columns(len(shown), "ledger"), shown, strict=True):
        value = getattr(book, label)
        # the help of a rounded figure names the base currency's unit ("to the cent", "¥1")
        helped = money.unit_said(f"payouts.{label}_help", base) if label in UNIT_SAID else t(f"payouts.{label}_help")
        card.metric(t(f"payouts.{label}"), fmt_metric("commission", float(value)), help=helped)
        if label == "available" and own is not None and own.short:
            card.caption(own.short)
    if book.rounded_down:  # a request is in whole minor units: the cards beside Available do not subtract to it
        left, available = fmt_metric("commission", float(book.left)), fmt_metric("commission", float(book.available))
        st.caption(money.unit_said("payouts.available_floored", base, balance=left, available=available))
    if own is not None:
        st.caption(own.text)
    st.header(t("payouts.new"))
    if made_id := st.session_state.pop("payouts_made", None):  # where the form was, in sight of its button
        st.success(t("payouts.requested_ok", payout=made_id))
    if (open_one := next((p.id for p in mine if p.status == "requested"), None)) is not None:  # one at a time: the
        if open_one != made_id:  # form would be refused; the one just made is said above, not again as waiting
            st.info(t("payouts.one_open", payout=open_one))
    elif book.available < minimum or book.available <= 0:  # a minimum of 0 still needs something to pay out
        st.info(t("payouts.below_minimum_now", minimum=fmt_metric("commission", float(minimum))))
    else:
        with st.form("payout_request"):  # a refused request keeps the note typed
            # a text field, read as typed (`money.typed_amount`): a number field took "60,55" in a Russian browser
            # as 6055, and showed a typed 60.555 as 60.55; no bounds in the browser either, which said them in
            # English only, on hover: the store refuses an amount out of them in the session's language
            amount = st.text_input(t("payouts.amount", currency=base), value=typed(str(book.available)))
            # no max_chars: the browser drops a longer pasted note whole; the store refuses it, and it stays typed
            note = st.text_area(t("payouts.note"), key="payouts_note")
            if st.form_submit_button(t("payouts.submit"), type="primary"):
                try:
                    # to the base currency's minor unit; the same again at once: a replay, said made, not asked twice
                    asked = money.typed_amount(amount, base)
                    made = once(lambda: money.request_payout(scope, partner_id, asked, book.available, base, note),
                                "payout_request", partner_id, asked, note)  # fmt: skip
                    st.session_state["payouts_made"] = made  # said after the rerun that shows the new figures
                    forget_inputs(("payouts_note",))
                    st.rerun()
                except (PayoutError, ScopeError) as exc:
                    show_refusal(exc)
    st.header(t("payouts.history"))
    if mine:
        table, columns = history(scope, [(p, "") for p in mine], user.timezone)
        st.dataframe(table, hide_index=True, placeholder="—", width="stretch", column_config=columns)
        download_buttons(requests_frame([(p, "") for p in mine], user.timezone, staff=False), "payout_requests",
                         key="payouts_mine", headers=requests_headers(user.timezone))  # fmt: skip
        for p in mine:
            if p.status == "requested" and st.button(t("payouts.cancel", payout=p.id), key=f"payouts_cancel_{p.id}",
                                                     help=t("payouts.cancel_help")):  # fmt: skip
                try:
                    money.cancel_payout(scope, p.id)
                    st.session_state["payouts_cancelled"] = p.id
                    st.rerun()
                except (PayoutError, ScopeError) as exc:
                    show_refusal(exc)
    else:
        st.info(t("payouts.none"))
    if cancelled := st.session_state.pop("payouts_cancelled", None):  # under the buttons, in sight of the click
        st.success(t("payouts.cancelled_ok", payout=cancelled))
    statement_download([(p, "") for p in mine])
    st.caption(t("payouts.caption", minimum=fmt_metric("commission", float(minimum))))
    st.caption(data.as_of(snap))
    st.stop()

# a manager or admin: the requests of their partners to decide, oldest first
outcome = take_step()  # before the queue is read; said under the step buttons
relabel("payouts_statuses", STATUSES)  # after a switch of language
# the first choice only the first time: a default beside the state `relabel` sets was logged with a stack trace on
# every run of the page ("created with a default value but also had its value set via the Session State API")
first = {} if "payouts_statuses" in st.session_state else {"default": ["requested", "approved"]}
shown = st.multiselect(t("payouts.statuses"), list(STATUSES), format_func=lambda s: t(f"payouts.status_{s}"),
                       key="payouts_statuses", placeholder=t("common.choose"), **first)  # fmt: skip
rows = money.payout_queue(scope, tuple(shown))
st.metric(t("payouts.in_queue"), fmt_count(len(rows)))
if not rows:
    st.info(t("payouts.queue_empty"))
    if outcome is not None:  # the last request just decided
        outcome()
    st.stop()
covers = money.payout_covers(scope, [p.id for p, _ in rows if p.status in NEXT])  # what each one's partner has now
queue_table, columns = history(scope, rows, user.timezone, covers)
st.dataframe(queue_table, hide_index=True, placeholder="—", width="stretch", column_config=columns)
download_buttons(
    requests_frame(rows, user.timezone, staff=True),
    "payout_queue",
    key="payouts_queue",
    headers=requests_headers(user.timezone),
)  # the requests in the statuses picked, for accounting
decidable = {p.id: f"{p.id} · {name} · {money.amount_text(p.amount, p.currency)} ({t(f'payouts.status_{p.status}')})"
             for p, name in rows if p.status in NEXT}  # fmt: skip
if decidable:
    relabel("payouts_pick", decidable)
    pick = st.selectbox(t("payouts.pick"), list(decidable), format_func=decidable.get, key="payouts_pick")
    status, amount = next((p.status, money.amount_text(p.amount, p.currency)) for p, _ in rows if p.id == pick)
    if (cover := covers.get(pick)) is not None and cover.short:  # commission reversed since: said before acting
        st.warning(t("payouts.not_covered", payout=pick, amount=amount,
                     available=money.amount_text(cover.available, cover.currency)))  # fmt: skip
    pay_to(int(pick))
    sent_said = None
    if status == "approved":  # paying it next: the payment's reference goes on its statement
        # no max_chars here or on the reason: the browser drops a longer paste whole; the store refuses it, kept typed
        st.text_input(t("payouts.reference"), key=f"payouts_reference_{pick}", help=t("payouts.reference_help"))
        sent_said = sent_fields(scope, int(pick))  # a partner paid in another currency: what was sent in it
    for col, step in zip(st.columns(4), NEXT[status], strict=False):
        label, key, asked = t(f"payouts.to_{step}"), f"payouts_to_{step}_{pick}", (scope, int(pick), status, step)
        if step in FINAL:  # no step leads back: asked for once more, beside what it does
            # its own box per request: one left open would offer, after the step, to confirm the next request's
            with col.popover(label, width="stretch", key=f"payouts_sure_{step}_{pick}"):
                st.caption(t(f"payouts.sure_{step}", payout=pick, amount=amount))
                if step == "paid" and sent_said is not None:  # what goes on the partner's statement and email
                    sent_said()
                if step == "rejected":  # said to the partner in the email, kept in the audit log
                    st.text_input(t("payouts.reject_reason"), key=f"payouts_reason_{pick}")
                st.button(t("payouts.confirm"), key=key, type="primary", on_click=ask_step, args=asked)
        else:
            col.button(label, key=key, on_click=ask_step, args=asked)
if outcome is not None:
    outcome()
pay_together(scope)
statement_download(rows)
