"""Requests to read inbox files again, left by the cabinet's Data loads page for the ETL schedule to carry out.

The web app never runs the ETL itself: an admin's request is a small JSON file in `<warehouse>/requests/`, written
whole (a temp file renamed). The schedule (`cabinet etl schedule`, and `cabinet serve` beside the app) takes the
oldest one before a run and makes that run read again the files holding the request's quarantined rows
(`etl.reprocess`), then removes the file. A request that finds no file to read (the rows loaded meanwhile, or their
files left the inbox and their content is under no other name) is not carried out: it is kept as `<name>.refused`
with why (`refuse`), listed by `refused` for the Data loads page and `etl status` until it is asked again or dismissed
(`done`), and the run goes on without it; a run that fails for another reason keeps the request for the next run. One
request per reason and feed is kept: asking again while one waits changes nothing, asking again after one was refused
replaces it.
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

from etl.feeds import FEED_ORDER

log = logging.getLogger("cabinet.etl.requests")

REQUESTS_DIR = "requests"
REFUSED = ".refused"  # the suffix of a request that was not carried out (its file keeps the JSON and why)
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
    refused: str | None = None  # why it was not carried out (`refuse`); None while it waits
    refused_at: datetime | None = None


def _dir(warehouse_dir: Path) -> Path:
    return Path(warehouse_dir) / REQUESTS_DIR


def pending(warehouse_dir: Path) -> list[ReprocessRequest]:
    """The waiting requests, oldest first; a file that does not read as one is logged and left out."""
    return _read(sorted(_dir(warehouse_dir).glob("*.json")))


def refused(warehouse_dir: Path) -> list[ReprocessRequest]:
    """The requests a run could not carry out (`refuse`), oldest first, each with why."""
    return _read(sorted(_dir(warehouse_dir).glob(f"*{REFUSED}")))


def _read(paths: list[Path]) -> list[ReprocessRequest]:
    found = []
    for path in paths:
        try:
            doc = json.loads(path.read_text())
            feed = doc.get("feed")
            if not _REASON.match(str(doc["reason"])) or (feed is not None and feed not in FEED_ORDER):
                raise ValueError(f"reason {doc['reason']!r}, feed {feed!r}")
            at = datetime.fromisoformat(str(doc["at"]))
            why = doc.get("refused")
            when = datetime.fromisoformat(str(doc["refused_at"])) if why is not None else None
            found.append(ReprocessRequest(path, str(doc["reason"]), feed, str(doc.get("by") or ""), at,
                                          None if why is None else str(why), when))  # fmt: skip
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("reprocess request %s left out: %s", path.name, exc)
    return found


def request_reprocess(
    warehouse_dir: Path, *, reason: str, feed: str | None, by: str, now: datetime | None = None
) -> tuple[ReprocessRequest, bool]:
    """Ask the schedule to read again the files holding rows quarantined with `reason`; (the request, whether it is
    new: False when one for this reason and feed was already waiting). One of them refused before is replaced.
    RequestError for an unknown reason or feed."""
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
    for earlier in refused(warehouse_dir):  # asked again: the new request stands for it
        if (earlier.reason, earlier.feed) == (reason, feed):
            done(earlier)
    return ReprocessRequest(path, reason, feed, by, at), True


def refuse(request: ReprocessRequest, why: str, now: datetime | None = None) -> ReprocessRequest:
    """A run could not carry out `request` (nothing of it to read: `why`): it is kept, with why, as `<name>.refused`
    (`refused` lists it), no longer waiting."""
    at = (now or datetime.now(UTC)).astimezone(UTC)
    path = request.path.with_suffix(REFUSED)
    doc = {"reason": request.reason, "feed": request.feed, "by": request.by, "at": request.at.isoformat(),
           "refused": why, "refused_at": at.isoformat()}  # fmt: skip
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc) + "\n")
    os.replace(tmp, path)
    request.path.unlink(missing_ok=True)
    return ReprocessRequest(path, request.reason, request.feed, request.by, request.at, why, at)


def signature(warehouse_dir: Path) -> tuple[str, ...]:
    """The waiting requests' file names (not the refused ones'): the schedule runs at once when they change."""
    return tuple(sorted(p.name for p in _dir(warehouse_dir).glob("*.json")))


def done(request: ReprocessRequest) -> None:
    """The request was carried out, or (refused) dismissed: its file goes."""
    request.path.unlink(missing_ok=True)


def answered(warehouse_dir: Path, reason: str, feed: str | None) -> list[ReprocessRequest]:
    """After a run read again the files of `reason` (of `feed`, or every feed) by hand (`cabinet etl reprocess`): the
    requests it answered, waiting or refused, are removed (a waiting one would read the files a second time, and one
    refused would stay on Data loads though done); those removed. A request of one feed is answered by a run of every
    feed, not the other way round."""
    gone = [r for r in pending(warehouse_dir) + refused(warehouse_dir) if r.reason == reason and feed in (None, r.feed)]
    for request in gone:
        done(request)
    return gone
