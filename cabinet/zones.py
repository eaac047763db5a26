"""One set of time-zone rules in every process: the pinned `tzdata` package's, which DuckDB's ICU holds too.

Periods are cut into UTC bounds in Python (`zoneinfo`) and labelled in days, weeks, months and hours by DuckDB: both
must read the same rules. zoneinfo searches the host's zone files (/usr/share/zoneinfo) before the `tzdata` package,
and a host's files are as old as its last OS update: with rules older than DuckDB's (America/Vancouver stays on UTC−7
from November 2026 in the newer ones), a Vancouver day's bounds and its label disagreed by an hour.
"""

from __future__ import annotations

import zoneinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


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
