"""Process-wide resources shared by every session: settings and the store engine (never mutated)."""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from cabinet.config import Settings
from cabinet.login_limits import address_key
from cabinet.store.db import make_engine


@st.cache_resource
def app_settings() -> Settings:
    """Settings read once per process from the environment and the secrets file."""
    return Settings.from_env()


@st.cache_resource
def store_engine(url: str) -> Engine:
    """One store engine per process and URL; the mail its changes queue is sent at once (`cabinet.ui.mailer`)."""
    from cabinet.ui.mailer import watch  # it reads the settings from here

    engine = make_engine(url)
    watch(engine)
    return engine


def engine() -> Engine:
    """The store engine of this process's settings."""
    return store_engine(app_settings().store_url)


def client_address() -> str:
    """The keyed hash of the client's address that wrong passwords are counted by (`cabinet.login_limits`); "" without
    one (Streamlit gives none on localhost)."""
    ip = st.context.ip_address
    return address_key(ip if isinstance(ip, str) else None, app_settings().require_cookie_key().encode())
