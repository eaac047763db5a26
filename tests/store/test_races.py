"""Two writes at the same moment, on SQLite and PostgreSQL: the second is refused with the message a page shows, and
nothing of it is written. Each test lets the other write commit in the middle of the first one (after its checks,
before its write), which is where two sessions racing meet."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from cabinet import invites, offer_access, payouts, plans_admin, promo
from cabinet.access import Scope, build_session_user
from cabinet.passwords import UNUSABLE_HASH, hash_password
from cabinet.store.db import make_engine, session_scope
from cabinet.store.models import (
    AuditLog,
    CommissionPlan,
    Offer,
    OfferAccess,
    Partner,
    PayoutRequest,
    ProgramSettings,
    PromoCode,
    Tier,
    User,
)


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    """A store with one partner (its login `p1`, wire details) and an admin `root`."""
    eng = make_engine(migrated_url)
    with session_scope(eng) as s:
        s.add_all([ProgramSettings(id=1, name="P", base_currency="USD"), Tier(code="gold", name="Gold", rank=1)])
        s.flush()
        s.add(Partner(id=1, name="One", tier_code="gold", payout_method="wire", payout_details={"iban": "DE00"}))
        s.flush()
        for name, role, partner in (("p1", "partner", 1), ("root", "admin", None)):
            s.add(User(username=name, email=f"{name}@example.org", display_name=name, role=role, partner_id=partner,
                       password_hash=hash_password("a-long-password")))  # fmt: skip
    yield eng
    eng.dispose()


def _scope(engine: Engine, name: str) -> Scope:
    user = build_session_user(engine, name)
    assert user is not None
    return user.scope


class _Meanwhile(str):
    """A payout note whose length, asked for after the open-request check, first lets `other` commit."""

    def __new__(cls, text: str, other: object) -> _Meanwhile:
        made = super().__new__(cls, text)
        made.other = other  # type: ignore[attr-defined]
        return made

    def __len__(self) -> int:
        other, self.other = self.other, None  # type: ignore[has-type]
        if other is not None:
            other()
        return str.__len__(self)


def _request(engine: Engine, amount: str, note: str = "") -> PayoutRequest:
    with session_scope(engine) as s:
        return payouts.request_payout(s, _scope(engine, "p1"), 1, amount, Decimal(500), "USD", note)


def _open_requests(engine: Engine) -> list[tuple[int, str]]:
    with session_scope(engine) as s:
        return [tuple(r) for r in s.execute(select(PayoutRequest.id, PayoutRequest.status).order_by("id"))]  # type: ignore[misc]


def test_two_payout_requests_at_once_leave_one_open(engine: Engine) -> None:
    first: list[PayoutRequest] = []
    with pytest.raises(payouts.PayoutError) as refused:
        _request(engine, "300", _Meanwhile("second", lambda: first.append(_request(engine, "400"))))
    assert refused.value.key == "payouts.one_open_now"
    assert _open_requests(engine) == [(first[0].id, "requested")]  # 700 asked of 500: only the first stands
    with session_scope(engine) as s:
        logged = s.scalars(select(AuditLog.action).where(AuditLog.action == "payout_requested")).all()
    assert len(logged) == 1


class _Clock:
    """`datetime` for `cabinet.payouts` whose first `now()` (taken just before a step is written) runs `other`."""

    def __init__(self, other: object) -> None:
        self.other = other

    def now(self, tz: object = None) -> datetime:
        other, self.other = self.other, None
        if other is not None:
            other()  # type: ignore[operator]
        return datetime.now(UTC)


@pytest.mark.parametrize(
    ("before", "mine", "theirs"),
    [("approved", "paid", "rejected"), ("approved", "rejected", "paid"), ("requested", "approved", "rejected")],
)
def test_two_decisions_at_once_the_second_is_refused(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, before: str, mine: str, theirs: str
) -> None:
    made = _request(engine, "100")
    root = _scope(engine, "root")
    if before == "approved":
        with session_scope(engine) as s:
            payouts.decide(s, root, made.id, "approved")

    def theirs_first() -> None:
        monkeypatch.setattr(payouts, "datetime", datetime)
        with session_scope(engine) as s:
            payouts.decide(s, root, made.id, theirs, "TX-1" if theirs == "paid" else "")

    monkeypatch.setattr(payouts, "datetime", _Clock(theirs_first))
    with pytest.raises(payouts.PayoutError) as refused, session_scope(engine) as s:
        payouts.decide(s, root, made.id, mine, "TX-2" if mine == "paid" else "")
    assert refused.value.key == "payouts.changed_meanwhile"
    assert str(refused.value.params["status"]) == theirs.capitalize()
    with session_scope(engine) as s:
        row = s.get(PayoutRequest, made.id)
        assert row is not None
        assert (row.status, row.reference) == (theirs, "TX-1" if theirs == "paid" else None)
        assert (row.paid_at is not None) == (theirs == "paid")
        steps = s.scalars(select(AuditLog.action).where(AuditLog.action.in_(("payout_paid", "payout_rejected",
                                                                            "payout_approved")))).all()  # fmt: skip
    assert steps == (["payout_approved"] if before == "approved" else []) + [f"payout_{theirs}"]


def test_a_cancel_meeting_a_decision_is_refused(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    made = _request(engine, "100")

    def approved_first() -> None:
        monkeypatch.setattr(payouts, "datetime", datetime)
        with session_scope(engine) as s:
            payouts.decide(s, _scope(engine, "root"), made.id, "approved")

    monkeypatch.setattr(payouts, "datetime", _Clock(approved_first))
    with pytest.raises(payouts.PayoutError) as refused, session_scope(engine) as s:
        payouts.cancel(s, _scope(engine, "p1"), made.id)
    assert refused.value.key == "payouts.changed_meanwhile"
    assert _open_requests(engine) == [(made.id, "approved")]


def test_one_promo_code_issued_twice_at_once(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _scope(engine, "root")
    checked = promo._checked

    def issued_meanwhile(session: Session, change: promo.CodeChange) -> object:
        monkeypatch.setattr(promo, "_checked", checked)
        with session_scope(engine) as other:
            promo.issue_code(other, root, 1, "winter1", None, promo.CodeChange())
        return checked(session, change)

    monkeypatch.setattr(promo, "_checked", issued_meanwhile)
    with pytest.raises(promo.PromoCodeError) as refused, session_scope(engine) as s:
        promo.issue_code(s, root, 1, "WINTER1", None, promo.CodeChange(description="mine"))
    assert (refused.value.key, refused.value.params) == ("promo.code_taken", {"code": "WINTER1"})
    with session_scope(engine) as s:
        assert [(c.code, c.description) for c in s.scalars(select(PromoCode))] == [("WINTER1", None)]


def test_one_login_name_stored_twice_at_once_in_another_case(engine: Engine) -> None:
    with pytest.raises(invites.InviteError) as refused, session_scope(engine) as s:
        name, display, email = invites.checked_login(s, "Racer1", "Racer", "racer@example.org")  # free so far
        with session_scope(engine) as other:
            other.add(User(username="racer1", email="r@example.org", display_name="r", role="manager",
                           password_hash=UNUSABLE_HASH))  # fmt: skip
        invites.add_user(s, User(username=name, email=email, display_name=display, role="manager",
                                 password_hash=UNUSABLE_HASH))  # fmt: skip
    assert refused.value.key == "invite.username_taken"
    with session_scope(engine) as s:
        assert s.scalars(select(User.username).where(User.username.ilike("racer1"))).all() == ["racer1"]


def test_one_plan_name_saved_twice_at_once(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _scope(engine, "root")
    plan = plans_admin.PlanChange("VIP", "cpa", "USD", cpa_amounts={"ftd": "100"})
    tiers = plans_admin._tiers

    def created_meanwhile(*args: object) -> object:  # after the name was found free, before the plan is written
        monkeypatch.setattr(plans_admin, "_tiers", tiers)
        with session_scope(engine) as other:
            plans_admin.create_plan(other, root, plan)
        return tiers(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(plans_admin, "_tiers", created_meanwhile)
    with pytest.raises(plans_admin.PlanEditError) as refused, session_scope(engine) as s:
        plans_admin.create_plan(s, root, plan)
    with session_scope(engine) as s:
        first = s.scalars(select(CommissionPlan)).one()
    assert (refused.value.key, refused.value.params) == ("plans.name_taken", {"plan": first.id})


def test_one_offer_asked_for_twice_at_once(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    with session_scope(engine) as s:
        s.add(Offer(id=1, name="Live", vertical="casino", access="approval", landing_urls=["https://a.example/"]))
    p1 = _scope(engine, "p1")
    now = offer_access.utcnow

    def asked_meanwhile() -> datetime:  # after the partner's row was looked for and found missing
        monkeypatch.setattr(offer_access, "utcnow", now)
        with session_scope(engine) as other:
            offer_access.request_access(other, p1, 1, 1, "from the other tab")
        return now()

    monkeypatch.setattr(offer_access, "utcnow", asked_meanwhile)
    with pytest.raises(offer_access.AccessError) as refused, session_scope(engine) as s:
        offer_access.request_access(s, p1, 1, 1, "mine")
    assert refused.value.key == "access.already_requested"
    with session_scope(engine) as s:
        assert [(a.status, a.message) for a in s.scalars(select(OfferAccess))] == [("requested", "from the other tab")]
