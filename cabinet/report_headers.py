"""A report's column headers in a language: its dimensions' names, its metrics' short names, their values in the
period before ("Clicks before", "Clicks a year before") and their changes ("Clicks ±"). The Reports table and its
download take them in the session's language (`cabinet.ui.headers`); an emailed report in its login's
(`cabinet.report_mail`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import polars as pl

from cabinet.i18n import translate
from queries.metrics import COUNTS, MONEY, RATES


def short_label(metric: str, locale: str | None) -> str:
    """A metric's name without its explanation ("Commission (excl. rejected, reversed)" → "Commission"), for card
    labels and table headers that have no room for it; the full name is their tooltip."""
    return translate(f"metric.{metric}", locale).split(" (")[0]


def metric_part(name: str) -> tuple[str, str]:
    """(metric, part) of a report column: part "" for the metric, "prev" / "change" for its value in the period
    before and the change (`queries.compare`); ("", "") for a dimension."""
    for part in ("prev", "change"):
        if name.endswith(f"_{part}") and (metric := name.removesuffix(f"_{part}")) in (*COUNTS, *MONEY, *RATES):
            return metric, part
    return (name, "") if name in COUNTS or name in MONEY or name in RATES else ("", "")


def report_header(name: str, locale: str | None, against: str = "previous") -> str:
    """The header of a report column: a dimension's name, a metric's short name, or its value before ("Clicks
    before", "Clicks a year before" with `against` "year") or its change ("Clicks ±")."""
    metric, part = metric_part(name)
    if not metric:
        return translate(f"dim.{name}", locale)
    year = "_year" if against == "year" and part == "prev" else ""  # "… a year before"; "±" reads the same
    label = short_label(metric, locale)
    return translate(f"common.col_{part}{year}", locale, metric=label) if part else label


def report_headers(columns: Iterable[str], locale: str | None, against: str = "previous") -> dict[str, str]:
    """`report_header` of each column, by machine name."""
    return {c: report_header(c, locale, against) for c in columns}


def totals_named(frame: pl.DataFrame, group_by: Sequence[str], locale: str | None) -> pl.DataFrame:
    """A report with totals (its last row) for a file: that row named as the table names it, in `locale`, under the
    first dimension ("Итого" under Russian headers, not the query's "Total"); the other values as they are."""
    if not group_by or frame.is_empty():
        return frame
    first = group_by[0]
    body = pl.int_range(pl.len()) < pl.len() - 1
    total = pl.lit(translate("common.total", locale))
    return frame.with_columns(pl.when(body).then(pl.col(first)).otherwise(total).alias(first))


def percent_columns(columns: Iterable[str], headers: dict[str, str] | None = None) -> list[str]:
    """The columns of a file that hold a change or a share as a fraction (1.2 is +120%): an XLSX shows them as
    percents (`cabinet.export.to_bytes`); by their headers when the file is headed (`headers`: machine → header)."""
    return [(headers or {}).get(c, c) for c in columns if c.endswith(("_change", "_share"))]
