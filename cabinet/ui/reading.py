"""What every page adds to Streamlit's for the people reading it with a screen reader or weak eyes: the page's language
on `<html lang>`, captions dark enough to read, and a focus outline that can be seen.

Streamlit's page says `lang="en"` whatever language the cabinet is in: a screen reader read the Russian cabinet with
English pronunciation rules. Streamlit draws captions (`st.caption`: periods, "data as of", help under tables and
links) in the text colour at 60% opacity, 4.37:1 on the page and 4.25:1 on the sidebar, and links in them at 2.96:1,
under the 4.5:1 WCAG 2 AA asks of text; drawn opaque in `CAPTION_COLOUR`, they read 6.0:1 and 5.5:1 (and their links,
in the link colour, 7.4:1 and 6.7:1).

Streamlit also writes the hint under a text field being typed in ("Press Enter to submit form", "Press Ctrl+Enter to
apply") in English whatever the page's language, and takes no text for it: on a page in another language it is drawn
over with the session's words (`input_hints`; the English kept in the page at no size, the "7/64" count beside it
left as it is).
"""

from __future__ import annotations

import json

import streamlit as st

from cabinet.ui.text import current_locale, t

__all__ = ["BACKGROUND", "caption_style", "css_text", "page_language"]

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
        f"<style>.st-key-{key} {{display: none;}} {input_hints()}</style>"
        f"<script>document.documentElement.lang = {json.dumps(current_locale())}; "
        "document.documentElement.dataset.mac = /Mac|iPhone|iPad/.test(navigator.platform || '') ? 'yes' : 'no';"
        "</script>",
        unsafe_allow_javascript=True,
    )


_HINT = '[data-testid="InputInstructions"] > span:first-child'  # the hint; a field's "7/64" count is the next span
_IN_FORM = '[data-testid="stForm"] '
_AREA = '[data-testid="stTextArea"] '


def input_hints() -> str:
    """CSS rules writing a text field's typing hint in the session's language ("" in English, Streamlit's own): in a
    form or not, a text area's with the key a Mac's Streamlit names (⌘) or another's (Ctrl)."""
    if current_locale() == "en":
        return ""
    rules = [f"{_HINT} {{ font-size: 0; }}",
             f"{_HINT}::after {{ content: \"{css_text(t('common.hint_apply'))}\"; font-size: 0.75rem; }}",
             f"{_IN_FORM}{_HINT}::after {{ content: \"{css_text(t('common.hint_submit'))}\"; }}"]  # fmt: skip
    for mac, modifier in (("no", "Ctrl"), ("yes", "⌘")):
        for where, words in (("", "common.hint_area_apply"), (_IN_FORM, "common.hint_area_submit")):
            rules.append(f'html[data-mac="{mac}"] {where}{_AREA}{_HINT}::after '
                         f'{{ content: "{css_text(t(words, modifier=modifier))}"; }}')  # fmt: skip
    return " ".join(rules)


def css_text(text: str) -> str:
    """`text` inside a CSS string (our own translations: a quote or backslash escaped, no line breaks)."""
    return " ".join(text.split()).replace("\\", "\\\\").replace('"', '\\"')
