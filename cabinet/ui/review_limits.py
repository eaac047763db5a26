"""The Partner review's limits: the program's (`cabinet.review_settings`), the words that say them, and the form an
admin changes them in."""

from __future__ import annotations

from dataclasses import asdict

import streamlit as st
from babel.numbers import format_decimal

from cabinet import review_settings as _settings
from cabinet.session import SessionUser
from cabinet.store.db import session_scope
from cabinet.ui.drawn_form import DrawnForm
from cabinet.ui.resources import engine
from cabinet.ui.text import current_locale, t
from cabinet.ui.widgets import show_refusal
from queries.review import Thresholds

DONE_KEY = "review_limits_saved"  # the names of the limits the last save changed (or its refusal), said once


def limits() -> Thresholds:
    """The program's limits, as stored now."""
    with session_scope(engine()) as s:
        return _settings.thresholds(s)


def words(lim: Thresholds) -> dict[str, str]:
    """The limits as the help texts and the caption say them, in the session's language."""
    loc = current_locale()
    return {
        name: format_decimal(value, format="#,##0.##", locale=loc)
        for name, value in {
            "clicks": lim.min_clicks,
            "registrations": lim.min_registrations,
            "drop": lim.drop_pct,
            "spike": lim.spike_times,
            "bots": lim.bot_pct,
            "unique": lim.unique_pct,
            "ftd_rate": lim.ftd_rate_pct,
            "rejected": lim.rejected_pct,
        }.items()
    }


FORM: DrawnForm[Thresholds] = DrawnForm("review_limits")


def limits_box(user: SessionUser, lim: Thresholds) -> None:
    """For an admin acting as themselves, the limits in a form under an expander; nothing for others."""
    if not user.scope.is_admin or user.scope.impersonated_by:
        return
    if isinstance(done := st.session_state.pop(DONE_KEY, None), _settings.LimitsChangedMeanwhile):
        show_refusal(done)
    elif done is not None:
        st.success(t("review.limits_saved", n=len(done)) if done else t("review.limits_same"))
    drawn = FORM.drawn(lim)
    with st.expander(t("review.limits_title"), icon=":material/tune:"), st.form("review_limits"):
        st.caption(t("review.limits_help"))
        values: dict[str, float] = {}
        cols = st.columns(4)
        for i, (name, now) in enumerate(asdict(drawn.shown).items()):
            whole = name in _settings.COUNTS
            # no bounds in the browser, which said them in English on hover only and saved nothing: the store refuses
            # a limit out of them in the session's language, naming it
            values[name] = cols[i % 4].number_input(
                t(f"review.limit_{name}"),
                value=int(now) if whole else float(now),
                step=1 if whole else (0.1 if name in ("spike_times", "ftd_rate_pct") else 1.0),
                format=None if whole else "%.1f",
                key=f"review_limit_{name}{drawn.suffix}",
            )
        if not st.form_submit_button(t("review.limits_save"), type="primary", on_click=FORM.mark_saving):
            return
    new = Thresholds(**{k: int(v) if k in _settings.COUNTS else float(v) for k, v in values.items()})

    FORM.save(drawn, lambda s, seen: _settings.save_thresholds(s, user.scope, new, seen),
              _settings.LimitsChangedMeanwhile, DONE_KEY, new)  # fmt: skip
