"""Numbers, money, rates and dates per locale (Babel), period presets in a user's time zone, and names in list order."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from math import isfinite
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_date, format_datetime, format_interval, format_skeleton
from babel.numbers import (
    format_currency,
    format_decimal,
    format_percent,
    get_currency_precision,
    get_currency_symbol,
)

PERIODS = ("today", "yesterday", "last_7_days", "last_30_days", "last_90_days", "month_to_date", "last_month", "custom")


def fmt_number(value: float | None, locale: str, digits: int = 0) -> str:
    """A grouped number ('12,345' / '12 345'); an em dash for None."""
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=locale)


def fmt_decimal(text: str, locale: str) -> str:
    """A stored decimal ("1.5", "1000") as the language writes it, every digit kept ("1,5", "1 000" in Russian)."""
    return format_decimal(Decimal(text), locale=locale, decimal_quantization=False)


def sign_apart(char: str) -> bool:
    """A sign's end that CLDR's currency spacing sets apart from a digit: neither a symbol ($, €) nor a space."""
    return not unicodedata.category(char).startswith(("S", "Z"))


def money_text(value: float | Decimal, currency: str, locale: str, **options: object) -> str:
    """Babel's `format_currency` with CLDR's currency spacing, which Babel leaves out: a currency written in letters
    stands a no-break space apart from its digits ("RUB 115,000.00", "CHF 5.00", "-CHF 5.00"), where English read
    "RUB115,000.00"; "$5.00" and "5,00 €" are as before."""
    text = format_currency(value, currency, locale=locale, **options)  # type: ignore[arg-type]
    sign = get_currency_symbol(currency, locale)
    at = text.find(sign) if sign else -1
    if at < 0:
        return text
    end = at + len(sign)
    if end < len(text) and text[end].isdigit() and sign_apart(sign[-1]):
        return f"{text[:end]}\u00a0{text[end:]}"
    if at > 0 and text[at - 1].isdigit() and sign_apart(sign[0]):
        return f"{text[:at]}\u00a0{text[at:]}"
    return text


# The money rule, the same on every page, table, email and document: a figure shown is its exact amount (commission
# has four decimals; a sum is of the exact amounts) rounded once, to the currency's minor unit, half to even (as Babel,
# the tables and the postbacks round). A total is the exact total rounded once, never the sum of rounded lines; where
# rounded lines stand under a total, a rounding line (`rounding_line`) makes the column add up. Only what a payout may
# ask is rounded down (`floored_amount`), and the page says so.
MONEY_ROUNDING = ROUND_HALF_EVEN


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of `currency` a figure is shown in: 0.01 for USD and EUR, 1 for JPY."""
    return Decimal(1).scaleb(-get_currency_precision(currency or "USD"))


def _exact(amount: Decimal | float | int) -> Decimal:
    """`amount` as a decimal; a float as its shortest text reads (678.985, not the double's 678.98499…)."""
    return amount if isinstance(amount, Decimal) else Decimal(str(amount))


def shown_amount(amount: Decimal | float | int, currency: str = "USD") -> Decimal:
    """`amount` as every figure of it is shown: rounded once to the currency's minor unit, half to even
    (`MONEY_ROUNDING`); never "-0.00"."""
    out = _exact(amount).quantize(minor_unit(currency), rounding=MONEY_ROUNDING)
    return out.copy_abs() if out == 0 else out


def floored_amount(amount: Decimal | float | int, currency: str = "USD") -> Decimal:
    """`amount` rounded down to the currency's minor unit: what a payout may ask (never more than there is)."""
    out = _exact(amount).quantize(minor_unit(currency), rounding=ROUND_FLOOR)
    return out.copy_abs() if out == 0 else out


def rounding_line(total: Decimal, parts: Iterable[Decimal], currency: str = "USD") -> Decimal:
    """What a column of figures each rounded once (`parts`, exact) needs to add up to their `total` rounded once: 0
    when they do, else a cent or a few (the line a statement prints as "Rounding")."""
    return shown_amount(total, currency) - sum((shown_amount(p, currency) for p in parts), Decimal(0))


def fmt_money(value: Decimal | float | None, currency: str, locale: str) -> str:
    """Money with its currency sign, rounded once by the money rule (`shown_amount`)."""
    if value is None:
        return "—"
    return money_text(shown_amount(value, currency), currency, locale)


def fmt_small_money(value: float | None, currency: str, locale: str) -> str:
    """Money per click or per user (EPC): two decimals, up to four below one unit, where a typical EPC of
    $0.0042 would read $0.00."""
    if value is None:
        return "—"
    if abs(value) >= 1:
        return fmt_money(value, currency, locale)
    return money_text(Decimal(str(round(value, 4))), currency, locale, decimal_quantization=False)


def fmt_rate(value: float | None, locale: str) -> str:
    """A fraction shown as a percent with two decimals (0.0123 → 1.23%)."""
    if value is None:
        return "—"
    return format_percent(value, format="#,##0.00%", locale=locale)


MULTIPLE_FROM = 10.0  # a rise of +1,000% or more reads as a multiple: "×2,138", not "+213,677.0%"


