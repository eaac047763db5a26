"""The email of an approved payout request says where it is paid: to the payout details the request was made with,
which its payment file holds. It said "the payout details on your Account page": details changed after the request
(a taken-over account's, say) read as where the money would go, while the manager pays to the request's."""

from __future__ import annotations

from sqlalchemy import Engine, select

from cabinet.store.db import session_scope
from cabinet.store.models import OutboxMail, Partner, User
from tests.reporting.conftest import Program
from tests.reporting.test_payouts import _decide, _request, payable  # noqa: F401 - the fixture


def _approved_mail(program: Program, engine: Engine, locale: str) -> str:
    with session_scope(engine) as s:
        s.scalar(select(User).where(User.username == "p_parent")).locale = locale
    made = _request(program, engine, "60")
    with session_scope(engine) as s:  # changed after the request: the request keeps its own
        s.get(Partner, program.tiny.parent).payout_details = {"iban": "DE99 9999"}
    _decide(program, engine, made.id, "approved")
    with session_scope(engine) as s:
        return s.scalars(select(OutboxMail.body).where(OutboxMail.kind == "payout_update")).one()


def test_the_approved_email_points_to_the_requests_details(payable: Program, store_engine: Engine) -> None:  # noqa: F811
    body = _approved_mail(payable, store_engine, "en")
    assert "It will be paid to the payout details the request was made with." in body
    assert "Account page" not in body


def test_in_russian_too(payable: Program, store_engine: Engine) -> None:  # noqa: F811
    body = _approved_mail(payable, store_engine, "ru")
    assert "Выплата придёт на реквизиты, с которыми сделан запрос." in body and "«Аккаунт»" not in body
