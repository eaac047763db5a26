"""A declined application is `declined`, not a blocked partner: the Partners page lists and filters it as declined
(«Отклонена»), its applicant signing in is told the application was declined, its audit entry and email say so; it
sees and gets nothing, as a blocked partner. Only an application is declined, never paused or blocked, and one
declined may still be approved; nothing is written when a change is refused."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import Engine, select

from cabinet.access import build_session_user
from cabinet.i18n import translate
from cabinet.partners_admin import PartnerChange, PartnerChangeError, move_partner, update_partner
from cabinet.promo import CodeChange, PromoCodeError, issue_code
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, OutboxMail, Partner
from cabinet.team import TeamError, add_member
from cabinet.tracking import LinkError, NewLink, create_link
from tests.reporting.conftest import Program
from tests.reporting.test_invites import KEY, _apply, _token
from tests.reporting.test_pages import _open as open_page


def _change(engine: Engine, program: Program, partner_id: int, status: str, reason: str = "",
            user: str = "mgr") -> list[str]:  # fmt: skip
    scope = build_session_user(engine, user).scope  # type: ignore[union-attr]
    with session_scope(engine) as s:
        new = s.get_one(Partner, partner_id)
        return update_partner(s, scope, partner_id, PartnerChange(status, new.tier_code, new.manager_user_id,
                                                                  new.plan_id, reason))  # fmt: skip


def _declined(program: Program, engine: Engine) -> int:
    """The parent's invitee, applied and declined by its manager."""
    new_id = _apply(engine, _token(program, engine))
    assert _change(engine, program, new_id, "declined", "no traffic sources given") == ["status"]
    return new_id


def _state(engine: Engine, partner_id: int) -> tuple[str, list[dict[str, object]], list[str]]:
    with session_scope(engine) as s:
        audit = list(s.scalars(select(AuditLog.details).where(AuditLog.action == "partner_changed")
                               .order_by(AuditLog.id)))  # fmt: skip
        return s.get_one(Partner, partner_id).status, audit, list(s.scalars(select(OutboxMail.subject)))


def test_a_declined_application_is_stored_logged_and_told_as_declined(program: Program, store_engine: Engine) -> None:
    new_id = _declined(program, store_engine)
    status, audit, subjects = _state(store_engine, new_id)
    assert status == "declined"
    assert audit == [{"status": ["pending", "declined"], "reason": "no traffic sources given"}]
    assert [s.endswith("your application is declined") for s in subjects] == [True]
    applicant = build_session_user(store_engine, "new_sub")
    assert applicant is not None and applicant.scope.partner_ids == () and applicant.features == {"account"}
    mgr = build_session_user(store_engine, "mgr")
    with session_scope(store_engine) as s:  # staff cannot give it links or codes either
        with pytest.raises(LinkError) as link:
            create_link(s, mgr.scope, new_id, NewLink(program.tiny.offer, "https://x.example"), KEY)  # type: ignore[union-attr]
        with pytest.raises(PromoCodeError) as code:
            issue_code(s, mgr.scope, new_id, "DECLINED1", None, CodeChange())  # type: ignore[union-attr]
    assert (link.value.key, code.value.key) == ("links.partner_declined", "promo.partner_declined")
    with pytest.raises(TeamError) as team, session_scope(store_engine) as s:  # nor team logins itself
        add_member(s, applicant.scope, "new_sub_team", "Team", "team@example.com", False, None)
    assert team.value.key == "team.partner_not_active"


@pytest.mark.parametrize(
    ("first", "then", "key"),
    [
        (None, "blocked", "partners.pending_decide"),  # an application is declined, not blocked
        ("declined", "blocked", "partners.declined_decide"),
        ("declined", "paused", "partners.declined_decide"),
        ("declined", "pending", "partners.not_pending_again"),
        ("active", "declined", "partners.not_an_application"),  # a partner is blocked, not declined
        (None, "declined", "partners.reason_needed"),  # declining takes a reason
    ],
)
def test_only_an_application_is_declined_and_a_declined_one_is_only_approved(
    program: Program, store_engine: Engine, first: str | None, then: str, key: str
) -> None:
    new_id = _apply(store_engine, _token(program, store_engine))
    if first is not None:
        _change(store_engine, program, new_id, first, "first decision")
    before = _state(store_engine, new_id)
    with pytest.raises(PartnerChangeError) as refused:
        _change(store_engine, program, new_id, then, "" if key == "partners.reason_needed" else "why")
    assert refused.value.key == key
    assert _state(store_engine, new_id) == before  # nothing written, nobody told


