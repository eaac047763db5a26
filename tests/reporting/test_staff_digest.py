"""The staff's daily digest: once a day, after 08:00 in the program's time zone, each manager and admin with
applications, payout requests or requests to run offers waiting in their scope is emailed what waits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select

from cabinet import staff_digest
from cabinet.offer_access import request_access
from cabinet.passwords import hash_password
from cabinet.staff_digest import queue_digests
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, Offer, OutboxMail, Partner, User
from tests.reporting.at_once import twice_at_once
from tests.reporting.conftest import Program
from tests.reporting.test_payouts import _request, payable  # noqa: F401 - the fixture

MORNING = datetime(2026, 11, 10, 8, 30, tzinfo=UTC)  # the program's zone is UTC


def _digests(engine: Engine) -> dict[str, str]:
    with session_scope(engine) as s:
        return {m.to_address: m.body for m in s.scalars(select(OutboxMail).where(OutboxMail.kind == "digest"))}


def test_each_manager_hears_of_what_waits_in_their_scope_once_a_day(payable: Program, store_engine: Engine) -> None:  # noqa: F811
    tiny = payable.tiny
    _request(payable, store_engine, "60.50")
    with session_scope(store_engine) as s:
        offer = Offer(name="VIP", vertical="igaming", landing_urls=["https://vip.example"], access="approval")
        s.add(offer)
        s.flush()
        request_access(s, payable.users["p_child"].scope, tiny.child, offer.id, "")
        s.add(Partner(name="Applicant", tier_code="bronze", status="pending"))  # no manager: the admin's
        s.add(User(username="mgr2", email="mgr2@example.com", display_name="M2", role="manager",
                   password_hash=hash_password("x" * 12)))  # fmt: skip
    assert queue_digests(store_engine, "https://partners.example.com", MORNING.replace(hour=7)) is None  # not yet
    assert queue_digests(store_engine, "https://partners.example.com", MORNING) == 2
    sent = _digests(store_engine)
    assert set(sent) == {"m@example.com", "root@example.com"}  # mgr2 has nothing waiting: no email
    assert "payout requests: 1, $60.50 (Payouts page)" in sent["m@example.com"]
    assert "requests to run offers: 1 (Offers page)" in sent["m@example.com"]
    assert "applications" not in sent["m@example.com"]  # the applicant is no partner of the manager
    assert "applications to join: 1 (Partners page)" in sent["root@example.com"]
    assert "The cabinet: https://partners.example.com" in sent["root@example.com"]
    assert queue_digests(store_engine, None, MORNING.replace(hour=18)) is None  # once a day
    assert queue_digests(store_engine, None, MORNING.replace(day=11)) == 2  # the next day, again
    with session_scope(store_engine) as s:  # without a public_url: no line for it
        latest = s.scalars(select(OutboxMail.body).where(OutboxMail.kind == "digest").order_by(OutboxMail.id.desc()))
        assert "The cabinet" not in next(iter(latest))


def test_nothing_waiting_sends_nothing(program: Program, store_engine: Engine) -> None:
    assert queue_digests(store_engine, None, MORNING) == 0
    assert _digests(store_engine) == {}


def test_two_senders_at_the_same_moment_queue_them_once(
    payable: Program,  # noqa: F811
    store_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both senders find nothing queued yet and reach the lock together; the second waits, then finds the first's."""
    _request(payable, store_engine, "60.50")
    results = twice_at_once(staff_digest, lambda: queue_digests(store_engine, None, MORNING), monkeypatch)
    assert sorted(results, key=str) == [2, None]
    with session_scope(store_engine) as s:
        assert len(s.scalars(select(OutboxMail).where(OutboxMail.kind == "digest")).all()) == 2
        assert len(s.scalars(select(AuditLog).where(AuditLog.action == "staff_digests")).all()) == 1


def test_a_manager_switches_the_digest_off_and_on_in_account_and_gets_none_while_off(
    payable: Program,  # noqa: F811
    store_engine: Engine,
) -> None:
    from tests.reporting.test_pages import _open as open_page

    _request(payable, store_engine, "60.50")
    at = open_page("pages/10_account.py", payable.users["mgr"])
    assert not at.exception
    box = at.checkbox(key="account_pref_digest")
    assert box.value is True and box.label.startswith("Email me a daily digest of what waits for my decision")
    box.uncheck()
    at.button[[b.label for b in at.button].index("Save")].click().run()  # the form's own button
    assert not at.exception and "Email preferences saved." in [s.value for s in at.success]
    assert at.checkbox(key="account_pref_digest").value is False  # as stored, drawn again
    assert queue_digests(store_engine, None, MORNING) == 1
    assert set(_digests(store_engine)) == {"root@example.com"}  # switched off: none for the manager
    with session_scope(store_engine) as s:
        entry = s.scalar(select(AuditLog).where(AuditLog.action == "email_prefs_changed"))
        assert entry is not None and (entry.actor_username, entry.details) == ("mgr", {"digest": False})

    again = open_page("pages/10_account.py", payable.users["mgr"])
    again.checkbox(key="account_pref_digest").check()
    again.button[[b.label for b in again.button].index("Save")].click().run()
    assert queue_digests(store_engine, None, MORNING.replace(day=11)) == 2  # on again: both, the next day


def test_a_partners_account_page_has_no_digest_switch_and_a_partner_cannot_set_one(
    program: Program, store_engine: Engine
) -> None:
    from cabinet import prefs
    from cabinet.access import ScopeError
    from tests.reporting.test_pages import _open as open_page

    at = open_page("pages/10_account.py", program.users["p_parent"])
    assert not at.exception and "account_pref_digest" not in [c.key for c in at.checkbox]
    with pytest.raises(ScopeError):
        prefs.save_digest(store_engine, program.users["p_parent"].scope, False)
