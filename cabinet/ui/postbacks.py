"""The Postbacks page's parts: a partner's form, its postbacks with a test call, pause and delete, and the calls
made; staff see their partners' postbacks and calls. `cabinet.postbacks` checks and stores, `cabinet.postback_send`
calls."""

from __future__ import annotations

import functools
import re
import socket
import ssl
from http.client import HTTPException
from zoneinfo import ZoneInfo

import polars as pl
import streamlit as st
from sqlalchemy import select

from cabinet import postback_calls, postback_send
from cabinet.postback_http import AddressNotAllowed, Answer
from cabinet.postbacks import (
    MACROS,
    STATUSES,
    TYPES,
    PostbackItem,
    add_postback,
    delete_postback,
    payout_text,
    postbacks,
    render,
    sample_values,
    set_enabled,
)
from cabinet.session import SessionUser
from cabinet.store.models import Offer
from cabinet.ui import data, store
from cabinet.ui.cards import card_columns
from cabinet.ui.once import once
from cabinet.ui.resources import app_settings, engine
from cabinet.ui.text import t
from cabinet.ui.unreachable import session_scope
from cabinet.ui.widgets import fmt_count, plain, save_then_rerun
from queries.dashboard import base_currency
from queries.detail import conversion_types
from queries.warehouse import NoSnapshotError

DONE_KEY = "postbacks_done"  # (notice key, its values, place): said once after the rerun, where it was clicked
# where: under the add form, in a postback's box (paused, resumed), at the end of the list (one deleted), under the
# calls' retry; at the top of the page it was out of sight of a click further down, always on a phone
ADDED, LISTED, CALLS = "added", "listed", "calls"
URL_KEY = "postbacks_url"
SHOWN = 100


def show_done(place: str | int) -> None:
    """The notice of the change made at `place` (a postback's id: its box) before the rerun, once."""
    done = st.session_state.get(DONE_KEY)
    if done is not None and done[2] == place:
        del st.session_state[DONE_KEY]
        st.success(t(done[0], **done[1]))


def _currency() -> str:
    try:
        return base_currency(wh=data.warehouse())
    except NoSnapshotError:
        return "USD"


def _meaning(macro: str) -> str:
    """What `macro` is replaced by; `{payout}`'s examples written in the base currency ("100.00", "100" of yen)."""
    if macro != "payout":
        return t(f"postbacks.macro_{macro}")
    currency = _currency()
    return t("postbacks.macro_payout", example=payout_text(100, currency), zero=payout_text(0, currency))


def macros_help() -> None:
    """What each macro is replaced by."""
    with st.expander(t("postbacks.macros_title"), icon=":material/data_object:"):
        st.dataframe(pl.DataFrame({t("postbacks.col_macro"): [f"{{{m}}}" for m in MACROS],
                                   t("postbacks.col_meaning"): [_meaning(m) for m in MACROS]}),
                     hide_index=True, width="stretch")  # fmt: skip


def add_form(user: SessionUser, partner_id: int) -> None:
    """A new postback: the URL, the statuses, the types and the offers it tells of."""
    offers = {o.id: o.name for o in store.offers(user.scope, partner_id)}
    with st.form("postback_add", border=True):
        st.header(t("postbacks.add_title"))
        # no max_chars: the browser drops a longer paste whole; a long URL stays typed and is refused with the limit
        url = st.text_input(t("postbacks.url"), key=URL_KEY, placeholder=t("postbacks.url_placeholder"),
                            help=t("postbacks.url_help"))  # fmt: skip
        statuses = st.multiselect(t("postbacks.statuses"), STATUSES, default=list(STATUSES),
                                  format_func=lambda s: t(f"postbacks.status_{s}"),
                                  help=t("postbacks.statuses_help"),
                                  placeholder=t("common.choose"))  # fmt: skip
        counted = conversion_types(user.visible_metrics)  # the types the tier counts: the only ones told of
        types = st.multiselect(t("postbacks.types"), [k for k in TYPES if k in counted],
                               placeholder=t("postbacks.types_all"),
                               format_func=lambda k: t(f"postbacks.type_{k}"))  # fmt: skip
        chosen = st.multiselect(t("postbacks.offers"), list(offers), placeholder=t("postbacks.offers_all"),
                                format_func=lambda o: offers[o], key="postbacks_offers")  # fmt: skip
        if st.form_submit_button(t("postbacks.add"), icon=":material/add_link:", type="primary"):
            private_ok, start = app_settings().postbacks_private_ok, postback_send.from_run_of(data.warehouse())
            save_then_rerun(lambda s: add_postback(s, user.scope, partner_id, url, statuses, types, start, private_ok,
                                                   offers=chosen),
                            DONE_KEY, done=("postbacks.added", {}, ADDED), clear=(URL_KEY,),
                            once=("postback_add", url, statuses, types, chosen))  # fmt: skip
    show_done(ADDED)