def test_a_declined_application_may_still_be_approved(program: Program, store_engine: Engine) -> None:
    new_id = _declined(program, store_engine)
    assert _change(store_engine, program, new_id, "active") == ["status"]  # an approval: no reason needed
    status, audit, subjects = _state(store_engine, new_id)
    assert status == "active" and audit[-1] == {"status": ["declined", "active"]}
    assert subjects[-1].endswith("your application is approved")
    approved = build_session_user(store_engine, "new_sub")
    assert approved is not None and approved.scope.partner_ids == (new_id,)


def test_no_partner_is_moved_under_a_declined_application(program: Program, store_engine: Engine) -> None:
    new_id = _declined(program, store_engine)
    with pytest.raises(PartnerChangeError) as refused, session_scope(store_engine) as s:
        move_partner(s, program.users["root"].scope, program.outsider, new_id, "why")
    assert refused.value.key == "partners.parent_declined" and refused.value.params == {"parent": new_id}


def test_the_partners_page_lists_and_filters_it_as_declined(program: Program, store_engine: Engine) -> None:
    new_id = _declined(program, store_engine)
    with session_scope(store_engine) as s:
        s.get_one(Partner, program.outsider).status = "blocked"  # a partner blocked for what it did
    at = open_page("pages/13_partners.py", program.users["root"])
    assert not at.exception
    table = at.dataframe[0].value
    status = dict(zip(table["Partner"], table["Status"], strict=True))
    assert (status[new_id], status[program.outsider]) == ("Declined", "Blocked")
    opens = dict(zip(table["Partner"], table["Cabinet"], strict=True))
    assert not isinstance(opens[new_id], str) and isinstance(opens[program.outsider], str)  # no cabinet to open
    at.button_group(key="partners_statuses").unselect("declined").run()
    assert new_id not in list(at.dataframe[0].value["Partner"]) and program.outsider in list(
        at.dataframe[0].value["Partner"]
    )
    at = open_page("pages/13_partners.py", program.users["root"])
    at.selectbox(key="partners_pick").select(new_id).run()
    assert at.selectbox(key=f"partners_status_{new_id}").options == ["Declined", "Active"]  # approved after all
    assert any(c.value.startswith("Applied on ") for c in at.caption)  # who applied, when and how
    assert translate("partners.no_plan_warning") not in [w.value for w in at.warning]
    ru = open_page("pages/13_partners.py", dataclasses.replace(program.users["root"], locale="ru"))
    assert (
        dict(zip(ru.dataframe[0].value["Партнёр"], ru.dataframe[0].value["Статус"], strict=True))[new_id] == "Отклонена"
    )


def test_the_partners_page_declines_an_application(program: Program, store_engine: Engine) -> None:
    new_id = _apply(store_engine, _token(program, store_engine))
    at = open_page("pages/13_partners.py", build_session_user(store_engine, "mgr"))  # its scope with the application
    at.selectbox(key="partners_pick").select(new_id).run()
    assert at.selectbox(key=f"partners_status_{new_id}").options == ["Application", "Active", "Declined"]
    at.selectbox(key=f"partners_status_{new_id}").select("declined")
    at.text_input(key=f"partners_reason_{new_id}").input("no traffic sources given")
    at.get("form_submit_button")[0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert _state(store_engine, new_id)[0] == "declined"


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_the_applicant_signing_in_is_told_its_application_was_declined(
    program: Program, store_engine: Engine, locale: str
) -> None:
    _declined(program, store_engine)
    applicant = dataclasses.replace(build_session_user(store_engine, "new_sub"), locale=locale)  # type: ignore[type-var]
    home = open_page("app.py", applicant)
    assert not home.exception
    assert [e.value for e in home.error] == [translate("home.standing_declined", locale)]
    assert "отклонена" in translate("home.standing_declined", "ru")
    assert not any("blocked" in e.value or "заблокирован" in e.value for e in home.error)
