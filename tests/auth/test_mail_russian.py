"""Russian emails read as Russian is written: a new address "сменить email логина … на …", not "сделать … email
логина"; a teammate changed by "изменил(а)", as the payout details' email says who changed them; and the partner
named as "партнёра Orbit Media" in subjects, as in the texts under them."""

from __future__ import annotations

from cabinet.i18n import translate

VALUES = {"program": "Demo", "name": "Анна", "username": "partner_b", "partner": "Orbit Media", "new": "b2@example.com",
          "url": "https://c.example/?email=t", "hours": 24, "by": "Ирина", "teammate": "b_helper",
          "change": "добавлен в команду"}  # fmt: skip


def test_the_new_email_confirmation_says_what_changes_to_what() -> None:
    body = translate("mail.email_confirm_body", "ru", **VALUES)
    assert "попросил сменить email логина partner_b в партнёрском кабинете Demo на b2@example.com." in body


def test_a_team_change_says_who_made_it_of_either_gender_and_whose_team() -> None:
    assert "Ирина изменил(а) команду партнёра Orbit Media" in translate("mail.team_changed_body", "ru", **VALUES)
    assert translate("mail.team_changed_subject", "ru", **VALUES) == "Demo: изменена команда партнёра Orbit Media"
    subject = translate("mail.payout_details_changed_subject", "ru", **VALUES)
    assert subject == "Demo: реквизиты для выплат партнёра Orbit Media изменены"
