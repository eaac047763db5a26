"""Sub-partner invitations: a partner shares a signed link, the applicant's partner waits (pending, no figures, no
links) until its manager approves it, then joins the inviter's tree; bad links and bad forms are refused with nothing
written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from sqlalchemy import Engine, func, select
from streamlit.testing.v1 import AppTest

from cabinet.access import ScopeError, build_session_user
from cabinet.auth import authenticate
from cabinet.i18n import translate
from cabinet.invites import (
    INVITE_DAYS,
    KEEP_DAYS,
    Application,
    InviteError,
    applications,
    apply,
    can_invite,
    inviting_partner,
    own_invite_token,
    stop_invites,
)
from cabinet.partners_admin import PartnerChange, PartnerChangeError, update_partner
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, OutboxMail, Partner, Tier, User
from cabinet.tracking import LinkError, NewLink, create_link
from tests.conftest import TEST_LINK_KEY
from tests.reporting.conftest import Program
from tests.reporting.test_pages import ROOT
from tests.reporting.test_pages import _open as open_page

KEY = TEST_LINK_KEY.encode()
FORM = Application("new_sub", "  New   Sub Ltd ", "sub@example.com", "sub-password-1", "sub-password-1")


def _token(
    program: Program, engine: Engine, now: datetime | None = None, keep: str | None = None, user: str = "p_parent"
) -> str:
    with session_scope(engine) as s:
        return own_invite_token(s, program.users[user].scope, KEY, now, keep)


def _apply(engine: Engine, token: str, form: Application = FORM, now: datetime | None = None) -> int:
    with session_scope(engine) as s:
        return apply(s, token, KEY, form, now).id


def _counts(engine: Engine) -> tuple[int, int]:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(Partner)), s.scalar(select(func.count()).select_from(User))


def test_an_applicant_waits_for_its_manager_then_joins_the_inviters_tree(
    program: Program, store_engine: Engine
) -> None:
    tiny = program.tiny
    new_id = _apply(store_engine, _token(program, store_engine))
    with session_scope(store_engine) as s:
        new, parent = s.get(Partner, new_id), s.get(Partner, tiny.parent)
        assert (new.name, new.email, new.status, new.parent_id, new.tier_code) == (
            "New Sub Ltd", "sub@example.com", "pending", tiny.parent, "bronze")  # fmt: skip
        assert (new.manager_user_id, new.plan_id) == (parent.manager_user_id, parent.plan_id)
        user = s.scalar(select(User).where(User.username == "new_sub"))
        assert (user.role, user.partner_id) == ("partner", new_id) and "sub-password-1" not in user.password_hash
        assert s.scalar(select(AuditLog.target).where(AuditLog.action == "partner_applied")) == f"partner {new_id}"
    assert authenticate(store_engine, "new_sub", "sub-password-1").ok
    pending = build_session_user(store_engine, "new_sub")
    assert pending is not None and pending.scope.partner_ids == ()  # no figures while pending
    mgr = build_session_user(store_engine, "mgr")
    assert mgr is not None and new_id in (mgr.scope.partner_ids or ())
    with session_scope(store_engine) as s:
        assert applications(s, mgr.scope) == 1 and applications(s, program.users["p_parent"].scope) == 0
        with pytest.raises(LinkError) as refused:
            create_link(s, mgr.scope, new_id, NewLink(tiny.offer, "https://x.example"), KEY)
        assert refused.value.key == "links.partner_pending"
        change = PartnerChange("active", "bronze", new.manager_user_id, new.plan_id)  # approval: no reason needed
        assert update_partner(s, mgr.scope, new_id, change) == ["status"]
        with pytest.raises(PartnerChangeError) as again:
            update_partner(s, mgr.scope, new_id, PartnerChange("pending", "bronze", new.manager_user_id, new.plan_id))
        assert again.value.key == "partners.not_pending_again"
        assert applications(s, mgr.scope) == 0
    approved, parent_user = build_session_user(store_engine, "new_sub"), build_session_user(store_engine, "p_parent")
    assert approved is not None and approved.scope.partner_ids == (new_id,)
    assert parent_user is not None and new_id in parent_user.scope.subpartner_ids


def test_an_application_is_approved_or_declined_never_paused(program: Program, store_engine: Engine) -> None:
    """Pausing an application would give its login its tier's pages and figures with nobody approving it, and the
    applicant no word: refused, and the application waits as before."""
    new_id = _apply(store_engine, _token(program, store_engine))
    mgr = build_session_user(store_engine, "mgr")
    assert mgr is not None
    with session_scope(store_engine) as s:
        new = s.get(Partner, new_id)
        with pytest.raises(PartnerChangeError) as refused:
            update_partner(s, mgr.scope, new_id, PartnerChange("paused", "bronze", new.manager_user_id, new.plan_id,
                                                               reason="later"))  # fmt: skip
        assert refused.value.key == "partners.pending_decide"
    with session_scope(store_engine) as s:
        assert s.get(Partner, new_id).status == "pending" and applications(s, mgr.scope) == 1
    waiting = build_session_user(store_engine, "new_sub")
    assert waiting is not None and waiting.scope.partner_ids == () and waiting.features == {"account"}


def test_forged_expired_foreign_and_closed_invitations_are_refused(program: Program, store_engine: Engine) -> None:
    now = datetime(2026, 11, 10, 12, tzinfo=UTC)
    token = _token(program, store_engine, now)
    with session_scope(store_engine) as s:
        assert inviting_partner(s, token, KEY, now + timedelta(days=29)).id == program.tiny.parent
        other_key = own_invite_token(s, program.users["p_parent"].scope, b"another-key-0123456789abcdef0123456789", now)
        own = jwt.encode({"sub": str(program.tiny.parent), "exp": now + timedelta(days=1)}, KEY, algorithm="HS256")
    cases = {
        "invite.expired": (token, now + timedelta(days=30)),
        "invite.invalid": (other_key, now),  # signed with another key
    }
    cases_more = [
        ("invite.invalid", own),
        ("invite.invalid", program.tiny.token),
        ("invite.invalid", token[:-2] + "xx"),
    ]
    before = _counts(store_engine)
    for key, (tok, at) in cases.items():
        with pytest.raises(InviteError) as caught:
            _apply(store_engine, tok, now=at)
        assert caught.value.key == key
    for key, tok in cases_more:  # the raw link key, a tracking token, a tampered signature
        with pytest.raises(InviteError) as caught:
            _apply(store_engine, tok, now=now)
        assert caught.value.key == key
    with session_scope(store_engine) as s:
        s.get(Partner, program.tiny.parent).status = "blocked"
    with pytest.raises(InviteError) as closed:
        _apply(store_engine, token, now=now)
    assert closed.value.key == "invite.closed"
    assert _counts(store_engine) == before
    with session_scope(store_engine) as s:  # a tier without sub-partners, staff: no invitation to share
        for user in ("p_bronze", "mgr", "root"):
            with pytest.raises(ScopeError):
                own_invite_token(s, program.users[user].scope, KEY)


def test_a_tier_that_loses_the_subpartners_page_loses_its_invitations(program: Program, store_engine: Engine) -> None:
    """The link is shared and stopped on the Sub-partners page: without that page (levels kept), links shared before
    are refused, and no new one is made."""
    token, before = _token(program, store_engine), _counts(store_engine)
    with session_scope(store_engine) as s:
        gold = s.get(Tier, "gold")
        gold.features = [f for f in gold.features if f != "subpartners"]
        assert gold.subpartner_depth > 0
    with pytest.raises(InviteError) as closed:
        _apply(store_engine, token)
    assert closed.value.key == "invite.closed" and _counts(store_engine) == before
    with session_scope(store_engine) as s:
        assert not can_invite(s, program.users["p_parent"].scope)
        with pytest.raises(ScopeError):
            own_invite_token(s, program.users["p_parent"].scope, KEY)


@pytest.mark.parametrize(
    ("field", "value", "key"),
    [
        ("username", "ab", "invite.bad_username"),
        ("username", "new sub", "invite.bad_username"),
        ("username", "P_PARENT", "invite.username_taken"),  # taken, whatever the case
        ("name", "   ", "invite.bad_name"),
        ("email", "sub@example", "invite.bad_email"),
        ("password", "short", "invite.bad_password"),
        ("password_again", "sub-password-2", "invite.passwords_differ"),
    ],
)
def test_bad_applications_are_refused_and_nothing_is_written(
    program: Program, store_engine: Engine, field: str, value: str, key: str
) -> None:
    token, before = _token(program, store_engine), _counts(store_engine)
    with pytest.raises(InviteError) as caught:
        _apply(store_engine, token, Application(**{**FORM.__dict__, field: value}))
    assert caught.value.key == key
    assert _counts(store_engine) == before


def test_the_invitation_page_flow(program: Program, store_engine: Engine) -> None:
    at = open_page("pages/04_subpartners.py", program.users["p_parent"])
    url = next(c.value for c in at.code if "?invite=" in c.value)
    token = url.split("?invite=", 1)[1]
    with session_scope(store_engine) as s:
        assert inviting_partner(s, token, KEY).id == program.tiny.parent
    child = open_page("pages/04_subpartners.py", program.users["p_child"])  # silver: one level, may invite too
    assert any("?invite=" in c.value for c in child.code)

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["invite"] = token
    at.run()
    assert translate("invite.title", parent="Parent") in [h.value for h in at.header]
    for field, value in {**FORM.__dict__, "email": "not-an-email"}.items():
        if field != "locale":
            at.text_input(key=f"invite_f_{field}").input(value)
    at.get("form_submit_button")[-1].click()
    at.run()
    assert [e.value for e in at.error] == [translate("invite.bad_email")]
    assert at.text_input(key="invite_f_username").value == "new_sub"  # the refused form keeps what was typed
    at.text_input(key="invite_f_email").input("sub@example.com")
    at.get("form_submit_button")[-1].click()
    at.run()
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == [translate("invite.applied", parent="Parent", username="new_sub")]
    assert at.text_input(key="login_username").value == "new_sub"  # the login form filled in, to follow it

    home = open_page("app.py", build_session_user(store_engine, "new_sub"))
    assert translate("home.standing_pending") in [i.value for i in home.info]
    manager = open_page("app.py", build_session_user(store_engine, "mgr"))
    assert translate("home.todo_applications", n=1) in [w.value for w in manager.warning]

    forged = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    forged.query_params["invite"] = token[:-3] + "abc"
    forged.run()
    assert [e.value for e in forged.error] == [translate("invite.invalid")] and not forged.get("form_submit_button")[1:]


def test_a_manager_sees_the_application_first_and_approves_it_on_the_page(
    program: Program, store_engine: Engine
) -> None:
    new_id = _apply(store_engine, _token(program, store_engine))
    at = open_page("pages/13_partners.py", build_session_user(store_engine, "mgr"))
    table = at.dataframe[0].value
    assert list(table["Name"]) == ["New Sub Ltd", "Child", "Parent"]  # the application first, then by name
    assert table["Status"][0] == translate("partners.status_pending")
    at.selectbox(key=f"partners_status_{new_id}").select("active")  # approval: no reason asked
    at.button[0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with session_scope(store_engine) as s:
        assert s.get(Partner, new_id).status == "active"
    approved = build_session_user(store_engine, "new_sub")
    assert approved is not None and approved.scope.partner_ids == (new_id,)
    with session_scope(store_engine) as s:  # without the cabinet's address, the email cannot say where to log in
        assert "with the login new_sub" in s.scalar(select(OutboxMail.body).where(OutboxMail.kind == "application"))


def test_the_approved_applicant_is_emailed_where_to_log_in(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CABINET_PUBLIC_URL", "https://partners.example.com")
    new_id = _apply(store_engine, _token(program, store_engine))
    at = open_page("pages/13_partners.py", build_session_user(store_engine, "mgr"))
    at.selectbox(key=f"partners_status_{new_id}").select("active")
    at.button[0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with session_scope(store_engine) as s:
        body = s.scalar(select(OutboxMail.body).where(OutboxMail.kind == "application"))
    assert "Log in to the partner cabinet at https://partners.example.com with the login new_sub" in body


def test_the_inviter_sees_its_application_under_its_tree_after_the_next_run(
    program: Program, store_engine: Engine
) -> None:
    new_id = _apply(store_engine, _token(program, store_engine))
    program.tiny.run()  # the run copies the store's partners into the warehouse
    at = open_page("pages/04_subpartners.py", build_session_user(store_engine, "p_parent"))
    assert not at.exception
    tree, applied = (d.value for d in at.dataframe)  # the application on its own, awaiting approval
    assert f"{new_id} · New Sub Ltd" not in list(tree["Partner"])
    assert list(applied["Partner"]) == [f"{new_id} · New Sub Ltd"]
    assert [h.value for h in at.subheader] == [translate("subpartners.applications", n="1")]


def test_a_partner_stops_the_links_it_shared(program: Program, store_engine: Engine) -> None:
    """Links made before the stop are refused with their own message and nothing written; a link made after works;
    the stop is audit-logged, and only a partner that may invite can stop links."""
    start = datetime(2026, 11, 10, 12, tzinfo=UTC)
    old = _token(program, store_engine, start)
    with session_scope(store_engine) as s:
        stop_invites(s, program.users["p_parent"].scope, start + timedelta(hours=1, microseconds=500))
        assert s.scalar(select(AuditLog.target).where(AuditLog.action == "invites_stopped")) == (
            f"partner {program.tiny.parent}")  # fmt: skip
        for user in ("p_bronze", "mgr"):
            with pytest.raises(ScopeError):
                stop_invites(s, program.users[user].scope)
    before = _counts(store_engine)
    with pytest.raises(InviteError) as caught:
        _apply(store_engine, old, now=start + timedelta(hours=2))
    assert caught.value.key == "invite.stopped" and _counts(store_engine) == before
    just_before = _token(program, store_engine, start + timedelta(hours=1, microseconds=499))
    with pytest.raises(InviteError) as caught:
        _apply(store_engine, just_before, now=start + timedelta(hours=2))
    assert caught.value.key == "invite.stopped"
    just_after = _token(program, store_engine, start + timedelta(hours=1, microseconds=501))  # the same second
    assert _apply(store_engine, just_after, now=start + timedelta(hours=2))

    at = open_page("pages/04_subpartners.py", program.users["p_parent"])
    shown = next(c.value for c in at.code if "?invite=" in c.value).split("?invite=", 1)[1]
    at.button(key="invite_stop").click().run()
    assert not at.exception and [s.value for s in at.success] == [translate("invite.stop_done")]
    with pytest.raises(InviteError) as caught, session_scope(store_engine) as s:
        inviting_partner(s, shown, KEY)
    assert caught.value.key == "invite.stopped"
    fresh = next(c.value for c in at.code if "?invite=" in c.value).split("?invite=", 1)[1]
    with session_scope(store_engine) as s:
        assert inviting_partner(s, fresh, KEY).id == program.tiny.parent


def test_the_page_keeps_showing_the_invitation_it_showed_until_it_is_stopped(
    program: Program, store_engine: Engine
) -> None:
    """A link copied from the page stays the one on it: the invitation shown is kept while it holds (the partner's
    own, not stopped, more than `KEEP_DAYS` left), and a new one is made otherwise."""
    start = datetime(2026, 11, 10, 12, tzinfo=UTC)
    shown = _token(program, store_engine, start)
    assert _token(program, store_engine, start + timedelta(days=INVITE_DAYS - KEEP_DAYS - 1), shown) == shown
    aged = _token(program, store_engine, start + timedelta(days=INVITE_DAYS - KEEP_DAYS, seconds=1), shown)
    assert aged != shown
    assert _token(program, store_engine, start, shown, user="p_child") != shown  # another partner's is not kept
    assert _token(program, store_engine, start, shown[:-3] + "abc") != shown[:-3] + "abc"
    with session_scope(store_engine) as s:
        stop_invites(s, program.users["p_parent"].scope, start + timedelta(hours=1))
    after = _token(program, store_engine, start + timedelta(hours=2), shown)
    assert after != shown
    with session_scope(store_engine) as s:
        assert inviting_partner(s, after, KEY, start + timedelta(hours=2)).id == program.tiny.parent

    at = open_page("pages/04_subpartners.py", program.users["p_parent"])
    first = next(c.value for c in at.code if "?invite=" in c.value)
    at.run()
    assert next(c.value for c in at.code if "?invite=" in c.value) == first
    assert at.image[0].value  # the QR code kept with it
    at.button(key="invite_stop").click().run()
    assert next(c.value for c in at.code if "?invite=" in c.value) != first
