"""An ETL run stays within the memory and threads the operator allows (`CABINET_ETL_MEMORY_MB`, `..._THREADS`)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from cabinet.config import ConfigError
from etl import connect, runner
from tests.etl_ingest.conftest import CLICK_HEADER, Tiny, conserved


def _settings_of(con: duckdb.DuckDBPyConnection) -> tuple[str, int]:
    memory, threads = con.execute("select current_setting('memory_limit'), current_setting('threads')").fetchall()[0]
    return str(memory), int(threads)


def test_a_run_uses_the_limits_it_is_given(tiny: Tiny, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(connect.MEMORY_ENV, "512")
    monkeypatch.setenv(connect.THREADS_ENV, "1")
    seen: list[tuple[str, int]] = []

    def spy(path: Path) -> duckdb.DuckDBPyConnection:
        con = connect.connect_work(path)
        seen.append(_settings_of(con))
        return con

    monkeypatch.setattr(runner, "connect_work", spy)
    tiny.write("clicks", "a.csv", CLICK_HEADER + f"c1,2026-11-01T10:00:00Z,{tiny.token},,,,de,mobile,1.2.3.4,ua\n")
    result = tiny.run()
    assert result.totals["inserted"] == 1 and result.published is not None
    assert seen == [("488.2 MiB", 1)]  # 512 MB = 488.2 MiB, as DuckDB prints it
    conserved(tiny)


def test_without_settings_duckdb_keeps_its_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(connect.MEMORY_ENV, raising=False)
    monkeypatch.delenv(connect.THREADS_ENV, raising=False)
    default = duckdb.connect()
    con = connect.connect_work(tmp_path / "w.duckdb")
    try:
        assert _settings_of(con) == _settings_of(default)
    finally:
        con.close()
        default.close()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            connect.MEMORY_ENV,
            "100",
            "CABINET_ETL_MEMORY_MB must be at least 256 (MB) or 0 for DuckDB's default, got 100",
        ),
        (connect.MEMORY_ENV, "2GB", "CABINET_ETL_MEMORY_MB must be a whole number from 0 to 1099511627776, got '2GB'"),
        (connect.THREADS_ENV, "-1", "CABINET_ETL_THREADS must be a whole number from 0 to 4096, got '-1'"),
        (connect.THREADS_ENV, "5000", "CABINET_ETL_THREADS must be a whole number from 0 to 4096, got '5000'"),
    ],
)
def test_a_bad_limit_is_named_before_anything_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        connect.connect_work(tmp_path / "w.duckdb")
    assert str(info.value) == message
    assert not (tmp_path / "w.duckdb").exists()


@pytest.mark.parametrize("value", ["inf", "nan", "1e999", "-inf"])
@pytest.mark.parametrize("name", ["CABINET_ETL_SETTLE_S", "CABINET_ETL_CHUNK_MB"])
def test_an_infinite_or_nan_setting_is_named_too(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    """They parsed as floats: a run then failed with OverflowError, or went on with NaN."""
    from cabinet.config import env_number

    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=f"{name} must be a number of at least 0, got '{value}'"):
        env_number(name, 2.0)


@pytest.mark.parametrize("value", ["3601", "1e9"])
def test_a_settle_wait_beyond_an_hour_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    """A run waits that long holding the lock while any inbox file is younger: a typo, refused with its name."""
    from etl.ingest import settle_seconds

    monkeypatch.setenv("CABINET_ETL_SETTLE_S", value)
    with pytest.raises(ConfigError, match=f"CABINET_ETL_SETTLE_S must be a number from 0 to 3600, got '{value}'"):
        settle_seconds()
    monkeypatch.setenv("CABINET_ETL_SETTLE_S", "3600")
    assert settle_seconds() == 3600
