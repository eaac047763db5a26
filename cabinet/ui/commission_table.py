"""The Commissions page's table, fitted to a 1280-px page beside the menu (`cabinet.ui.fit.TABLE_PX`).

What a partner reads each row by comes first, each column as wide as its texts: when, the amount, its status and kind,
of which conversion ("FTD · f1234", its type and id in one column) and offer. The amount in the program's currency
and how it was computed follow, beyond the edge where the page is narrow. The time's UTC offset is said once in the
header ("Time (UTC+03:00)") when every row has the same, else on each row ("2026-11-01 01:30 -04:00", the hour a
summer time's end repeats). A long conversion id, offer or partner name is cut at its end (whole on a double-click).
Ten columns under their full names took 1275 px at 1280 px (1249 in Russian), the conversion and the offer out of
sight.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

from cabinet.ui.fit import column_px, shared_px
from cabinet.ui.text import t
from cabinet.ui.widgets import number_format, to_cents
from queries.commissions import KINDS, TYPES

# the least of a column cut at its end: the conversion's type and the start of its id ("Registration · r00…"), the
# offer's id and the start of its name ("10 · Esp…"), the partner's likewise
LEAST_PX = {"partner_id": 90, "conversion": 130, "offer_id": 80}


def _zone(offsets: pl.Series) -> str | None:
    """ "UTC" or "UTC+03:00" when every row's time is at the same UTC offset; None when they differ."""
    kept = offsets.drop_nulls().unique()
    if kept.len() != 1:
        return None
    offset = str(kept[0])
    return "UTC" if offset in ("+00:00", "-00:00", "Z") else f"UTC{offset}"


def commission_table(frame: pl.DataFrame, allowed: tuple[str, ...], offers: dict[int, str],
                     partners: dict[int, str] | None, base: str) -> tuple[pl.DataFrame, dict[str, Any]]:  # fmt: skip
    """The table of `frame`'s commissions (`data.commission_rows_explained`) under its shown headers, and its columns'
    settings: `offers` by id ("3 · Casino"), `partners` ("49 · Name") for staff, who read whose each row is (None for
    a partner), `allowed` the statuses the viewer may see, `base` the program's currency."""
    zone = _zone(frame["ts_offset"])
    wall = pl.col("ts").dt.strftime("%Y-%m-%d %H:%M")
    kind = pl.col("conversion_type").replace_strict({c: t(f"commissions.type_{c}") for c in TYPES}, default=None)
    staff = partners is not None
    partner = pl.col("partner_id").replace_strict(
        partners or {}, default=pl.col("partner_id").cast(pl.String), return_dtype=pl.String
    )
    table = frame.select(
        (wall if zone else wall + " " + pl.col("ts_offset")).alias("ts"),
        *([partner] if staff else []),
        pl.col("amount_text").alias("amount"),
        pl.col("status").replace_strict({s: t(f"commissions.status_{s}") for s in allowed}, default=pl.col("status")),
        pl.col("kind").replace_strict({k: t(f"commissions.kind_{k}") for k in KINDS}, default=pl.col("kind")),
        # its type, then its id: the type reads when a long id is cut
        pl.when(kind.is_null())
        .then("conversion_id")
        .otherwise(pl.concat_str(kind, pl.lit(" · "), "conversion_id"))
        .alias("conversion"),
        pl.col("offer_id").replace_strict(offers, default=None, return_dtype=pl.String),
        "amount_base",
        "how",
    )
    heads = {c: t(f"commissions.col_{c}") for c in ("amount", "status", "kind", "how")}
    heads |= {"ts": t("commissions.col_ts_zone", zone=zone) if zone else t("commissions.col_ts"),
              "partner_id": t("dim.partner_id"), "conversion": t("commissions.col_conversion_id"),
              "offer_id": t("dim.offer_id")}  # fmt: skip
    heads["amount_base"] = t("commissions.col_amount_base", currency=base)
    sized = [c for c in table.columns if c not in ("amount_base", "how")]  # the rest beyond the edge
    least = {c: px for c, px in LEAST_PX.items() if c in sized}
    widths = shared_px({c: column_px(table[c], heads[c]) for c in sized}, least)
    helps = {"ts": t("commissions.colhelp_ts"), "conversion": t("commissions.colhelp_conversion"),
             "offer_id": t("commissions.colhelp_offer"), "partner_id": t("commissions.colhelp_partner")}  # fmt: skip
    config: dict[str, Any] = {heads[c]: st.column_config.TextColumn(width=widths[c], help=helps.get(c)) for c in sized}
    config[heads["amount_base"]] = st.column_config.NumberColumn(format=number_format("commission"))
    config[heads["how"]] = st.column_config.TextColumn(width="large")
    shown = to_cents(table, ("amount_base",)).rename(heads, strict=False)  # as the cards and the Amount column round it
    return shown, config
