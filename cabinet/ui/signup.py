"""The application form under the login form, for logged-out visitors: the one an invitation link opens
(`?invite=<token>`), or, when the program is open to applications, one anyone may send; and the invitation a partner
shares, on the Sub-partners page (`cabinet.invites` checks and stores)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import streamlit as st

from cabinet import invites as _invites
from cabinet import login_limits
from cabinet.access import Scope
from cabinet.config import PROJECT_ROOT
from cabinet.invites import INVITE_DAYS, Application, InviteError
from cabinet.tracking import qr_png
from cabinet.ui.once import once
from cabinet.ui.resources import app_settings, client_address, engine
from cabinet.ui.text import LOCALE_KEY, t
from cabinet.ui.unreachable import session_scope
from cabinet.ui.widgets import plain, show_refusal

_DONE_KEY = "invite_applied"
USERNAME_KEY = "login_username"  # the login form's username (`cabinet.ui.login`): filled in for a login just made
_MADE_KEY = "login_made"  # a login the application made, for that field the next time the form is drawn
_STOPPED_KEY = "invite_stopped"
_TOKEN_KEY, _QR_KEY = "invite_shown", "invite_shown_qr"  # the invitation this session shows, and its QR code
FIELDS = ("username", "name", "email", "password", "password_again")
_PAGE_SLUGS = frozenset(re.sub(r"^\d+_", "", p.stem) for p in (PROJECT_ROOT / "pages").glob("*.py"))


def application_form() -> None:
    """When the address carries an invitation: who it is from and the form to apply (input kept when refused).
    Without one, when the program is open to applications: the same form, folded, to join at the top of the tree."""
    token = st.query_params.get("invite")
    if not token and not _signup_open():
        return
    if (done := st.session_state.get(_DONE_KEY)) is not None:
        st.success(t("invite.applied", parent=plain(done[0]), username=done[1]) if done[0]
                   else t("invite.applied_open", username=done[1]))  # fmt: skip
        return
    if not token:
        with st.expander(t("invite.open_title"), icon=":material/person_add:"):
            st.caption(t("invite.open_intro"))
            _form(None, "")
        return
    try:
        parent = _inviting_partner(token)
    except InviteError as exc:
        show_refusal(exc)
        return
    st.header(t("invite.title", parent=plain(parent)))  # a name anyone applying could give: shown as typed
    st.caption(t("invite.intro", parent=plain(parent)))
    _form(token, parent)


def _form(token: str | None, parent: str) -> None:
    with st.form("invite_apply"):
        kinds = {f: "password" if f.startswith("password") else "default" for f in FIELDS}
        # no max_chars: the browser drops a longer paste whole (a company's name gone, then asked for); a long value
        # stays typed and the application is refused with the limit (`cabinet.invites.checked_login`)
        values = {f: st.text_input(t(f"invite.{f}"), key=f"invite_f_{f}", type=kinds[f]) for f in FIELDS}
        sent = st.form_submit_button(t("invite.submit"), type="primary")
    if not sent:
        return
    try:
        # the language the applicant picked on the login page, else the program's (`invites.apply`)
        form = Application(**values, locale=st.session_state.get(LOCALE_KEY))
        address = client_address()  # counted per address: its answers tell which usernames are logins
        once(lambda: _apply_to_join(token, form, address), "invite_apply", token, form)  # again at once: a replay
    except InviteError as exc:
        show_refusal(exc)
        return
    for f in FIELDS:  # the form is done: nothing typed stays in the session
        st.session_state.pop(f"invite_f_{f}", None)
    st.session_state[_DONE_KEY] = (parent, values["username"].strip())
    st.session_state[_MADE_KEY] = values["username"].strip()  # to log in with, to follow the application
    st.rerun()


def fill_username() -> None:
    """Before the login form is drawn: the username of a login an application just made, filled in (the form comes
    before the application in a run, so its field cannot be set once the application is sent)."""
    if (made := st.session_state.pop(_MADE_KEY, None)) is not None:
        st.session_state[USERNAME_KEY] = made


def invite_box(scope: Scope) -> None:
    """For a partner whose tier has sub-partners: the invitation link to share (to the cabinet's home, where the form
    is), and what happens after."""
    if not _can_invite(scope):
        return
    with st.expander(t("invite.share_title"), icon=":material/person_add:"):
        url = _invite_url(scope, app_url())
        left, right = st.columns([3, 1])
        left.code(url, language=None, wrap_lines=True)
        left.caption(t("invite.share_help", days=INVITE_DAYS))
        png = _invite_qr(url)
        right.image(png, width=160, caption=t("links.qr"), alt=t("invite.qr_alt"))
        right.download_button(t("links.qr_download"), png, file_name="invitation-qr.png", mime="image/png",
                              icon=":material/qr_code_2:", key="invite_qr")  # fmt: skip
        if st.session_state.pop(_STOPPED_KEY, False):
            st.success(t("invite.stop_done"))
        if st.button(t("invite.stop"), help=t("invite.stop_help"), icon=":material/link_off:", key="invite_stop"):
            _stop_invites(scope)
            st.session_state[_STOPPED_KEY] = True
            st.rerun()


def app_url() -> str:
    """The cabinet's address as the browser sees it (behind a proxy and a base path too), without the page's path."""
    url = (st.context.url or "http://localhost:8501").removesuffix("/")
    head, _, last = url.rpartition("/")
    return head if last in _PAGE_SLUGS else url


def _can_invite(scope: Scope) -> bool:
    """True when the user is an active partner whose tier has sub-partners."""
    with session_scope(engine()) as s:
        return _invites.can_invite(s, scope)


def _invite_url(scope: Scope, base_url: str) -> str:
    """The address of the invitation from the user's own partner, at the cabinet's `base_url`: the one this session
    showed before while it still holds (`cabinet.invites.own_invite_token`): a link the partner copied stays the one
    on the page, where a new one every run changed it at each click."""
    with session_scope(engine()) as s:
        token = _invites.own_invite_token(
            s, scope, app_settings().require_link_key(), keep=st.session_state.get(_TOKEN_KEY)
        )
    st.session_state[_TOKEN_KEY] = token
    return _invites.invite_url(base_url, token)


def _invite_qr(url: str) -> bytes:
    """The QR code of the invitation's address, made once a session for each address (~14 ms a run)."""
    kept = st.session_state.get(_QR_KEY)
    if kept is None or kept[0] != url:
        kept = st.session_state[_QR_KEY] = (url, qr_png(url))
    return kept[1]


def _stop_invites(scope: Scope) -> None:
    """Void every invitation the user's own partner shared before now."""
    with session_scope(engine()) as s:
        _invites.stop_invites(s, scope)


def _inviting_partner(token: str) -> str:
    """The name of the partner an invitation is from; `InviteError` when it cannot be used."""
    with session_scope(engine()) as s:
        return _invites.inviting_partner(s, token, app_settings().require_link_key()).name


def _apply_to_join(token: str | None, form: Application, address: str) -> int:
    """Create the applicant's pending partner and login, under the inviting partner when `token` is an invitation;
    the new partner's id. Counted per client `address` first, in a transaction of its own (`login_limits`)."""
    key = app_settings().require_link_key() if token else b""  # no invitation: nothing to check a signature of
    with session_scope(engine()) as s:
        allowed = login_limits.claim_application(s, address, datetime.now(UTC))
    if not allowed:
        raise InviteError("too many applications from this address", "invite.too_many_here")
    with session_scope(engine()) as s:
        return _invites.apply(s, token, key, form).id


def _signup_open() -> bool:
    """True when anyone may apply to join from the login page."""
    with session_scope(engine()) as s:
        return _invites.signup_open(s)
