"""Figures in tables as the session's language writes them, as the cards beside them do.

Streamlit's named number formats ("localized", "dollar", "percent") write a number as the browser's language does
(`navigator.languages`), not the session's: a Russian session in an English browser read "8,254" in a table beside
"1 735,01 $" on a card. A column format cannot name a language, and a printf one (sprintf.js) neither groups thousands
nor writes a decimal comma. A pandas Styler's texts can: st.dataframe shows them in a number column that has no format
of its own, and sorts that column by its numbers. They cost time with the cells (a Styler of 5,000 rows of 11 columns
took 0.6-1.3 s here, 50,000 rows 4.9 s), so a table's figures are written
- in the named formats when the browser's language is the session's: they then read as the cards do, at no cost;
- otherwise as the session writes them, through a Styler, up to `STYLED_CELLS` cells;
- beyond that in formats that read one way in any language: counts ungrouped ("8254"), money to the currency's minor
  unit (the cent, the yen, the fils) with its sign where the session's language puts it; shares stay the browser's
  percent (no thousands to misread).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import polars as pl
import streamlit as st
from babel import Locale
from babel.numbers import format_percent, get_currency_precision, get_currency_symbol

from cabinet.formatting import fmt_change, fmt_decimal, fmt_money, fmt_number, fmt_small_money, sign_apart
from cabinet.ui import data
from cabinet.ui.text import current_locale

STYLED_CELLS = 60_000  # a Commissions table of 5,000 rows (up to 0.9-1.3 s of a page run here, loaded)
CURRENCY_PRESETS = {"USD": "dollar", "EUR": "euro", "JPY": "yen"}  # Streamlit's number formats with a currency
SMALL_MONEY_SIGNS = {"USD": "$", "EUR": "€", "JPY": "¥"}
PLACEHOLDER = "—"  # an empty cell, as `st.dataframe(placeholder=...)` writes it
PRINTF = "en"  # the language a printf format (sprintf.js) writes numbers in: a decimal point, no grouping
PLAIN_CHANGE = "%+.1f%%"  # a change in a table too large to write its cells here: signed, in percents, to a tenth
# the step of a share column whose percents have two fixed decimals ("50.00%", "34.90%", as the cards' rates): the
# browser writes a percent to its column's step's decimals less two, else to up to two ("50%" beside "34.02%")
RATE_STEP = 0.0001


def browser_language() -> str | None:
    """The language of the browser showing the session ("en" of "en-US"), None when it is not known."""
    tag = st.context.locale
    return tag.split("-")[0].lower() if tag else None


def money_format(small: bool = False) -> str:
    """Streamlit's format of base-currency money in the browser's language, to the currency's minor unit as its cards
    ("yen": "¥1,001"; "%.3f KWD": "1.234 KWD", not "1.23 KWD"); `small`: to four decimals (an EPC)."""
    base = data.base_currency()
    if small:
        return f"{SMALL_MONEY_SIGNS[base]}%.4f" if base in SMALL_MONEY_SIGNS else f"%.4f {base}"
    return CURRENCY_PRESETS.get(base, f"%.{get_currency_precision(base)}f {base}")


def _printf(kind: str) -> bool:
    """Whether the format `money_format` makes for `kind` is a printf one, which writes a decimal point and no
    grouping in every language (a dinar's "1.234 KWD" beside a Russian card's "1,234 KWD")."""
    return kind == "small" or (kind == "money" and data.base_currency() not in CURRENCY_PRESETS)


def _kind(fmt: object) -> str | None:
    """What a format made by `money_format` or named by a page writes: count, money, small (money), share."""
    if fmt == "localized":
        return "count"
    if fmt == "percent":
        return "share"
    if fmt == money_format():
        return "money"
    if fmt == money_format(small=True):
        return "small"
    return None


def _share_pattern(step: object) -> str:
    """A share's pattern as the browser writes it in a column of `step`: to the step's decimals less two
    (`RATE_STEP`: "12.50%"), without a step to up to two ("12.5%")."""
    if isinstance(step, int | float) and 0 < step < 1:
        places = max(-int(Decimal(str(step)).normalize().as_tuple().exponent) - 2, 0)
        return "#,##0" + ("." + "0" * places if places else "") + "%"
    return "#,##0.##%"


def _text(kind: str, locale: str, step: object = None) -> Callable[[Any], str]:
    base = data.base_currency()
    if kind == "count":
        return lambda v: fmt_number(v, locale)
    if kind == "money":
        return lambda v: fmt_money(v, base, locale)
    if kind == "small":
        return lambda v: fmt_small_money(v, base, locale)
    pattern = _share_pattern(step)
    return lambda v: format_percent(v, format=pattern, locale=locale)  # as the browser's


def _other_text(dtype: pl.DataType, locale: str) -> Callable[[Any], str] | None:
    """The text of a column without a figure format, where a Styler's own would differ from the table's: a float's
    (six decimals), a whole number's with an empty cell (a float then: "12.0"), a date's (with a midnight time)."""
    if dtype.is_float():
        return lambda v: fmt_decimal(repr(v), locale)
    if dtype.is_integer():
        return lambda v: str(int(v))
    if dtype == pl.Date:
        return lambda v: v.strftime("%Y-%m-%d")
    return None


def _plain_format(kind: str, locale: str) -> str | None:
    """A printf format reading one way in every language, for a table too large to write its figures here."""
    if kind == "count":
        return "%d"
    if kind in ("money", "small"):
        pattern = Locale.parse(locale).currency_formats["standard"].pattern.split(";")[0]
        number = pattern.strip("¤\xa0 ")
        sign = get_currency_symbol(data.base_currency(), locale)
        if pattern.startswith("¤") and sign_apart(sign[-1]):  # "CHF 5.00", as `formatting.money_text` writes it
            sign += "\u00a0"
        places = 4 if kind == "small" else get_currency_precision(data.base_currency())
        return pattern.replace(number, f"%.{places}f").replace("¤", sign)
    return None  # a share: the browser's percent


def _without_format(config: Any) -> Any:
    return {**config, "type_config": {**config["type_config"], "format": None}}


def _with_format(config: Any, fmt: str) -> Any:
    return {**config, "type_config": {**(config.get("type_config") or {}), "format": fmt}}


def _column_text(frame: pl.DataFrame, name: str, kinds: dict[str, str], changes: Collection[str],
                 locale: str, step: object = None,
                 dates: Mapping[str, Callable[[date], str]] | None = None) -> Callable[[Any], str] | None:  # fmt: skip
    if dates and name in dates:
        said = dates[name]
        return lambda v: said(v.date() if isinstance(v, datetime) else v)  # pandas hands a Timestamp
    if name in changes:  # as the Dashboard's cards write a change: "+12.5%", "-3.0%", "×14"
        return lambda v: fmt_change(v, locale) or PLACEHOLDER
    return _text(kinds[name], locale, step) if name in kinds else _other_text(frame[name].dtype, locale)


def show_dataframe(frame: pl.DataFrame, column_config: dict[str, Any], *, changes: Collection[str] = (),
                   dates: Mapping[str, Callable[[date], str]] | None = None, **kwargs: Any) -> None:  # fmt: skip
    """`st.dataframe` of `frame` (headers as shown) whose figure columns (`column_config`'s number columns with a
    named or money format) read as the session's language writes them; their values stay numbers, so they sort.

    `changes`: columns holding a change as a fraction (1.2 for +120%), signed as the Dashboard's cards sign one
    (`cabinet.formatting.fmt_change`: "+12.5%", not a browser percent's "12.5%"); beyond `STYLED_CELLS` signed by a
    printf format in percents, in any language ("+12.5%").

    `dates`: date columns written by the function given for each ("Oct 26 – Nov 1, 2026" for a week's Monday), their
    values dates still, so they sort in time (a text column sorted "Nov 2" before "Oct 26"); up to `STYLED_CELLS`
    cells, beyond that as ISO dates."""
    locale = current_locale()
    dates = {name: said for name, said in (dates or {}).items() if name in frame.columns}
    changes = [c for c in changes if c in frame.columns]
    kinds = {name: kind for name, c in column_config.items()
             if isinstance(c, dict) and name in frame.columns and name not in changes
             and (kind := _kind((c.get("type_config") or {}).get("format"))) is not None}  # fmt: skip
    browser = browser_language()
    # the browser writes them as the session does (no cost), but for a printf format's: English ("$0.0042")
    native = (not kinds or browser is None
              or (browser == locale and (locale == PRINTF or not any(_printf(k) for k in kinds.values()))))  # fmt: skip
    if native and not changes and not dates:
        st.dataframe(frame, column_config=column_config, **kwargs)
        return
    if frame.height * frame.width > STYLED_CELLS:
        config = dict(column_config)
        for name, kind in kinds.items():
            if not native and (fmt := _plain_format(kind, locale)) is not None:
                config[name] = _with_format(config[name], fmt)
        config |= {name: _with_format(config.get(name) or {}, PLAIN_CHANGE) for name in changes}
        st.dataframe(frame.with_columns(pl.col(c) * 100 for c in changes), column_config=config, **kwargs)
        return
    if native and not changes:  # only the dates' texts are given: the figures keep the browser's formats, no cost
        kinds = {}
    table = frame.to_pandas()
    styler = table.style.format(na_rep=PLACEHOLDER)  # every cell: a float's default text has six decimals
    for name in table.columns:
        step = ((column_config.get(name) or {}).get("type_config") or {}).get("step")
        if (text := _column_text(frame, name, kinds, changes, locale, step, dates)) is not None:
            styler = styler.format(text, subset=[name], na_rep=PLACEHOLDER)
    # a column's own format would be drawn instead of the texts
    config = column_config | {name: _without_format(column_config[name]) for name in (*kinds, *changes)
                              if name in column_config}  # fmt: skip
    st.dataframe(styler, column_config=config, **kwargs)
