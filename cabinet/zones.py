"""One set of time-zone rules in every process: the pinned `tzdata` package's, which DuckDB's ICU holds too.

Periods are cut into UTC bounds in Python (`zoneinfo`) and labelled in days, weeks, months and hours by DuckDB: both
must read the same rules. zoneinfo searches the host's zone files (/usr/share/zoneinfo) before the `tzdata` package,
and a host's files are as old as its last OS update: with rules older than DuckDB's (America/Vancouver stays on UTC−7
from November 2026 in the newer ones), a Vancouver day's bounds and its label disagreed by an hour.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

LOADED_SLACK = timedelta(hours=1)  # a day is loaded once the latest event is this close to its end, or past it


def use_packaged_rules() -> None:
    """Make zoneinfo read the `tzdata` package only, never the host's files; called on importing `cabinet`, `queries`
    and `etl`, before any zone is made (zones made and cached before are dropped: read again from the package)."""
    if zoneinfo.TZPATH:
        zoneinfo.reset_tzpath([])
        zoneinfo.ZoneInfo.clear_cache()


def known_zone(name: str | None) -> str:
    """`name` when it is a zone the rules know, else "UTC": a stored zone that is no longer one (a rules update, a
    store edited by hand) makes a mail job go by UTC instead of failing every recipient after it."""
    try:
        ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name or "UTC"


def day_loaded(data_as_of: datetime | None, day: date, tz: str) -> bool:
    """Whether the warehouse's data (`data_as_of`: its latest event, naive UTC) reaches the end of `day` in `tz`: its
    last hour (`LOADED_SLACK`) or later. A mail job that counts days up to `day` waits until then: east of the feeds'
    days (a day's files in UTC, loaded the morning after) 06:00 comes before the day is in the warehouse."""
    if data_as_of is None:
        return False
    return data_as_of.replace(tzinfo=UTC) >= loaded_from(day, tz)


def loaded_from(day: date, tz: str) -> datetime:
    """The moment (aware, UTC) the warehouse's latest event must reach for `day` in `tz` to count as loaded: its last
    hour there. West of UTC that is in the next UTC day (Los Angeles's 9 November: 07:00 UTC on the 10th)."""
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)
    return end - LOADED_SLACK
