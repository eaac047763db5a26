"""Column headers as people read them: a report's (metrics, their values before and changes, dimensions) for its
table, and a page download's, which reuses the headers of the page's table so that the file and the table read
alike (`download_headers`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from cabinet.ui.text import t, t_or
from queries.metrics import COUNTS, MONEY, RATES


def short_label(metric: str) -> str:
    """A metric's name without its explanation ("Commission (excl. rejected, reversed)" → "Commission"), for card
    labels and table headers that have no room for it; the full name is their tooltip."""
    return t(f"metric.{metric}").split(" (")[0]


def metric_part(name: str) -> tuple[str, str]:
    """(metric, part) of a report column: part "" for the metric, "prev" / "change" for its value in the period
    before and the change (`queries.compare`); ("", "") for a dimension."""
    for part in ("prev", "change"):
        if name.endswith(f"_{part}") and (metric := name.removesuffix(f"_{part}")) in (*COUNTS, *MONEY, *RATES):
            return metric, part
    return (name, "") if name in COUNTS or name in MONEY or name in RATES else ("", "")


def report_header(name: str, against: str = "previous") -> str:
    """The header of a report column: a dimension's name, a metric's short name, or its value before ("Clicks
    before", "Clicks a year before" with `against` "year") or its change ("Clicks ±")."""
    metric, part = metric_part(name)
    if not metric:
        return t(f"dim.{name}")
    year = "_year" if against == "year" and part == "prev" else ""  # "… a year before"; "±" reads the same
    return t(f"common.col_{part}{year}", metric=short_label(metric)) if part else short_label(metric)


def report_headers(columns: Iterable[str], against: str = "previous") -> dict[str, str]:
    """`report_header` of each column, by machine name: the Reports table's headers and its downloads'."""
    return {c: report_header(c, against) for c in columns}


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
