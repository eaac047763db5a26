"""A partner's payout logins are emailed when the currency it is paid in changes, as when its commission plan does:
who changed it, the currency before and now, and that the balance stays in the base currency. An application or a
blocked partner is not told, nor a login without payout access."""

from __future__ import annotations

from sqlalchemy import Engine, select

from cabinet.partners_admin import PartnerChange, update_partner
from cabinet.store.db import session_scope
from cabinet.store.models import OutboxMail, Partner, User
from tests.reporting.conftest import Program


def _mails(engine: Engine) -> list[tuple[str, str, str, str]]:
    with session_scope(engine) as s:
        rows = s.execute(select(OutboxMail.kind, OutboxMail.to_address, OutboxMail.subject, OutboxMail.body)
                         .order_by(OutboxMail.id))  # fmt: skip
        return [tuple(r) for r in rows]  # type: ignore[misc]


def _paid_in(program: Program, engine: Engine, partner_id: int, currency: str, user: str = "mgr") -> list[str]:
    with session_scope(engine) as s:
        p = s.get(Partner, partner_id)
        change = PartnerChange(p.status, p.tier_code, p.manager_user_id, p.plan_id, currency=currency)  # type: ignore[union-attr]
        return update_partner(s, program.users[user].scope, partner_id, change)


def test_a_new_payout_currency_is_told_to_the_partners_payout_logins(program: Program, store_engine: Engine) -> None:
    parent = program.tiny.parent
    with session_scope(store_engine) as s:
        logins = s.scalars(select(User).where(User.partner_id == parent)).all()
        told = {u.email for u in logins if u.payouts_access and u.is_active}
        manager = s.get(User, program.users["mgr"].scope.user_id).display_name  # type: ignore[union-attr]
    assert told
    assert _paid_in(program, store_engine, parent, "eur") == ["currency"]
    mails = _mails(store_engine)
    assert {to for _, to, _, _ in mails} == told and {k for k, _, _, _ in mails} == {"payout_currency_changed"}
    _, _, subject, body = mails[0]
    assert subject.endswith(": you are now paid in EUR")
    assert f"by {manager}: it is now EUR (it was USD)" in body
    assert "Your balance and payout requests stay in USD" in body
    assert _paid_in(program, store_engine, parent, "EUR") == []  # no change: no email
    assert len(_mails(store_engine)) == len(told)


def test_the_email_is_in_the_logins_language(program: Program, store_engine: Engine) -> None:
    child = program.tiny.child
    with session_scope(store_engine) as s:
        s.scalar(select(User).where(User.username == "p_child")).locale = "ru"  # type: ignore[union-attr]
    _paid_in(program, store_engine, child, "GBP", user="root")
    [(_, to, subject, body)] = _mails(store_engine)
    assert to == "p_child@example.com" and subject.endswith(": выплаты теперь в GBP")
    assert "теперь это GBP (была USD)" in body and "остаются в USD" in body and "«Выплаты»" in body


def test_a_blocked_partner_or_a_login_without_payouts_is_not_told(program: Program, store_engine: Engine) -> None:
    parent, child = program.tiny.parent, program.tiny.child
    with session_scope(store_engine) as s:
        s.get(Partner, child).status = "blocked"  # type: ignore[union-attr]
        for u in s.scalars(select(User).where(User.partner_id == parent)):
            u.payouts_access = False
    _paid_in(program, store_engine, child, "EUR", user="root")
    _paid_in(program, store_engine, parent, "EUR", user="root")
    assert _mails(store_engine) == []
    with session_scope(store_engine) as s:
        assert {s.get(Partner, i).currency for i in (parent, child)} == {"EUR"}  # type: ignore[union-attr]
