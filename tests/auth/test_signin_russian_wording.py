"""Russian sign-in notices that read as something else: the invitation's 'Заявка субпартнёра Alpha Media 1
отправлена' (as if Alpha Media 1 were the one applying), the reset's 'Если логин «a@example.com» найден' (an email
called a login), the code form's 'Пароль partner_a верный' (no word for whose)."""

from __future__ import annotations

from cabinet.i18n import translate


def test_the_application_notice_says_who_joins_under_whom() -> None:
    said = translate("invite.applied", "ru", parent="Alpha Media 1", username="novichok")
    assert "Заявка субпартнёра Alpha Media 1" not in said
    assert "вы станете субпартнёром Alpha Media 1" in said and "Войдите как novichok" in said


def test_the_reset_notice_does_not_call_an_email_a_login() -> None:
    said = translate("reset.sent", "ru", identifier="a@example.com", minutes=60)
    assert "логин «a@example.com»" not in said and "«a@example.com» — логин или email" in said


def test_the_code_form_says_whose_password_was_right() -> None:
    assert translate("auth.code_intro", "ru", username="partner_a").startswith("Пароль для partner_a верный.")


def test_the_applicants_decision_email_names_the_partner_without_a_calque() -> None:
    """'заявка на участие в программе X как New Media одобрена' was English 'as New Media' word for word."""
    for text in ("approved", "declined"):
        said = translate(f"mail.{text}_body", "ru", name="Иван", program="Demo", partner="New Media",
                         username="novichok", reason="не тот трафик")  # fmt: skip
        assert " как New Media" not in said and "в программе Demo (партнёр «New Media»)" in said
