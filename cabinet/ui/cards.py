"""Rows of st.metric cards that stay readable on a phone."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from cabinet.formatting import fmt_change_or_difference, no_change
from cabinet.ui.text import current_locale
from queries.metrics import RATES

# Below 640 px Streamlit stacks columns one per row: the Dashboard's 15 cards took 15 screens of a phone. Cards go two
# per row there, the value a size smaller so "$12,345.67" fits half of a 360 px screen. A long label wraps at any
# width ("Зарегистрированных клиентов" was cut to "Зарегистрированных кли…" on a phone, and "Первые депозиты по этим
# ссылкам" to "Первые депозиты по эти…" in a quarter of a 1280 px page).
_CARDS = '[class*="st-key-cards_"]'
_CARDS_PHONE = f"""<style>
{_CARDS} [data-testid="stMetricLabel"] * {{ white-space: normal; text-overflow: clip; }}
@media (max-width: 640px) {{
  {_CARDS} [data-testid="stHorizontalBlock"] {{ flex-direction: row; flex-wrap: wrap; gap: 0.75rem 1rem; }}
  {_CARDS} [data-testid="stColumn"] {{ flex: 1 1 calc(50% - 0.5rem) !important;
    width: calc(50% - 0.5rem) !important; min-width: calc(50% - 0.5rem) !important; }}
  {_CARDS} [data-testid="stColumn"]:not(:has(*)) {{ display: none; }}
  {_CARDS} [data-testid="stMetricValue"] {{ font-size: 1.6rem; }}
}}
</style>"""


def card_box(key: str, where: DeltaGenerator | None = None) -> DeltaGenerator:
    """A container (in `where`, default the page) whose columns of st.metric cards go two per row on a phone instead
    of one (`key` names it in the page)."""
    box = (where or st).container(key=f"cards_{key}")
    box.html(_CARDS_PHONE)
    return box


def card_columns(n: int, key: str) -> list[DeltaGenerator]:
    """`n` columns for st.metric cards in a `card_box`."""
    return card_box(key).columns(n)


def kpi_delta(metric: str, change: float | None, difference: float | None,
              said: Callable[[float], str]) -> tuple[str | None, bool]:  # fmt: skip
    """A KPI card's delta beside the previous period (`cabinet.formatting.fmt_change_or_difference`: a percent where
    the previous value was above zero, else the difference as `said` writes an amount), and whether it reads as no
    change (no arrow, no colour)."""
    delta = fmt_change_or_difference(change, difference, said, current_locale(), rate=metric in RATES)
    return delta, change is not None and no_change(change)
