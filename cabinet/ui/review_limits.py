"""The Partner review's limits: the program's (`cabinet.review_settings`), the words that say them, and the form an
admin changes them in."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal

import streamlit as st
from babel.numbers import format_decimal

from cabinet import review_settings as _settings
from cabinet.formatting import in_digits, number_text
from cabinet.session import SessionUser
from cabinet.ui.drawn_form import DrawnForm
from cabinet.ui.resources import engine
from cabinet.ui.text import current_locale, plural, t
from cabinet.ui.typed_numbers import typed
from cabinet.ui.unreachable import session_scope
from cabinet.ui.widgets import show_refusal
from queries.review import Thresholds

DONE_KEY = "review_limits_saved"  # the names of the limits the last save changed (or its refusal), said once


def limits() -> Thresholds:
    """The program's limits, as stored now."""
    with session_scope(engine()) as s:
        return _settings.thresholds(s)


def words(lim: Thresholds) -> dict[str, str]:
    """The limits as the help texts and the caption say them, in the session's language; the counts also with their
    noun in the form the number takes ("101 клик", "из 101 клика", "21 регистрация"): "101 кликов" read wrong."""
    loc = current_locale()
    counts = {f"n_{noun}{case}": plural(f"review.n_{noun}{case}", n)
              for noun, n in (("clicks", lim.min_clicks), ("registrations", lim.min_registrations))
              for case in ("", "_of")}  # fmt: skip
    return counts | {
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


def _shown(value: float, whole: bool) -> str:
    """A limit as its field shows it: "100", "2,5" in Russian ("2.5" in English), no trailing zeros."""
    return str(int(value)) if whole else typed(f"{Decimal(repr(float(value))).normalize():f}")


def _read(name: str, text: str) -> float | int | str:
    """A limit as typed, read with a point or a comma before the decimals; the refusal's text when it is no number,
    not whole where a count is asked, or reads two ways ("1,000")."""
    label, value = t(f"review.limit_{name}"), text.strip()[:20]
    if not value:  # "Clicks to judge traffic:  is not a number." said nothing of what to type
        default = getattr(Thresholds(), name)
        return t("review.limit_empty", limit=label, example=_shown(default, name in _settings.COUNTS))
    try:
        plain = number_text(text)
    except ValueError:
        return t("review.limit_ambiguous", limit=label, value=value)
    if not in_digits(plain):  # "5e1" is 50 to Decimal; "NaN" and "abc" are no number either
        return t("review.limit_not_number", limit=label, value=value)
    number = Decimal(plain)
    if name in _settings.COUNTS:
        return int(number) if number == number.to_integral_value() else t("review.limit_not_whole", limit=label,
                                                                              value=value)  # fmt: skip
    return float(number)


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
        typed_in: dict[str, str] = {}
        cols = st.columns(4)
        for i, (name, now) in enumerate(asdict(drawn.shown).items()):
            # text fields written as the session's language types numbers ("2,5"): Chromium's number field took a
            # Russian "2,5" as 25, and said its bounds in English on hover only; the store refuses a limit out of
            # them in the session's language, naming it
            typed_in[name] = cols[i % 4].text_input(t(f"review.limit_{name}"), _shown(now, name in _settings.COUNTS),
                                                    key=f"review_limit_{name}{drawn.suffix}")  # fmt: skip
        if not st.form_submit_button(t("review.limits_save"), type="primary", on_click=FORM.mark_saving):
            return
        values = {name: _read(name, text) for name, text in typed_in.items()}
        if refused := [v for v in values.values() if isinstance(v, str)]:
            st.error(" ".join(refused))  # the form keeps what was typed
            return
    new = Thresholds(**values)  # type: ignore[arg-type]

    FORM.save(drawn, lambda s, seen: _settings.save_thresholds(s, user.scope, new, seen),
              _settings.LimitsChangedMeanwhile, DONE_KEY, new)  # fmt: skip