def no_change(value: float | None) -> bool:
    """Whether a change reads as none once shown to a tenth of a percent (a KPI then has no arrow and no colour)."""
    return (
        value is not None
        and isfinite(value)
        and Decimal(str(abs(value) * 100)).quantize(Decimal("0.1"), ROUND_HALF_EVEN) == 0
    )


def fmt_change(value: float | None, locale: str) -> str | None:
    """A signed percent change for st.metric deltas, None when not comparable.

    Against a near-zero previous period the percent is exact but unreadable, so a rise of ten times the previous
    value or more is shown as the multiple of it (current / previous = 1 + change).
    """
    if value is None:
        return None
    if value >= MULTIPLE_FROM:
        return "×" + format_decimal(1 + value, format="#,##0", locale=locale)
    if no_change(value):  # shown as 0.0%: unsigned, as no change is ("-0.0%" read as a fall)
        return format_percent(0, format="#,##0.0%", locale=locale)
    sign = "+" if value > 0 else ""
    return sign + format_percent(value, format="#,##0.0%", locale=locale)


def fmt_change_or_difference(change: float | None, difference: float | None, said: Callable[[float], str],
                             locale: str, *, rate: bool = False) -> str | None:  # fmt: skip
    """A figure's change beside the previous period as the Dashboard's cards say it: the percent where the previous
    value was above zero (`change`, `queries.dashboard.kpis`); else the difference in the figure's own unit, as `said`
    writes an amount ("+$31.00" after -$31.00 of reversals, where a percent read "+100%"; "+12" clicks after none).
    None for a `rate` (a difference of percents would read as a percent change), for no difference (or less than
    shows), and when there is nothing to compare."""
    if change is not None:
        return fmt_change(change, locale)
    if difference is None or rate or not isfinite(difference):
        return None
    amount = said(abs(difference))
    if amount == said(0.0):
        return None
    return ("+" if difference > 0 else "-") + amount


def fmt_day(day: date, locale: str) -> str:
    """A date as the language writes it in a sentence: "Nov 7, 2026", "7 нояб. 2026 г."."""
    return format_date(day, format="medium", locale=locale)


def fmt_days(start: date, end: date, locale: str) -> str:
    """Inclusive dates as one range, what they share said once: "Nov 7 – Dec 6, 2026", "1–30 нояб. 2026 г."; a single
    day as that day."""
    return format_interval(start, end, "yMMMd", locale=locale)


def fmt_week(monday: date, locale: str, *, year: bool = True) -> str:
    """The week (Monday to Sunday) starting `monday` as its days' range, as the weekly summary names its week: "Oct 26
    – Nov 1, 2026", "2–8 нояб. 2026 г."; without `year` "Oct 26 – Nov 1", "2–8 нояб." (a list of weeks of one year
    that says the year above it)."""
    return format_interval(monday, monday + timedelta(days=6), "yMMMd" if year else "MMMd", locale=locale)


def fmt_month(month: date, locale: str) -> str:
    """A month as the language names it alone: "November 2026", "ноябрь 2026 г."."""
    return format_skeleton("yMMMM", month, locale=locale)


def fmt_moment(moment: datetime, locale: str) -> str:
    """A moment to the minute as its own clock reads it (no zone said: the text names it): "Dec 5, 2026, 23:59",
    "5 дек. 2026 г., 23:59". A 24-hour clock in both languages, as the charts' hours are."""
    loc = Locale.parse(locale)
    day = loc.date_formats["medium"].pattern
    pattern = str(loc.datetime_formats["medium"]).replace("{1}", day).replace("{0}", "HH:mm")
    return format_datetime(moment.replace(tzinfo=None), pattern, locale=locale)


def today_in(tz: str, now: datetime | None = None) -> date:
    """The current date in a time zone."""
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(tz)).date()


def local_day(moment: datetime, tz: str) -> date:
    """The date in `tz` of a store time (naive UTC): a link made at 19:35 in New York is made that day, not the next."""
    return local_time(moment, tz).date()


def local_time(moment: datetime, tz: str) -> datetime:
    """A store time (UTC, naive as SQLite gives it) as the clock in `tz` reads it, without its zone."""
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(tz)).replace(tzinfo=None)


