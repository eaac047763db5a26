"""Payout statements: the PDF of an approved or paid request, for the partner's payout logins and its staff only,
with the payment's reference a manager gives when marking it paid; the text read back from the PDF."""

from __future__ import annotations

import io
from dataclasses import replace
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, select

from cabinet.access import ScopeError, build_session_user
from cabinet.account import AccountError, set_billing_details
from cabinet.i18n import translate
from cabinet.passwords import hash_password
from cabinet.payouts import PayoutError, decide, payment_details
from cabinet.program_edit import current, update_program
from cabinet.statements import StatementError, payout_statement
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, OutboxMail, Partner, PayoutRequest, User
from tests.reporting.conftest import PASSWORD, Program
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_payouts import _decide, _request, payable  # noqa: F401 - the fixture
from tests.reporting.test_team_payouts import _member


def _text(program: Program, engine: Engine, payout: int, user: str = "p_parent", locale: str = "en") -> str:
    with session_scope(engine) as s:
        made = payout_statement(s, program.users[user].scope, payout, locale)
    assert made.file_name == f"payout-statement-{payout}.pdf" and made.pdf.startswith(b"%PDF-")
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(made.pdf)).pages)


def _paid(program: Program, engine: Engine, reference: str = "SEPA 2026-0042") -> int:
    made = _request(program, engine, "60.12")
    _decide(program, engine, made.id, "approved")
    with session_scope(engine) as s:
        decide(s, program.users["mgr"].scope, made.id, "paid", reference)
    return made.id


def test_a_paid_payout_has_its_statement_in_the_readers_language(payable: Program, store_engine: Engine) -> None:  # noqa: F811
    with session_scope(store_engine) as s:  # a name in Cyrillic prints as typed (the embedded font)
        s.get(Partner, payable.tiny.parent).name = "Партнёр Ёжик"
    payout = _paid(payable, store_engine, "  SEPA   2026-0042 ")
    english = _text(payable, store_engine, payout)
    assert f"Payout statement No. {payout}" in english
    assert "Партнёр Ёжик" in english and f"Partner ID {payable.tiny.parent}" in english
    assert "SEPA 2026-0042" in english  # the reference, its spaces made single
    assert "$60.12" in english and "Paid on" in english and "Bank transfer" in english
    assert "DE00 1234" not in english and "DE001234" not in english and "1234" in english  # the IBAN masked
    russian = _text(payable, store_engine, payout, locale="ru")
    assert f"Выписка о выплате № {payout}" in russian and "60,12" in russian and "Выплачена" in russian
    with session_scope(store_engine) as s:
        paid = s.get(PayoutRequest, payout)
        assert paid.reference == "SEPA 2026-0042" and paid.paid_at is not None and paid.approved_at is not None
        assert paid.approved_at <= paid.paid_at == paid.decided_at
        logged = AuditLog.action.in_(("payout_paid", "payout_statement"))
        log = s.execute(select(AuditLog.action, AuditLog.actor_username, AuditLog.details)
                        .where(logged).order_by(AuditLog.id)).all()  # fmt: skip
        body = s.scalars(select(OutboxMail.body).where(OutboxMail.subject.like("%paid%"))).one()
    assert [(a, u) for a, u, _ in log] == [("payout_paid", "mgr"), ("payout_statement", "p_parent"),
                                           ("payout_statement", "p_parent")]  # fmt: skip
    assert log[0][2]["reference"] == "SEPA 2026-0042"
    assert "Payment reference: SEPA 2026-0042" in body


def test_an_approved_payout_has_one_and_says_it_is_not_paid_yet(payable: Program, store_engine: Engine) -> None:  # noqa: F811
    made = _request(payable, store_engine, "55")
    with session_scope(store_engine) as s, pytest.raises(StatementError) as open_one:
        payout_statement(s, payable.users["p_parent"].scope, made.id)
    assert open_one.value.key == "statements.not_stated"
    _decide(payable, store_engine, made.id, "approved")
    text = _text(payable, store_engine, made.id, user="mgr")  # its manager too
    assert "Not paid yet" in text and "$55.00" in text and "Approved" in text
    _decide(payable, store_engine, made.id, "rejected")
    with session_scope(store_engine) as s, pytest.raises(StatementError) as rejected:
        payout_statement(s, payable.users["root"].scope, made.id)
    assert rejected.value.key == "statements.not_stated"


def test_only_the_partners_payout_logins_and_its_staff_get_it(payable: Program, store_engine: Engine) -> None:  # noqa: F811
    payout = _paid(payable, store_engine)
    assert "Partner ID" in _text(payable, store_engine, payout, user="root")
    member = _member(payable, store_engine)  # a team login kept from payouts
    for scope in (payable.users["p_bronze"].scope, payable.users["p_child"].scope, member.scope):
        with session_scope(store_engine) as s, pytest.raises(ScopeError):
            payout_statement(s, scope, payout)
    with session_scope(store_engine) as s, pytest.raises(StatementError) as missing:
        payout_statement(s, payable.users["p_parent"].scope, payout + 1000)
    assert missing.value.key == "statements.no_such_request"
    with session_scope(store_engine) as s:
        made = s.scalar(select(AuditLog.actor_username).where(AuditLog.action == "payout_statement"))
    assert made == "root"  # the refused ones left no trace of a statement made


