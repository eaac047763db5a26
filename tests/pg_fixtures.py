"""A throwaway PostgreSQL cluster per test session, and a fresh database on it per test (`pg_database`), empty or
migrated to head (`pg_migrated_database`: a copy of one migrated once per test process).

Loaded for every test directory by `tests/conftest.py` (`pytest_plugins`): the store tests run on both backends, the
ETL tests read their dimensions from a PostgreSQL store too.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest


def _initdb() -> str | None:
    """The newest Debian initdb, if PostgreSQL is installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    return found[-1] if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres(args: list[str]) -> list[str]:
    """Run a server binary as the postgres user when we are root (PostgreSQL refuses to run as root)."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A PostgreSQL cluster in a temp dir on a free 127.0.0.1 port; yields the server URL without a database."""
    initdb = _initdb()
    if initdb is None:
        pytest.skip(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run scripts/system_deps.sh as root"
        )
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root but `runuser` is missing, so PostgreSQL cannot be started as user postgres")
    bindir = Path(initdb).parent
    datadir = Path(tempfile.mkdtemp(prefix="cabinet-pg-"))
    if os.geteuid() == 0:
        shutil.chown(datadir, "postgres", "postgres")
    port = _free_port()
    init = subprocess.run(_as_postgres([initdb, "-D", str(datadir), "-U", "postgres", "-A", "trust", "--no-sync",
                                        "-E", "UTF8"]), capture_output=True, text=True)  # fmt: skip
    if init.returncode != 0:
        shutil.rmtree(datadir, ignore_errors=True)
        pytest.skip(f"initdb is present but unusable here (exit {init.returncode}): {init.stderr.strip()[:300]}")
    opts = f"-p {port} -k {datadir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
    pg_ctl = str(bindir / "pg_ctl")
    start = subprocess.run(_as_postgres([pg_ctl, "-D", str(datadir), "-l", str(datadir / "server.log"), "-w",
                                         "-o", opts, "start"]), capture_output=True, text=True)  # fmt: skip
    if start.returncode != 0:
        log = (datadir / "server.log").read_text(errors="replace")[-500:] if (datadir / "server.log").exists() else ""
        shutil.rmtree(datadir, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {start.stderr.strip()} {log}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(_as_postgres([pg_ctl, "-D", str(datadir), "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(datadir, ignore_errors=True)


def _admin(server: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(server.replace("postgresql+psycopg", "postgresql") + "/postgres", autocommit=True) as conn:
        conn.execute(sql)


@contextlib.contextmanager
def _database(server: str, template: str | None = None) -> Iterator[str]:
    """The URL of a new database on `server` (a copy of `template` when given), dropped afterwards."""
    name = f"store_{uuid.uuid4().hex[:12]}"  # generated here, never user input
    _admin(server, f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        yield f"{server}/{name}"
    finally:
        _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_database(pg_server: str) -> Iterator[str]:
    """The URL of a new empty database on the session's server, dropped after the test."""
    with _database(pg_server) as url:
        yield url


@pytest.fixture(scope="session")
def _pg_migrated_template(pg_server: str) -> str:
    """The name of a database migrated to head once per test process: the template `pg_migrated_database` copies
    (migrating took ~0.9 s a test, a copy ~0.1 s). The migrations' engine holds no connection after them (NullPool),
    which a template needs."""
    from cabinet.store.db import migrate

    name = f"migrated_{uuid.uuid4().hex[:12]}"
    _admin(pg_server, f'CREATE DATABASE "{name}"')
    migrate(f"{pg_server}/{name}")
    return name


@pytest.fixture
def pg_migrated_database(pg_server: str, _pg_migrated_template: str) -> Iterator[str]:
    """The URL of a new database on the session's server migrated to head (a copy of the process's template),
    dropped after the test."""
    with _database(pg_server, _pg_migrated_template) as url:
        yield url
