"""The Partner review's table and its download (`queries.review`): each partner by id and name, then why it is listed
and the link into its cabinet, then its figures."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import polars as pl

from cabinet.ui import data
from cabinet.ui.column_pick import MEDIUM_PX, change_px, share_px
from cabinet.ui.fit import auto_px, figures_px
from cabinet.ui.headers import metric_part, short_label
from cabinet.ui.menu import VIEW_AS_PARAM
from cabinet.ui.text import t
from queries import review

FIGURES = ("clicks", "clicks_change", "ftds", "ftds_change", "commission", "commission_change", "bot_share",
           "unique_share", "reg_to_ftd", "rejected_share")  # fmt: skip
# the signals and the link right after the partner: last, they were beyond a 1280-px screen's table and nine columns
# off a 390-px one, and a partner listed for a signal did not say which
COLUMNS = ("partner", "signals", "open", *FIGURES)
# the link into a partner's cabinet, drawn as an icon under the header "Cabinet" (what it does said on hover): "View
# as partner" in every row took 128 px of a table past the page's width at 1280 px
VIEW_AS_ICON = ":material/open_in_new:"
SHARES = ("bot_share", "unique_share", "reg_to_ftd", "rejected_share")  # shown as far as they fit (`column_pick`)
SHARE_OF = {
    "bots": "bot_share",
    "repeat_clicks": "unique_share",
    "no_ftds": "reg_to_ftd",
    "rejections": "rejected_share",
}


def _said(signals: pl.Expr) -> pl.Expr:
    """A partner's signals in the session's language, as the cards above the table name them."""
    words = {s: t(f"review.signal_{s}") for s in review.SIGNALS}
    return signals.list.eval(pl.element().replace_strict(words)).list.join(", ")


def table(frame: pl.DataFrame, names: Mapping[int, str]) -> pl.DataFrame:
    """The review's rows as the page's table shows them, `COLUMNS` in order (machine names)."""
    return frame.select(
        pl.format("{} · {}", "partner_id", pl.col("partner_id").replace_strict(dict(names), default="")).alias(
            "partner"
        ),
        _said(pl.col("signals")).alias("signals"),
        pl.format(f"./?{VIEW_AS_PARAM}={{}}", "partner_id").alias("open"),  # the cabinet as the partner, in a new tab
        *FIGURES,
    )


def headers() -> dict[str, str]:
    """The table's headers, by machine name, in the session's language."""
    return {c: t(f"review.col_{c}") for c in COLUMNS}


def columns_px(table: pl.DataFrame, heads: Mapping[str, str]) -> dict[str, int]:
    """About the width of each column of the `table` as the page shows it under `heads` (machine name: px)."""
    base = data.base_currency()

    def px(c: str) -> int:
        if c == "signals":
            return MEDIUM_PX
        if c == "open":  # an icon
            return auto_px((), heads[c])
        if c == "partner":
            return auto_px(table[c], heads[c])
        if c.endswith("_change"):
            return change_px(table[c], heads[c])
        if c in SHARES:
            return share_px(table[c], heads[c])
        return figures_px(table[c], heads[c], base if c == "commission" else None)

    return {c: px(c) for c in table.columns}


def download(frame: pl.DataFrame, names: Mapping[int, str]) -> pl.DataFrame:
    """The review's rows for the CSV and XLSX: the partner's id and its name in columns of their own, the signals
    as the table says them, then every figure as the query has it (unrounded; the period before's too)."""
    rest = [c for c in frame.columns if c not in ("partner_id", "signals")]
    return frame.select(
        "partner_id",
        pl.col("partner_id").replace_strict(dict(names), default="", return_dtype=pl.String).alias("partner_name"),
        _said(pl.col("signals")).alias("signals"),
        *rest,
    )


def download_headers(columns: Iterable[str] = (), against: str = "previous") -> dict[str, str]:
    """The download's own headers: the id and the name apart (the table writes them in one column), and of
    `columns`, each figure then as Reports heads it beside the same period ("Clicks before", "Clicks a year before")."""
    shown, year = headers(), "_year" if against == "year" else ""
    said = {m: shown.get(m) or short_label(m) for m, part in map(metric_part, columns) if part == "prev"}
    then = {f"{m}_prev": t(f"common.col_prev{year}", metric=label) for m, label in said.items()}  # "FTD ранее"
    return then | shown | {"partner_id": t("review.col_partner_id"), "partner_name": t("review.col_partner")}
