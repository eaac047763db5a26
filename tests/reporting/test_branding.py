"""The program's brand colour where the cabinet draws it, and the colour a program has before one is picked.

How the selectors were checked: a cabinet served on a copy of the demo data, opened in headless Chromium (Streamlit
1.67) with Playwright, `getComputedStyle` read on the page's h1, h2 and primary buttons. Streamlit colours a heading by
`.st-emotion-cache-… h1, … h2 { color: inherit }` (a class and an element), which the bare `h1, h2 { color }` the
cabinet emitted lost to: every title stayed the text colour rgb(27, 31, 36) whatever Program settings held. With
`TITLE` the h1 of home, Tracking links and Program settings read rgb(166, 138, 0) (#a68a00) for a #ffd400 brand saved
through Program settings and rgb(31, 111, 235) for the demo's #1f6feb, the h2 still rgb(27, 31, 36), at 1280 and 390 px
(the h1 44 px bold at both). Program settings' Save (a form's primary button, kind "primaryFormSubmit") kept the theme's
rgb(26, 95, 208) under `button[kind='primary']`, and a hovered st.button went back to the theme's rgb(17, 65, 141);
with `PRIMARY` they read rgb(140, 117, 0) and, hovered, rgb(98, 82, 0).
"""

from __future__ import annotations

import re
import tomllib

import pytest
from sqlalchemy import Engine

from cabinet.colours import DEFAULT_BRAND, WHITE, contrast
from cabinet.mail_html import html_version
from cabinet.pdf import band_colour
from cabinet.program import ensure_program_defaults
from cabinet.store.db import session_scope
from cabinet.store.models import ProgramSettings
from cabinet.ui.branding import PRIMARY, TITLE, brand_css
from tests.reporting.conftest import Program
from tests.reporting.test_pages import ROOT
from tests.reporting.test_pages import _open as open_page


def _rules(css: str) -> dict[str, str]:
    """A style element's rules: selector → declarations."""
    body = css.removeprefix("<style>").removesuffix("</style>")
    return {sel.strip(): decl.strip() for sel, decl in re.findall(r"([^{}]+)\{([^{}]*)\}", body)}


def test_the_title_takes_the_brand_colour_by_a_rule_that_outranks_streamlits() -> None:
    """The selector checked in Chromium (see the module's docstring); sections (h2) are left in the text colour."""
    assert TITLE == '[data-testid="stMain"] [data-testid="stHeadingWithActionElements"] h1'
    rules = _rules(brand_css("#ffd400"))
    assert rules[TITLE] == "color: #a68a00;"  # 3.4:1 on the page: the title is large text (3:1)
    assert not [sel for sel in rules if re.search(r"(^|[\s,])h[1-6]\b", sel) and sel != TITLE]  # no bare h1, no h2
    assert _rules(brand_css("#1f6feb"))[TITLE] == "color: #1f6feb;"  # a colour that reads is drawn as picked


def test_primary_buttons_of_both_kinds_take_the_brand_colour_at_rest_hovered_and_pressed() -> None:
    assert PRIMARY == ("button[kind='primary']", "button[kind='primaryFormSubmit']")
    rules = _rules(brand_css("#ffd400"))
    both = ", ".join(PRIMARY)
    assert rules[both] == "background-color: #8c7500; border-color: #8c7500;"
    hovered = ", ".join(f"{b}:not(:disabled):{state}" for state in ("hover", "focus-visible") for b in PRIMARY)
    assert rules[hovered] == "background-color: #625200; border-color: #625200;"
    assert rules[", ".join(f"{b}:not(:disabled):active" for b in PRIMARY)] == (
        "background-color: #8c7500; border-color: #625200;"
    )
    assert contrast(WHITE, "#8c7500") >= 4.5 and contrast(WHITE, "#625200") >= 4.5
    assert not [sel for sel in rules if ":disabled" in sel.replace(":not(:disabled)", "")]  # a disabled one stays grey


def test_the_default_brand_is_the_themes_primary_colour(store_engine: Engine) -> None:
    """A new program's colour, and the one drawn for a stored value that is not a colour, in the cabinet, its emails
    and its statements: #1f6feb beside the theme's #1a5fd0 gave a new cabinet two blues."""
    theme = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["theme"]
    assert DEFAULT_BRAND == theme["primaryColor"] == "#1a5fd0"
    with session_scope(store_engine) as s:
        s.query(ProgramSettings).delete()
        ensure_program_defaults(s)
    with session_scope(store_engine) as s:
        assert s.get(ProgramSettings, 1).primary_color == DEFAULT_BRAND  # type: ignore[union-attr]
    assert f"color:{DEFAULT_BRAND}" in html_version("Hello.\n", "Program")
    assert f"color:{DEFAULT_BRAND}" in html_version("Hello.\n", "Program", "not a colour")
    assert band_colour("not a colour") == (0x1A, 0x5F, 0xD0)


@pytest.mark.parametrize(
    ("stored", "drawn"),
    [("#1f6feb", "#1f6feb"), ("bluish", DEFAULT_BRAND)],  # the old default, picked or kept, stays as stored
)
def test_the_pages_draw_the_stored_colour_or_the_default(
    program: Program, store_engine: Engine, stored: str, drawn: str
) -> None:
    with session_scope(store_engine) as s:
        s.get(ProgramSettings, 1).primary_color = stored  # type: ignore[union-attr]
    at = open_page("app.py", program.users["p_parent"])
    css = next(m.value for m in at.markdown if m.value.startswith(f"<style>{TITLE}"))
    assert not at.exception
    assert _rules(css)[TITLE] == f"color: {drawn};" and _rules(css)[", ".join(PRIMARY)].startswith(
        f"background-color: {drawn};"
    )
