"""A table column as wide as the longest of its texts, for a column whose texts must read whole; the width left
for a column of free text.

st.dataframe (Glide Data Grid) sizes a column to its header and the texts of its first ten rows, and drops from those
a text at least twice as wide as their average: a longer text further down, or a rare one, is cut ("Silver, Gold ·
appr" on the Offer catalogue's eleventh row, a login's last time "2026-12-06" when two of eight logins have one). A
width counted here from every text of the column keeps them whole.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from cabinet.formatting import fmt_money, fmt_number
from cabinet.ui.text import current_locale

# the characters of the table's font (Source Sans, 14 px) by their width in whole px, as Chromium draws them; one not
# listed counts 8 px. A text comes out within a few percent of its drawn width (0-7% over, 1-2% under for capitals).
_BY_PX = {
    3: " ',.:;ij|·",
    4: "!()-I[]fl{}",
    5: "/\\rt",
    6: '"*?csxzгзстхэ',
    7: "0123456789#$+<=>EFJLSVXY^_aegkvy~ГЕУХавдеклучьяёЁ–€₽",
    8: "ABCKPRTZ`bdhnopquАБВЗКРСТЧЬЭЯбийнопрцъ",
    9: "&DGHNOQUДИЙЛНОПЦмы✓",
    10: "MwМФЪжфшю",
    11: "WЫщ—",
    12: "%@mЖШЩ",
    13: "Ю…",
}
_PX = {c: px for px, chars in _BY_PX.items() for c in chars}
CELL_PAD_PX = 19  # a cell's padding either side (8 px each), and room for the few percent under
HEAD_EXTRA_PX = 3  # a header's semibold (3% wider)


def text_px(text: str) -> int:
    """About the drawn width of `text` in the table's font."""
    return sum(_PX.get(c, 8) for c in text)


def column_px(texts: Iterable[object], head: str) -> int:
    """The width of a column that shows `texts` (None as empty) and its header `head` whole."""
    widest = max((text_px(str(v)) for v in texts if v is not None), default=0)
    return max(widest, text_px(head) + HEAD_EXTRA_PX) + CELL_PAD_PX


TABLE_PX = 818  # a table beside the menu on a laptop's 1280-px screen, the width the pages are checked at
AUTO_MIN_PX = 50  # the narrowest column Streamlit sizes by its texts
AUTO_MAX_PX = 500  # and the widest
AUTO_PAD_PX = 17  # its cell's padding either side (8 px each), and a px for the few percent under
SPARE_PX = 6  # kept from the width left, for the texts drawn a little wider than counted


def auto_px(texts: Iterable[object], head: str) -> int:
    """About the width Streamlit gives a column it sizes itself, here from all its `texts` rather than the first
    rows': as wide as the longest of them or its header, within `AUTO_MIN_PX` and `AUTO_MAX_PX`."""
    widest = max((text_px(str(v)) for v in texts if v is not None), default=0)
    return min(AUTO_MAX_PX, max(AUTO_MIN_PX, widest + AUTO_PAD_PX, text_px(head) + HEAD_EXTRA_PX + AUTO_PAD_PX))


def rest_px(others: Iterable[int], least: int) -> int:
    """The width left in a `TABLE_PX` table beside columns of widths `others`, at least `least`: a column of free
    text (an offer's name, an email's subject, a code's description) takes it, cut at its end where longer, rather
    than push the columns after it past the edge."""
    return max(least, TABLE_PX - SPARE_PX - sum(others))


def figures_px(values: Iterable[float | None], head: str, currency: str | None = None) -> int:
    """About the width Streamlit gives a column of figures under `head`, written as the table writes them in the
    session's language: money in `currency` to the cent ("$1,234.50", "1 234,50 $"), counts grouped."""
    locale = current_locale()
    texts = [fmt_money(v, currency, locale) if currency else fmt_number(v, locale) for v in values if v is not None]
    return auto_px(texts, head)


def shared_px(full: dict[str, int], least: dict[str, int]) -> dict[str, int]:
    """Widths of a `TABLE_PX` table's columns: each of `full` as wide as its texts, but those in `least`, which take
    at least that much (no more than their `full` width) and share the width the others leave, in the order `least`
    names them, each up to its `full` width; cut at their end where that is short (whole on a double-click). Where
    the others leave less than those least widths, they give the difference, each in proportion to what it has above
    `AUTO_MIN_PX`: the columns stay within the page (a staff's Commissions in Russian went 8 px past its edge)."""
    floor = {c: min(px, full[c]) for c, px in least.items()}
    over = sum(floor.get(c, px) for c, px in full.items()) - (TABLE_PX - SPARE_PX)
    give = {c: max(0, px - AUTO_MIN_PX) for c, px in floor.items()}
    if over > 0 and sum(give.values()):
        share = min(1.0, over / sum(give.values()))
        floor = {c: px - math.ceil(give[c] * share) for c, px in floor.items()}
    widths = {c: floor.get(c, px) for c, px in full.items()}
    left = rest_px(widths.values(), 0)
    for c in floor:
        more = min(left, full[c] - floor[c])
        widths[c] += more
        left -= more
    return widths
