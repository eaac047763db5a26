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
from cabinet.store.db import session_scope
from cabinet.store.models import User

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


def _run(*args: str) -> tuple[str, list[str]]:
    """The output of `cabinet ARGS`, run in a process of its own, and the heavy libraries it imported."""
    done = subprocess.run(
        [sys.executable, "-c", _RUN.format(heavy=HEAVY), *args], capture_output=True, text=True, timeout=120
    )
    line = [x for x in done.stderr.splitlines() if x.startswith("imported: ")]
    assert line, done.stderr
    return done.stdout, json.loads(line[-1].removeprefix("imported: "))


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
    assert _run(*args)[1] == []


def test_users_list_opens_the_store_without_the_warehouse(store_engine: Engine) -> None:
    with session_scope(store_engine) as s:  # a login: its lock state is read too (`cabinet.auth`)
        s.add(User(username="alice", email="a@example.com", display_name="Alice", role="admin", password_hash="x"))
    said, found = _run("users", "list")
    assert "alice" in said and "sqlalchemy" in found  # it did run: it read the store
    assert [m for m in found if m in ("duckdb", "numpy", "polars", "pyarrow", "streamlit")] == []


def test_etl_status_before_the_first_run_reads_no_store_nor_frames(settings: Settings) -> None:
    said, found = _run("etl", "status")
    assert "no runs yet" in said
    assert [m for m in found if m in ("alembic", "numpy", "polars", "sqlalchemy", "streamlit")] == []


def test_etl_status_of_a_snapshot_reads_it_without_the_store_nor_frames(store_engine: Engine) -> None:
    """Once a run has published: the runs, the quarantine and what waits, read with DuckDB alone (~0.7 s on the
    demo, where polars, numpy, SQLAlchemy and Alembic made it ~2.2 s)."""
    ran, _ = _run("etl", "run")
    assert "run 1" in ran, ran
    said, found = _run("etl", "status")
    assert "snapshot " in said and "(run 1)" in said, said
    assert [m for m in found if m in ("alembic", "numpy", "polars", "sqlalchemy", "streamlit")] == []
