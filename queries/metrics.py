"""Allow-lists of dimensions and metrics (machine names of METRICS.md) and how each is computed."""

from __future__ import annotations

import polars as pl

# Base metrics: additive sums over facts or rollups; everything else is derived from them.
BASE_METRICS = (
    "clicks",
    "unique_clicks",
    "bot_clicks",
    "registrations",
    "ftds",
    "deposits",
    "deposit_amount",
    "sales",
    "sales_amount",
    "leads",
    "revenue",
    "commission_pending",
    "commission_hold",
    "commission_approved",
    "commission_paid",
    "commission_rejected",
    "commission_reversed",
)
MONEY = {
    "deposit_amount",
    "sales_amount",
    "revenue",
    "commission",
    "commission_pending",
    "commission_hold",
    "commission_approved",
    "commission_paid",
    "commission_rejected",
    "commission_reversed",
    "epc",
    "arpu",
}
RATES = {"cr", "ftd_rate", "reg_to_ftd"}
# metric = numerator ÷ denominator, undefined (None) where the denominator is 0: the rates, EPC and ARPU
RATIOS: dict[str, tuple[str, str]] = {
    "cr": ("registrations", "clicks"),
    "ftd_rate": ("ftds", "clicks"),
    "reg_to_ftd": ("ftds", "registrations"),
    "epc": ("commission", "clicks"),
    "arpu": ("revenue", "depositors"),
}
COUNTS = ("clicks", "unique_clicks", "bot_clicks", "registrations", "ftds", "deposits", "sales", "leads")
DERIVED = ("commission", "cr", "ftd_rate", "reg_to_ftd", "epc", "arpu")
METRICS = (*BASE_METRICS, *DERIVED)


def local_time(ts: str) -> str:
    """SQL: the naive UTC time `ts` as the wall-clock time of the viewer's zone `$tz` (naive), by DuckDB's rules."""
    return f"timezone($tz, timezone('UTC', {ts}))"


def utc_offset(ts: str) -> str:
    """SQL: the UTC offset of `$tz` at the naive UTC time `ts` as ISO 8601 writes it (+05:30, -04:00, +00:00)."""
    seconds = f"datediff('second', {ts}, {local_time(ts)})"
    return f"(if({seconds} < 0, '-', '+') || strftime(timestamp '2000-01-01' + to_seconds(abs({seconds})), '%H:%M'))"


def local_iso(ts: str) -> str:
    """SQL: the naive UTC time `ts` as ISO 8601 text in `$tz` with its offset ("2026-11-01T01:05:00-04:00", seconds'
    fractions when it has them): the hour a summer time's end repeats reads twice, told apart by the offset."""
    local = local_time(ts)
    fraction = f"if(microsecond({local}) % 1000000 = 0, '', rtrim(strftime({local}, '.%f'), '0'))"
    return f"strftime({local}, '%Y-%m-%dT%H:%M:%S') || {fraction} || {utc_offset(ts)}"


# group-by dimension → SQL over a fact row with columns t (naive UTC), partner_id, offer_id, link_id, country,
# device, sub1..sub5; `$tz` is the viewer's time zone. Time dimensions are ISO text in that zone; an hour carries its
# offset: the hour a summer time's end repeats is two rows ("2026-11-01T01:00-04:00", "2026-11-01T01:00-05:00").
_LOCAL = local_time("t")
DIMENSIONS: dict[str, str] = {
    "hour": f"strftime(date_trunc('hour', {_LOCAL}), '%Y-%m-%dT%H:00') || {utc_offset('t')}",
    "day": f"strftime({_LOCAL}::date, '%Y-%m-%d')",
    "week": f"strftime(date_trunc('week', {_LOCAL})::date, '%Y-%m-%d')",
    "month": f"strftime(date_trunc('month', {_LOCAL})::date, '%Y-%m')",
    "partner_id": "partner_id",
    "offer_id": "offer_id",
    "link_id": "link_id",
    "country": "country",
    "device": "device",
    **{f"sub{i}": f"sub{i}" for i in range(1, 6)},
}
# dimension → SQL over a fact row ordering its values in time where their text does not: the UTC start of an hour
# (the repeated hour's "+01:00" sorts after its "+00:00" as text, though it came first)
ORDER: dict[str, str] = {"hour": f"t - ({_LOCAL} - date_trunc('hour', {_LOCAL}))"}
FILTERS = ("partner_id", "offer_id", "link_id", "country", "device", "sub1", "sub2", "sub3", "sub4", "sub5")
RAW_ONLY = {"sub2", "sub3", "sub4", "sub5"}  # not in the hourly rollup: answered from the facts


COMMISSION_PARTS = ("commission_pending", "commission_hold", "commission_approved", "commission_paid")
# what each derived metric is computed from (base sums only; arpu also needs distinct depositors)
NEEDS: dict[str, tuple[str, ...]] = {
    "commission": COMMISSION_PARTS,
    "cr": ("registrations", "clicks"),
    "ftd_rate": ("ftds", "clicks"),
    "reg_to_ftd": ("ftds", "registrations"),
    "epc": (*COMMISSION_PARTS, "clicks"),
    "arpu": ("revenue",),
}


def base_columns(metrics: tuple[str, ...] | list[str]) -> list[str]:
    """The base sums a list of metrics needs, in BASE_METRICS order (only these are aggregated)."""
    wanted = {b for m in metrics for b in NEEDS.get(m, (m,))}
    return [b for b in BASE_METRICS if b in wanted]


def derive(frame: pl.DataFrame) -> pl.DataFrame:
    """Add the derived metrics whose inputs are present (rates as fractions, money rounded to 4 decimals)."""

    def ratio(num: str, den: str) -> pl.Expr:
        return pl.when(pl.col(den) > 0).then(pl.col(num) / pl.col(den)).otherwise(None)

    out = frame
    if all(c in out.columns for c in COMMISSION_PARTS):
        out = out.with_columns(commission=sum(pl.col(c) for c in COMMISSION_PARTS))
    out = out.with_columns(
        [ratio(n, d).alias(m) for m, (n, d) in RATIOS.items() if n in out.columns and d in out.columns]
    )
    out = out.with_columns([pl.col(m).round(4) for m in MONEY if m in out.columns])
    return out.with_columns([pl.col(m).cast(pl.Int64) for m in COUNTS if m in out.columns])
