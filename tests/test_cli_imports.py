"""`cabinet` starts without the libraries its commands do not use: `--help`, a group's help and a light command
import neither the warehouse's (duckdb, polars, numpy) nor, where the store is not opened, the store's (SQLAlchemy,
Alembic). Every operator command, and every CLI test's subprocess, paid about 2 s of imports for all of them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlalchemy import Engine

from cabinet.config import Settings

HEAVY = ("alembic", "duckdb", "mako", "numpy", "polars", "pyarrow", "sqlalchemy", "streamlit")

# the command run in a process of its own, then the heavy libraries it had imported by its end
_RUN = """
import json, sys
from cabinet.cli import main
sys.argv = ["cabinet", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print("imported:", json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)), file=sys.stderr)
"""


def _imported(*args: str) -> list[str]:
    """The heavy libraries `cabinet ARGS` imported, in a process of its own."""
    done = subprocess.run(
        [sys.executable, "-c", _RUN.format(heavy=HEAVY), *args], capture_output=True, text=True, timeout=120
    )
    line = [x for x in done.stderr.splitlines() if x.startswith("imported: ")]
    assert line, done.stderr
    return json.loads(line[-1].removeprefix("imported: "))


def test_importing_the_cli_imports_no_heavy_library() -> None:
    code = f"import sys, cabinet.cli; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        *([group, "--help"] for group in ("etl", "keys", "links", "mail", "postbacks", "users")),
        ["etl", "status", "--help"],
        ["users", "list", "--help"],
        ["demo", "--help"],
        ["report", "--help"],
    ],
    ids=" ".join,
)
def test_help_imports_no_heavy_library(args: list[str], settings: Settings) -> None:
    assert _imported(*args) == []


def test_users_list_opens_the_store_without_the_warehouse(store_engine: Engine) -> None:
    found = _imported("users", "list")
    assert "sqlalchemy" in found  # it did run: it read the store
    assert [m for m in found if m in ("duckdb", "numpy", "polars", "pyarrow", "streamlit")] == []
