"""Reusable widgets: period picker, KPI cards, metric formatting, report filters, downloads."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Hashable, Mapping
from datetime import date
from typing import Any, TypeVar

import polars as pl
import streamlit as st
from sqlalchemy.orm import Session

from cabinet import formatting
from cabinet.access import Scope, ScopeError
from cabinet.errors import RefusedRequest, localised
from cabinet.export import MIME, to_bytes  # the Full export page takes them from here too
from cabinet.formatting import (
    PERIODS,
    fmt_money,
    fmt_number,
    fmt_rate,
    fmt_small_money,
    minor_unit,
    period_dates,
)
from cabinet.report_headers import percent_columns
from cabinet.session import SessionUser
from cabinet.ui import data
from cabinet.ui.cards import card_box, kpi_delta
from cabinet.ui.dates import date_format, fmt_days
from cabinet.ui.headers import download_headers, metric_part, report_header, report_headers
from cabinet.ui.headers import short_label as short_label  # pages take it from here
from cabinet.ui.next_run import Inputs, forget_inputs, told_next
from cabinet.ui.once import once as _once
from cabinet.ui.resources import engine
from cabinet.ui.tables import RATE_STEP, money_format, show_dataframe
from cabinet.ui.text import current_locale, t
from cabinet.ui.unreachable import session_scope
from queries.metrics import COUNTS, MONEY, RATES
from queries.reports import split_values as split_values  # the Reports page takes it from here

SMALL_MONEY = ("epc",)  # money per click: below one unit to four decimals, on cards and in tables alike
T = TypeVar("T")


_GENERATION = "_widgets_generation"  # bumped to draw the remembered-choice widgets anew (`renew_widgets`)


def _generation() -> str:
    n = st.session_state.get(_GENERATION, 0)
    return f"_g{n}" if n else ""


def renew_widgets() -> None:
    """Draw every widget keyed by `per_language` anew in the next run, from the remembered choices: the browser keeps
    showing a widget's old value under its old key, so a page that sets the choices (a saved view) changes the keys."""
    st.session_state[_GENERATION] = st.session_state.get(_GENERATION, 0) + 1


def per_language(base: str, default: T) -> tuple[str, T]:
    """A widget key for the current language and the value to start it with: the user's last choice.

    Widgets with translated option labels keep the labels of the language they were created in, so each language gets
    its own widget; the choice itself is remembered under `base` (see `remember`) and carried over on a switch.
    """
    return f"{base}_{current_locale()}{_generation()}", st.session_state.get(f"_choice_{base}", default)


def relabel(key: str, options: Collection[Hashable]) -> None:
    """Before drawing the picker `key` whose option labels can change while its choice stays (a request's status, a
    renamed offer, another language): set its choice again, so the browser shows the label as it is now. Streamlit's
    browser side redraws a changed label of the chosen option only when the value is set ("7 · … (Requested)" stayed
    over a request just approved; "Clicks" over "Строки" after a switch to Russian; a multiselect's chips the same)."""
    value = st.session_state.get(key)
    chosen = value if isinstance(value, list) else [value]
    if value is not None and all(v in options for v in chosen):
        st.session_state[key] = value


def remember(base: str, value: T) -> T:
    """Store the user's choice of widget `base` for `per_language`; returns the value."""
    st.session_state[f"_choice_{base}"] = value
    return value


def period_picker(user: SessionUser, key: str, default: str = "last_30_days") -> tuple[date, date]:
    """Preset or custom period in the user's time zone; returns inclusive local dates."""
    cols = st.columns([2, 3])
    widget_key, current = per_language(f"{key}_period", default)
    period = remember(
        f"{key}_period",
        cols[0].selectbox(
            t("common.period"),
            PERIODS,
            index=PERIODS.index(current if current in PERIODS else default),
            format_func=lambda p: t(f"period.{p}"),
            key=widget_key,
        ),
    )
    start, end = period_dates(period, user.timezone)
    if period == "custom":
        shown = st.session_state.get(f"_choice_{key}_dates", (start, end))
        picked = cols[1].date_input(t("common.dates"), value=shown, key=f"{key}_dates{_generation()}",
                                    format=date_format())  # fmt: skip
        if isinstance(picked, tuple) and len(picked) == 2:
            start, end = remember(f"{key}_dates", picked)
        else:
            st.info(t("common.pick_end"))
            st.stop()
    else:
        cols[1].caption(t("common.range", dates=fmt_days(start, end), tz=user.timezone))
    return start, end


