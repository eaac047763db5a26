"""The demo's payout requests: a partner of a program that has run for a year was paid month after month.

Each partner asks early in a month for what it earned before (paid a few days later), as long as that comes to 100
or more; the first six partners of the showcase tree then have one request each some seven weeks before the data
ends — paid, approved, waiting — for a manager to act on (at least 50, the program's minimum, when it earns that).
The ETL prices the commissions after the demo is written, so a request is sized from the conversions themselves:
what the partner's plan pays at its lowest tier for its approved conversions at the FX feed's rates (no sub-partner
overrides, higher tiers or later rates) less what the commission feed takes back (`taken_back`); a partner asks for
what that comes to by then, up to 90% of it, less what it was paid before, and never more than 90% of what it comes
to in the end. The store's amounts are in the base currency, as the cabinet makes them (a partner paid in euros is
sent its request converted)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import numpy as np
import polars as pl
from sqlalchemy.orm import Session

from cabinet.demo.feeds import FX_START
from cabinet.demo.program import CONVERSION_KINDS, DemoProgram
from cabinet.store.models import Partner, PayoutRequest

USD_PER = {"USD": 1.0, **FX_START}  # the rates the FX feed starts from (for a day before its first)
RECENT = 6  # partners with a request seven weeks before the end, in the statuses paid, approved, requested
ASKED_SHARE = 0.9
MONTHLY_LEAST = 100  # a partner asks once it has this much
PROGRAM_LEAST = 50  # the program's minimum payout (`cabinet.payouts`)


def earned(prog: DemoProgram, conv: pl.DataFrame, updates: pl.DataFrame, clicks: pl.DataFrame, fx: pl.DataFrame,
           feed: pl.DataFrame) -> pl.DataFrame:  # fmt: skip
    """What each partner's approved conversions earn by its plan's base terms (`DemoProgram.terms`), in USD at the FX
    feed's rate of the conversion's day (`fx`: date, currency, rate in USD per unit), per calendar month (UTC): columns
    partner_id, month (its first day), usd. The conversions the commission feed prices (`feed`: FTDs the previous
    system paid) are left out: the ETL takes the feed's commission for them, paid already, so none is owed."""
    last = updates.sort("updated_at").unique("conversion_id", keep="last").select("conversion_id", "status")
    # attributed by their click, as the ETL does: a click's id is its row in `clicks` ("c" and the row number)
    row = conv["click_id"].str.slice(1).cast(pl.Int64).to_numpy()
    rows = (
        conv.with_columns(partner_id=pl.Series(clicks["_partner"].to_numpy()[row]))
        .join(last, on="conversion_id", how="left", suffix="_now")
        .with_columns(status=pl.coalesce("status_now", "status"))
        .filter(
            pl.col("status") == "approved", ~pl.col("conversion_id").is_in(feed["conversion_id"].drop_nulls().to_list())
        )
        .join(prog.terms, on="partner_id")
        .with_columns(day=pl.from_epoch("ts", time_unit="ms").dt.date())
    )
    rows = _usd_per(_usd_per(rows, fx, "currency", "paid_fx"), fx, "plan_currency", "plan_fx")
    rows = rows.with_columns(usd=pl.col("amount").fill_null(0) * pl.col("paid_fx"))
    cpa = pl.lit(0.0)
    for kind in CONVERSION_KINDS:
        cpa = pl.when(pl.col("type") == kind).then(pl.col(f"cpa_{kind}") * pl.col("plan_fx")).otherwise(cpa)
    pays = (pl.col("type") != "ftd") | (pl.col("usd") >= pl.col("baseline") * pl.col("plan_fx"))
    value = pl.when(pl.col("type") == "revenue").then(pl.col("pct") * pl.col("usd")).otherwise(pl.when(pays).then(cpa))
    return (
        rows.with_columns(month=pl.col("day").dt.truncate("1mo"), v=value.fill_null(0))
        .group_by("partner_id", "month")
        .agg(usd=pl.col("v").sum())
    )


def _usd_per(rows: pl.DataFrame, fx: pl.DataFrame, currency: str, name: str) -> pl.DataFrame:
    """`rows` with `name`: USD per unit of its `currency` column on its `day`, the FX feed's most recent rate on or
    before it, as the ETL converts (1 for USD; the rate the feed starts from for a day before its first)."""
    rates = fx.select(day=pl.col("date"), fx_currency=pl.col("currency"), **{name: pl.col("rate")}).sort("day")
    found = rows.sort(currency, "day").join_asof(
        rates.sort("fx_currency", "day"),
        on="day",
        by_left=currency,
        by_right="fx_currency",
        strategy="backward",
        check_sortedness=False,
    )
    start = pl.col(currency).replace_strict(USD_PER, default=1.0)
    return found.with_columns(pl.when(pl.col(currency) == "USD").then(1.0).otherwise(pl.col(name).fill_null(start))
                              .alias(name))  # fmt: skip


