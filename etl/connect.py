"""The ETL's connections to the working file, within the memory and threads the operator allows it.

`cabinet serve` runs the ETL schedule beside the app on the same machine. By default DuckDB lets a run use 80% of the
machine's memory and every core (a full load of 10M demo clicks peaks near 9.4 GB); `CABINET_ETL_MEMORY_MB` and
`CABINET_ETL_THREADS` bound a run so the app keeps room. Beyond the memory limit DuckDB spills to a temp directory
beside the working file: the 10M full load ran in 42.6 s unbounded, 45.2 s within 3 GB and 48.1 s within 1 GB.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from cabinet.config import ConfigError, env_number

MEMORY_ENV = "CABINET_ETL_MEMORY_MB"
THREADS_ENV = "CABINET_ETL_THREADS"
MIN_MEMORY_MB = 256


def limits() -> tuple[int | None, int | None]:
    """(memory MB, threads) from the environment; None = DuckDB's default. ConfigError naming a bad variable."""
    memory = int(env_number(MEMORY_ENV, 0, integer=True, maximum=2**40))  # a petabyte: more is not memory
    threads = int(env_number(THREADS_ENV, 0, integer=True, maximum=4096))
    if 0 < memory < MIN_MEMORY_MB:
        raise ConfigError(f"{MEMORY_ENV} must be at least {MIN_MEMORY_MB} (MB) or 0 for DuckDB's default, got {memory}")
    return memory or None, threads or None


def connect_work(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-write connection to a warehouse file, within `limits()` (both settings are whole numbers, checked)."""
    memory, threads = limits()
    con = duckdb.connect(str(path))
    try:
        if memory:
            con.execute(f"set memory_limit = '{memory}MB'")
        if threads:
            con.execute(f"set threads = {threads}")
    except BaseException:
        con.close()
        raise
    return con
