"""The Partner review's caption and help texts say a limit's count with its noun in the form the number takes: a
Russian admin's 101 clicks and 21 registrations read "из 101 кликов или 21 регистраций" and "101 кликов или больше";
now "из 101 клика или 21 регистрации", "101 клик или больше", "21 регистрация или больше" (English: "1 click")."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from cabinet.review_settings import save_thresholds
from cabinet.store.db import session_scope
from queries.review import Thresholds
from tests.reporting.conftest import Program
from tests.reporting.test_page_locale import _open_ru
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_review import busy  # noqa: F401 - the fixture, reused


@pytest.mark.parametrize(
    ("clicks", "registrations", "caption"),
    [(101, 21, "из 101 клика или 21 регистрации"), (22, 25, "из 22 кликов или 25 регистраций")],
)
def test_russian_counts_take_their_nouns_form(
    busy: Program,  # noqa: F811
    store_engine: Engine,
    clicks: int,
    registrations: int,
    caption: str,
) -> None:
    with session_scope(store_engine) as s:
        save_thresholds(s, busy.users["root"].scope, Thresholds(min_clicks=clicks, min_registrations=registrations))
    at = _open_ru(busy, "mgr", "pages/22_review.py")
    assert not at.exception
    assert any(f"Доли меньше чем {caption} сигналов не дают." in c.value for c in at.caption), [
        c.value for c in at.caption
    ]
    helps = {m.label: m.help for m in at.metric}
    if clicks == 101:  # the last 30 days: every partner with clicks is new traffic
        assert helps["Новый трафик"].startswith("101 клик или больше, а в предыдущем периоде не было ни одного.")


def test_english_says_one_click(program: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        save_thresholds(s, program.users["root"].scope, Thresholds(min_clicks=1, min_registrations=1))
    at = open_page("pages/22_review.py", program.users["mgr"])
    assert not at.exception
    assert any("Shares of fewer than 1 click or 1 registration raise no signal." in c.value for c in at.caption)


def test_the_count_says_the_period_once_in_russian(busy: Program) -> None:  # noqa: F811
    """ "с активностью в этом периоде или в предыдущем периоде" said the period twice."""
    at = _open_ru(busy, "mgr", "pages/22_review.py")
    assert not at.exception
    said = [c.value for c in at.caption if c.value.startswith("Партнёров:")]
    assert len(said) == 1 and said[0].endswith("с активностью в этом или предыдущем периоде."), said