def partner_picker(user: SessionUser, snapshot_id: str, key: str, where: Any = st) -> int | None:
    """For a manager or admin, all their partners (None) or one of those with customers, the most first, with their
    number of customers; a partner (or a view as one) gets None without a widget: its scope is its own."""
    if user.scope.own_partner_id is not None:
        return None
    names = {0: t("cohorts.all_partners")}  # partner ids start at 1
    names |= {
        pid: f"{pid} · {name} ({fmt_count(n)})"
        for pid, name, n in data.cohort_partners(user.scope, snapshot_id).iter_rows()
    }
    picked = where.selectbox(t("cohorts.partner"), list(names), format_func=names.get, key=key)  # st, or a column
    return int(picked) or None


def show_refusal(exc: Exception, partner: object = None) -> None:
    """A refused request (ScopeError, LinkError, PayoutError, ...) in the interface's language: its translation key
    and values; a scope error without them names `partner`."""
    key, params = getattr(exc, "key", None), getattr(exc, "params", None)
    st.error(t(key or "scope.partner_outside", **localised(params or {"partner": partner}, current_locale())))


def save_then_rerun(change: Callable[[Session], object], done_key: str, done: object = None, clear: Inputs = (),
                    after: Callable[[object], Any] | None = None, once: tuple[object, ...] = ()) -> None:  # fmt: skip
    """Make a store change in one transaction and rerun the page with `done` (or else the change's result) in
    `st.session_state[done_key]`, for the next run to say it once, and the `clear` widget keys forgotten (the form
    starts empty). `after` gets the change's result once it is committed (a file it left to delete, a cache to clear).
    A refusal is shown where the change was asked for, and nothing is written. `once`: the form's or button's key and
    what it sent; the same again at once is a replay (`cabinet.ui.once`), rerun with the first one's result."""

    def write() -> object:
        with session_scope(engine()) as session:
            return change(session)

    told = told_next()  # before the change: a Streamlit call
    try:
        result = _once(write, str(once[0]), *once[1:]) if once else write()
    except (RefusedRequest, ScopeError) as exc:
        show_refusal(exc)
        return
    # What to say, kept with no Streamlit call after the commit: a run Streamlit stops at its next call (the browser
    # asked for another) would lose it, and the page that follows draws no form to replay (recovery codes never shown)
    told[done_key] = result if done is None else done
    if after is not None:
        after(result)
    forget_inputs(clear)
    st.session_state[done_key] = told[done_key]
    st.rerun()


def hold(name: str, scope: Scope, key: Hashable, value: T) -> T:
    """Keep a result a page made at the user's request (a prepared file, payout details shown in full) in the session
    under `name`, for this viewer and `key` (what it was made of); `held` gives it back."""
    st.session_state[name] = (scope, key, value)
    return value


def held(name: str, scope: Scope, key: Hashable) -> Any:
    """What `hold` kept under `name` when it was made for this viewer and `key`, else None (and it is forgotten).

    The viewer is the scope: the login, the partner it views the cabinet as, the partners it covers. A logout keeps
    the browser's session, so the next login in the same tab (or the same staff viewing as another partner) must not
    be offered a result made for the one before."""
    kept = st.session_state.get(name)
    if kept is None:
        return None
    if kept[:2] != (scope, key):
        del st.session_state[name]
        return None
    return kept[2]


def fmt_count(value: float | None, digits: int = 0) -> str:
    """A count (or a plain number to `digits` decimals) as the session's language writes it: "2,893" in English is
    2.893 to a Russian reader, who writes "2 893" (and "0,3" for 0.3)."""
    return fmt_number(value, current_locale(), digits)


