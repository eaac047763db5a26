"""The home page: the last 7 days' KPIs in the user's scope, and what the user should act on."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from cabinet.session import SESSION_KEY
from cabinet.store.db import session_scope
from cabinet.store.models import Partner, PayoutRequest, ProgramSettings
from tests.reporting.conftest import NOW, Program
from tests.reporting.test_pages import ROOT


def _home(program: Program, user: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[SESSION_KEY] = program.users[user]
    at.run()
    assert not at.exception, at.exception
    return at


def test_kpis_of_the_last_7_days_in_the_users_scope(program: Program) -> None:
    program.tiny.write("clicks", "recent.csv", "click_id,ts,link_token,country,device,ip,user_agent\n"
                       f"h1,2026-11-09T10:00:00Z,{program.tiny.token},DE,mobile,10.7.0.1,Mozilla/5.0 H\n"
                       f"h2,2026-11-10T09:00:00Z,{program.tiny.token},DE,mobile,10.7.0.2,Mozilla/5.0 I\n")  # fmt: skip
    program.tiny.run(NOW + timedelta(minutes=5))
    cards = {m.label: m.value for m in _home(program, "p_parent").metric}
    # 3–9 Nov: the click of the 9th; today's (the 10th) is still arriving, the FTD of 1 Nov is older
    assert cards["Clicks"] == "1" and cards["FTDs"] == "0"
    assert "Partners" not in cards and cards["Offers"] == "0"  # neither offer has a landing page: none to promote
    assert {m.label: m.value for m in _home(program, "p_child").metric}["Clicks"] == "0"  # not the parent's click


def test_the_home_page_says_what_to_do_and_links_the_page(program: Program, store_engine: Engine) -> None:
    parent = _home(program, "p_parent")
    assert [w.value for w in parent.warning] == [
        "Your account has no payout method yet: payouts cannot be requested until it has one."
    ]
    assert "Set the payout method" in [link.proto.label for link in parent.get("page_link")]
    assert not _home(program, "mgr").warning  # nothing waits for the manager yet
    with session_scope(store_engine) as s:
        s.get(Partner, program.tiny.parent).payout_method = "paypal"
        s.add(PayoutRequest(partner_id=program.tiny.parent, amount=Decimal("60"), currency="USD", status="requested"))
        s.add(PayoutRequest(partner_id=program.outsider, amount=Decimal("70"), currency="USD", status="requested"))
    assert not _home(program, "p_parent").warning
    assert [w.value for w in _home(program, "mgr").warning] == ["Payout requests waiting for your decision: 1."]
    assert [w.value for w in _home(program, "root").warning] == ["Payout requests waiting for your decision: 2."]


def test_a_partner_sees_whom_to_write_to(program: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        s.get(ProgramSettings, 1).support_email = "help@example.com"
    parent = _home(program, "p_parent")
    assert "Your contacts" in [h.value for h in parent.header]
    assert [b.proto.url for b in parent.get("link_button")] == ["mailto:m@example.com", "mailto:help@example.com"]
    assert "Manager" in [tx.value for tx in parent.text]
    child = _home(program, "p_child")  # no manager assigned
    assert [b.proto.url for b in child.get("link_button")] == ["mailto:help@example.com"]
    assert "Not assigned yet: write to the program's support." in [tx.value for tx in child.text]
    staff = _home(program, "mgr")
    assert "Your contacts" not in [h.value for h in staff.header] and not staff.get("link_button")


def test_a_disabled_manager_is_not_offered_as_a_contact(program: Program, store_engine: Engine) -> None:
    from sqlalchemy import select

    from cabinet.program import manager_contact
    from cabinet.store.models import User

    with session_scope(store_engine) as s:
        assert manager_contact(s, program.tiny.parent) == ("Manager", "m@example.com")
        s.scalar(select(User).where(User.username == "mgr")).is_active = False
        s.flush()
        assert manager_contact(s, program.tiny.parent) is None


def test_a_blocked_partner_or_an_applicant_promotes_no_offer(program: Program, store_engine: Engine) -> None:
    from sqlalchemy import select

    from cabinet.access import derive_scope
    from cabinet.status import data_status
    from cabinet.store.models import Offer, User

    with session_scope(store_engine) as s:
        for offer in s.scalars(select(Offer)):
            offer.landing_urls = ["https://casino.example"]  # both promotable by an active gold partner
        s.get(Partner, program.tiny.parent).status = "blocked"
    with session_scope(store_engine) as s:
        blocked = derive_scope(s, s.scalar(select(User).where(User.username == "p_parent")))
        staff = derive_scope(s, s.scalar(select(User).where(User.username == "mgr")))
    settings = program.tiny.settings
    assert data_status(settings, store_engine, staff).offers == 2  # staff: every active offer
    assert data_status(settings, store_engine, blocked).offers == 0  # it counted every active offer too
