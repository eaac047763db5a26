"""Offers that need approval: a partner asks, its manager approves or declines with a reason, and may take the access
back; only approved partners make links and promo codes for the offer; each step is audit-logged and emailed."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from cabinet.access import ScopeError, build_session_user
from cabinet.offer_access import AccessError, decide, grant, partner_view, queue, request_access, revoke
from cabinet.promo import code_offers
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, Offer, OfferAccess, OutboxMail, Partner, TrackingLink, User
from cabinet.tracking import LinkError, NewLink, create_link, promotable_offers
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page


@pytest.fixture
def vip(program: Program, store_engine: Engine) -> tuple[Program, int]:
    """A VIP offer that needs approval, open to gold and silver; the parent (gold) and child (silver) may ask."""
    with session_scope(store_engine) as s:
        offer = Offer(name="VIP Casino", vertical="igaming", landing_urls=["https://vip.example"], access="approval",
                      tiers_allowed=["gold", "silver"], description="High rollers only")  # fmt: skip
        s.add(offer)
        s.flush()
        return program, offer.id


def _ids(program: Program, engine: Engine, user: str, partner: int) -> set[int]:
    with session_scope(engine) as s:
        return {o.id for o in promotable_offers(s, program.users[user].scope, partner)}


def _told(session: Session) -> tuple[int, int]:
    """The decisions audit-logged and emailed so far."""
    decisions = select(func.count()).select_from(AuditLog).where(AuditLog.action.like("offer_access_%"))
    mails = select(func.count()).select_from(OutboxMail).where(OutboxMail.kind == "offer_access")
    return session.scalar(decisions) or 0, session.scalar(mails) or 0


def _act(engine: Engine, fn, *args):  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        result = fn(s, *args)
        return result.id if isinstance(result, OfferAccess) else result


def test_a_partner_asks_its_manager_approves_and_it_runs_the_offer(
    vip: tuple[Program, int], store_engine: Engine
) -> None:
    program, offer_id = vip
    tiny, parent = program.tiny, program.users["p_parent"]
    assert offer_id not in _ids(program, store_engine, "p_parent", tiny.parent)
    with session_scope(store_engine) as s:
        [item] = partner_view(s, parent.scope, tiny.parent)
        assert (item.offer.id, item.status) == (offer_id, None)
        with pytest.raises(LinkError):  # no link before approval
            create_link(s, parent.scope, tiny.parent, NewLink(offer_id), tiny.settings.require_link_key())
    access_id = _act(store_engine, request_access, parent.scope, tiny.parent, offer_id, "  SEO,   DE and AT ")
    with pytest.raises(AccessError) as twice:
        _act(store_engine, request_access, parent.scope, tiny.parent, offer_id, "")
    assert twice.value.key == "access.already_requested"
    with session_scope(store_engine) as s:
        waiting = queue(s, program.users["mgr"].scope)
        assert [(q.partner, q.offer, q.message) for q in waiting] == [("Parent", "VIP Casino", "SEO, DE and AT")]
        assert queue(s, program.users["root"].scope)[0].access_id == access_id
    _act(store_engine, decide, program.users["mgr"].scope, access_id, True, "")
    assert offer_id in _ids(program, store_engine, "p_parent", tiny.parent)
    assert offer_id not in _ids(program, store_engine, "p_child", tiny.child)  # the child's access is its own
    with session_scope(store_engine) as s:
        link = create_link(s, parent.scope, tiny.parent, NewLink(offer_id), tiny.settings.require_link_key())
        assert link.offer_id == offer_id
        assert offer_id in {o.id for o in code_offers(s, program.users["mgr"].scope, tiny.parent)}
        actions = list(s.scalars(select(AuditLog.action).where(AuditLog.action.like("offer_access_%"))))
        mail = s.scalars(select(OutboxMail).where(OutboxMail.kind == "offer_access")).all()
    assert actions == ["offer_access_requested", "offer_access_approved"]
    assert [(m.to_address, m.subject.endswith(": you may run VIP Casino")) for m in mail] == [
        ("p_parent@example.com", True)
    ]


def test_a_decline_takes_a_reason_and_the_partner_may_ask_again(vip: tuple[Program, int], store_engine: Engine) -> None:
    program, offer_id = vip
    tiny, mgr = program.tiny, program.users["mgr"].scope
    access_id = _act(store_engine, request_access, program.users["p_child"].scope, tiny.child, offer_id, "")
    with pytest.raises(AccessError) as bare:
        _act(store_engine, decide, mgr, access_id, False, "  ")
    assert bare.value.key == "access.reason_needed"
    _act(store_engine, decide, mgr, access_id, False, "Not for incentivised traffic")
    with session_scope(store_engine) as s:
        [item] = partner_view(s, program.users["p_child"].scope, tiny.child)
        assert (item.status, item.reason) == ("rejected", "Not for incentivised traffic")
        body = s.scalar(select(OutboxMail.body).where(OutboxMail.kind == "offer_access"))
    assert "Reason: Not for incentivised traffic" in body
    with pytest.raises(AccessError) as decided:
        _act(store_engine, decide, mgr, access_id, True, "")
    assert decided.value.key == "access.no_request"
    again = _act(store_engine, request_access, program.users["p_child"].scope, tiny.child, offer_id, "Now SEO")
    assert again == access_id  # the same row, asked again
    with session_scope(store_engine) as s:
        assert [q.message for q in queue(s, mgr)] == ["Now SEO"]


def test_a_revoked_access_stops_new_links_and_keeps_the_made_ones(
    vip: tuple[Program, int], store_engine: Engine
) -> None:
    program, offer_id = vip
    tiny, parent = program.tiny, program.users["p_parent"]
    access_id = _act(store_engine, grant, program.users["root"].scope, tiny.parent, offer_id)
    with session_scope(store_engine) as s:
        link_id = create_link(s, parent.scope, tiny.parent, NewLink(offer_id), tiny.settings.require_link_key()).id
    with pytest.raises(AccessError):
        _act(store_engine, revoke, program.users["mgr"].scope, access_id, "")
    asked = _act(store_engine, request_access, program.users["p_child"].scope, tiny.child, offer_id, "")
    with pytest.raises(AccessError) as open_request:  # a request is declined, not taken back
        _act(store_engine, revoke, program.users["mgr"].scope, asked, "No")
    assert open_request.value.key == "access.not_approved"
    _act(store_engine, revoke, program.users["mgr"].scope, access_id, "Brand bidding")
    assert offer_id not in _ids(program, store_engine, "p_parent", tiny.parent)
    with session_scope(store_engine) as s:
        with pytest.raises(LinkError):
            create_link(s, parent.scope, tiny.parent, NewLink(offer_id, name="again"), tiny.settings.require_link_key())
        [item] = partner_view(s, parent.scope, tiny.parent)
        assert (item.status, item.reason) == ("revoked", "Brand bidding")
        assert s.get(TrackingLink, link_id).archived is False


def test_nobody_decides_outside_their_scope_and_partners_never_decide(
    vip: tuple[Program, int], store_engine: Engine
) -> None:
    program, offer_id = vip
    tiny = program.tiny
    with session_scope(store_engine) as s:  # the outsider's manager is nobody: an admin's only
        s.get(Offer, offer_id).tiers_allowed = []
    access_id = _act(store_engine, request_access, program.users["p_bronze"].scope, program.outsider, offer_id, "")
    with pytest.raises(ScopeError):
        _act(store_engine, decide, program.users["mgr"].scope, access_id, True, "")
    with session_scope(store_engine) as s:
        assert queue(s, program.users["mgr"].scope) == []
    for user in ("p_bronze", "p_parent"):
        with pytest.raises(ScopeError):
            _act(store_engine, decide, program.users[user].scope, access_id, True, "")
    viewing = build_session_user(store_engine, "root", impersonate_partner_id=program.outsider)
    assert viewing is not None
    with pytest.raises(ScopeError):
        _act(store_engine, decide, viewing.scope, access_id, True, "")
    with pytest.raises(ScopeError):  # a partner asks only for itself
        _act(store_engine, request_access, program.users["p_bronze"].scope, tiny.parent, offer_id, "")
    _act(store_engine, decide, program.users["root"].scope, access_id, True, "")


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"access": "open"}, "access.not_requestable"),  # an open offer needs no request
        ({"tiers_allowed": ["silver"]}, "access.not_requestable"),  # not the parent's tier
        ({"status": "paused"}, "access.not_requestable"),
        ({"partner_status": "blocked"}, "access.partner_not_active"),
    ],
)
def test_what_takes_no_request_is_refused(
    vip: tuple[Program, int], store_engine: Engine, change: dict[str, object], key: str
) -> None:
    program, offer_id = vip
    with session_scope(store_engine) as s:
        offer = s.get(Offer, offer_id)
        for field, value in change.items():
            if field == "partner_status":
                s.get(Partner, program.tiny.parent).status = value
            else:
                setattr(offer, field, value)
    with pytest.raises(AccessError) as refused:
        _act(store_engine, request_access, program.users["p_parent"].scope, program.tiny.parent, offer_id, "x" * 10)
    assert refused.value.key == key


def test_the_pages_ask_decide_and_count_the_request(vip: tuple[Program, int], store_engine: Engine) -> None:
    program, offer_id = vip
    with session_scope(store_engine) as s:  # an open offer to list above, and the hint at the top
        s.get(Offer, program.tiny.offer).landing_urls = ["https://casino.example"]
    at = open_page("pages/19_offers.py", program.users["p_parent"])
    assert not at.exception and [h.value for h in at.header] == ["Offers that need approval"]
    assert at.info[0].value.startswith("More offers that need a manager's approval: 1; asked for: 0.")
    at.text_area(key=f"access_message_{offer_id}").input("SEO traffic, DE")
    at.button(key=f"FormSubmitter:access_request_{offer_id}-Ask to run this offer").click().run()
    assert not at.exception and at.success[0].value == "Your request to run VIP Casino is sent."
    assert any("waiting for your manager's decision" in c.value for c in at.caption)
    home = open_page("app.py", program.users["mgr"])
    assert "Requests to run offers waiting for your decision: 1." in [w.value for w in home.warning]
    staff = open_page("pages/19_offers.py", program.users["mgr"])
    assert not staff.exception and staff.header[0].value == "Requests to run offers (1)"
    assert list(staff.dataframe[0].value["Partner's message"]) == ["SEO traffic, DE"]
    staff.button(key=f"access_approve_{staff.selectbox(key='access_pick').value}").click().run()
    assert not staff.exception and staff.success[0].value == "Parent may now run VIP Casino."
    assert offer_id in _ids(program, store_engine, "p_parent", program.tiny.parent)


def test_an_open_offer_made_to_need_approval_keeps_the_partners_running_it(
    program: Program, store_engine: Engine
) -> None:
    from cabinet.offers_admin import OfferChange, current, update_offer

    tiny, root = program.tiny, program.users["root"].scope
    with session_scope(store_engine) as s:
        s.get(Offer, tiny.offer).landing_urls = ["https://casino.example"]
        s.add(OfferAccess(offer_id=tiny.offer, partner_id=program.outsider, status="rejected", reason="no"))
        s.add(TrackingLink(partner_id=program.outsider, offer_id=tiny.offer, landing_url="https://casino.example"))
    with session_scope(store_engine) as s:  # the parent has the tiny program's link on it; the child none
        saved = update_offer(s, root, tiny.offer, OfferChange(**{**current(s, root, tiny.offer).__dict__,
                                                                 "access": "approval"}))  # fmt: skip
    assert (saved.changed, saved.kept_access) == (("access",), 1)
    assert tiny.offer in _ids(program, store_engine, "p_parent", tiny.parent)
    assert tiny.offer not in _ids(program, store_engine, "p_child", tiny.child)
    assert tiny.offer not in _ids(program, store_engine, "p_bronze", program.outsider)  # declined stays declined
    with session_scope(store_engine) as s:
        log = s.scalar(select(AuditLog).where(AuditLog.action == "offer_changed"))
    assert log.details["approved_with_the_change"] == [tiny.parent]


@pytest.mark.parametrize("change", [{"access": "open"}, {"status": "paused"}, {"status": "archived"}])
def test_a_request_waits_for_no_decision_while_its_offer_needs_none(
    vip: tuple[Program, int], store_engine: Engine, change: dict[str, str]
) -> None:
    """An offer made open, paused or archived: its request leaves the queue, the to-do and digest counts and the
    catalogue's, and deciding it is refused with no email (a partner told "declined" about an offer it runs freely);
    it comes back when the offer is active and needs approval again."""
    from cabinet.offers_admin import catalogue
    from cabinet.staff_digest import waiting
    from cabinet.ui.store import to_do

    program, offer_id = vip
    tiny, mgr, root = program.tiny, program.users["mgr"].scope, program.users["root"].scope
    asked = _act(store_engine, request_access, program.users["p_parent"].scope, tiny.parent, offer_id, "")
    given = _act(store_engine, grant, root, tiny.child, offer_id)
    with session_scope(store_engine) as s:
        for field, value in change.items():
            setattr(s.get(Offer, offer_id), field, value)
        told = _told(s)
    with session_scope(store_engine) as s:
        assert queue(s, mgr) == [] and queue(s, root) == []
        manager = s.scalar(select(User).where(User.username == "mgr"))
        assert waiting(s, manager) == []
        assert [r.requests for r in catalogue(s, root) if r.id == offer_id] == [0]
    assert to_do(mgr) == []
    for approve in (False, True):
        with pytest.raises(AccessError) as refused:
            _act(store_engine, decide, mgr, asked, approve, "Not now")
        assert refused.value.key == "access.not_waiting"
    if change.get("access") == "open":  # nothing to take back from an offer every partner runs
        with session_scope(store_engine) as s:
            assert queue(s, root, ("approved",)) == []
        with pytest.raises(AccessError) as kept:
            _act(store_engine, revoke, root, given, "Brand bidding")
        assert kept.value.key == "access.offer_open"
    with session_scope(store_engine) as s:
        assert s.get(OfferAccess, asked).status == "requested" and _told(s) == told  # no decision, no email
        offer = s.get(Offer, offer_id)
        offer.access, offer.status = "approval", "active"
    with session_scope(store_engine) as s:
        assert [q.access_id for q in queue(s, mgr)] == [asked]
    _act(store_engine, decide, mgr, asked, True, "")