def _describe(p: PostbackItem, offer_names: dict[int, str], state: bool = True) -> str:
    """What a postback tells of, and with `state` whether it is on or paused."""
    statuses = ", ".join(t(f"postbacks.status_{s}") for s in p.statuses)
    types = ", ".join(t(f"postbacks.type_{k}") for k in p.types) or t("postbacks.types_all")
    offers = ", ".join(offer_names.get(o, str(o)) for o in p.offers) or t("postbacks.offers_all")
    if not state:
        return t("postbacks.describe_what", statuses=statuses, types=types, offers=offers)
    on = t("postbacks.on") if p.enabled else t("postbacks.paused")
    return t("postbacks.describe", statuses=statuses, types=types, offers=offers, state=on)


def _offer_names() -> dict[int, str]:
    with session_scope(engine()) as s:
        return {int(i): str(n) for i, n in s.execute(select(Offer.id, Offer.name))}


# why a call got no answer, in the user's words, by the kind of error (the first that fits); the error's own text
# follows in parentheses for the partner's admin
NO_ANSWER = (
    (AddressNotAllowed, "postbacks.no_answer_private"),
    (socket.gaierror, "postbacks.no_answer_dns"),
    (TimeoutError, "postbacks.no_answer_timeout"),
    (ConnectionRefusedError, "postbacks.no_answer_refused"),
    (ssl.SSLError, "postbacks.no_answer_tls"),
    (HTTPException, "postbacks.no_answer_not_http"),
)


def no_answer(exc: BaseException) -> str:
    """Why a call got no answer, as Markdown: said in the session's language, then the error as raised (as text)."""
    key = next((k for kind, k in NO_ANSWER if isinstance(exc, kind)), "postbacks.no_answer_other")
    return t(key) + " (" + plain(f"{type(exc).__name__}: {exc}") + ")"


def _kinds(kind: type) -> set[str]:
    """The names of `kind` and of every error class derived from it, as a stored error starts with one."""
    return {kind.__name__}.union(*(_kinds(sub) for sub in kind.__subclasses__()))


@functools.cache
def _reasons() -> dict[str, str]:
    """Each error class name of `NO_ANSWER`'s kinds and the reason it is said with (the first kind that fits)."""
    return {name: key for kind, key in reversed(NO_ANSWER) for name in _kinds(kind)}


_REDIRECT = re.compile(r"HTTP (3\d\d): redirects are not followed; use the address it points to: (.*)", re.S)
_REFUSED = "not an address postbacks may call"  # a refused address's error, kept before it named its kind


def said_error(stored: str) -> str:
    """A call's stored error for the calls table: why, in the session's language, then the error as kept
    ("gaierror: [Errno -2] Name or service not known" stood alone, in English on a Russian page too). A redirect
    given up says its status and where it points in the session's language; another answer's HTTP status, or an
    error of no known kind, as kept."""
    if stored == postback_send.SUPERSEDED:
        return t("postbacks.said_superseded")
    if redirect := _REDIRECT.fullmatch(stored):
        return t("postbacks.said_redirect", status=redirect[1], location=redirect[2])
    if _REFUSED in stored:
        return f"{t('postbacks.no_answer_private')} ({stored})"
    name = stored.split(":", 1)[0]
    key = _reasons().get(name)
    return f"{t(key)} ({stored})" if key and name != stored else stored


def code_span(text: str) -> str:
    """`text` as Markdown inline code, whole and as typed: no link made of it, no backslash shown (a URL in plain
    Markdown became a link whose escaping backslashes showed, 'tracker\\.example')."""
    longest = max((len(run) for run in re.findall("`+", text)), default=0)  # a fence longer than any run inside
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _call(url: str, private_ok: bool) -> Answer | str:
    """The server's answer to `url`, or why there was none (`no_answer`)."""
    try:
        return postback_send.fetch(url, private_ok)
    except (OSError, ValueError, HTTPException) as exc:  # HTTPException: a server that does not speak HTTP
        return no_answer(exc)


def _test_call(user: SessionUser, p: PostbackItem) -> None:
    """Call the postback now with sample values and say what its server answered. The same click again at once (a
    replay of its run, a double click) says the first call's answer: the partner's server is called once."""
    sample, private_ok = render(p.url, sample_values(p.partner_id, _currency())), app_settings().postbacks_private_ok
    url, answer = once(lambda: (sample, _call(sample, private_ok)), "postbacks_test", p.id, p.url)  # the URL called
    if isinstance(answer, str):
        st.error(t("postbacks.test_failed", url=code_span(url), error=answer))
        return
    say = st.success if answer.ok else st.warning
    # the partner's server's words, shown as text: staff press this button too, viewing as the partner
    said = t(
        "postbacks.test_answer", url=code_span(url), status=answer.status, body=plain(answer.excerpt.strip() or "—")
    )
    if 300 <= answer.status < 400:  # the calls will be given up at once: say why before the first is
        said += "\n\n" + t("postbacks.test_redirect", location=code_span(answer.location or "—"))
    say(said)


