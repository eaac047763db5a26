"""What a report's filters take: the values a dimension can hold (`check_filter_values`), typed values split
(`split_values`, the word for "no value" in any language the cabinet speaks), the dimensions matched in any letter
case (`ANY_CASE`), and `ReportError`, which says a request cannot be answered. `queries.reports` gives them too."""

from __future__ import annotations

import re
from functools import cache

from cabinet.i18n import LOCALES, translate
from cabinet.inbox_values import DEVICES


class ReportError(ValueError):
    """A report request names an unknown dimension, metric or filter; the message lists the allowed ones. `key` and
    `params`, when given, say it in the interface's language (a filter value that can match nothing)."""

    def __init__(self, message: str, key: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.key, self.params = key, params


_COUNTRY = re.compile(r"^[A-Za-z]{2}$")  # ISO 3166-1 alpha-2, ZZ for unknown


def check_filter_values(dim: str, values: tuple[str, ...]) -> None:
    """Refuse a filter value that is never stored (a link or offer that is not a number, a country that is not a
    two-letter code, a device not of the contract's): the report said "No data" of "Germany" or "phone", as of a quiet
    period."""
    for value in values:
        if value == NO_VALUE:  # the rows without a value: a click without a link, a sub1 not given
            continue
        if dim == "link_id" and not value.isdecimal():
            raise ReportError(f"link filter {value!r} is not a link number", "reports.link_not_id", value=value)
        if dim == "offer_id" and not value.isdecimal():
            raise ReportError(f"offer filter {value!r} is not an offer number", "reports.offer_not_id", value=value)
        if dim == "country" and not _COUNTRY.match(value):
            raise ReportError(f"country filter {value!r} is not a two-letter code", "reports.country_not_code",
                              value=value)  # fmt: skip
        if dim == "device" and value.lower() not in DEVICES:
            raise ReportError(f"device filter {value!r} is not one of {', '.join(DEVICES)}", "reports.device_unknown",
                              value=value, devices=", ".join(DEVICES))  # fmt: skip


# the filters on values stored as sent (sub1-sub5: "FB", "Fb"), matched in any letter case; ids are numbers, countries
# and devices are stored in one case (the typed value is put in it)
ANY_CASE = frozenset(f"sub{i}" for i in range(1, 6))
NO_VALUE = ""  # a filter value that matches the rows without one (a click without sub1 or link): "(none)" in tables


@cache
def _no_value_words() -> frozenset[str]:
    """How the tables write a missing value in each language ("(none)", "(нет)"), as typed back into a filter."""
    return frozenset(translate("common.no_value", locale).casefold() for locale in LOCALES)


def split_values(text: str) -> tuple[str, ...]:
    """Comma-separated filter values, trimmed, empty ones dropped (values are only ever bound parameters); the word
    the tables write for a missing value, in any language the cabinet speaks, is `NO_VALUE`: the rows without one."""
    values = (v.strip() for v in text.split(",") if v.strip())
    return tuple(NO_VALUE if v.casefold() in _no_value_words() else v for v in values)
