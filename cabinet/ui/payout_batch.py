"""Payouts (staff): approved requests paid together — a payment file per method and the currency the partners are paid
in (each request converted at the day's rate, said beside it) for a bulk upload, then the requests in it marked paid at
once (`cabinet.payout_batch`)."""

from __future__ import annotations

from decimal import Decimal

import streamlit as st

from cabinet import payout_batch as _batch
from cabinet.access import Scope, ScopeError
from cabinet.errors import Number, localised
from cabinet.payout_batch import FILE_METHODS, PAYPAL_ROWS_MAX, BatchOutcome, BatchRow
from cabinet.payouts import PayoutError
from cabinet.ui import money
from cabinet.ui.data import warehouse
from cabinet.ui.dates import fmt_day
from cabinet.ui.next_run import forget_inputs
from cabinet.ui.once import once
from cabinet.ui.payout_currency import rate_text
from cabinet.ui.resources import engine
from cabinet.ui.text import current_locale, plural, t
from cabinet.ui.unreachable import session_scope
from cabinet.ui.widgets import relabel, show_refusal

DONE_KEY = "payouts_batch_done"  # the last batch marked paid: said under the box on the next run


def _approved(scope: Scope) -> list[BatchRow]:
    with session_scope(engine()) as s:
        return _batch.approved_requests(s, scope, warehouse())


def _file(scope: Scope, method: str, currency: str, payout_ids: list[int]) -> bytes:
    """The file, made (and each request in it audit-logged) when the button is pressed."""
    with session_scope(engine()) as s:
        return _batch.payment_file(s, scope, method, currency, payout_ids, warehouse()).data


def _mark_paid(scope: Scope, payout_ids: list[int], reference: str) -> BatchOutcome:
    with session_scope(engine()) as s:
        return _batch.mark_paid(s, scope, payout_ids, reference, warehouse())


def too_many_said() -> str:
    """PayPal's limit of payouts a file, as the session's language writes numbers ("5,000", "5 000"), as the refusal
    of the file says it (`cabinet.payout_batch.payment_file`): the page's warning read "5000"."""
    return t("payouts.batch_too_many", **localised({"most": Number(PAYPAL_ROWS_MAX)}, current_locale()))


def say_to_send(scope: Scope, payout_id: int) -> None:
    """For a request whose partner is paid in another currency: what to send in it, as a payment file made today
    would (a manager paying by hand reads it here), or that a rate it needs is missing; nothing otherwise."""
    with session_scope(engine()) as s:
        row = _batch.to_send(s, scope, payout_id, warehouse())
    if row is None or row.pay_currency == row.currency.upper():
        return
    if row.pay is None:
        st.warning(t("payouts.to_send_no_rate", currency=row.pay_currency, missing=row.missing))
        return
    rate = rate_text(row.currency.upper(), row.pay.rate, row.pay.currency)
    st.caption(t("payouts.to_send", currency=row.pay_currency, rate=rate, day=fmt_day(row.pay.day),
                 amount=money.amount_text(row.pay.amount, row.pay.currency)))  # fmt: skip


def _ids(payout_ids: list[int] | tuple[int, ...]) -> str:
    return ", ".join(str(i) for i in payout_ids)


def _total(rows: list[BatchRow], currency: str) -> str:
    """What the rows come to in the currency they are paid in (those without a rate cannot be sent: left out)."""
    return money.amount_text(sum((r.pay.amount for r in rows if r.pay is not None), Decimal(0)), currency)


def _label(r: BatchRow, flagged: bool) -> str:
    """A request as the choice lists it: its amount, and what is sent for it when that is in another currency."""
    sent = f" → {money.amount_text(r.pay.amount, r.pay.currency)}" if r.pay and r.pay.currency != r.currency else ""
    return f"{r.payout_id} · {r.partner_name} · {money.amount_text(r.amount, r.currency)}{sent}" + (
        " ⚠" if flagged else ""
    )


def _rates_said(rows: list[BatchRow], currency: str) -> None:
    """The rates the group's requests are converted at, one line each; the requests that have none, named."""
    used = sorted({(r.currency, r.pay.rate, r.pay.day) for r in rows if r.pay and r.pay.currency != r.currency},
                  key=lambda x: (x[0], str(x[2])))  # fmt: skip
    for asked, rate, day in used:
        st.caption(t("payouts.batch_rate", currency=currency, rate=rate_text(asked, rate, currency), day=fmt_day(day)))
    if unrated := [r.payout_id for r in rows if r.pay is None]:
        asked = ", ".join(sorted({c for r in rows if r.pay is None for c in r.missing.split(", ")}))
        st.warning(t("payouts.batch_no_rate_rows", payouts=_ids(unrated), currencies=asked))


