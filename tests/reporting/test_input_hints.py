"""Streamlit writes a text field's typing hint ("Press Enter to submit form") in English whatever the page's language:
a Russian page draws it over with Russian words, in and out of forms and for text areas (Ctrl or ⌘ as the browser's
system names it); an English page keeps Streamlit's own."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from cabinet.ui.text import LOCALE_KEY
from tests.reporting.conftest import Program
from tests.reporting.test_accessibility import _in
from tests.reporting.test_pages import ROOT
from tests.reporting.test_pages import _open as open_page

HINT = '[data-testid="InputInstructions"] > span:first-child'


def _hints(at: AppTest) -> dict[str, str]:
    """Each hint rule's selector (before the hint) and the words it draws."""
    styles = " ".join(h.proto.body for h in at.get("html"))
    found = re.findall(
        r'([^{}]*?)\[data-testid="InputInstructions"\] > span:first-child::after \{ content: "([^"]*)"', styles
    )
    return {where.strip(): words for where, words in found}


def test_a_russian_login_page_writes_the_hints_in_russian(program: Program) -> None:  # a store to log in to
    login = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    login.session_state[LOCALE_KEY] = "ru"
    login.run()
    assert not login.exception
    assert _hints(login) == {
        "": "Enter — применить",
        '[data-testid="stForm"]': "Enter — отправить форму",
        'html[data-mac="no"] [data-testid="stTextArea"]': "Ctrl+Enter — применить",
        'html[data-mac="no"] [data-testid="stForm"] [data-testid="stTextArea"]': "Ctrl+Enter — отправить форму",
        'html[data-mac="yes"] [data-testid="stTextArea"]': "⌘+Enter — применить",
        'html[data-mac="yes"] [data-testid="stForm"] [data-testid="stTextArea"]': "⌘+Enter — отправить форму",
    }
    styles = " ".join(h.proto.body for h in login.get("html"))
    assert f"{HINT} {{ font-size: 0; }}" in styles  # Streamlit's English drawn at no size
    assert "document.documentElement.dataset.mac" in styles


def test_an_english_page_keeps_streamlits_hint_and_each_page_follows_its_users_language(program: Program) -> None:
    english = open_page("pages/09_payouts.py", _in(program, "p_parent", "en"))
    assert not english.exception and _hints(english) == {}
    russian = open_page("pages/09_payouts.py", _in(program, "p_parent", "ru"))
    assert not russian.exception and _hints(russian)['[data-testid="stForm"]'] == "Enter — отправить форму"
