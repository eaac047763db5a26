"""The Offer catalogue's table (admins): one row an offer, in an 818-px column beside the menu at 1280 px. What an
admin acts on comes first (the offer, its status, the requests waiting, who may run it); the counts of what hangs on
it after, under short headers that say their full names on hover; the vertical last ("Интернет-магазины", 139 px, kept
the counts of creatives and codes out of sight in Russian)."""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

from cabinet.offers_admin import CatalogueRow
from cabinet.ui.fit import column_px
from cabinet.ui.text import t, vertical

# short header key → the full name said on hover
_COUNTS = {
    "head_requests": "col_requests",
    "head_pages": "col_pages",
    "head_links": "col_links",
    "head_partners": "col_partners",
    "head_creatives": "col_creatives",
    "head_codes": "col_codes",
}


def who_may_run(row: CatalogueRow, tiers: dict[str, str]) -> str:
    """The tiers that may run the offer and, for one run by approval only, that it is ("Silver, Gold · approved").
    An offer every tier of the program may run says so ("All tiers"), as one that names no tier does: the names of
    all three ("Бронзовый, Серебряный, Золотой", 230 px) pushed the counts out of an 818-px table in Russian."""
    every = not row.tiers_allowed or set(tiers) <= set(row.tiers_allowed)
    named = t("catalogue.all_tiers") if every else ", ".join(tiers.get(c, c) for c in row.tiers_allowed)
    return f"{named} · {t('catalogue.approved_only')}" if row.access == "approval" else named


def offer_table(rows: list[CatalogueRow], tiers: dict[str, str]) -> tuple[pl.DataFrame, dict[str, Any]]:
    """The offers as the table shows them, and its column settings (each short header's full name on hover)."""
    table = pl.DataFrame(
        {
            t("catalogue.col_id"): [r.id for r in rows],
            t("catalogue.field_name"): [r.name for r in rows],
            t("catalogue.field_status"): [t(f"catalogue.status_{r.status}") for r in rows],
            t("catalogue.head_requests"): [r.requests for r in rows],
            t("catalogue.head_who"): [who_may_run(r, tiers) for r in rows],
            t("catalogue.head_pages"): [r.landing_pages for r in rows],
            t("catalogue.head_links"): [r.active_links for r in rows],
            t("catalogue.head_partners"): [r.partners for r in rows],
            t("catalogue.head_creatives"): [r.creatives for r in rows],
            t("catalogue.head_codes"): [r.promo_codes for r in rows],
            t("catalogue.field_vertical"): [vertical(r.vertical) for r in rows],  # said by the name, mostly
        },
        schema_overrides={t("catalogue.col_id"): pl.Int64},
    )
    config: dict[str, Any] = {
        t(f"catalogue.{head}"): st.column_config.NumberColumn(help=t(f"catalogue.{full}"))
        for head, full in _COUNTS.items()
    }
    who = t("catalogue.head_who")  # whole on every row: "· approved" is what a manager acts on
    config[who] = st.column_config.TextColumn(help=t("catalogue.help_who"), width=column_px(table[who], who))
    return table, config
