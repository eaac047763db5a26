"""The Offer catalogue's table (admins): one row an offer, in an 818-px column beside the menu at 1280 px. What an
admin acts on comes first (the offer, its status, the requests waiting, who may run it); the counts of what hangs on
it after, under short headers that say their full names on hover; the vertical last.

In Russian, with an offer run by approval only, the table took 1041 px ("Серебряный, Золотой · по одобрению" 256 px,
"Интернет-магазины" 139, the counts' headers 351 over one- and two-digit numbers): creatives, codes and the vertical
were out of sight. An offer is named as the picker under the table names it ("13 · Crypto Margin"), its number and
name in one column that takes the width the others leave; one run by approval only says so by the count of requests
waiting under "Waiting" ("—" for an offer any partner of its tiers may run), so "who may run it" names the tiers alone.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

from cabinet.offers_admin import CatalogueRow
from cabinet.ui.fit import auto_px, column_px, rest_px
from cabinet.ui.text import t, vertical

# short header key → the full name said on hover
_COUNTS = {
    "head_pages": "col_pages",
    "head_links": "col_links",
    "head_partners": "col_partners",
    "head_creatives": "col_creatives",
    "head_codes": "col_codes",
}
NAME_LEAST_PX = 120  # an offer's column, however wide the rest: "13 · Crypto Mar…"


def who_may_run(row: CatalogueRow, tiers: dict[str, str]) -> str:
    """The tiers that may run the offer ("Silver, Gold"). An offer every tier of the program may run says so ("All
    tiers"), as one that names no tier does: the names of all three ("Бронзовый, Серебряный, Золотой", 230 px)
    pushed the counts out of an 818-px table in Russian."""
    every = not row.tiers_allowed or set(tiers) <= set(row.tiers_allowed)
    return t("catalogue.all_tiers") if every else ", ".join(tiers.get(c, c) for c in row.tiers_allowed)


def offer_table(rows: list[CatalogueRow], tiers: dict[str, str]) -> tuple[pl.DataFrame, dict[str, Any]]:
    """The offers as the table shows them, and its column settings (each short header's full name on hover)."""
    offer, who, waiting = t("catalogue.col_id"), t("catalogue.head_who"), t("catalogue.head_requests")
    counts = {"head_pages": "landing_pages", "head_links": "active_links", "head_partners": "partners",
              "head_creatives": "creatives", "head_codes": "promo_codes"}  # fmt: skip
    table = pl.DataFrame(
        {
            offer: [f"{r.id} · {r.name}" for r in rows],
            t("catalogue.field_status"): [t(f"catalogue.status_{r.status}") for r in rows],
            waiting: [r.requests if r.access == "approval" else None for r in rows],  # none to wait: "—"
            who: [who_may_run(r, tiers) for r in rows],
            **{t(f"catalogue.{head}"): [getattr(r, field) for r in rows] for head, field in counts.items()},
            t("catalogue.field_vertical"): [vertical(r.vertical) for r in rows],  # said by the name, mostly
        },
        schema_overrides={waiting: pl.Int64},
    )
    config: dict[str, Any] = {
        t(f"catalogue.{head}"): st.column_config.NumberColumn(help=t(f"catalogue.{full}"))
        for head, full in _COUNTS.items()
    }
    config[waiting] = st.column_config.NumberColumn(help=t("catalogue.help_requests"))
    widths = {c: auto_px(table[c], c) for c in table.columns}  # as Streamlit sizes them
    widths[who] = column_px(table[who], who)  # whole: the tiers, however far down
    config[who] = st.column_config.TextColumn(help=t("catalogue.help_who"), width=widths[who])
    whole = column_px(table[offer], offer)
    width = min(whole, rest_px((w for c, w in widths.items() if c != offer), NAME_LEAST_PX))
    config[offer] = st.column_config.TextColumn(help=t("catalogue.help_offer"), width=width)
    return table, config