def taken_back(feed: pl.DataFrame, fx: pl.DataFrame) -> pl.DataFrame:
    """The commission feed's deductions (its negative amounts: traffic quality corrections, whatever their status)
    per partner and calendar month (UTC), in USD, as `earned` counts: a partner asks for what it earned less what was
    taken back from it, or it would be paid more than it has and left owing."""
    minus = feed.filter(pl.col("amount").cast(pl.Float64) < 0).with_columns(
        day=pl.col("ts").str.slice(0, 10).str.to_date(), amount=pl.col("amount").cast(pl.Float64)
    )
    return (
        _usd_per(minus, fx, "currency", "paid_fx")
        .select("partner_id", month=pl.col("day").dt.truncate("1mo"), usd=pl.col("amount") * pl.col("paid_fx"))
        .group_by("partner_id", "month")
        .agg(pl.col("usd").sum())
    )


def seed_payouts(session: Session, prog: DemoProgram, earnings: pl.DataFrame, end: date, base: str) -> int:
    """Monthly paid requests of every partner (up to three weeks before `end`; for the first `RECENT`, up to the
    month of their request seven weeks before it, which is then in its status); returns how many were made."""
    by_partner: dict[int, dict[date, float]] = {}
    for pid, month, usd in earnings.iter_rows():
        by_partner.setdefault(pid, {})[month] = by_partner.get(pid, {}).get(month, 0.0) + usd
    to_base = 1 / USD_PER.get(base, 1.0)
    made = 0
    for pos, pid in enumerate(prog.partner_ids.tolist()):
        partner = session.get(Partner, pid)
        months = by_partner.get(pid, {})
        if partner is None or not months:
            continue
        recent = end - timedelta(days=52 - pos)  # a showcase partner's request of that month is its last one
        cutoff = recent.replace(day=1) - timedelta(days=1) if pos < RECENT else end - timedelta(days=20)
        asks = [(_month_after(m) + timedelta(days=2 + pos % 5), "paid") for m in sorted(months)]
        asks = [a for a in asks if a[0] <= cutoff]
        if pos < RECENT:
            asks.append((recent, ["paid", "approved", "requested"][pos % 3]))
        # never more than 90% of all it earns (a RevShare month of negative revenue later takes back from it); a
        # showcase partner keeps room for its last request
        total = ASKED_SHARE * sum(months.values()) * to_base
        paid_out = 0.0
        for k, (day, status) in enumerate(asks):
            last = pos < RECENT and k == len(asks) - 1
            owed = ASKED_SHARE * sum(v for m, v in months.items() if _month_after(m) <= day) * to_base
            room = total - paid_out - (0 if last or pos >= RECENT else 2 * PROGRAM_LEAST)
            amount = float(np.floor(min(owed - paid_out, room) / 10) * 10)
            if last and room >= PROGRAM_LEAST:
                amount = max(amount, PROGRAM_LEAST)  # the program's minimum, within what it earns
            if amount < (PROGRAM_LEAST if last else MONTHLY_LEAST):
                continue  # too little yet: it waits for another month
            paid_out += amount
            session.add(_request(partner, Decimal(int(amount)), base, status, day))
            made += 1
    session.flush()
    return made


def _month_after(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def _request(partner: Partner, amount: Decimal, base: str, status: str, day: date) -> PayoutRequest:
    asked = datetime.combine(day, time(11, 15), UTC)
    approved = asked + timedelta(days=1, hours=4) if status != "requested" else None
    paid = asked + timedelta(days=3, hours=1) if status == "paid" else None
    return PayoutRequest(
        partner_id=partner.id,
        amount=amount,
        currency=base,
        status=status,
        method=partner.payout_method,
        details=dict(partner.payout_details or {}),
        requested_at=asked,
        decided_at=paid or approved,
        decided_by_user_id=partner.manager_user_id if approved else None,
        approved_at=approved,
        paid_at=paid,
        reference=f"DEMO-{asked:%Y%m%d}-{partner.id}" if paid else None,
    )
