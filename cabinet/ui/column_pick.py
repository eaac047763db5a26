"""The columns of a wide staff table that a 1280-px window's table (`fit.TABLE_PX`) has no room for beside the others,
picked by the user: at first those that fit, in the order the page ranks them; the pick is kept for the session, over
a switch of language (a Russian header is wider: a column that fits in English may not).

The Partners page's table was 975 px of columns in English and 1,082 in Russian, Partner review's 1,078 and 1,107, in
818 px: a manager scrolled sideways for the right-hand columns, with nothing in sight to say they were there."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import streamlit as st
from babel.numbers import format_percent
from streamlit.delta_generator import DeltaGenerator

from cabinet.formatting import fmt_change
from cabinet.ui.chips import wrapping_pills
from cabinet.ui.fit import SPARE_PX, TABLE_PX, auto_px
from cabinet.ui.text import current_locale
from cabinet.ui.widgets import per_language, remember

MEDIUM_PX = 200  # a column of width "medium"


def fitting(widths: Mapping[str, int], taken: int, first: Iterable[str] = ()) -> list[str]:
    """The columns of `widths` (machine name: px, in the page's order of need) that fit beside `taken` px of columns
    always shown, those of `first` whatever their width (the user filtered by what they show); in `widths`' order."""
    room, chosen = TABLE_PX - SPARE_PX - taken, set(first) & set(widths)
    room -= sum(widths[c] for c in chosen)
    for name, px in widths.items():
        if name not in chosen and px <= room:
            chosen.add(name)
            room -= px
    return [c for c in widths if c in chosen]


def column_pick(where: DeltaGenerator, key: str, label: str, widths: Mapping[str, int], taken: int,
                format_func: Callable[[str], str], first: Sequence[str] = ()) -> list[str]:  # fmt: skip
    """Pills of the optional columns `widths` (machine name: about its px), those chosen: until the user picks, the
    ones that fit beside `taken` px (`fitting`); the user's pick kept for the session under `key`."""
    widget_key, picked = per_language(key, None)
    default = fitting(widths, taken, first) if picked is None else [c for c in widths if c in picked]
    if picked is None:  # a widget of its own for each default until the user picks: a widget keeps its first value
        widget_key += "".join(f"_{c}" for c in default) or "_none"  # (the list filtered by a signal shows its share)

    def picked_now() -> None:  # the user's own pick from now on, in either language, not the widths'
        remember(key, list(st.session_state[widget_key] or []))

    chosen = wrapping_pills(where, label, list(widths), default, format_func, widget_key, picked_now)
    return [c for c in widths if c in chosen]


def share_px(values: Iterable[float | None], head: str) -> int:
    """About the width of a column of shares to two decimals ("37.46%") under `head`."""
    locale = current_locale()
    return auto_px([format_percent(v, format="#,##0.00%", locale=locale) for v in values if v is not None], head)


def change_px(values: Iterable[float | None], head: str) -> int:
    """About the width of a column of changes signed as the cards sign them ("+12.5%", "×313") under `head`."""
    locale = current_locale()
    return auto_px([fmt_change(v, locale) or "—" for v in values], head)
