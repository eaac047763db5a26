"""Which inbox files are feed files (`../shared/contracts/inbox.md`), without the readers: `cabinet etl status` says
which files are not read, and names reprocess requests' feeds, without loading polars and numpy."""

from __future__ import annotations

from pathlib import Path

# the feeds in the order a run reads them: rates before the events they convert, clicks before the conversions they
# attribute, conversions before the commissions on them
FEED_ORDER = ("fx_rates", "clicks", "conversions", "commissions")
EXTENSIONS = (".csv", ".csv.gz", ".parquet", ".jsonl", ".jsonl.gz")


def utf8_name(name: str) -> bool:
    """Whether a file name is valid UTF-8. Python keeps other bytes as lone surrogates, which no manifest row (text)
    can hold: such a file failed the whole run instead of being listed as not read."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def ignored_files(inbox: Path, limit: int = 20) -> tuple[list[str], int]:
    """Inbox files the ETL does not read: outside the feed folders, in sub-folders, without a contract extension, or
    a link to a file that is not there (`<path> (broken link)`: a sync tool's link whose target moved).

    A name that is not valid UTF-8 is not read either (`<path> (name not UTF-8)`, its other bytes shown as `\\xff`).

    Returns up to `limit` of their paths relative to the inbox (name order) and how many there are in all. Hidden
    files (a name starting with a dot, e.g. a producer's temporary file before its rename) are not counted."""
    if not inbox.is_dir():
        return [], 0
    found: list[str] = []
    for path in inbox.rglob("*"):
        rel = path.relative_to(inbox)
        if any(part.startswith(".") for part in rel.parts):
            continue
        shown = rel.as_posix()
        try:
            broken, is_file = path.is_symlink() and not path.exists(), path.is_file()
        except PermissionError:  # in a folder the ETL's user may not search: the run's warning names the folder
            continue
        if not utf8_name(shown):
            shown = shown.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            if is_file:
                found.append(f"{shown} (name not UTF-8)")
            continue
        if broken:
            found.append(f"{shown} (broken link)")
            continue
        if not is_file:
            continue
        in_feed = len(rel.parts) == 2 and rel.parts[0] in FEED_ORDER
        if not (in_feed and path.name.lower().endswith(EXTENSIONS)):
            found.append(shown)
    found.sort()
    return found[:limit], len(found)
