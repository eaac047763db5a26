"""What a text file that is not text holds, told by its first bytes, for the reason its file failed.

A CSV or JSON Lines file whose first line is not UTF-8 failed as "not UTF-8 text (save or export the file as UTF-8)",
also when it was no text at all: a Parquet export or a gzip file under a `.csv` name, an Excel workbook saved with a
`.csv` name, a file compressed with another tool. Saving such a file as UTF-8 fixes nothing; its kind says what does.
"""

from __future__ import annotations

import codecs
import zlib
from pathlib import Path

from etl.csv_records import open_file

_EXPORT = "export it as CSV UTF-8 (or JSON Lines)"
_PARQUET, _GZIP = b"PAR1", b"\x1f\x8b"
# (leading bytes, what the file is and what to do); `{gz}` is the file's own name with `.gz` after it
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (_PARQUET, "a Parquet file, not text: name it .parquet"),
    (_GZIP, "gzip data: name it {gz}"),
    (b"PK\x03\x04", f"a ZIP archive (an Excel .xlsx workbook is one), not text: unzip it, or {_EXPORT}"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", f"an Excel .xls workbook, not text: {_EXPORT}"),
    (b"\x28\xb5\x2f\xfd", "zstd data: only gzip is read (compress it with gzip, as {gz})"),
    (b"\xfd7zXZ\x00", "xz data: only gzip is read (compress it with gzip, as {gz})"),
    (b"BZh", "bzip2 data: only gzip is read (compress it with gzip, as {gz})"),
    (b"%PDF-", f"a PDF document, not text: {_EXPORT}"),
)


def _signature(head: bytes) -> tuple[bytes, str | None]:
    """The leading bytes of `_SIGNATURES` that `head` begins with, and what they say; (b"", None) for none."""
    return next(((m, k) for m, k in _SIGNATURES if head.startswith(m)), (b"", None))


def binary_kind(path: Path, raw: bool = False) -> str | None:
    """What the file's content (decompressed, for a `.gz` name, unless `raw`) is when it begins as a known binary
    format does, with what to do; None for anything else, or when it cannot be read. Only for a file that failed as
    not text (or, `raw`, as not gzip): a CSV header may begin with `BZh` or `PAR1`."""
    try:
        with open(path, "rb") if raw else open_file(path, "rb") as fh:
            head = fh.read(8)
    except (OSError, EOFError, zlib.error):
        return None
    magic, kind = _signature(head)
    if kind is None:
        return None
    gzipped = path.name.lower().endswith(".gz")
    if gzipped and not raw and magic == _GZIP:
        return "gzip data inside gzip (compressed twice): decompress it once"
    if gzipped and not raw and magic == _PARQUET:
        return "a Parquet file inside gzip, not text: decompress it and name it .parquet"
    stem = path.name[:-3] if gzipped else path.name
    return kind.format(gz=f"{stem}.gz")


def binary_under_text_name(path: Path) -> bool:
    """Whether a file named as plain text begins as a known binary format does and its first bytes are not text (a
    control character, or not UTF-8): a Parquet export named `.csv` is not a log still being written, whose last line
    waits for its line break (`etl.landing`), but a file that fails as what it is. A CSV header that begins with
    `PAR1` or `BZh` is text."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
    except OSError:
        return False
    if _signature(head)[1] is None:
        return False
    if any(b < 0x20 and b not in b"\t\n\r" for b in head):
        return True
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)  # a character cut at byte 64 is text
    except UnicodeDecodeError:
        return True
    return False
