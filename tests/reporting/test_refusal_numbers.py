"""A refusal's bounds are written as the session's language writes numbers: "between 1 and 1,000,000" ("от 1 до
1 000 000"), "from 0 to 1,000,000", "at most 5,000 payouts" (they read "1000000" and "5000" in either language); an
empty limit of the Partner review says it is empty and what to type, where it read "Clicks to judge traffic:  is not a
number."."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine

from cabinet.errors import Label, Number, localised
from cabinet.i18n import translate
from cabinet.partner_notes import NoteError, add_note
from cabinet.payout_batch import PAYPAL_ROWS_MAX
from cabinet.plans_admin import MAX_AMOUNT, PlanEditError, _amount
from cabinet.postbacks import PostbackError, check_url
from cabinet.review_settings import ReviewSettingsError, save_thresholds
from cabinet.store.db import session_scope
from queries.review import Thresholds
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_plans_admin import drawn_input


def _said(exc: Exception, locale: str) -> str:
    return translate(exc.key, locale, **localised(exc.params, locale))  # type: ignore[attr-defined]


@pytest.mark.parametrize(("locale", "said"), [("en", "between 1 and 1,000,000."), ("ru", "от 1 до 1\xa0000\xa0000.")])
def test_a_limit_out_of_bounds_says_them_as_the_language_writes_numbers(
    program: Program, store_engine: Engine, locale: str, said: str
) -> None:
    with session_scope(store_engine) as s, pytest.raises(ReviewSettingsError) as refused:
        save_thresholds(s, program.users["root"].scope, Thresholds(min_clicks=0))
    assert _said(refused.value, locale).endswith(said), _said(refused.value, locale)


@pytest.mark.parametrize(("locale", "said"), [("en", "to 1,000,000."), ("ru", "до 1\xa0000\xa0000.")])
def test_a_plans_amount_out_of_range_says_the_most_as_the_language_writes_it(locale: str, said: str) -> None:
    with pytest.raises(PlanEditError) as refused:
        _amount(Label("plans.field_ftd_baseline"), "2000000")
    assert _said(refused.value, locale).endswith(said), _said(refused.value, locale)


def test_a_number_reads_in_english_in_a_log() -> None:
    assert str(Number(MAX_AMOUNT)) == "1,000,000" and str(Number(Decimal("2.5"))) == "2.5"
    assert translate("payouts.batch_too_many", "en", **localised({"most": Number(PAYPAL_ROWS_MAX)}, "en")).startswith(
        "PayPal takes at most 5,000 payouts"
    )


def test_an_empty_limit_says_it_is_empty_and_what_to_type(program: Program) -> None:
    at = open_page("pages/22_review.py", program.users["root"])
    drawn_input(at.text_input, "review_limit_min_clicks").input(" ")
    at.button(key="FormSubmitter:review_limits-Save the limits").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Clicks to judge traffic: empty. Type a number, such as 100."]


@pytest.mark.parametrize(
    ("locale", "said"), [("en", "at most 2,000 characters."), ("ru", "не больше 2\xa0000 символов.")]
)
def test_a_notes_length_is_said_as_the_language_writes_numbers(
    program: Program, store_engine: Engine, locale: str, said: str
) -> None:
    with session_scope(store_engine) as s, pytest.raises(NoteError) as refused:
        add_note(s, program.users["mgr"].scope, program.tiny.parent, "x" * 2001)
    assert _said(refused.value, locale).endswith(said), _said(refused.value, locale)


def test_a_postbacks_url_length_is_said_as_the_language_writes_numbers() -> None:
    with pytest.raises(PostbackError) as refused:
        check_url("https://example.com/?" + "a" * 2100)
    assert _said(refused.value, "en") == "The URL is longer than 2,000 characters."
    assert _said(refused.value, "ru") == "URL длиннее 2\xa0000 символов."


def test_the_payout_pages_paypal_warning_says_the_limit_as_its_refusal_does() -> None:
    from cabinet.ui.payout_batch import too_many_said

    assert too_many_said().startswith("PayPal takes at most 5,000 payouts")  # it read "5000" beside the refusal's
