"""A filter's few choices as pills that wrap: every choice in sight on a phone.

A multiselect keeps its chips on one line, and Streamlit's pills scroll theirs sideways under a fade: at 390 px the
Partners page's fourth status (Blocked) sat behind the fade, with nothing to say it was there."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from streamlit.delta_generator import DeltaGenerator

T = TypeVar("T")

_WRAP = (
    "<style>.st-key-{key} [data-testid='stButtonGroup'] > div {{ flex-wrap: wrap; overflow-x: visible; "
    "mask-image: none; -webkit-mask-image: none; row-gap: 0.5rem; }}</style>"
)


def wrapping_pills(where: DeltaGenerator, label: str, options: Sequence[T], default: Sequence[T],
                   format_func: Callable[[T], str], key: str,
                   on_change: Callable[[], None] | None = None) -> list[T]:  # fmt: skip
    """Pills in `where`, any number of them chosen (`default` at first), their rows wrapping; the chosen options;
    `on_change` is called when the user changes them."""
    where.html(_WRAP.format(key=key))
    chosen = where.pills(label, options, selection_mode="multi", default=default, format_func=format_func, key=key,
                         on_change=on_change)  # fmt: skip
    return list(chosen or [])
