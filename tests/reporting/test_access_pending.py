"""A partner's login whose partner is not active yet (an application waiting for approval), was declined or is blocked
gets no page of its tier: each says why, as the home page does, and nothing of the program's (every offer's banners,
the staff's forms) shows in its place. Its Account page keeps what is the login's own: the password it chose, its
address, two-step login and sign-in activity. A paused partner's login keeps its pages."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from cabinet.access import build_session_user
from cabinet.creatives import partner_creatives
from cabinet.i18n import translate
from cabinet.store.db import session_scope
from cabinet.store.models import Creative, Partner
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open

PAGES = ["pages/07_creatives.py", "pages/19_offers.py", "pages/06_links.py", "pages/08_promo_codes.py",
         "pages/18_postbacks.py", "pages/01_dashboard.py", "pages/09_payouts.py"]  # fmt: skip
SAID = {"pending": ("info", "home.standing_pending"), "blocked": ("error", "home.standing_blocked"),
        "declined": ("error", "home.standing_declined")}  # fmt: skip


def _standing(program: Program, store_engine: Engine, status: str) -> None:
    """The gold parent's partner in `status`, with a banner of the gold-only offer and one of the program's."""
    with session_scope(store_engine) as s:
        s.get(Partner, program.tiny.parent).status = status
        s.add(Creative(offer_id=program.tiny.other_offer, name="Gold only", file_path="gold.png", width=300,
                       height=250, size_bytes=100))  # fmt: skip
        s.add(Creative(offer_id=None, name="Logo", file_path="logo.png", width=120, height=60, size_bytes=100))


@pytest.mark.parametrize("status", ["pending", "blocked", "declined"])
def test_a_login_without_an_active_partner_gets_only_its_account_and_no_creatives(
    program: Program, store_engine: Engine, status: str
) -> None:
    _standing(program, store_engine, status)
    user = build_session_user(store_engine, "p_parent")
    assert user is not None and user.scope.own_partner_id is None and user.partner_id == program.tiny.parent
    assert user.features == frozenset({"account"}) and user.visible_metrics == ()
    with session_scope(store_engine) as s:  # whatever partner it names
        assert partner_creatives(s, user.scope, None) == []
        assert partner_creatives(s, user.scope, program.tiny.parent) == []


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("status", ["pending", "blocked", "declined"])
def test_each_page_says_why_and_shows_nothing_of_the_program(
    program: Program, store_engine: Engine, status: str, page: str
) -> None:
    _standing(program, store_engine, status)
    at = _open(page, build_session_user(store_engine, "p_parent"))
    assert not at.exception, at.exception
    kind, key = SAID[status]
    assert [m.value for m in getattr(at, kind)] == [translate(key)]
    assert not at.metric and not at.dataframe and not at.main.selectbox and not at.expander and not at.title
    assert not at.get("download_button") and not at.get("form_submit_button")


def test_the_home_page_shows_no_figures(program: Program, store_engine: Engine) -> None:
    _standing(program, store_engine, "pending")
    at = _open("app.py", build_session_user(store_engine, "p_parent"))
    assert not at.exception and translate("home.standing_pending") in [i.value for i in at.info]
    assert {m.label for m in at.metric} == {translate("home.offers"), translate("home.links")}  # the program's only
    assert [link.proto.label for link in at.sidebar.get("page_link")] == [
        translate("menu.home"),
        translate("menu.account"),
    ]


@pytest.mark.parametrize("status", ["pending", "blocked", "declined"])
def test_its_account_page_changes_its_own_password_and_nothing_of_the_partner(
    program: Program, store_engine: Engine, status: str
) -> None:
    _standing(program, store_engine, status)
    at = _open("pages/10_account.py", build_session_user(store_engine, "p_parent"))
    assert not at.exception, at.exception
    kind, key = SAID[status]
    assert [m.value for m in getattr(at, kind)] == [translate(key)]
    assert not at.metric and "account_method" not in {sb.key for sb in at.main.selectbox}  # no card, no payout method
    assert {sb.key for sb in at.main.selectbox} == {"account_language", "account_timezone"}  # its login's own
    assert translate("account.staff", username="p_parent", role=translate("menu.role_partner")) not in [
        i.value for i in at.info
    ]
    labels = [b.label for b in at.get("form_submit_button")]
    assert {translate("account.change"), translate("account.change_email")} <= set(labels)  # and two-step login's
    assert not {translate("account.save"), translate("account.billing_save"), translate("account.save_emails")} & set(
        labels
    )  # nothing of the partner's: payout details, billing, emails
    boxes = at.text_input
    boxes[0].input("no-such-password")  # the form answers for this login (a wrong current password is refused)
    boxes[1].input("A-new-passw0rd-long")
    boxes[2].input("A-new-passw0rd-long")
    at.get("form_submit_button")[labels.index(translate("account.change"))].click().run()
    assert not at.exception and translate("account.wrong_password") in [e.value for e in at.error]


def test_a_paused_partner_keeps_its_pages(program: Program, store_engine: Engine) -> None:
    _standing(program, store_engine, "paused")
    user = build_session_user(store_engine, "p_parent")
    assert user.features == program.users["p_parent"].features and user.scope.own_partner_id == program.tiny.parent
    at = _open("pages/07_creatives.py", user)
    assert not at.exception and not at.error and [ti.value for ti in at.title] == [translate("creatives.title")]