def zoned(moment: datetime, zone: str | None) -> tuple[datetime, str]:
    """An aware moment in a login's time zone (UTC when it has none or an unknown one) and that zone's name: "MSK",
    "UTC+04" (a zone without a letter abbreviation)."""
    try:
        local = moment.astimezone(ZoneInfo(zone or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        local = moment.astimezone(UTC)
    name = local.tzname() or "UTC"
    return local, "UTC" + name if name[0] in "+-" else name


def zoned_text(moment: datetime, zone: str | None) -> str:
    """An aware moment as an email to a login states it: in the login's time zone, named (`zoned`): "2026-12-05 19:30
    MSK", "2026-12-05 20:30 UTC+04"."""
    local, name = zoned(moment, zone)
    return f"{local:%Y-%m-%d %H:%M} {name}"


def period_dates(period: str, tz: str, now: datetime | None = None) -> tuple[date, date]:
    """Inclusive local dates of a preset period in `tz` (custom → last 30 days as the starting point)."""
    today = today_in(tz, now)
    if period == "today":
        return today, today
    if period == "yesterday":
        return today - timedelta(days=1), today - timedelta(days=1)
    if period == "last_7_days":
        return today - timedelta(days=6), today
    if period == "last_90_days":
        return today - timedelta(days=89), today
    if period == "month_to_date":
        return today.replace(day=1), today
    if period == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    return today - timedelta(days=29), today


# Date axis labels by tick spacing, day before month as CLDR has it for both languages ("2 Nov", "2 нояб.")
DATE_TICKS = [
    {"dtickrange": [None, 86400000], "value": "%H:%M<br>%-d %b"},
    {"dtickrange": [86400000, 14 * 86400000], "value": "%-d %b"},  # bounds are inclusive, the first match wins
    {"dtickrange": ["M1", "M6"], "value": "%B %Y"},
    {"dtickrange": ["M12", None], "value": "%Y"},
]
DATE_HOVER = {"hour": "%-d %b %Y %H:%M", "day": "%-d %b %Y", "week": "%-d %b %Y", "month": "%B %Y"}


def chart_config(locale: str) -> dict[str, object]:
    """Plotly config that draws dates and numbers in `locale`: month and day names, decimal and group separators.

    Plotly.js ships English only; its config takes a locale's `format` inline, filled here from Babel (CLDR): short
    months as written beside a day (genitive in Russian, "2 нояб."), full months as written alone ("ноябрь 2026")."""
    loc = Locale.parse(locale)
    symbols = loc.number_symbols["latn"]

    def names(table: object, context: str, width: str) -> list[str]:
        found = table[context][width]  # type: ignore[index]
        return [found[k] for k in sorted(found)]

    days = names(loc.days, "stand-alone", "wide")  # Babel: Monday first; Plotly (d3): Sunday first
    short_days = names(loc.days, "stand-alone", "abbreviated")
    fmt = {
        "months": names(loc.months, "stand-alone", "wide"),
        "shortMonths": names(loc.months, "format", "abbreviated"),
        "days": days[-1:] + days[:-1],
        "shortDays": short_days[-1:] + short_days[:-1],
        "decimal": symbols["decimal"],
        "thousands": symbols["group"],
    }
    return {"locale": locale, "locales": {locale: {"format": fmt}}, "displaylogo": False}


# Characters that show nothing themselves but change what a reader sees: control characters (not those `str.split`
# and `str.splitlines` take for spaces and line breaks: those become one space, or a line) and the bidirectional
# embeddings, overrides, isolates and marks. In a name typed by a partner, "Ann\u202egnp.exe" reads "Annexe.png" on a
# manager's screen. Joiners (U+200C, U+200D) stay: emoji and scripts need them.
UNSEEN = "\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNSEEN = re.compile(f"[{UNSEEN}]")


def without_unseen(text: str) -> str:
    """`text` without the characters that change what a reader sees (`UNSEEN`)."""
    return _UNSEEN.sub("", text)


def name_order(name: str, key: object = None) -> tuple[str, str, object]:
    """A place in a list by name, in any case and alike on every store, for sorting in Python (`key` breaks ties): the
    store's collation put "Zeta" before "alpha" on SQLite (and "Банан" before "арбуз": its lower() folds only ASCII),
    after it on a PostgreSQL in en_US."""
    return name.casefold(), name, key


def one_line(text: str) -> str:
    """A line as typed (a name, a short message): spaces of any kind and line breaks as one space, trimmed, without
    the characters that change what a reader sees (`UNSEEN`)."""
    return " ".join(_UNSEEN.sub("", text).split())


def clean_lines(text: str) -> str:
    """A block of lines as typed into a text area, each line trimmed, leading and trailing blank lines dropped, without
    the characters that change what a reader sees (`UNSEEN`)."""
    return "\n".join(line.strip() for line in _UNSEEN.sub("", text).strip().splitlines())


# A number in digits, signed or not, with a point before its decimals, as `number_text` leaves one: not "1e3" (which
# `Decimal` reads as 1000, a slip for "13": the e is under the 3), "NaN", "Infinity" or "0x10".
_DIGITS = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def in_digits(plain: str) -> bool:
    """Whether `plain` (`number_text`'s result) is a number written in digits."""
    return _DIGITS.fullmatch(plain) is not None


def number_text(typed: str) -> str:
    """A number as typed in Python's spelling: spaces of any kind dropped ("1 000", as Russian groups thousands), a
    decimal comma read as a point ("1,5", "0,125"). ValueError for a comma that may group thousands ("1,000" is one
    thousand in English and 1 to a Russian reader) or one beside a point ("1,000.50"): never one number read as
    another."""
    text = "".join(typed.split())
    whole, comma, decimals = text.partition(",")
    if comma and ("," in decimals or "." in text or (len(decimals) == 3 and decimals.isdigit() and whole.strip("+-0"))):
        raise ValueError(f"{typed!r} can be read two ways")
    return text.replace(",", ".")
