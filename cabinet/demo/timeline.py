"""The demo program's past: a program that has run for more than a year and grows.

The clicks of `cabinet demo` fall on the `--days` asked for (the window) and on `HISTORY_DAYS` of thinner history
before it, so "the same days a year before" of any period in the window has data. Every partner has its own line
through that time: the day it joined (most were there a year before the window, some joined since, a few inside the
window), a yearly growth (most grow, some shrink by half or more, some more than triple) and, for a paused partner,
the day its traffic stopped. A partner's daily clicks are its weight (its share of the traffic at the window's end)
times its growth back to that day, ramping up over its first month; a weekly rhythm lies over every day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from cabinet.demo import HISTORY_DAYS

OPENED_BEFORE = 14  # days before the first click the program was set up (offers, plans, the first partners)
RAMP_DAYS = 30  # a new partner's traffic grows to its level over its first month
NEVER = 1 << 40  # an "until" day for a partner whose traffic did not stop
# the showcase tree's growth over the year (positions 0-8): gold_parent +60%; one child fell by about two thirds (the
# Partner review's "dropped" is half or more: at 0.45 the weekly rhythm and chance left it short of that on some days),
# one more than tripled; position 8 (the level-3 grandchild) joined after the year before the window
SHOWCASE_GROWTH = np.array([1.6, 2.4, 0.35, 3.5, 1.2, 1.8, 0.8, 2.0, 1.5])
SAME_PARTNERS_GROWTH = 1.7  # clicks now per click a year before of the partners there then (new ones come on top)


@dataclass(frozen=True)
class Timeline:
    """Per partner position: the first and the last+1 day of its traffic (days since 1970-01-01), its growth over
    a year (clicks at the window's end per click a year before) and its weight (share of the traffic at the end)."""

    since: np.ndarray
    until: np.ndarray
    growth: np.ndarray
    weights: np.ndarray
    stopped: np.ndarray  # bool: its traffic stopped some months before the window (a paused partner)
    first: int  # the first day with clicks: the partners there from the start have their traffic from it

    def joined(self, pos: int) -> date:
        return date(1970, 1, 1) + timedelta(days=int(self.since[pos]))

    def there_from_the_start(self, pos: int) -> bool:
        return bool(self.since[pos] == self.first)


def span_start(end: date, days: int) -> date:
    """The first day with clicks: `HISTORY_DAYS` before the window of `days` ending on `end`."""
    return end - timedelta(days=days - 1 + HISTORY_DAYS)


def opened(end: date, days: int) -> date:
    """The day the program was set up."""
    return span_start(end, days) - timedelta(days=OPENED_BEFORE)


def partner_timeline(
    rng: np.random.Generator, parent: np.ndarray, paused: np.ndarray, weights: np.ndarray, end: date, days: int
) -> Timeline:
    """Join days, stop days and growth of `len(parent)` partners (positions as `program._tree` made them; positions
    9 and 10 are the demo logins partner_a and partner_b: there from the start, as the showcase tree).

    About 12% of the smaller partners shrank to a fifth to a half over the year, 15% grew fast, the others grew as
    the program did; the growth of all but the shrinking ones and the showcase tree (`SHOWCASE_GROWTH`) is scaled so
    that the partners there a year before the window bring `SAME_PARTNERS_GROWTH` times their clicks of then (their
    `weights` give their size), whatever partners the seed made big. A paused partner that was there a year before
    stopped one to five months before the window; when the seed paused none such, one of manager1's did."""
    n = len(parent)
    first = (span_start(end, days) - date(1970, 1, 1)).days
    window = HISTORY_DAYS  # the window's first day, counted from the first day with clicks
    year_before = window - 365  # the first day of the window's "same days a year before"
    kind = rng.choice(4, size=n, p=[0.62, 0.08, 0.22, 0.08])  # there from the start / joined in those days / later
    kind[:11] = 0  # / inside the window
    lo = np.array([0, year_before, year_before + min(days, 60), window])[kind]
    hi = np.array([year_before, year_before + min(days, 60), window, window + max(1, days // 2)])[kind]
    offset = lo + (rng.random(n) * np.maximum(1, hi - lo)).astype(np.int64)
    offset[kind == 0] = 0  # there when the history begins, at their level (a program's first partners bring traffic)
    if n > 8:
        offset[8] = window - 120  # the level-3 grandchild: four months before the window
    for i in range(n):  # a sub-partner joins after its parent
        if parent[i] >= 0 and offset[parent[i]] > 0:
            offset[i] = max(offset[i], offset[parent[i]] + 7)
    # a partner that joined later is seldom among the biggest: a new one the size of the program's top partner made
    # the whole program's year look like four times the one before
    weights = np.where(offset > 0, np.minimum(weights, np.quantile(weights, 0.7)), weights)
    until = np.full(n, NEVER, dtype=np.int64)
    stop = paused & (offset < year_before + 30)  # a paused partner that was there a year before stopped since
    old = np.flatnonzero((offset == 0) & (np.arange(n) >= 11) & (np.arange(n) % 2 == 0))  # manager1's
    if not stop.any() and old.size:  # and one always did: the review's "stopped" has someone to show
        stop[old[np.argmin(np.abs(weights[old] - np.quantile(weights, 0.75)))]] = True
    until[stop] = first + window - rng.integers(30, 150, size=int(stop.sum()))
    trend = rng.random(n)
    shrank = (trend < 0.12) & (weights <= np.median(weights))
    growth = np.where(trend > 0.85, rng.uniform(1.8, 3.0, size=n), rng.lognormal(0, 0.3, size=n))
    fixed = shrank.copy()
    fixed[: min(n, len(SHOWCASE_GROWTH))] = True
    growth = np.where(shrank, rng.uniform(0.2, 0.5, size=n), growth)
    growth[: len(SHOWCASE_GROWTH)] = SHOWCASE_GROWTH[: min(n, len(SHOWCASE_GROWTH))]
    there = (offset < year_before) & ~fixed  # the others there a year before
    now = weights * (until == NEVER)

    def same_partners(scale: float) -> float:
        g = np.where(fixed, growth, growth * scale)
        return float(now[there].sum() / (weights[there] / g[there]).sum())

    lo_s, hi_s = 0.5, 5.0
    for _ in range(40):  # bisection: the growth of the partners there a year before rises with the scale
        mid = (lo_s + hi_s) / 2
        lo_s, hi_s = (mid, hi_s) if same_partners(mid) < SAME_PARTNERS_GROWTH else (lo_s, mid)
    growth = np.where(fixed, growth, growth * lo_s)
    return Timeline(since=first + offset, until=until, growth=growth, weights=weights / weights.sum(), stopped=stop,
                    first=first)  # fmt: skip


def density(line: Timeline, end: date, span_days: int) -> np.ndarray:
    """Relative clicks per (partner position, day) over the `span_days` days ending on `end`, shape (partners, days):
    a partner there from the start at its level from its first day, one that joined later growing to it over
    `RAMP_DAYS`."""
    first = (end - date(1970, 1, 1)).days - span_days + 1
    day = first + np.arange(span_days)
    before_end = (span_days - 1 - np.arange(span_days)) / 365
    rhythm = np.where(np.isin((day + 3) % 7, [5, 6]), 1.25, 1.0) * (1 + 0.1 * np.sin(np.arange(span_days) / 5))
    grown = np.exp(-np.log(line.growth)[:, None] * before_end[None, :])  # the growth back to each day
    ramp_days = np.where(line.since == line.first, 1, RAMP_DAYS)
    ramp = np.clip((day[None, :] - line.since[:, None] + 1) / ramp_days[:, None], 0, 1)
    live = day[None, :] < line.until[:, None]
    return line.weights[:, None] * grown * ramp * live * rhythm[None, :]
