"""Operator branding from the store's program settings: name, logo, accent colour."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from sqlalchemy import select

from cabinet.colours import WHITE, readable
from cabinet.creatives_admin import CreativeError, drawable, read_picture
from cabinet.store.models import ProgramSettings
from cabinet.ui.reading import BACKGROUND
from cabinet.ui.resources import app_settings, engine

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


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
    with engine().connect() as conn:
        row = conn.execute(
            select(ProgramSettings.name, ProgramSettings.primary_color, ProgramSettings.logo_path).where(
                ProgramSettings.id == 1
            )
        ).first()
    if row is None:
        return Brand("Partner Program", "#1f6feb", None)
    name, color, logo = row
    logo_path = (app_settings().data_dir / logo) if logo else None
    found = logo_path if logo_path and logo_path.is_file() else None
    return Brand(
        name,
        color if color and _COLOR.match(color) else "#1f6feb",
        str(found) if found else None,
        _shown(found) if found else None,
    )


def apply_branding() -> Brand:
    """Logo in the sidebar and the accent colour on headings and primary buttons, darkened where needed to stay
    readable (WCAG AA): 3:1 for the headings' large text on the page, 4.5:1 for a button's white label on it. Any
    colour can be picked in Program settings: a light one (#ffd400) made headings and button labels near invisible."""
    b = brand(app_settings().store_url)
    if b.shown:
        st.logo(b.shown)
    heading, button = readable(b.primary, BACKGROUND, 3.0), readable(b.primary, WHITE, 4.5)
    st.markdown(
        f"<style>h1, h2 {{ color: {heading}; }} "
        f"button[kind='primary'] {{ background-color: {button}; border-color: {button}; }}</style>",
        unsafe_allow_html=True,
    )
    return b
