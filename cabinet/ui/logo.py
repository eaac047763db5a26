"""Program settings' logo (`cabinet.branding_admin` checks and stores): the logo shown now, an upload, a removal."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from cabinet import branding_admin as _logo
from cabinet.access import Scope
from cabinet.ui.branding import brand
from cabinet.ui.resources import app_settings
from cabinet.ui.text import t
from cabinet.ui.uploader_words import uploader_words
from cabinet.ui.widgets import save_then_rerun

DONE_KEY = "logo_done"
_UPLOADS_KEY = "logo_upload_generation"


def _apply(change, done: str) -> None:  # type: ignore[no-untyped-def]
    """Make the change; once committed, delete the file it left and show the new logo everywhere at once."""

    def committed(old: object) -> None:
        if isinstance(old, Path):
            old.unlink(missing_ok=True)
        brand.clear()  # the sidebar reads the logo through a cache
        st.session_state[_UPLOADS_KEY] = st.session_state.get(_UPLOADS_KEY, 0) + 1

    save_then_rerun(change, DONE_KEY, done=done, after=committed)


def logo_box(scope: Scope) -> None:
    """The current logo and the ways to change it."""
    st.header(t("program.logo"))
    if (done := st.session_state.pop(DONE_KEY, None)) is not None:
        st.success(t(done))
    data_dir = app_settings().data_dir
    current = brand(app_settings().store_url)
    if current.shown:
        st.image(current.shown, width=200, alt=t("program.logo_alt", name=current.name))
    elif current.logo:  # a file Pillow cannot read whole: said, and it can still be replaced or removed
        st.warning(t("program.logo_unreadable"))
    else:
        st.caption(t("program.no_logo"))
    uploader_words(st, "logo_file_", max(1, _logo.MAX_BYTES // (1024 * 1024)), ("png", "jpg", "gif", "webp"))
    upload = st.file_uploader(t("program.logo_upload"), type=["png", "jpg", "jpeg", "gif", "webp"],
                              key=f"logo_file_{st.session_state.get(_UPLOADS_KEY, 0)}",
                              max_upload_size=max(1, _logo.MAX_BYTES // (1024 * 1024)),
                              help=t("program.logo_help", side=_logo.MAX_SIDE))  # fmt: skip
    left, right = st.columns(2)
    if upload is not None and left.button(t("program.logo_use"), type="primary", key="logo_use"):
        name, content = upload.name, upload.getvalue()
        _apply(lambda s: _logo.set_logo(s, scope, data_dir, name, content), "program.logo_saved")
    if current.logo and right.button(t("program.logo_remove"), key="logo_remove", icon=":material/delete:"):
        _apply(lambda s: _logo.remove_logo(s, scope, data_dir), "program.logo_removed")
