"""A partner's team, run by the partner: its payout logins add teammates (emailed a link, never shown a password),
choose who handles payouts and disable logins; the other payout logins are emailed each change; nobody else acts."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from cabinet import team
from cabinet.access import ScopeError, build_session_user
from cabinet.auth import authenticate, set_password
from cabinet.invites import InviteError
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, OutboxMail, Partner, Tier, User
from cabinet.team import TeamError, add_member, members, set_enabled, set_payouts_access
from tests.drawn import texts_and_keys
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page

WELCOME = ("https://partners.example.com", b"team-test-link-key-0123456789abcdef")


def _add(program: Program, engine: Engine, username: str, money: bool = False, by: str = "p_parent") -> int:
    with session_scope(engine) as s:
        user = add_member(s, program.users[by].scope, username, username.title(), f"{username}@example.com", money,
                          WELCOME)  # fmt: skip
        s.flush()
        return user.id


def _mail(engine: Engine, kind: str) -> list[tuple[str, str]]:
    with session_scope(engine) as s:
        return [(m.to_address, m.body) for m in s.scalars(select(OutboxMail).where(OutboxMail.kind == kind))]


def test_an_owner_adds_a_teammate_who_sets_its_own_password(program: Program, store_engine: Engine) -> None:
    analyst = _add(program, store_engine, "analyst")
    [(to, body)] = _mail(store_engine, "welcome")
    assert to == "analyst@example.com" and "https://partners.example.com/?reset=" in body
    assert not authenticate(store_engine, "analyst", "").ok  # no password until the link is used
    user = build_session_user(store_engine, "analyst")
    assert user is not None and user.partner_id == program.tiny.parent and not user.has("payouts")
    with session_scope(store_engine) as s:
        listed = members(s, program.users["p_parent"].scope)
        log = s.scalar(select(AuditLog).where(AuditLog.action == "team_member_added"))
        row = s.get(User, analyst)
        assert (row.role, row.payouts_access, row.timezone) == ("partner", False, "UTC")
    assert [(m.username, m.payouts_access, m.is_you) for m in listed] == [("analyst", False, False),
                                                                          ("p_parent", True, True)]  # fmt: skip
    assert (log.actor_username, log.target, log.details["payouts_access"]) == ("p_parent", "analyst", False)
    assert _mail(store_engine, "team_changed") == []  # no other payout login to tell
    _add(program, store_engine, "viewer")
    assert _mail(store_engine, "team_changed") == []  # the analyst handles no payouts: not told either


def test_each_change_is_emailed_to_the_other_owners_and_takes_effect(program: Program, store_engine: Engine) -> None:
    second = _add(program, store_engine, "cfo", money=True)
    analyst = _add(program, store_engine, "analyst", by="p_parent")
    told = _mail(store_engine, "team_changed")
    assert [to for to, _ in told] == ["cfo@example.com"]  # the analyst added by p_parent: the cfo is told
    assert (
        "p_parent changed the team of Parent" in told[0][1] and "analyst was added as a login of the team" in told[0][1]
    )
    with session_scope(store_engine) as s:
        set_payouts_access(s, program.users["p_parent"].scope, analyst, True)
        set_enabled(s, program.users["p_parent"].scope, second, False)
    analyst_user = build_session_user(store_engine, "analyst")
    assert analyst_user is not None and analyst_user.has("payouts")
    assert build_session_user(store_engine, "cfo") is None  # disabled: no session
    bodies = [b for _, b in _mail(store_engine, "team_changed")]
    assert any("analyst may now handle payouts" in b for b in bodies)
    with session_scope(store_engine) as s:
        actions = list(s.scalars(select(AuditLog.action).where(AuditLog.action.like("team_%")).order_by(AuditLog.id)))
    assert actions == ["team_member_added", "team_member_added", "team_access_changed", "team_member_disabled"]


def test_only_an_owner_acting_as_itself_changes_the_team(program: Program, store_engine: Engine) -> None:
    analyst = _add(program, store_engine, "analyst")
    kept_out = build_session_user(store_engine, "analyst")
    assert kept_out is not None
    for scope in (kept_out.scope, program.users["mgr"].scope, program.users["root"].scope):
        with pytest.raises(ScopeError) as refused, session_scope(store_engine) as s:
            add_member(s, scope, "intruder", "I", "i@example.com", True, WELCOME)
        assert refused.value.key == "team.owner_only"
    viewing = build_session_user(store_engine, "root", impersonate_partner_id=program.tiny.parent)
    assert viewing is not None
    with pytest.raises(ScopeError), session_scope(store_engine) as s:
        set_payouts_access(s, viewing.scope, analyst, True)
    child = build_session_user(store_engine, "p_child")
    with pytest.raises(ScopeError) as other, session_scope(store_engine) as s:  # another partner's login
        set_enabled(s, child.scope, analyst, False)
    assert other.value.key == "team.not_yours"
    with session_scope(store_engine) as s:
        me = s.scalar(select(User.id).where(User.username == "p_parent"))
    with pytest.raises(TeamError) as itself, session_scope(store_engine) as s:
        set_enabled(s, program.users["p_parent"].scope, me, False)
    assert itself.value.key == "team.not_yourself"


def test_bad_additions_are_refused_and_nothing_is_written(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = program.users["p_parent"].scope
    with pytest.raises(TeamError) as no_links, session_scope(store_engine) as s:
        add_member(s, owner, "analyst", "A", "a@example.com", False, None)
    assert no_links.value.key == "team.no_links"
    with pytest.raises(InviteError), session_scope(store_engine) as s:  # the username is taken
        add_member(s, owner, "p_child", "A", "a@example.com", False, WELCOME)
    monkeypatch.setattr(team, "MAX_LOGINS", 1)  # p_parent is the partner's one login
    with pytest.raises(TeamError) as full, session_scope(store_engine) as s:
        add_member(s, owner, "analyst", "A", "a@example.com", False, WELCOME)
    assert full.value.key == "team.too_many"
    with session_scope(store_engine) as s:
        assert s.scalar(select(User).where(User.username == "analyst")) is None
    assert _mail(store_engine, "welcome") == []


def test_the_account_page_adds_a_teammate(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CABINET_PUBLIC_URL", "https://partners.example.com")
    at = open_page("pages/10_account.py", program.users["p_parent"])
    assert not at.exception and "Your team" in [h.value for h in at.header]
    # the teammate's name, not "Your name or company" (the sign-up form's label, said to the one signing up)
    assert at.text_input(key="team_name").label == "Name"
    at.text_input(key="team_username").input("analyst")
    at.text_input(key="team_name").input("Ann Analyst")
    at.text_input(key="team_email").input("ann@example.com")
    at.button(key="FormSubmitter:team_add-Add and email the link").click().run()
    assert not at.exception and not at.error
    assert at.success[0].value == "analyst is added: ann@example.com is emailed a link to set a password."
    assert texts_and_keys(at.main).index("team_pick") > texts_and_keys(at.main).index(
        at.success[0].value
    )  # under the form, above the actions
    assert at.text_input(key="team_username").value == ""
    at.button(key="team_disable").click().run()
    assert not at.exception and at.success[0].value.startswith("analyst can no longer log in")
    assert texts_and_keys(at.main).index("team_enable") < texts_and_keys(at.main).index(
        at.success[0].value
    )  # under the button clicked
    assert build_session_user(store_engine, "analyst") is None
    child = open_page("pages/10_account.py", program.users["p_child"])  # its own team, never the parent's
    assert not child.exception and "analyst" not in str(child.dataframe[0].value)


@pytest.mark.parametrize("case", ["member_of_a_tier_without_payouts", "owner_of_a_paused_partner"])
def test_the_account_page_shows_the_team_to_its_owners_only(program: Program, store_engine: Engine, case: str) -> None:
    """A teammate kept from payouts never gets the team box (the page used to fail when the tier has no Payouts
    page); an owner of a paused partner still gets it (to disable a teammate's login)."""
    with session_scope(store_engine) as s:
        parent = s.get(Partner, program.tiny.parent)
        if case == "owner_of_a_paused_partner":
            parent.status = "paused"
        else:
            tier = s.get(Tier, parent.tier_code)
            tier.features = [f for f in tier.features if f != "payouts"]
    mate = _add(program, store_engine, "mate")
    with session_scope(store_engine) as s:
        set_password(s, s.get(User, mate), "a-long-password-1", notify=False)
    for login, sees in (("p_parent", True), ("mate", False)):
        at = open_page("pages/10_account.py", build_session_user(store_engine, login))
        assert not at.exception, (case, login, at.exception)
        assert ("Your team" in [h.value for h in at.header]) is sees, (case, login)


def test_an_owner_does_not_undo_what_the_programs_staff_took(program: Program, store_engine: Engine) -> None:
    """An admin disabled a teammate's login (taken over, say) or took its payouts: the owner gave both back."""
    from cabinet import logins_admin

    analyst = _add(program, store_engine, "analyst", money=True)
    owner, root = program.users["p_parent"].scope, program.users["root"].scope
    with session_scope(store_engine) as s:
        logins_admin.set_payouts_access(s, root, analyst, False)
        logins_admin.set_enabled(s, root, analyst, False)
    for change, key in ((set_enabled, "team.staff_disabled"), (set_payouts_access, "team.staff_took_payouts")):
        with pytest.raises(TeamError) as caught, session_scope(store_engine) as s:
            change(s, owner, analyst, True)
        assert caught.value.key == key
    with session_scope(store_engine) as s:
        row = s.get(User, analyst)
        assert (row.is_active, row.payouts_access) == (False, False)
    with session_scope(store_engine) as s:  # the staff enable it again: the owner's own decisions are back to it
        logins_admin.set_enabled(s, root, analyst, True)
        set_enabled(s, owner, analyst, False)
    with session_scope(store_engine) as s:
        set_enabled(s, owner, analyst, True)  # the owner's disabling, undone by the owner
        assert s.get(User, analyst).is_active  # type: ignore[union-attr]
        with pytest.raises(TeamError):  # the payouts the staff took stay taken
            set_payouts_access(s, owner, analyst, True)
