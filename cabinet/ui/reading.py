"""What every page adds to Streamlit's for the people reading it with a screen reader or weak eyes: the page's language
on `<html lang>`, captions dark enough to read, and a focus outline that can be seen.

Streamlit's page says `lang="en"` whatever language the cabinet is in: a screen reader read the Russian cabinet with
English pronunciation rules. Streamlit draws captions (`st.caption`: periods, "data as of", help under tables and
links) in the text colour at 60% opacity, 4.37:1 on the page and 4.25:1 on the sidebar, and links in them at 2.96:1,
under the 4.5:1 WCAG 2 AA asks of text; drawn opaque in `CAPTION_COLOUR`, they read 6.0:1 and 5.5:1 (and their links,
in the link colour, 7.4:1 and 6.7:1).
"""

from __future__ import annotations

import json

import streamlit as st

from cabinet.ui.text import current_locale

__all__ = ["BACKGROUND", "caption_style", "page_language"]

BACKGROUND = "#ffffff"  # the page's, .streamlit/config.toml's backgroundColor
CAPTION_COLOUR = "#5f636b"  # 6.03:1 on the page's #ffffff, 5.52:1 on the sidebar's #f3f5f9 (.streamlit/config.toml)
FOCUS_COLOUR = "#1a5fd0"  # the theme's primaryColor: 5.85:1 on the page, 5.36:1 on the sidebar
CAPTION_STYLE = (
    f'<style>[data-testid="stCaptionContainer"] {{ opacity: 1; color: {CAPTION_COLOUR}; }} '
    # Streamlit rings a focused button, link or expander in the primary colour at 50%: 2.2:1 on white, under the 3:1
    # a focus indicator needs (WCAG 1.4.11); a solid outline around it
    f"button:focus-visible, a:focus-visible, summary:focus-visible {{ outline: 2px solid {FOCUS_COLOUR} !important; "
    "outline-offset: 2px; } "
    # a page's sections are headings of the second level, under its title (a third level straight after the first
    # read as a skipped level), drawn as the third level was; the program's name in the sidebar is not a heading
    '[data-testid="stHeadingWithActionElements"] h2 { font-size: 1.75rem; padding: 0.75rem 0 1rem; } '
    ".st-key-sidebar_program_name p { font-size: 1.125rem; }</style>"
)


def caption_style() -> None:
    """Captions in `CAPTION_COLOUR`, opaque, and a focused control outlined in `FOCUS_COLOUR` (Streamlit places a
    style-only element out of the page's flow)."""
    st.html(CAPTION_STYLE)


def page_language(place: str = "main") -> None:
    """Set the page's `<html lang>` to the session's language, in a hidden container (`place`: "main" or "sidebar").
    Once a run, where its language is known: a login screen's (the one chosen on it), else the sidebar's (the user's;
    a session restored from the cookie learns it only there). Two in a run could run in either order in the browser:
    a page restored in Russian was left saying "en" by the first, said before the user was known."""
    key = f"cabinet_lang_{place}"
    box = st.container(key=key)
    box.html(
        f"<style>.st-key-{key} {{display: none;}}</style>"
        f"<script>document.documentElement.lang = {json.dumps(current_locale())};</script>",
        unsafe_allow_javascript=True,
    )
