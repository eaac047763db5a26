"""Column headers as people read them: a report's (metrics, their values before and changes, dimensions) for its
table, and a page download's, which reuses the headers of the page's table so that the file and the table read
alike (`download_headers`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import polars as pl

from cabinet import report_headers as _columns
from cabinet.report_headers import metric_part
from cabinet.ui.text import current_locale, t, t_or

__all__ = ["download_headers", "metric_part", "report_header", "report_headers", "short_label"]


def short_label(metric: str) -> str:
    """A metric's short name in the session's language (`cabinet.report_headers.short_label`)."""
    return _columns.short_label(metric, current_locale())


def head_short(config: dict[str, object], headers: dict[str, str], short: Mapping[str, str]) -> None:
    """Head the columns of `short` (machine name: its shorter header) by it, their full names still on hover: the
    settings `config` holds under a column's header move to the short one, and `headers` follow. A column not shown
    (nothing in `config` under its header) is left as it is."""
    for name, head in short.items():
        if headers.get(name) in config:
            config[head] = config.pop(headers[name])
            headers[name] = head


def report_header(name: str, against: str = "previous") -> str:
    """The header of a report column in the session's language (`cabinet.report_headers.report_header`)."""
    return _columns.report_header(name, current_locale(), against)


def report_headers(columns: Iterable[str], against: str = "previous") -> dict[str, str]:
    """`report_header` of each column, by machine name: the Reports table's headers and its downloads'."""
    return _columns.report_headers(columns, current_locale(), against)


def _header(name: str, shown: Mapping[str, str]) -> str:
    """The header of one download column: the table's, else a metric's or a dimension's as Reports names it (a
    metric's value before or change after the table's name of the metric), else the machine name."""
    if said := (shown.get(name) or "").strip():
        return said
    metric, part = metric_part(name)
    if metric and part:
        return t(f"common.col_{part}", metric=(shown.get(metric) or "").strip() or short_label(metric))
    if metric:
        return short_label(metric)
    return t_or(f"dim.{name}", name)


def download_headers(columns: Iterable[str], shown: Mapping[str, str]) -> dict[str, str]:
    """The header of each column of a page's download, by machine name, in the session's language.

    `shown`: the headers the page's table gives its columns (the mapping the table is renamed with), so that the file
    reads as the table does; a column the table leaves out is headed as `_header` says. Each header is distinct, as a
    spreadsheet's must be, letter case aside: a header already taken gets the machine name after it ("Partner
    (partner_id)")."""
    headers: dict[str, str] = {}
    taken: set[str] = set()
    for name in columns:
        header = _header(name, shown)
        if header.casefold() in taken:
            header = f"{header} ({name})"
        first, n = header, 2
        while header.casefold() in taken:  # only when another column's header reads so already
            header, n = f"{first} {n}", n + 1
        taken.add(header.casefold())
        headers[name] = header
    return headers


def totals_named(frame: pl.DataFrame, group_by: Sequence[str]) -> pl.DataFrame:
    """A report's file with its totals row named as the table names it, in the session's language."""
    return _columns.totals_named(frame, group_by, current_locale())
