"""Files still being written: which inbox files are young (`still_landing`), and the part of a growing plain-text file
that is complete (`complete_lines`). Used by `etl.stage`."""

from __future__ import annotations

import time
from pathlib import Path
from typing import BinaryIO

from etl.csv_records import MAX_RECORD_LINES
from etl.file_kinds import binary_under_text_name
from etl.readers import file_format


def still_landing(paths: list[Path], settle_s: float) -> set[Path]:
    """Of `paths`, the files still being written: modified within the last `settle_s` seconds, and again while the
    run waits for that time to pass (it waits at most `settle_s`, and only when such a young file exists).

    A producer that writes a file in place would otherwise have a part of it loaded: a row cut in the middle of its
    amount is a valid row with a wrong amount, and the whole file's later version would only be a duplicate of it."""
    if settle_s <= 0 or not paths:
        return set()
    now, young = time.time(), {}
    for path in paths:
        try:
            st = path.stat()
        except FileNotFoundError:  # gone since it was listed: the run will not see it either
            continue
        if now - st.st_mtime < settle_s:
            young[path] = (st.st_size, st.st_mtime_ns)
    if not young:
        return set()
    newest = max(mtime for _, mtime in young.values()) / 1e9
    time.sleep(min(settle_s, max(0.0, settle_s - (time.time() - newest))))
    landing = set()
    for path, before in young.items():
        try:
            st = path.stat()
        except FileNotFoundError:  # renamed or removed while we waited: not ours to read now
            landing.add(path)
            continue
        if (st.st_size, st.st_mtime_ns) != before:
            landing.add(path)
    return landing


def stat_key(path: Path) -> tuple[int, int] | None:
    """(size, mtime) of a file, None when it is gone."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_size, st.st_mtime_ns


# A plain text file whose last line has no line break may end in a row cut where its writer paused (a buffered log
# flushed in the middle of a line, its writer idle for longer than the settle time): its complete lines are read until
# the line ends, or until the file has gone unwritten this long (an export whose last line has no line break)
UNTERMINATED_S = 300.0


def unterminated(paths: list[Path], settle_s: float) -> set[Path]:
    """Of `paths`, the plain CSV and JSON Lines files (not gzip) written within the last `UNTERMINATED_S` seconds
    whose last byte is no line break; none when the run reads files as soon as they are seen (`settle_s` 0).

    Read whole, such a file's cut row loaded (a conversion's amount 125.50 cut to 12 is a valid row), and the row's
    later whole version was only a duplicate of it, by its id and `updated_at`: the wrong amount stayed."""
    if settle_s <= 0:
        return set()
    now, cut = time.time(), set()
    for path in paths:
        if path.name.lower().endswith(".gz") or file_format(path) == "parquet":
            continue
        try:
            if now - path.stat().st_mtime >= UNTERMINATED_S or binary_under_text_name(path):
                continue
            with path.open("rb") as fh:
                size = fh.seek(0, 2)
                fh.seek(max(size - 1, 0))
                if size and fh.read(1) not in (b"\n", b"\r"):
                    cut.add(path)
        except OSError:  # gone, or not ours to read: the run says so where it reads it
            continue
    return cut


_TAIL_BYTES = 1 << 20  # what a record of `MAX_RECORD_LINES` lines is looked for in


def complete_lines(path: Path, into: Path) -> Path | None:
    """A copy (in `into`) of a plain CSV or JSON Lines file up to its last complete line (for a CSV file, its last
    complete record: a quoted value may span lines, `_record_end`); None for any other file, or when not even one line
    is complete yet. A binary file under a text name is left whole too (`binary_under_text_name`): once it rests it
    fails as what it is."""
    if path.name.lower().endswith(".gz") or file_format(path) == "parquet" or binary_under_text_name(path):
        return None
    try:
        with path.open("rb") as fh:
            end = _last_newline(fh, fh.seek(0, 2))
            if end >= 0 and file_format(path) == "csv":
                end = _record_end(fh, end)
            if end < 0:
                return None
            into.mkdir(parents=True, exist_ok=True)
            copy = into / path.name
            fh.seek(0)
            with copy.open("wb") as out:  # streamed: a big file being copied in place is not held in memory
                left = end + 1
                while left > 0 and (chunk := fh.read(min(left, 1 << 20))):
                    out.write(chunk)
                    left -= len(chunk)
    except (FileNotFoundError, PermissionError):  # gone, or not ours to read (recorded as failed once settled)
        return None
    return copy


def _last_newline(fh: BinaryIO, size: int, block: int = 1 << 16) -> int:
    """Offset of the last b"\\n" in the first `size` bytes of `fh`, searching backwards; -1 when there is none."""
    pos = size
    while pos > 0:
        start = max(0, pos - block)
        fh.seek(start)
        at = fh.read(pos - start).rfind(b"\n")
        if at >= 0:
            return start + at
        pos = start
    return -1


def _record_end(fh: BinaryIO, end: int) -> int:
    """Of a CSV file whose last complete line ends at `end`: where its last complete record ends. A line end inside a
    quoted value (an odd number of quotes before it) is not a record's end: the record is still being written, and is
    read when its quote closes. A quote left open for more than `MAX_RECORD_LINES` lines is a stray quote, which the
    reader quarantines as one bad row; the line end is then taken as it is."""
    fh.seek(0)
    quotes, left = 0, end + 1
    while left > 0 and (chunk := fh.read(min(left, 1 << 20))):
        quotes += chunk.count(b'"')
        left -= len(chunk)
    if quotes % 2 == 0:
        return end
    fh.seek(max(0, end + 1 - _TAIL_BYTES))
    tail = fh.read(end + 1 - fh.tell())
    offset = end + 1 - len(tail)
    at = len(tail) - 1  # the line end at `end`
    for _ in range(MAX_RECORD_LINES):
        prev = tail.rfind(b"\n", 0, at)
        quotes -= tail.count(b'"', prev + 1, at)  # the quotes of the line after `prev`
        if prev < 0:
            return -1 if offset == 0 else end  # the header's quote is open: nothing complete yet
        if quotes % 2 == 0:
            return offset + prev
        at = prev
    return end