def fmt_metric(metric: str, value: float | None) -> str:
    """A metric value formatted for the session's language."""
    return metric_text(metric)(value)


def metric_text(metric: str) -> Callable[[float | None], str]:
    """`fmt_metric` of one metric, with the session's language and the base currency looked up once (~0.2 ms a
    value): for a grid of cells."""
    locale = current_locale()
    if metric in RATES:
        return lambda v: fmt_rate(v, locale)
    if metric in MONEY:
        money, currency = fmt_small_money if metric == "epc" else fmt_money, data.base_currency()
        return lambda v: money(v, currency, locale)
    return lambda v: fmt_number(v, locale, 0 if metric in COUNTS else 2)


def kpi_cards(frame: pl.DataFrame, visible: tuple[str, ...], per_row: int = 4) -> None:
    """st.metric cards for the KPIs the user's tier may see, with change vs the previous period."""
    rows = [r for r in frame.iter_rows(named=True) if r["metric"] in visible]
    box = card_box("kpi")
    for i in range(0, len(rows), per_row):
        cols = box.columns(per_row)
        for col, row in zip(cols, rows[i : i + per_row], strict=False):
            # a percent where the previous value was above zero, else the difference; no arrow and no colour for no
            # change, or one shown as 0.0%
            delta, same = kpi_delta(row["metric"], row["change"], row.get("difference"),
                                    lambda v, m=row["metric"]: fmt_metric(m, v))  # fmt: skip
            full, short = t(f"metric.{row['metric']}"), short_label(row["metric"])
            col.metric(
                short,
                fmt_metric(row["metric"], row["value"]),
                delta=delta,
                delta_color="off" if same else "normal",
                delta_arrow="off" if same else "auto",
                help=(f"{full}. " if full != short else "")
                + t("common.previous", value=fmt_metric(row["metric"], row["previous"])),
            )


def shown_cents(amount: pl.Expr, currency: str = "USD") -> pl.Expr:
    """Money of up to four decimals (a float or a decimal) to the minor unit of `currency` by the money rule (the cent
    of USD, the yen, the thousandth of a dinar), as a column: half to even on the exact amount, as
    `cabinet.formatting.shown_amount` rounds a card's. Polars rounds the double nearest $8.425 up, to $8.43, where the
    card said $8.42: here the amount's units of 0.0001 are rounded as whole numbers."""
    places = min(max(-int(minor_unit(currency).as_tuple().exponent), 0), 4)
    step = 10 ** (4 - places)  # units of 0.0001 in one minor unit: 100 for a cent, 10,000 for a yen
    units = (amount.cast(pl.Float64) * 10_000).round(0).cast(pl.Int64, strict=False)  # exact: of 4 decimals
    minor, rest = units // step, units % step  # floor division: `rest` is 0..step-1 below zero too
    up = (rest * 2 > step) | ((rest * 2 == step) & (minor % 2 == 1))
    shown = (minor + up.cast(pl.Int64)).cast(pl.Decimal(38, places)) / 10**places
    return shown.cast(pl.Float64)  # -199.98, not -199.98000000000002


def to_cents(frame: pl.DataFrame, money: tuple[str, ...] = (), currency: str | None = None) -> pl.DataFrame:
    """Money columns (by machine name, and the `money` ones) to the minor unit of `currency` (the base currency when
    None: the cent, the yen, the thousandth of a dinar) as every table shows them, rounded half to even as the cards
    are, a negative amount that rounds to zero as 0, not -0: left to the browser, $678.985 read $678.99 on one page and
    $678.98 on another, and a yen table kept the cents the browser then rounded its own way. Decimal columns (the
    store's exact amounts) become floats. An EPC below one unit keeps four decimals, as its card does
    (`cabinet.formatting.fmt_small_money`)."""
    unit_of = currency or data.base_currency()

    def rounded(c: str) -> pl.Expr:
        cents = shown_cents(pl.col(c), unit_of)
        if metric_part(c)[0] in SMALL_MONEY:
            cents = pl.when(pl.col(c).abs() < 1).then(pl.col(c).round(4)).otherwise(cents)
        return pl.when(cents == 0).then(0.0).otherwise(cents.cast(pl.Float64)).alias(c)

    return frame.with_columns([rounded(c) for c in frame.columns
                               if (c in money or (metric_part(c)[0] in MONEY and metric_part(c)[1] != "change"))
                               and (frame[c].dtype.is_float() or frame[c].dtype.is_decimal())])  # fmt: skip


