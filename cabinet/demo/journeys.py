"""Customer journeys behind the clicks: registration → FTD → deposits → revenue lines, leads and sales.

Every conversion first arrives `pending`; status updates (approved, rejected, reversed after approval) arrive later as
rows of the same `conversion_id` with a later `updated_at`. Revenue lines arrive `approved` (operators post final NGR).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from cabinet.demo.feeds import COUNTRY_CURRENCY, Window
from cabinet.demo.program import DemoProgram

HOUR = 3_600_000
DAY = 86_400_000
CONV_COLUMNS = [
    "conversion_id",
    "ts",
    "type",
    "click_id",
    "promo_code",
    "partner_id",
    "offer_id",
    "customer_id",
    "amount",
    "currency",
    "status",
    "updated_at",
]


def _currency(country: pl.Expr) -> pl.Expr:
    return country.replace_strict(COUNTRY_CURRENCY, default="USD")


def _money(values: np.ndarray) -> np.ndarray:
    return np.round(values, 2)


def journeys(rng: np.random.Generator, prog: DemoProgram, clicks: pl.DataFrame, win: Window) -> pl.DataFrame:
    """Initial conversion rows (status pending, revenue approved) attributed by click id."""
    base = clicks.filter(~pl.col("_bot"))
    m = base.height
    u = rng.random(m)
    # each click's offer's vertical, gathered by the offer's position (a text column of 10M rows took seconds)
    offer = np.searchsorted(prog.offer_ids, base["_offer"].to_numpy())
    gaming, forex, shop = ((prog.offer_vertical == v)[offer] for v in ("igaming", "forex", "ecommerce"))
    rate = np.select([gaming, forex], [0.05, 0.035], 0.0)
    regs = base.filter(pl.Series(u < rate)).with_columns(
        customer_id=pl.lit("u") + pl.col("click_id").str.slice(1), currency=_currency(pl.col("country"))
    )
    r = regs.height
    reg_ts = regs["ts"].to_numpy() + rng.exponential(0.5 * HOUR, size=r).astype(np.int64)
    parts = [_rows(regs, "registration", reg_ts, None, "r")]
    ftd_mask = rng.random(r) < 0.35
    ftd = regs.filter(pl.Series(ftd_mask))
    f = ftd.height
    ftd_ts = reg_ts[ftd_mask] + rng.exponential(2 * DAY, size=f).astype(np.int64)
    ftd_amount = _money(rng.lognormal(np.log(70), 0.8, size=f))
    parts.append(_rows(ftd, "ftd", ftd_ts, ftd_amount, "f"))
    n_dep = rng.poisson(1.6, size=f)
    dep_src = np.repeat(np.arange(f), n_dep)
    dep_ts = ftd_ts[dep_src] + rng.integers(HOUR, 20 * DAY, size=dep_src.size)
    parts.append(_rows(ftd[dep_src], "deposit", dep_ts, _money(rng.lognormal(np.log(90), 0.9, size=dep_src.size)), "d"))
    n_rev = rng.poisson(3.0, size=f)
    rev_src = np.repeat(np.arange(f), n_rev)
    # a customer plays on for months, less and less: half its revenue lines come in its first month, most of the
    # others in the five after (cohorts' LTV grows for months)
    rev_ts = ftd_ts[rev_src] + DAY + rng.exponential(40 * DAY, size=rev_src.size).astype(np.int64)
    rev_amount = _money(rng.normal(45, 70, size=rev_src.size))
    parts.append(_rows(ftd[rev_src], "revenue", rev_ts, rev_amount, "n", status="approved"))
    fx = base.filter(pl.Series(forex & (u >= rate) & (u < rate + 0.02)))
    parts.append(
        _rows(
            fx.with_columns(customer_id=pl.lit(None, pl.String), currency=pl.lit(None, pl.String)),
            "lead",
            fx["ts"].to_numpy() + 5 * 60_000,
            None,
            "l",
        )
    )
    ec = base.filter(pl.Series(shop & (u < 0.025)))
    ec = ec.with_columns(
        customer_id=pl.lit("s") + pl.col("click_id").str.slice(1), currency=_currency(pl.col("country"))
    )
    ec_ts = ec["ts"].to_numpy() + rng.exponential(1 * HOUR, size=ec.height).astype(np.int64)
    parts.append(_rows(ec, "sale", ec_ts, _money(rng.lognormal(np.log(45), 0.7, size=ec.height)), "s"))
    out = pl.concat(parts, how="vertical_relaxed").filter(pl.col("ts") < win.end_ms)
    return out.sort("ts", "conversion_id")


def _rows(
    src: pl.DataFrame, kind: str, ts: np.ndarray, amount: np.ndarray | None, prefix: str, status: str = "pending"
) -> pl.DataFrame:
    n = src.height
    return pl.DataFrame(
        {
            "conversion_id": (prefix + src["click_id"].str.slice(1) + "-" + pl.Series(np.arange(n)).cast(pl.String)),
            "ts": ts.astype(np.int64),
            "type": [kind] * n,
            "click_id": src["click_id"],
            "promo_code": pl.Series([None] * n, dtype=pl.String),
            "partner_id": pl.Series([None] * n, dtype=pl.Int64),
            "offer_id": pl.Series([None] * n, dtype=pl.Int64),
            "customer_id": src["customer_id"],
            "amount": pl.Series(amount, dtype=pl.Float64)
            if amount is not None
            else pl.Series([None] * n, dtype=pl.Float64),
            "currency": src["currency"] if amount is not None else pl.Series([None] * n, dtype=pl.String),
            "status": [status] * n,
            "updated_at": ts.astype(np.int64),
        }
    )


def status_updates(rng: np.random.Generator, conv: pl.DataFrame, win: Window) -> pl.DataFrame:
    """Later rows of the same conversions: approved 87% (12 points of them after a slower check of 12-45 days),
    rejected 10%, approved-then-reversed 3%. Every conversion is decided in the end: only the last weeks' wait."""
    pending = conv.filter(pl.col("status") == "pending")
    u = rng.random(pending.height)
    delay = rng.integers(DAY, 12 * DAY, size=pending.height)
    delay = np.where(u >= 0.88, rng.integers(12 * DAY, 45 * DAY, size=pending.height), delay)
    first = pending.with_columns(
        status=pl.Series(np.where(u < 0.10, "rejected", "approved")),
        updated_at=pl.col("ts") + pl.Series(delay),
    )
    rev_mask = (u >= 0.85) & (u < 0.88)
    reversed_ = pending.filter(pl.Series(rev_mask)).with_columns(
        status=pl.lit("reversed"),
        updated_at=pl.col("ts")
        + pl.Series(delay[rev_mask])
        + pl.Series(rng.integers(DAY, 20 * DAY, size=int(rev_mask.sum()))),
    )
    return pl.concat([first, reversed_]).filter(pl.col("updated_at") < win.end_ms).sort("updated_at", "conversion_id")


