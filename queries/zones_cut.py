"""Reports in a zone whose days start inside a UTC hour (Asia/Kolkata +05:30, Asia/Kathmandu +05:45, Australia/Adelaide,
America/St_Johns, Australia/Lord_Howe's summer-time start day), from the hourly rollups wherever they can answer.

Only the UTC hours holding a local midnight (the period's start and end, and each day's change inside it) are split
between two local days; each other UTC hour lies in one local day, week and month whole. Such a report reads the
rollup rows of the uncut hours and the facts of the cut hours, summed by quarter hour (every zone's midnight is at a
quarter hour, so a quarter lies in one day). Midnights are taken day by day from the zone's rules (as
`queries.reports.utc_bounds` takes the period's), so a summer time that moves them (Lord_Howe's 30 minutes,
St_Johns' hour) moves the cut hours with them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

HOUR = timedelta(hours=1)
QUARTER = timedelta(minutes=15)


def cut_hours(tz: str, date_from: date, date_to: date, *, by_day: bool) -> list[datetime] | None:
    """Naive UTC starts of the hours a local midnight of the period cuts in `tz`, sorted: with `by_day` (grouped by
    day, week or month) every day's, else only the period's start and end (inside it, no bucket changes).

    None when a midnight is not at a quarter hour, or comes twice (a summer time ending at 00:01, as St_Johns' did
    until 2011, takes the day back within the hour): only the facts cut those."""
    zone = ZoneInfo(tz)
    if by_day:
        midnights = [date_from + timedelta(days=i) for i in range((date_to - date_from).days + 2)]
    else:
        midnights = [date_from, date_to + timedelta(days=1)]
    cuts = set()
    for day in midnights:
        first, second = (datetime.combine(day, time(fold=f), zone).astimezone(UTC).replace(tzinfo=None) for f in (0, 1))
        hour = first.replace(minute=0, second=0, microsecond=0)
        if second > first or (first - hour) % QUARTER:
            return None
        if first != hour:
            cuts.add(hour)
    return sorted(cuts)


def _runs(cuts: list[datetime]) -> list[tuple[datetime, datetime]]:
    """The cut hours as runs of the same hour on consecutive days (first, last): a zone's offset changes a few times a
    year, so a period's cut hours make one run or a handful."""
    runs: list[tuple[datetime, datetime]] = []
    for hour in cuts:
        if runs and hour - runs[-1][1] == timedelta(days=1):
            runs[-1] = (runs[-1][0], hour)
        else:
            runs.append((hour, hour))
    return runs


def split_facts(rollup: str, facts: str, cuts: list[datetime], params: dict[str, object]) -> str:
    """SQL: the `rollup` rows (column `t`: whole UTC hours) of every hour but the `cuts`, and the `facts` rows of those
    at the start of their quarter hour (their parameters added to `params`); the rollup alone when nothing is cut.

    Each run of cut hours is one range and an hour of the day: a few comparisons per fact row, where a range per day
    cost ten times the scan and skipped no more (a row group holds more than a day of a partner's clicks)."""
    if not cuts:
        return rollup
    ranges = []
    for i, (first, last) in enumerate(_runs(cuts)):
        params[f"cut{i}"], params[f"cut{i}_end"], params[f"cut{i}_hour"] = first, last + HOUR, first.hour
        ranges.append(f"(t >= $cut{i} and t < $cut{i}_end and hour(t) = $cut{i}_hour)")
    cut = " or ".join(ranges)
    return (
        f"select * from ({rollup}) where not ({cut})\nunion all by name\n"
        f"select * replace (time_bucket(interval 15 minute, t) as t) from ({facts}) where {cut}"
    )