def totals_apart(frame: pl.DataFrame, currency: str | None = None) -> bool:
    """Whether a money column of a report with its Total row last reads, to the minor unit of `currency` (the base
    currency when None), otherwise than its rows added up as shown: each figure is rounded once, the Total too (the
    exact total), so a column can be a cent (a yen) or so apart."""
    if frame.height < 3:  # one row and the total: the same figure
        return False
    unit_of = currency or data.base_currency()
    cents = to_cents(frame, currency=unit_of)
    added = MONEY - {"epc", "arpu"}  # sums: a rate's Total is no sum of its rows
    money = [c for c in frame.columns if metric_part(c)[0] in added and metric_part(c)[1] != "change"]
    rows, total = cents.head(frame.height - 1), cents.tail(1)
    half = float(minor_unit(unit_of)) / 2
    return any(abs(float(rows[c].sum()) - float(total[c][0] or 0)) >= half for c in money if c in cents.columns)


def display_frame(frame: pl.DataFrame, against: str = "previous") -> pl.DataFrame:
    """Column headers translated for display (values stay numbers so sorting works); money to the cent
    (`to_cents`; the downloads keep the exact values). `against`: the period `_prev` columns hold
    (`queries.compare`)."""
    return to_cents(frame).rename(report_headers(frame.columns, against))


def number_format(metric: str, small: bool = False) -> str | None:
    """Streamlit's number format for a metric's values: counts localized, money in the base currency, rates as %;
    with `small`, money per click to four decimals (an EPC of $0.0042 read $0.00). They write numbers as the browser's
    language does: `cabinet.ui.tables.show_dataframe` has them read as the session's."""
    if metric in SMALL_MONEY and small:
        return money_format(small=True)
    if metric in MONEY:
        return money_format()
    return "localized" if metric in COUNTS else "percent" if metric in RATES else None


def display_config(frame: pl.DataFrame, against: str = "previous") -> dict[str, object]:
    """Number formats for the metric columns of `frame` (machine names), keyed by their translated headers."""
    # no fixed widths: each column as wide as its header and values; fixed ones added up past a stretched table's
    # width, and its last column, the money one, was cut at the edge with its right-aligned values beyond it
    config: dict[str, object] = {}
    for c in frame.columns:
        metric, part = metric_part(c)
        if not metric or number_format(metric) is None:
            continue
        small = metric in SMALL_MONEY and bool(((frame[c].abs() < 1) & (frame[c].round(2) != frame[c])).any())
        fmt = "percent" if part == "change" else number_format(metric, small)
        year = "_year" if against == "year" and part else ""
        config[report_header(c, against)] = st.column_config.NumberColumn(
            format=fmt,
            help=t(f"common.colhelp_{part}{year}") if part else t(f"metric.{c}"),
            step=RATE_STEP if metric in RATES and part != "change" else None,  # "50.00%" as the cards, not "50%"
        )
    return config


def show_table(frame: pl.DataFrame, against: str = "previous", headed: Mapping[str, str] | None = None) -> None:
    """A report frame as a sortable table: translated headers, money, rates and counts formatted, each change beside
    another period signed as the Dashboard's cards sign it ("+12.5%"); `against`: the period its `_prev` columns hold,
    if any; `headed`: a shorter header of some columns (by machine name), the full name on hover."""
    config, shown = display_config(frame, against), display_frame(frame, against)
    for name, head in (headed or {}).items():
        full = report_header(name, against)
        config[head], shown = config.pop(full), shown.rename({full: head})
    changes = [report_header(c, against) for c in frame.columns if metric_part(c)[1] == "change"]
    show_dataframe(shown, config, changes=changes, hide_index=True, width="stretch",
                   placeholder="—")  # an empty change or rate, not the word None  # fmt: skip


