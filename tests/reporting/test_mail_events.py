"""Who is told what by email: a partner's logins of its payout decisions and of news an admin emails (unless it turned
them off on Account), an applicant of the decision on its application, a login of a new password; nobody of a new
login's first one."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from cabinet.access import build_session_user
from cabinet.account import set_email_prefs
from cabinet.i18n import translate
from cabinet.invites import own_invite_token
from cabinet.logins_admin import add_login, new_password
from cabinet.news import NewsItem, post
from cabinet.partners_admin import PartnerChange, update_partner
from cabinet.store.db import session_scope
from cabinet.store.models import OutboxMail, Partner, User
from cabinet.ui.widgets import plain
from tests.reporting.conftest import Program
from tests.reporting.test_invites import FORM, KEY, _apply
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_payouts import _decide, _request, payable  # noqa: F401 - the fixture


def _mails(engine: Engine) -> list[tuple[str, str, str]]:
    """(kind, to, subject) of every queued mail, oldest first."""
    with session_scope(engine) as s:
        rows = s.execute(select(OutboxMail.kind, OutboxMail.to_address, OutboxMail.subject).order_by(OutboxMail.id))
        return [tuple(r) for r in rows]  # type: ignore[misc]


def _bodies(engine: Engine) -> list[str]:
    with session_scope(engine) as s:
        return list(s.scalars(select(OutboxMail.body).order_by(OutboxMail.id)))


def test_payout_decisions_reach_every_login_of_the_partner_unless_turned_off(
    payable: Program,  # noqa: F811
    store_engine: Engine,
) -> None:
    with session_scope(store_engine) as s:  # a team login of the parent, in Russian; a disabled one gets nothing
        s.add(User(username="p_parent_ru", email="team@example.com", display_name="Команда", role="partner",
                   partner_id=payable.tiny.parent, password_hash="!", locale="ru"))  # fmt: skip
        s.add(User(username="p_parent_off", email="off@example.com", display_name="Off", role="partner",
                   partner_id=payable.tiny.parent, password_hash="!", is_active=False))  # fmt: skip
    made = _request(payable, store_engine, "60")
    assert _mails(store_engine) == []  # the request itself: the partner made it
    _decide(payable, store_engine, made.id, "approved")
    mails = _mails(store_engine)
    assert [(k, to) for k, to, _ in mails] == [("payout_update", "p_parent@example.com"),
                                               ("payout_update", "team@example.com")]  # fmt: skip
    assert mails[0][2].endswith(f"payout request {made.id} approved")
    assert mails[1][2].endswith(f"запрос на выплату {made.id} одобрен")
    en, ru = _bodies(store_engine)
    assert "for $60.00 is approved" in en and "на 60,00" in ru  # each in its own language and number format
    with session_scope(store_engine) as s:
        set_email_prefs(s, payable.users["p_parent"].scope, payable.tiny.parent, {"payout_updates": False})
    _decide(payable, store_engine, made.id, "paid")
    assert len(_mails(store_engine)) == 2  # turned off: no mail of the payment


def test_the_applicant_hears_of_the_decision(program: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        token = own_invite_token(s, program.users["p_parent"].scope, KEY)
    new_id = _apply(store_engine, token)
    mgr = build_session_user(store_engine, "mgr").scope  # its scope now holds the applicant
    with session_scope(store_engine) as s:
        new = s.get(Partner, new_id)
        update_partner(s, mgr, new_id, PartnerChange("active", "bronze", new.manager_user_id, new.plan_id))
    [(kind, to, subject)] = _mails(store_engine)
    assert (kind, to) == ("application", FORM.email) and subject.endswith("your application is approved")
    assert "with the login new_sub" in _bodies(store_engine)[0]
    with session_scope(store_engine) as s:  # later status changes of a partner tell nobody by email
        new = s.get(Partner, new_id)
        update_partner(s, mgr, new_id, PartnerChange("paused", "bronze", new.manager_user_id, new.plan_id, "test"))
    assert len(_mails(store_engine)) == 1


def test_a_declined_application_gives_the_reason(program: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        token = own_invite_token(s, program.users["p_parent"].scope, KEY)
    new_id = _apply(store_engine, token)
    with session_scope(store_engine) as s:
        new = s.get(Partner, new_id)
        change = PartnerChange("declined", "bronze", new.manager_user_id, new.plan_id, "no traffic sources given")
        update_partner(s, build_session_user(store_engine, "mgr").scope, new_id, change)
    [(kind, _, subject)] = _mails(store_engine)
    assert kind == "application" and subject.endswith("your application is declined")
    assert "Reason: no traffic sources given" in _bodies(store_engine)[0]


def test_a_new_password_is_told_a_first_one_is_not(program: Program, store_engine: Engine) -> None:
    root = program.users["root"].scope
    with session_scope(store_engine) as s:
        add_login(s, root, "helper", "Helper", "helper@example.com", "manager", None)
    assert _mails(store_engine) == []
    with session_scope(store_engine) as s:
        new_password(s, root, s.scalar(select(User.id).where(User.username == "helper")))
    [(kind, to, subject)] = _mails(store_engine)
    assert (kind, to) == ("password_changed", "helper@example.com") and subject.endswith("your password was changed")


def test_the_account_page_turns_payout_emails_off(program: Program, store_engine: Engine) -> None:
    at = open_page("pages/10_account.py", program.users["p_parent"])
    [box] = [c for c in at.checkbox if c.key == "account_pref_payout_updates"]
    assert box.value is True  # on until turned off
    box.uncheck()
    [save] = [b for b in at.button if b.label == "Save"]
    save.click().run()
    assert not at.exception and "Email preferences saved." in [s.value for s in at.success]
    with session_scope(store_engine) as s:
        assert s.get(Partner, program.tiny.parent).notification_prefs.get("payout_updates") is False
    again = open_page("pages/10_account.py", program.users["p_parent"])
    assert [c.value for c in again.checkbox if c.key == "account_pref_payout_updates"] == [False]


def test_news_is_emailed_only_when_the_admin_says_and_to_whom_it_is_for(program: Program, store_engine: Engine) -> None:
    root = program.users["root"].scope
    with session_scope(store_engine) as s:
        post(s, root, NewsItem("Quiet item", "Only on the home page."))
    assert _mails(store_engine) == []  # not emailed unless asked
    at = open_page("pages/12_program.py", program.users["root"])
    at.text_input(key="news_title").input("Double FTD week")
    at.text_area(key="news_body").input("FTDs pay **double** until Sunday.")
    at.selectbox(key="news_tier").select("gold")
    at.checkbox(key="news_email").check()
    at.get("form_submit_button")[-1].click().run()
    assert not at.exception and translate("news.posted_emailed") in [s.value for s in at.success]
    assert not at.checkbox(key="news_email").value  # the form starts over
    [(kind, to, subject)] = _mails(store_engine)  # gold: the parent's login only
    assert (kind, to) == ("news", "p_parent@example.com") and subject.endswith(": Double FTD week")
    assert "FTDs pay **double** until Sunday." in _bodies(store_engine)[0]
    with session_scope(store_engine) as s:  # every partner, but the child turned news emails off
        set_email_prefs(s, program.users["p_child"].scope, program.tiny.child, {"news": False})
        post(s, root, NewsItem("For all", "Everyone reads this."), email=True)
    assert sorted(to for kind, to, _ in _mails(store_engine)[1:]) == ["p_bronze@example.com", "p_parent@example.com"]


def test_a_user_changes_its_login_email_and_the_old_address_is_told(program: Program, store_engine: Engine) -> None:
    from cabinet.account import AccountError, change_email
    from tests.reporting.conftest import PASSWORD

    scope = program.users["p_child"].scope
    for password, email, key in (("wrong-password", "new@example.com", "account.wrong_password"),
                                 (PASSWORD, "not-an-address", "account.bad_email"),
                                 (PASSWORD, "P_Child@Example.com", "account.same_email")):  # fmt: skip
        with pytest.raises(AccountError) as refused, session_scope(store_engine) as s:
            change_email(s, scope, password, email)
        assert refused.value.key == key
    assert _mails(store_engine) == []  # refusals change and tell nothing
    at = open_page("pages/10_account.py", program.users["p_child"])
    captions = " ".join(c.value for c in at.caption)
    assert f"go to {plain('p_child@example.com')}." in captions  # the address shown as typed
    at.text_input(key="account_new_email").input(" child.new@example.com ")
    at.text_input(key="account_email_password").input(PASSWORD)
    [change] = [b for b in at.button if b.label == translate("account.change_email")]
    change.click().run()
    assert not at.exception and translate("account.email_changed") in [s.value for s in at.success]
    with session_scope(store_engine) as s:
        assert s.scalar(select(User.email).where(User.username == "p_child")) == "child.new@example.com"
    [(kind, to, subject)] = _mails(store_engine)
    assert (kind, to) == ("email_changed", "p_child@example.com") and subject.endswith("your login's email was changed")
    assert "child.new@example.com" in _bodies(store_engine)[0]