def test_a_reference_belongs_to_a_payment(payable: Program, store_engine: Engine) -> None:  # noqa: F811
    made = _request(payable, store_engine, "60")
    with session_scope(store_engine) as s, pytest.raises(PayoutError) as early:
        decide(s, payable.users["mgr"].scope, made.id, "approved", "TX-1")
    assert early.value.key == "payouts.reference_not_paid"
    _decide(payable, store_engine, made.id, "approved")
    with session_scope(store_engine) as s, pytest.raises(PayoutError) as long:
        decide(s, payable.users["mgr"].scope, made.id, "paid", "x" * 129)
    assert long.value.key == "payouts.reference_too_long"
    with session_scope(store_engine) as s:
        decide(s, payable.users["mgr"].scope, made.id, "paid")  # none given: none kept
        paid = s.get(PayoutRequest, made.id)
        assert (paid.status, paid.reference, paid.amount) == ("paid", None, Decimal("60"))
    assert "Payment reference —" in _text(payable, store_engine, made.id)


def _statement_buttons(at):  # type: ignore[no-untyped-def]
    return [b for b in at.get("download_button") if b.proto.id and "statements_download" in b.proto.id]


def test_the_page_takes_the_reference_and_offers_the_statement(payable: Program, store_engine: Engine) -> None:  # noqa: F811
    made = _request(payable, store_engine, "60")
    partner = open_page("pages/09_payouts.py", payable.users["p_parent"])
    assert not _statement_buttons(partner)  # a request still open has none (the requests' own CSV/XLSX: not these)
    assert partner.caption[0].value == translate("statements.none")
    _decide(payable, store_engine, made.id, "approved")
    mgr = open_page("pages/09_payouts.py", payable.users["mgr"])
    mgr.text_input(key=f"payouts_reference_{made.id}").set_value("  TX-77 ")
    mgr.button(key=f"payouts_to_paid_{made.id}").click().run()
    assert not mgr.exception and not mgr.error
    with session_scope(store_engine) as s:
        assert s.get(PayoutRequest, made.id).reference == "TX-77"
    mgr.multiselect(key="payouts_statuses").set_value(["paid"]).run()  # the queue shows open requests first
    assert mgr.dataframe[0].value.iloc[0]["Reference"] == "TX-77" and len(_statement_buttons(mgr)) == 1
    partner = open_page("pages/09_payouts.py", payable.users["p_parent"])
    assert not partner.exception and partner.dataframe[0].value.iloc[0]["Reference"] == "TX-77"
    [button] = _statement_buttons(partner)
    assert button.proto.label == translate("statements.download")
    assert partner.selectbox(key="statements_pick").value == made.id


def test_the_payer_sees_where_to_pay_and_a_change_after_the_request(payable: Program, store_engine: Engine) -> None:  # noqa: F811
    made = _request(payable, store_engine, "60")
    with session_scope(store_engine) as s:
        s.get(PayoutRequest, made.id).note = "[click](https://evil.example) please"
    mgr = payable.users["mgr"].scope
    with session_scope(store_engine) as s:
        masked_ = payment_details(s, mgr, made.id)
        assert (masked_.method, masked_.details, masked_.changed_since) == ("wire", {"iban": "•••••1234"}, False)
        assert not s.scalar(select(AuditLog.id).where(AuditLog.action == "payout_details_viewed"))
        full = payment_details(s, mgr, made.id, full=True)
        assert full.details == {"iban": "DE00 1234"} and full.note == "[click](https://evil.example) please"
    with session_scope(store_engine) as s:  # a manager of other partners
        s.add(User(username="mgr2", email="m2@example.com", display_name="M2", role="manager",
                   password_hash=hash_password(PASSWORD)))  # fmt: skip
    other = build_session_user(store_engine, "mgr2")
    assert other is not None
    for scope in (payable.users["p_parent"].scope, payable.users["p_bronze"].scope, other.scope):
        with session_scope(store_engine) as s, pytest.raises(ScopeError):  # a partner sees its own on Account
            payment_details(s, scope, made.id, full=True)
    page = open_page("pages/09_payouts.py", payable.users["mgr"])
    assert "IBAN: •••••1234" in [x.value for x in page.text] and not page.warning
    assert "[click](https://evil.example) please" in [x.value for x in page.text]  # the note as text, not markdown
    page.button(key=f"payouts_reveal_{made.id}").click().run()
    assert not page.exception and [c.value for c in page.code] == ["DE00 1234"]
    with session_scope(store_engine) as s:  # the partner changes its details after asking: the payer is warned
        s.get(Partner, payable.tiny.parent).payout_details = {"iban": "GB00 9999"}
        viewed = s.execute(select(AuditLog.actor_username, AuditLog.target)
                           .where(AuditLog.action == "payout_details_viewed")).all()  # fmt: skip
    assert viewed == [("mgr", f"payout {made.id}"), ("mgr", f"payout {made.id}")]
    page = open_page("pages/09_payouts.py", payable.users["mgr"])
    assert [w.value for w in page.warning] == [translate("payouts.details_changed")]
    assert "IBAN: •••••1234" in [x.value for x in page.text]  # still the request's, not the new ones


