"""Card names are read whole: the Cohorts page's cards, four to a row at 1280 px (about 190 px each), fit theirs
("Зарегистрированных клиентов" was cut to "Зарегистрированных клиент…"), and a longer one wraps."""

from __future__ import annotations

from dataclasses import replace

import pytest
from streamlit.testing.v1 import AppTest

from cabinet.session import SESSION_KEY
from cabinet.ui import cards
from tests.reporting.conftest import Program
from tests.reporting.test_cohorts import lines  # noqa: F401 - the fixture, reused
from tests.reporting.test_pages import ROOT

CARD_CHARS = 24  # of the interface's font in a quarter of the page's 820 px beside the menu


@pytest.mark.parametrize("locale", ["en", "ru"])
@pytest.mark.parametrize("event", ["registration", "ftd"])
def test_the_cohort_cards_names_fit_their_cards(lines: Program, locale: str, event: str) -> None:  # noqa: F811
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[SESSION_KEY] = replace(lines.users["p_parent"], locale=locale)
    at.session_state["_choice_cohorts_event"] = event  # as the page's picker remembers it
    at.switch_page("pages/05_cohorts.py").run()
    assert not at.exception and len(at.metric) == 4
    assert [m.label for m in at.metric if len(m.label) > CARD_CHARS] == []


def test_a_long_card_label_wraps_at_any_width_not_only_on_a_phone() -> None:
    """In a quarter of a 1280-px page "Первые депозиты по этим ссылкам" (Tracking links) read "Первые депозиты по
    эти…": the labels wrapped only below 640 px."""
    every_width, phone = cards._CARDS_PHONE.split("@media", 1)
    assert 'stMetricLabel"] * { white-space: normal; text-overflow: clip; }' in every_width
    assert "stMetricLabel" not in phone


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_the_cohort_pickers_are_named_apart(lines: Program, locale: str) -> None:  # noqa: F811
    """In Russian the event and the grain were "Когорта по" and "Когорты по", a letter apart, and "Показатель"
    (the measure) sat beside "Показать" (per customer or per period): no two pickers now begin alike."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[SESSION_KEY] = replace(lines.users["p_parent"], locale=locale)
    at.switch_page("pages/05_cohorts.py").run()
    labels = [s.label for s in at.main.selectbox][1:]  # the event, grain, measure and view, after the period
    assert not at.exception and len(labels) == 4
    assert len({label[:6].casefold() for label in labels}) == 4, labels


MAIN_PX = 818 - 3 * 16  # the page beside the menu at 1280 px, less the gaps between four pickers
PICKERS = ("event", "grain", "measure", "view")
CHAR_PX, BOX_PX = 7.5, 32  # of the interface's font; a picker's padding and arrow ("Первому депозиту (FTD)": 164 px)


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_each_cohort_picker_shows_its_longest_option_whole(lines: Program, locale: str) -> None:  # noqa: F811
    """Four pickers a quarter of the page each cut "Первому депозиту (FTD)" at 1280 px (164 px of text in 159): the
    grain's "Неделя" / "Месяц" give the event's picker room."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[SESSION_KEY] = replace(lines.users["p_parent"], locale=locale)
    at.switch_page("pages/05_cohorts.py").run()
    row = [c for c in at.main.columns if c.selectbox.len == 1 and c.selectbox[0].key.split("_")[1] in PICKERS]
    assert not at.exception and len(row) == 4
    total = sum(c.weight for c in row)
    for col in row:
        box = col.selectbox[0]
        longest = max(len(o) for o in box.options)  # as shown, in the session's language
        assert longest * CHAR_PX + BOX_PX <= MAIN_PX * col.weight / total, (box.label, box.options, col.weight)