def listing(user: SessionUser, partner_id: int) -> None:
    """The partner's postbacks, each with a test call, pause or resume, and delete."""
    with session_scope(engine()) as s:
        items = postbacks(s, user.scope, partner_id)
    if not items:
        show_done(LISTED)  # the last one deleted
        st.info(t("postbacks.none"))
        return
    names = _offer_names()
    zero = payout_text(0, _currency())  # the test call's payout: "0.00", "0" of yen
    for p in items:
        with st.container(border=True):
            st.code(p.url, language=None, wrap_lines=True)
            st.caption(_describe(p, names))
            buttons = st.container(horizontal=True)
            if buttons.button(t("postbacks.test"), key=f"pb_test_{p.id}", icon=":material/send:",
                              help=t("postbacks.test_help", zero=zero)):  # fmt: skip
                _test_call(user, p)
            label, icon = (
                ("postbacks.pause", ":material/pause:") if p.enabled else ("postbacks.resume", ":material/play_arrow:")
            )
            way = label.removeprefix("postbacks.")  # a key per way: a replayed "pause" is no click on "resume"
            if buttons.button(t(label), key=f"pb_{way}_{p.id}", icon=icon):
                start = postback_send.from_run_of(data.warehouse())
                done = ("postbacks.done_paused" if p.enabled else "postbacks.done_resumed", {}, p.id)
                save_then_rerun(lambda s, p=p, start=start: set_enabled(s, user.scope, p.id, not p.enabled, start),
                                DONE_KEY, done=done)  # fmt: skip
            confirm = buttons.checkbox(t("postbacks.delete_confirm"), key=f"pb_confirm_{p.id}")
            if buttons.button(t("postbacks.delete"), key=f"pb_delete_{p.id}", icon=":material/delete:",
                              disabled=not confirm):  # fmt: skip
                save_then_rerun(lambda s, p=p: delete_postback(s, user.scope, p.id), DONE_KEY,
                                done=("postbacks.deleted", {}, LISTED))  # fmt: skip
            show_done(p.id)
    show_done(LISTED)


def recent_calls(user: SessionUser, partner_id: int | None, names: dict[int, str] | None = None) -> None:
    """The counts by state and the newest calls with their answers, in the user's time zone (staff: `names` of the
    partners)."""
    with session_scope(engine()) as s:
        counts = postback_calls.counts(s, user.scope, partner_id)
        rows = postback_calls.recent_calls(s, user.scope, partner_id, SHOWN)
    st.header(t("postbacks.calls_title"))
    for col, state in zip(card_columns(3, "postbacks"), ("queued", "sent", "failed"), strict=True):
        col.metric(t(f"postbacks.state_{state}"), fmt_count(counts.get(state, 0)))
    if (
        partner_id is not None
        and counts.get("failed")
        and st.button(
            t("postbacks.retry"), icon=":material/replay:", key="postbacks_retry", help=t("postbacks.retry_help")
        )
    ):
        save_then_rerun(lambda s: ("postbacks.retried", {"n": postback_calls.retry_given_up(s, user.scope, partner_id)},
                                   CALLS), DONE_KEY)  # fmt: skip
    show_done(CALLS)
    if not rows:
        st.caption(t("postbacks.no_calls"))
        return
    zone = ZoneInfo(user.timezone)
    table = pl.DataFrame(
        {
            "created": [r.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") for r in rows],
            "partner": [f"{r.partner_id} · {(names or {}).get(r.partner_id, '')}".rstrip(" ·") for r in rows],
            "conversion": [r.conversion_id for r in rows],
            "status": [t(f"postbacks.status_{r.status}") for r in rows],
            "state": [t(f"postbacks.state_{r.state}") for r in rows],
            "http": [str(r.http_status or "") for r in rows],
            "attempts": [r.attempts for r in rows],
            "error": [said_error(r.last_error or "") for r in rows],
            "url": [r.url for r in rows],
        }
    )
    if partner_id is not None:
        table = table.drop("partner")
    st.dataframe(table.rename({c: t(f"postbacks.col_{c}") for c in table.columns}), hide_index=True, width="stretch")
    st.caption(t("postbacks.calls_caption", n=len(rows), tz=user.timezone))


def staff_overview(user: SessionUser) -> None:
    """Managers and admins: their partners' postbacks (changed while viewing as the partner) and calls."""
    whose = "_admin" if user.scope.is_admin else ""  # an admin sees every partner's, not "your partners'"
    st.caption(t(f"postbacks.staff_intro{whose}"))
    with session_scope(engine()) as s:
        items = postbacks(s, user.scope)
    if not items:
        st.info(t(f"postbacks.none_staff{whose}"))
    else:
        names = _offer_names()
        # on or paused in sight, before the long URL: at the end of "Tells of" it was beyond a laptop's screen
        table = pl.DataFrame({"partner": [f"{p.partner_id} · {p.partner}" for p in items],
                              "enabled": [t("postbacks.on" if p.enabled else "postbacks.paused") for p in items],
                              "template": [p.url for p in items],
                              "describe": [_describe(p, names, state=False) for p in items]})  # fmt: skip
        st.dataframe(table.rename({c: t(f"postbacks.col_{c}") for c in table.columns}), hide_index=True,
                     width="stretch")  # fmt: skip
    recent_calls(user, None, {p.partner_id: p.partner for p in items})