def promo_conversions(rng: np.random.Generator, prog: DemoProgram, n: int, win: Window) -> pl.DataFrame:
    """Registrations + FTDs attributed by promo code (no click), in EUR/GBP/USD."""
    pick = rng.integers(0, len(prog.promo_codes), size=n)
    ts = win.start_ms + rng.integers(0, win.days * DAY - 3 * DAY, size=n)
    cur = rng.choice(np.array(["USD", "EUR", "GBP"]), size=n)
    ids = np.char.add("pr", np.arange(n).astype(str))
    reg = pl.DataFrame(
        {
            "conversion_id": np.char.add(ids, "-r"),
            "ts": ts,
            "type": "registration",
            "promo_code": prog.promo_codes[pick],
            "customer_id": np.char.add("pc", np.arange(n).astype(str)),
            "status": "approved",
            "updated_at": ts,
        }
    )
    ftd_ts = ts + rng.integers(HOUR, 2 * DAY, size=n)
    # the advertiser decides a deposit within 7-30 days, one in ten rejected (from the row's number, not `rng`: the
    # draws after these stay as they were); the last weeks' still wait
    i = np.arange(n)
    decided_at = ftd_ts + (7 + i * 7919 % 24) * DAY
    decided = decided_at < win.end_ms
    ftd = reg.with_columns(
        conversion_id=pl.Series(np.char.add(ids, "-f")),
        ts=pl.Series(ftd_ts),
        type=pl.lit("ftd"),
        amount=pl.Series(_money(rng.lognormal(np.log(80), 0.6, size=n))),
        currency=pl.Series(cur),
        updated_at=pl.Series(np.where(decided, decided_at, ftd_ts)),
        status=pl.Series(np.where(decided, np.where(i % 10 == 3, "rejected", "approved"), "pending")),
    )
    both = pl.concat([reg, ftd], how="diagonal_relaxed")
    # every fifth code is written in lower case: promo codes match case-insensitively
    lower = pl.col("conversion_id").str.slice(2).str.extract(r"^(\d+)").cast(pl.Int64) % 5 == 0
    return both.with_columns(
        promo_code=pl.when(lower).then(pl.col("promo_code").str.to_lowercase()).otherwise(pl.col("promo_code"))
    ).filter(pl.col("ts") < win.end_ms)


def partner_conversions(prog: DemoProgram, win: Window) -> pl.DataFrame:
    """A few offline registrations reported with an explicit partner id and offer id."""
    # spread over the window, inside it whatever its length (every 4th day reached past the end of a short one)
    ts = win.start_ms + np.arange(1, 6) * (win.days * DAY // 6) + 9 * HOUR
    return pl.DataFrame(
        {
            "conversion_id": [f"off-{i}" for i in range(5)],
            "ts": ts,
            "type": "registration",
            "partner_id": prog.partner_ids[[0, 1, 2, 9, 10]],
            "offer_id": prog.offer_ids[[0, 1, 2, 3, 4]],
            "customer_id": [f"off{i}" for i in range(5)],
            "status": "approved",
            "updated_at": ts,
        }
    )
