"""The names a file's columns are staged under, and the file's own name of each column staged under another.

Staged names are lower case (column names are case-insensitive); a name that is not a plain identifier (`Sub 1`,
`Страна`), or is one of the staging's own columns, is staged as `col_<n>` (only columns outside the contract are). The
run names the columns it ignores as the file does, not by a name the file does not have.
"""

from __future__ import annotations

import re
from collections.abc import Callable

NAME_RE = re.compile(r"^[a-z0-9_]{1,64}$")
MALFORMED = "__malformed_line"  # the JSON Lines reader's mark of a line that is not a JSON object
# the staging's own columns: a file's column of that name (outside the contract) would be taken for them; a `file_id`
# column in a CSV file was taken for the rows' file and failed the whole run
RESERVED = frozenset({"rn", "file_id", MALFORMED})


def staged_names(cols: list[str]) -> list[str]:
    """Lower-cased column names; names that are not plain identifiers, or are the staging's own (`RESERVED`), become
    `col_<n>` (only unknown columns)."""
    return [
        c.lower() if NAME_RE.match(c.lower()) and c.lower() not in RESERVED else f"col_{i}" for i, c in enumerate(cols)
    ]


def renamer(written: dict[str, str] | None) -> Callable[[list[str]], list[str]]:
    """`staged_names`, also noting in `written` the file's own name of each column staged as `col_<n>`."""

    def rename(cols: list[str]) -> list[str]:
        names = staged_names(cols)
        if written is not None:
            written.update({n: c.lower() for c, n in zip(cols, names, strict=True) if n != c.lower()})
        return names

    return rename