def _said() -> None:
    """What marking the last batch paid did, once: the requests paid, and why each refused one was."""
    done = st.session_state.pop(DONE_KEY, None)
    if isinstance(done, BaseException):
        show_refusal(done)
    elif isinstance(done, BatchOutcome):
        if done.paid:
            st.success(t("payouts.batch_paid", payouts=_ids(done.paid)))
        for payout_id, exc in done.refused:
            why = t(exc.key, **localised(exc.params, current_locale())) if exc.key else str(exc)
            st.error(t("payouts.batch_refused", payout=payout_id, why=why))


def pay_together(scope: Scope) -> None:
    """The box: approved requests grouped by method and currency, the ones to put in the file, its download, the
    batch's reference and "Mark N paid" (confirmed, as a single payment is)."""
    rows = _approved(scope)
    st.header(t("payouts.batch_title"))
    st.caption(t("payouts.batch_intro"))
    groups: dict[tuple[str, str], list[BatchRow]] = {}
    for r in rows:
        if r.method in FILE_METHODS:  # by the currency sent: the partner's
            groups.setdefault((str(r.method), r.pay_currency), []).append(r)
    if other := [r for r in rows if r.method not in FILE_METHODS]:
        st.caption(plural("payouts.batch_no_method", len(other)))
    if not groups:
        st.info(t("payouts.batch_none"))
        _said()
        return

    # labels made in the run, in its language (a format_func is also called outside it)
    group_label = {g: t("payouts.batch_group_label", method=t(f"account.method_{g[0]}"), currency=g[1], n=len(rs))
                   for g, rs in groups.items()}  # fmt: skip
    relabel("payouts_batch_group", groups)
    method, currency = st.selectbox(t("payouts.batch_group"), list(groups), key="payouts_batch_group",
                                    format_func=group_label.__getitem__)  # fmt: skip
    group = {r.payout_id: r for r in groups[(method, currency)]}
    covers = money.payout_covers(scope, list(group))
    short = [i for i in group if (c := covers.get(i)) is not None and c.short]
    changed = [i for i, r in group.items() if r.details_changed]
    unrated = [i for i, r in group.items() if r.pay is None]  # no rate to say what to send: not in a file
    label = {i: _label(r, i in changed or i in short or i in unrated) for i, r in group.items()}

    key = f"payouts_batch_ids_{method}_{currency}"
    if (kept := st.session_state.get(key)) is not None:  # a request paid or rejected since leaves the choice
        st.session_state[key] = [i for i in kept if i in group]
    chosen = st.multiselect(t("payouts.batch_requests"), list(group), key=key, format_func=label.__getitem__,
                            default=None if kept is not None else
                            [i for i in group if i not in changed and i not in short and i not in unrated],
                            help=t("payouts.batch_requests_help"), placeholder=t("common.choose"))  # fmt: skip
    if changed:
        st.warning(t("payouts.batch_changed", payouts=_ids(changed)))
    if short:
        st.warning(t("payouts.batch_short", payouts=_ids(short)))
    _rates_said(list(group.values()), currency)
    picked = [group[i] for i in chosen]
    too_many = method == "paypal" and len(picked) > PAYPAL_ROWS_MAX  # said here: the file is made after the click
    if too_many:
        st.warning(too_many_said())
    total = _total(picked, currency)
    st.caption(t("payouts.batch_total", n=len(picked), amount=total))
    st.download_button(
        t("payouts.batch_download"),
        data=lambda ids=list(chosen): _file(scope, method, currency, ids),
        file_name=_batch.file_name(method, currency),
        mime="text/csv",
        key="payouts_batch_download",
        icon=":material/download:",
        on_click="ignore",
        disabled=not picked or too_many or any(r.pay is None for r in picked),
        help=t("payouts.batch_download_help", kind=t(f"payouts.batch_kind_{method}")),
    )
    # no max_chars: the browser drops a longer paste whole; the store refuses it, and it stays typed
    reference = st.text_input(t("payouts.batch_reference_input"), key="payouts_batch_reference",
                              help=t("payouts.batch_reference_help"))  # fmt: skip
    # its own box per choice: one left open after a batch would offer to confirm the next group's at once
    sure = f"payouts_batch_sure_{method}_{currency}_{'_'.join(map(str, chosen))}"
    with st.popover(t("payouts.batch_mark", n=len(picked)), disabled=not picked, key=sure):
        st.caption(t("payouts.batch_sure", payouts=_ids(chosen), amount=total))
        if st.button(t("payouts.confirm"), key="payouts_batch_confirm", type="primary"):
            try:
                done = once(lambda: _mark_paid(scope, list(chosen), reference), "payouts_batch", tuple(chosen),
                            reference)  # fmt: skip
            except (PayoutError, ScopeError) as exc:
                done = exc
            st.session_state[DONE_KEY] = done
            if isinstance(done, BatchOutcome) and done.paid:  # the next batch has a reference of its own
                forget_inputs(("payouts_batch_reference",))
            st.rerun()  # the queue above, the group and the choice as they are now
    _said()