def test_the_programs_legal_details_are_printed_under_the_payer(payable: Program, store_engine: Engine) -> None:  # noqa: F811
    with session_scope(store_engine) as s:
        before = current(s)
        typed = "  ООО «Пример Медиа»  \n\n ИНН 7700000000 \n"
        changed = update_program(s, payable.users["root"].scope, replace(before, legal_details=typed))
        assert changed == ["legal_details"] and current(s).legal_details == "ООО «Пример Медиа»\n\nИНН 7700000000"
    text = _text(payable, store_engine, _paid(payable, store_engine), locale="ru")
    assert "ООО «Пример Медиа»" in text and "ИНН 7700000000" in text


def test_the_partners_billing_details_are_printed_under_the_payee(payable: Program, store_engine: Engine) -> None:  # noqa: F811
    scope = payable.users["p_parent"].scope
    with session_scope(store_engine) as s:
        assert set_billing_details(s, scope, payable.tiny.parent, " Example Traffic LLC \n VAT EE123456789\n") == (
            "Example Traffic LLC\nVAT EE123456789")  # fmt: skip
        with pytest.raises(AccountError) as long:
            set_billing_details(s, scope, payable.tiny.parent, "\n".join(["x"] * 7))
        assert long.value.key == "account.bad_billing"
        logged = s.scalars(select(AuditLog.details).where(AuditLog.action == "billing_details_changed")).all()
    assert logged == [{"viewing_as_partner": False}]  # never the text
    member = _member(payable, store_engine)  # a team login kept from payouts
    with session_scope(store_engine) as s, pytest.raises(AccountError) as kept:
        set_billing_details(s, member.scope, payable.tiny.parent, "Other Co")
    assert kept.value.key == "account.no_payouts_access"
    with session_scope(store_engine) as s, pytest.raises(ScopeError):  # another partner's
        set_billing_details(s, payable.users["p_bronze"].scope, payable.tiny.parent, "Other Co")
    text = _text(payable, store_engine, _paid(payable, store_engine))
    assert "Example Traffic LLC" in text and "VAT EE123456789" in text


def test_the_account_page_saves_the_billing_details(payable: Program, store_engine: Engine) -> None:  # noqa: F811
    at = open_page("pages/10_account.py", payable.users["p_parent"])
    [area] = [a for a in at.text_area if a.label == translate("account.billing")]
    area.input("Parent Media GmbH\nUSt-IdNr. DE123456789")
    next(b for b in at.get("form_submit_button") if b.label == translate("account.billing_save")).click().run()
    assert not at.exception and translate("account.billing_saved") in [m.value for m in at.success]
    with session_scope(store_engine) as s:
        assert s.get(Partner, payable.tiny.parent).billing_details == "Parent Media GmbH\nUSt-IdNr. DE123456789"


def test_the_programs_logo_heads_the_statement(payable: Program, store_engine: Engine) -> None:  # noqa: F811
    from PIL import Image

    payout = _paid(payable, store_engine)
    logo = io.BytesIO()
    Image.new("RGBA", (300, 80), (255, 255, 255, 200)).save(logo, format="PNG")
    with session_scope(store_engine) as s:
        plain = payout_statement(s, payable.users["p_parent"].scope, payout, "en")
        branded = payout_statement(s, payable.users["p_parent"].scope, payout, "en", logo.getvalue())
        broken = payout_statement(s, payable.users["p_parent"].scope, payout, "en", b"not an image")
    assert [len(PdfReader(io.BytesIO(p.pdf)).pages[0].images) for p in (plain, branded, broken)] == [0, 1, 0]
    assert "Payout statement No." in PdfReader(io.BytesIO(branded.pdf)).pages[0].extract_text()


def test_an_approved_payouts_russian_statement_does_not_say_it_was_paid(payable: Program, store_engine: Engine) -> None:  # noqa: F811
    """Its closing note read "Сумма выплачена из одобренной комиссии" (the amount has been paid) under "Выплачена:
    Ещё не выплачена"; "выплачивается" (is paid out of) holds for an approved request and a paid one alike."""
    made = _request(payable, store_engine, "55")
    _decide(payable, store_engine, made.id, "approved")
    text = " ".join(_text(payable, store_engine, made.id, locale="ru").split())
    assert "Ещё не выплачена" in text and "Сумма выплачена" not in text
    assert "Сумма выплачивается из подтверждённой комиссии партнёра, в USD." in text
