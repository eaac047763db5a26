"""A parent's sub-partners are the ones working (active or paused): an application not approved yet (a partner that
applied through the parent's invitation) was counted in "Sub-partners" and listed in the tree as one, and a blocked
one (a declined application, or blocked later) was counted too. Applications are listed on their own under the
table, awaiting approval; a blocked sub-partner stays in the table for its figures, marked, but is not counted; the
manager's choice of partner counts the same way."""

from __future__ import annotations

import dataclasses

from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from cabinet.access import build_session_user
from cabinet.i18n import translate
from cabinet.invites import Application, apply, own_invite_token
from cabinet.session import SESSION_KEY, SessionUser
from cabinet.store.db import session_scope
from cabinet.store.models import Partner
from queries.subpartners import tree_roots
from queries.warehouse import Warehouse
from tests.conftest import TEST_LINK_KEY
from tests.reporting.conftest import Program
from tests.reporting.test_pages import ROOT
from tests.reporting.test_pages import _open as open_page


def _applied_and_blocked(program: Program, engine: Engine) -> tuple[int, int]:
    """Under the parent beside its child: an application not approved yet, and a blocked sub-partner; ETL run."""
    key = TEST_LINK_KEY.encode()
    with session_scope(engine) as s:
        token = own_invite_token(s, program.users["p_parent"].scope, key)
    with session_scope(engine) as s:
        form = Application("new_sub", "New Sub Ltd", "sub@example.com", "sub-password-1", "sub-password-1")
        applicant = apply(s, token, key, form).id
        child = s.get(Partner, program.tiny.child)
        blocked = Partner(name="Blocked Sub", status="blocked", tier_code=child.tier_code, plan_id=child.plan_id,
                          parent_id=program.tiny.parent, manager_user_id=child.manager_user_id)  # fmt: skip
        s.add(blocked)
        s.flush()
        blocked_id = blocked.id
    program.tiny.run()
    return applicant, blocked_id


def _user(engine: Engine, username: str) -> SessionUser:
    """The login as it signs in now (its sub-partners read from the store as they are)."""
    user = build_session_user(engine, username)
    assert user is not None
    return user


def _parent_page(engine: Engine, locale: str) -> AppTest:
    """The parent's Sub-partners page as it opens it in `locale`."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[SESSION_KEY] = dataclasses.replace(_user(engine, "p_parent"), locale=locale)
    return at.switch_page("pages/04_subpartners.py").run()


def test_the_parent_counts_working_sub_partners_and_lists_applications_apart(
    program: Program, store_engine: Engine
) -> None:
    applicant, blocked = _applied_and_blocked(program, store_engine)
    at = open_page("pages/04_subpartners.py", _user(store_engine, "p_parent"))
    assert not at.exception and not at.error
    cards = {m.label: m for m in at.metric}
    assert cards["Sub-partners"].value == "1"  # the child; not the application, not the blocked one
    assert cards["Sub-partners"].proto.help == translate("subpartners.count_help")
    assert len(at.dataframe) == 2, [(d.value.columns.tolist(), len(d.value)) for d in at.dataframe]
    tree, applied = (d.value for d in at.dataframe)
    statuses = dict(zip(tree["Partner"], tree["Status"], strict=True))
    assert statuses == {f"{program.tiny.child} · Child": "✓", f"{blocked} · Blocked Sub": "Blocked"}
    assert list(applied["Partner"]) == [f"{applicant} · New Sub Ltd"] and list(applied["Level"]) == [1]
    assert [h.value for h in at.subheader] == ["Applications awaiting approval (1)"]
    assert translate("subpartners.applications_help_own") in [c.value for c in at.caption]


def test_a_parent_is_told_of_its_own_sub_partners_as_you_and_a_manager_of_the_partner_s(
    program: Program, store_engine: Engine
) -> None:
    """A partner read of itself in the third person on its own page: "They applied through the partner's invitation
    link and wait for the partner's manager", "Level 1 are the partner's own sub-partners"; it now reads "your
    invitation link", "your manager", "your own sub-partners" (in Russian "вашей", "ваш"). A manager's page still
    says the partner's."""
    _applied_and_blocked(program, store_engine)
    for locale, yours in (("en", "your"), ("ru", "ваш")):
        at = _parent_page(store_engine, locale)
        said = [c.value for c in at.caption]
        assert not at.exception
        for key in ("subpartners.caption_own", "subpartners.applications_help_own"):
            assert translate(key, locale) in said and yours in translate(key, locale)
        assert not [c for c in said if "the partner's" in c or "партнёра" in c], said
        override = next(m for m in at.metric if m.label == translate("subpartners.override", locale))
        assert override.proto.help == translate("subpartners.override_help_own", locale)
    mgr = open_page("pages/04_subpartners.py", _user(store_engine, "mgr"))
    assert translate("subpartners.caption") in [c.value for c in mgr.caption]
    assert translate("subpartners.applications_help") in [c.value for c in mgr.caption]


def test_a_russian_parent_reads_the_same(program: Program, store_engine: Engine) -> None:
    _applied_and_blocked(program, store_engine)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[SESSION_KEY] = dataclasses.replace(_user(store_engine, "p_parent"), locale="ru")
    at = at.switch_page("pages/04_subpartners.py").run()
    assert not at.exception
    assert at.metric[0].label == "Субпартнёров" and at.metric[0].value == "1"
    assert [h.value for h in at.subheader] == ["Заявки, ожидающие одобрения (1)"]


def test_a_manager_picks_a_partner_by_its_working_sub_partners(program: Program, store_engine: Engine) -> None:
    _applied_and_blocked(program, store_engine)
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    mgr_user = _user(store_engine, "mgr")
    roots = tree_roots(mgr_user.scope, wh=wh)
    assert dict(zip(roots["partner_id"], roots["subs"], strict=True))[program.tiny.parent] == 1
    mgr = open_page("pages/04_subpartners.py", mgr_user)
    assert mgr.selectbox(key="subpartners_root").options == [f"{program.tiny.parent} · Parent (1)"]
    assert mgr.metric[0].value == "1" and len(mgr.dataframe) == 2


def test_only_applications_say_none_yet_and_list_them(program: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        s.get(Partner, program.tiny.child).status = "pending"  # the parent's one sub-partner is an application
    program.tiny.run()
    at = open_page("pages/04_subpartners.py", _user(store_engine, "p_parent"))
    assert not at.exception and at.metric[0].value == "0"
    assert [i.value for i in at.info][:1] == [translate("subpartners.none")]
    assert [list(d.value["Partner"]) for d in at.dataframe] == [[f"{program.tiny.child} · Child"]]


def test_a_declined_application_reads_declined_not_blocked(program: Program, store_engine: Engine) -> None:
    """A declined application (`declined`) was taken as blocked by the warehouse's partner snapshot, so the parent's
    table called it "Blocked", as a partner blocked for what it did; it says "Declined" now, and is not counted."""
    applicant, _ = _applied_and_blocked(program, store_engine)
    with session_scope(store_engine) as s:
        s.get(Partner, applicant).status = "declined"
    program.tiny.run()
    for locale, declined in (("en", "Declined"), ("ru", "Отклонена")):
        at = _parent_page(store_engine, locale)
        assert not at.exception
        assert at.metric[0].value == "1"  # the child only
        assert len(at.dataframe) == 1  # no application waits
        tree = at.dataframe[0].value
        status = tree.columns[-1]
        marks = dict(zip(tree.iloc[:, 1], tree[status], strict=True))
        assert marks[next(p for p in marks if p.startswith(f"{applicant} ·"))] == declined
