"""Requests to read inbox files again, left by the cabinet's Data loads page for the ETL schedule to carry out.

The web app never runs the ETL itself: an admin's request is a small JSON file in `<warehouse>/requests/`, written
whole (a temp file renamed). The schedule (`cabinet etl schedule`, and `cabinet serve` beside the app) takes the
oldest one before a run and makes that run read again the files holding the request's quarantined rows
(`etl.reprocess`), then removes the file. A request that finds no file to read (the rows loaded meanwhile, or their
files left the inbox) is removed with its reason logged, and the run goes on without it; a run that fails for another
reason keeps the request for the next run. One request per reason and feed is kept: asking again while one waits
changes nothing.
"""

from __future__ import annotations

import json
import logging
import os
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from etl.stage import FEED_ORDER

log = logging.getLogger("cabinet.etl.requests")

REQUESTS_DIR = "requests"
_REASON = re.compile(r"^[a-z_]{1,40}(:[a-z0-9_]{1,40})?$")  # a contract reason code, e.g. missing_field:ts


class RequestError(ValueError):
    """A request that cannot be made (a reason or feed the ETL does not know); nothing was written."""


@dataclass(frozen=True)
class ReprocessRequest:
    """Read again the files holding quarantined rows with `reason` (of `feed`, or any), asked by `by` at `at`."""

    path: Path
    reason: str
    feed: str | None
    by: str
    at: datetime


def _dir(warehouse_dir: Path) -> Path:
    return Path(warehouse_dir) / REQUESTS_DIR


def pending(warehouse_dir: Path) -> list[ReprocessRequest]:
    """The waiting requests, oldest first; a file that does not read as one is logged and left out."""
    found = []
    for path in sorted(_dir(warehouse_dir).glob("*.json")):
        try:
            doc = json.loads(path.read_text())
            feed = doc.get("feed")
            if not _REASON.match(str(doc["reason"])) or (feed is not None and feed not in FEED_ORDER):
                raise ValueError(f"reason {doc['reason']!r}, feed {feed!r}")
            at = datetime.fromisoformat(str(doc["at"]))
            found.append(ReprocessRequest(path, str(doc["reason"]), feed, str(doc.get("by") or ""), at))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("reprocess request %s left out: %s", path.name, exc)
    return found


def request_reprocess(
    warehouse_dir: Path, *, reason: str, feed: str | None, by: str, now: datetime | None = None
) -> tuple[ReprocessRequest, bool]:
    """Ask the schedule to read again the files holding rows quarantined with `reason`; (the request, whether it is
    new: False when one for this reason and feed was already waiting). RequestError for an unknown reason or feed."""
    if not _REASON.match(reason):
        raise RequestError(f"{reason!r} is not a quarantine reason")
    if feed is not None and feed not in FEED_ORDER:
        raise RequestError(f"unknown feed {feed!r}: use one of {', '.join(FEED_ORDER)}")
    for waiting in pending(warehouse_dir):
        if (waiting.reason, waiting.feed) == (reason, feed):
            return waiting, False
    at = (now or datetime.now(UTC)).astimezone(UTC)
    folder = _dir(warehouse_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{at:%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"reason": reason, "feed": feed, "by": by, "at": at.isoformat()}) + "\n")
    os.replace(tmp, path)
    return ReprocessRequest(path, reason, feed, by, at), True


def signature(warehouse_dir: Path) -> tuple[str, ...]:
    """The waiting requests' file names: the schedule runs at once when they change."""
    return tuple(sorted(p.name for p in _dir(warehouse_dir).glob("*.json")))


def done(request: ReprocessRequest) -> None:
    """The request was carried out (or can never be): its file goes."""
    request.path.unlink(missing_ok=True)