REPORT_TABLE_MAX = 50_000  # rows of a report the table draws (every row goes into the downloads)
REPORT_CHART_MAX = 5_000  # rows of a report the chart draws (one bar or series each)


def download_buttons(frame: pl.DataFrame, name: str, key: str, *, headers: Mapping[str, str] | None,
                     xlsx: bool = True) -> None:  # fmt: skip
    """CSV and XLSX (unless `xlsx` is False: too many rows for a spreadsheet) of the frame's values as they are, made
    when a button is clicked: written on every run, the XLSX of 5,000 rows cost ~1.2 s of each page run.

    `headers`: the headers the page's table gives the columns, by machine name; the file is headed so, in the
    session's language, every column distinctly (`cabinet.ui.headers.download_headers`). None keeps the machine
    names, for a file programs read. The headers are settled now: the file is made outside the page's run, where
    the session's language is not known."""
    heads = dict(zip(frame.columns, frame.columns, strict=True))
    if headers is not None:
        heads = download_headers(frame.columns, headers)
    named, percent = frame.rename(heads), percent_columns(frame.columns, heads)  # changes and shares: XLSX percents
    cols = st.columns(4)
    for col, fmt in zip(cols, ("csv", "xlsx") if xlsx else ("csv",), strict=False):
        col.download_button(
            t(f"common.download_{fmt}"),
            data=lambda fmt=fmt: to_bytes(named, fmt, bom=True, percent=percent),  # a CSV Excel reads as UTF-8
            file_name=f"{name}.{fmt}",
            mime=MIME[fmt],
            key=f"{key}_{fmt}",
            icon=":material/download:",
            on_click="ignore",  # no rerun: the page stays as it is, and the other format can be fetched at once
        )


UNKNOWN_COUNTRY = "ZZ"  # the ETL's code for a country not known or not sent, and for money without a click


def label_report(frame: pl.DataFrame, group_by: list[str], offers: dict[int, str],
                 partners: dict[int, str] | None = None,
                 links: dict[int, str] | None = None) -> pl.DataFrame:  # fmt: skip
    """A report with totals (`queries.reports.report_with_totals`) as people read it: offers (and, given their names,
    partners and links) by id and name, empty keys as "(none)", the country code ZZ said unknown, the totals row named
    in the session's language. The downloads keep the machine values."""
    if not group_by or frame.is_empty():
        return frame
    body = pl.int_range(pl.len()) < pl.len() - 1  # every row but the totals
    keyed = (("offer_id", offers), ("partner_id", partners or {}), ("link_id", links or {}))
    named = {d: {str(k): f"{k} · {v}" for k, v in names.items() if v} for d, names in keyed}
    named["country"] = {UNKNOWN_COUNTRY: t("reports.country_unknown", code=UNKNOWN_COUNTRY)}  # read as a country
    out = frame.with_columns(
        [
            pl.when(body)
            .then(pl.col(d).replace(named[d]) if d in named else pl.col(d))
            .otherwise(pl.col(d))
            .fill_null(pl.when(body).then(pl.lit(t("common.no_offer" if d == "offer_id" else "common.no_value"))))
            .alias(d)
            for d in group_by
        ]
    )
    first, rest = group_by[0], group_by[1:]
    return out.with_columns(  # the totals row: "Total" under the first key, nothing under the others
        pl.when(body).then(pl.col(first)).otherwise(pl.lit(t("common.total"))).alias(first),
        *[pl.col(d).fill_null("") for d in rest],
    )


def plain(text: str) -> str:
    """Text from the store (an offer's name) shown as typed inside Markdown: its markup characters escaped, and the
    characters that change what a reader sees dropped (`formatting.UNSEEN`: a name stored before they were refused
    read "Ann\u202egnp.exe" as "Annexe.png")."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|$<>~])", r"\\\1", formatting.without_unseen(text))
