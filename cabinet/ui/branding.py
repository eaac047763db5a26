"""Operator branding from the store's program settings: name, logo, accent colour."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from sqlalchemy import select

from cabinet.colours import DEFAULT_BRAND, WHITE, readable, shade
from cabinet.creatives_admin import CreativeError, drawable, read_picture
from cabinet.program import DEFAULT_NAME
from cabinet.store.models import ProgramSettings
from cabinet.ui.reading import BACKGROUND
from cabinet.ui.resources import app_settings, engine
from cabinet.ui.text import t
from cabinet.ui.unreachable import reaching_store
from cabinet.ui.widgets import plain

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
# the page's title (st.title): Streamlit colours headings by `.st-emotion-cache-… h1 { color: inherit }`, which a bare
# `h1` rule loses to; this one is more specific (checked in Chromium: tests/reporting/test_branding.py)
TITLE = '[data-testid="stMain"] [data-testid="stHeadingWithActionElements"] h1'
# the sign-in screen (`program_front`): as wide as a form, the program's name a size smaller than a page's title
FRONT_WIDTH = f'[data-testid="stMainBlockContainer"] {{ max-width: 36rem; }} {TITLE} {{ font-size: 2rem; }}'
# primary buttons, st.button's and a form's: Streamlit draws them, hovered, focused and pressed, in the theme's colour
# with `.st-emotion-cache-…:hover` and the like, which a rule on the button alone loses to; a disabled one stays grey
PRIMARY = ("button[kind='primary']", "button[kind='primaryFormSubmit']")


def _each(suffix: str) -> str:
    return ", ".join(f"{button}{suffix}" for button in PRIMARY)


@dataclass(frozen=True)
class Brand:
    name: str
    primary: str
    logo: str | None  # the logo file's path (statements read it)
    shown: str | bytes | None = None  # what st.logo and st.image are given for it (`_shown`)


def _shown(path: Path) -> str | bytes | None:
    """The logo as the pages can draw it: its path, or the picture re-encoded when its pixels cannot be drawn as they
    are (a 16-bit greyscale PNG stored before uploads were converted); None when Pillow cannot read it whole. Every
    page of every user draws it: a bad file leaves the sidebar without a logo, never the page with an exception."""
    try:
        content = path.read_bytes()
        read_picture(content)
    except (OSError, CreativeError):
        return None
    shown = drawable(content)
    return str(path) if shown is content else shown


@st.cache_data(ttl=60, max_entries=4, show_spinner=False)
def brand(store_url: str) -> Brand:
    """The program's name, validated primary colour and logo file (and what the pages draw for it), cached a minute."""
    with reaching_store(), engine().connect() as conn:
        row = conn.execute(
            select(ProgramSettings.name, ProgramSettings.primary_color, ProgramSettings.logo_path).where(
                ProgramSettings.id == 1
            )
        ).first()
    if row is None:
        return Brand(DEFAULT_NAME, DEFAULT_BRAND, None)
    name, color, logo = row
    logo_path = (app_settings().data_dir / logo) if logo else None
    found = logo_path if logo_path and logo_path.is_file() else None
    return Brand(
        name,
        color if color and _COLOR.match(color) else DEFAULT_BRAND,
        str(found) if found else None,
        _shown(found) if found else None,
    )


def brand_css(primary: str) -> str:
    """The style that draws the brand colour: on the page's title and under primary buttons' white labels, darkened
    where needed to stay readable (WCAG AA): 3:1 for the title's large text on the page, 4.5:1 for a button's label.
    Any colour can be picked in Program settings: a light one (#ffd400) made the label near invisible. Sections (h2)
    stay in the text colour, for reading. A hovered or focused button is a shade darker, as Streamlit draws its own."""
    title, button = readable(primary, BACKGROUND, 3.0), readable(primary, WHITE, 4.5)
    hover = shade(button, 0.3)
    return (
        f"<style>{TITLE} {{ color: {title}; }} "
        f"{_each('')} {{ background-color: {button}; border-color: {button}; }} "
        f"{_each(':not(:disabled):hover')}, {_each(':not(:disabled):focus-visible')} "
        f"{{ background-color: {hover}; border-color: {hover}; }} "
        f"{_each(':not(:disabled):active')} {{ background-color: {button}; border-color: {hover}; }}</style>"
    )


def apply_branding() -> Brand:
    """Logo in the sidebar, and the brand colour on the title and primary buttons (`brand_css`)."""
    b = brand(app_settings().store_url)
    if b.shown:
        st.logo(b.shown)
    st.markdown(brand_css(b.primary), unsafe_allow_html=True)
    return b


def program_front() -> None:
    """Above the login (and the code and new-password forms): the program's logo and name, in its brand colour, so a
    partner knows whose cabinet this is before signing in; the sign-in screen as narrow as a form (at a wide
    screen's full width it read as a page, not a sign-in)."""
    b = brand(app_settings().store_url)
    st.html(f"<style>{FRONT_WIDTH}</style>{brand_css(b.primary)}")
    if b.shown:
        st.image(b.shown, width=160, alt=t("auth.logo_alt", name=b.name))
    st.title(plain(b.name))
