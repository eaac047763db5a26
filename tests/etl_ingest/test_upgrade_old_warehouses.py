"""Warehouses written by earlier versions load and count like new ones after the upgrade: user-agent hashes kept as
64-bit integers (2026-11-30 08:40-09:45), and unique clicks flagged before a late click could take them back."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from etl import history
from etl.history import attach_history
from etl.rollups import refresh_rollups
from etl.schema import SCHEMA_VERSION, set_meta
from queries.warehouse import read_current
from tests.etl_ingest.conftest import Tiny
from tests.etl_ingest.test_click_unique_order import CLICKS, FILES, UA, _expected, _reader, _write

HEADER = "click_id,ts,link_token,ip,user_agent\n"
# How the clicks of 2026-11-30 08:40-09:45 kept the user-agent hash
AS_INTEGER = "alter table {} alter ua_hash type ubigint using ('0x' || left(ua_hash, 16))::ubigint"


def _clicks(t: Tiny, name: str, rows: list[tuple[str, str, str]]) -> None:
    t.write("clicks", name, HEADER + "".join(f"{c},{ts}Z,{t.token},{ip},{UA}\n" for c, ts, ip in rows))


def _split(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every run moves the clicks older than two days before the newest into the history file."""
    monkeypatch.setenv(history.HOT_DAYS_ENV, "2")
    monkeypatch.setenv(history.MIN_ROWS_ENV, "1")
    monkeypatch.setenv(history.START_ROWS_ENV, "1")


def _work(t: Tiny) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(t.settings.warehouse_dir / "work.duckdb"))


def test_integer_user_agent_hashes_are_upgraded_and_an_old_click_and_a_new_one_are_one_visitor(tiny: Tiny) -> None:
    _clicks(tiny, "a.csv", [("u1", "2026-11-08T10:00:00", "192.0.2.7")])
    tiny.run()
    with _work(tiny) as con:  # as the version of 2026-11-30 09:00 left it
        con.execute(AS_INTEGER.format("clicks"))
        con.execute("update click_keys k set vkey = hash(c.ip_hash, c.ua_hash, c.partner_id, c.offer_id) "
                    "from clicks c where c.click_id = k.click_id")  # fmt: skip
        set_meta(con, "schema_version", "2")
    # 10 h after u1 (not unique), another visitor; then the visitor again a day later, in a run of its own
    _clicks(tiny, "b.csv", [("u2", "2026-11-08T20:00:00", "192.0.2.7"), ("v1", "2026-11-08T21:00:00", "192.0.2.8")])
    assert tiny.run().totals["inserted"] == 2
    _clicks(tiny, "c.csv", [("u3", "2026-11-09T19:00:00", "192.0.2.7")])
    assert tiny.run().totals["inserted"] == 1
    flags = dict(tiny.rows("select click_id, is_unique from clicks"))
    assert flags == {"u1": True, "u2": False, "v1": True, "u3": False}
    # the old click keeps the 16 hex digits its integer held, the visitor key reads as many of the new ones
    hashes = tiny.rows("select click_id, length(ua_hash), ua_hash = left(md5(?), length(ua_hash)) from clicks", [UA])
    assert sorted(hashes) == [("u1", 16, True), ("u2", 32, True), ("u3", 32, True), ("v1", 32, True)]
    tiny.run()  # idempotent
    assert tiny.rows("select typeof(ua_hash) from clicks limit 1") == [("VARCHAR",)]


def test_integer_user_agent_hashes_in_the_history_file_are_upgraded_and_published(
    tiny: Tiny, monkeypatch: pytest.MonkeyPatch
) -> None:
    _split(monkeypatch)
    _clicks(tiny, "a.csv", [("x1", "2026-11-05T10:00:00", "192.0.2.7"), ("y1", "2026-11-09T10:00:00", "192.0.2.8")])
    assert tiny.run().moved is not None  # x1 is the history's
    with _work(tiny) as con:  # both files as the version of 2026-11-30 09:00 left them
        con.execute(AS_INTEGER.format("clicks"))
        con.execute(f"attach '{tiny.settings.warehouse_dir / history.HISTORY_DB}' as old")
        con.execute(AS_INTEGER.format("old.clicks"))
        set_meta(con, "schema_version", "2")
    before = read_current(tiny.settings.warehouse_dir)
    assert before is not None and before.history is not None
    monkeypatch.setenv(history.MIN_ROWS_ENV, "100")  # no move: the upgrade alone republishes the history
    # a late click 6 h after x1, of the same visitor; one 2 h after y1
    _clicks(tiny, "b.csv", [("x2", "2026-11-05T16:00:00", "192.0.2.7"), ("y2", "2026-11-09T12:00:00", "192.0.2.8")])
    result = tiny.run()
    assert result.totals["inserted"] == 2 and result.moved is None
    flags, levels = _reader(tiny)
    assert flags == {"x1": True, "x2": False, "y1": True, "y2": False}
    for table, (rolled, raw) in levels.items():
        assert rolled == raw, table
    after = read_current(tiny.settings.warehouse_dir)
    assert after is not None and after.history is not None and after.history.name != before.history.name
    with duckdb.connect(str(after.history), read_only=True) as con:
        assert con.execute("select typeof(ua_hash) from clicks").fetchall() == [("VARCHAR",)]


@pytest.mark.parametrize("split", [False, True], ids=["one_file", "with_history"])
def test_unique_clicks_flagged_by_earlier_versions_are_recomputed_with_their_rollups(
    tiny: Tiny, monkeypatch: pytest.MonkeyPatch, split: bool
) -> None:
    if split:
        _split(monkeypatch)
    for name in FILES:
        _write(tiny, name)
    result = tiny.run()
    assert (result.moved is not None) == split  # c1 and c2 (the first days) are the history's
    wh_dir = tiny.settings.warehouse_dir
    with _work(tiny) as con:  # as versions before 2026-12-01 16:12 left them: a late click took nothing away
        attach_history(con, wh_dir)
        for table in ("clicks", f"{history.ALIAS}.clicks") if split else ("clicks",):
            con.execute(f"update {table} set is_unique = true where click_id in ('a2', 'a4', 'c2')")
        run_id = int(con.execute("select max(run_id) from etl_runs").fetchall()[0][0])
        refresh_rollups(con, run_id, None)  # the rollups count them too
        assert con.execute("select sum(unique_clicks) from rollup_daily").fetchall() == [(9,)]
        set_meta(con, "schema_version", "4")
    monkeypatch.setenv(history.MIN_ROWS_ENV, "100")  # no move: the upgrade writes the history's flags
    result = tiny.run()  # nothing new in the inbox
    assert result.published is not None and result.moved is None
    flags, levels = _reader(tiny)
    assert flags == _expected() == {c: c in ("a1", "a3", "a5", "b1", "b2", "c1", "d1") for c in CLICKS}
    for table, (rolled, raw) in levels.items():
        assert rolled == raw, table
        assert sum(r[-2] for r in rolled) == 6, table  # a1 a3 a5 b1 b2 c1 (d1 is a bot)
    assert tiny.rows("select count(*) from unique_restated") == [(0,)]
    if split:  # written into the history file, not only read through the working file's corrections
        with duckdb.connect(str(wh_dir / history.HISTORY_DB), read_only=True) as con:
            assert con.execute("select is_unique from clicks where click_id = 'c2'").fetchall() == [(False,)]


CONVERSION = "conversion_id,ts,type,click_id,amount,currency,status,updated_at\n{}\n"


def test_a_conversions_status_run_is_kept_and_filled_in_for_older_warehouses(tiny: Tiny) -> None:
    """Postbacks tell of the run that gave a conversion its status (schema 6), not of an amount corrected later."""
    _clicks(tiny, "a.csv", [("k1", "2026-11-08T10:00:00", "192.0.2.7")])
    tiny.write("conversions", "a.csv", CONVERSION.format("c1,2026-11-08T10:05:00Z,ftd,k1,50,USD,pending,"))
    first = tiny.run().run_id
    tiny.write("conversions", "b.csv", CONVERSION.format("c1,2026-11-08T10:05:00Z,ftd,k1,60,USD,pending,"
                                                         "2026-11-08T12:00:00Z"))  # fmt: skip
    second = tiny.run().run_id
    assert tiny.rows("select status_run_id, updated_run_id from conversions") == [(first, second)]
    tiny.write("conversions", "c.csv", CONVERSION.format("c1,2026-11-08T10:05:00Z,ftd,k1,60,USD,approved,"
                                                         "2026-11-08T13:00:00Z"))  # fmt: skip
    third = tiny.run().run_id
    assert tiny.rows("select status_run_id, updated_run_id from conversions") == [(third, third)]
    with _work(tiny) as con:  # a warehouse of schema 5 has no such column: its last change stands for it
        con.execute("alter table conversions drop column status_run_id")
        con.execute("update conversions set updated_run_id = updated_run_id + 10")
        set_meta(con, "schema_version", "5")
    tiny.run()
    assert tiny.rows("select status_run_id, updated_run_id from conversions") == [(third + 10, third + 10)]


SALES = "conversion_id,ts,type,partner_id,offer_id,amount,currency,status,customer_id\n"
RATE_COLUMNS = "select table_name, data_type from duckdb_columns() where column_name in ('rate', 'fx_rate') order by 1"


def test_rates_kept_in_8_decimals_are_widened_and_a_rate_sent_again_converts_what_is_not_settled(tiny: Tiny) -> None:
    """Schema 7: rates keep 18 decimals. A stored rate cannot get back what it lost; the rate sent again can."""
    p, o = tiny.parent, tiny.offer
    tiny.write("fx_rates", "a.csv", "date,currency,rate\n2026-11-01,IDR,0.000062745098\n")
    sales = (
        f"s1,2026-11-03T10:00:00Z,sale,{p},{o},100000000,IDR,pending,u1\n"
        f"f1,2026-11-03T11:00:00Z,ftd,{p},{o},1000000,IDR,approved,u2\n"
    )
    tiny.write("conversions", "a.csv", SALES + sales)
    tiny.run()
    with _work(tiny) as con:  # as schema 6 kept the rates, and the amounts converted at them
        for table, column in (("fx_rates", "rate"), ("conversions", "fx_rate"), ("commissions", "fx_rate")):
            con.execute(f"alter table {table} alter {column} type decimal(18,8)")
        con.execute("update conversions set amount_base = round(amount * fx_rate, 4) where currency = 'IDR'")
        set_meta(con, "schema_version", "6")
    assert tiny.run().published is not None  # nothing new: the upgrade alone is published
    assert tiny.rows(RATE_COLUMNS) == [
        ("commissions", "DECIMAL(38,18)"),
        ("conversions", "DECIMAL(38,18)"),
        ("fx_rates", "DECIMAL(38,18)"),
    ]
    assert tiny.rows("select rate from fx_rates") == [(Decimal("0.00006275"),)]  # its lost digits stay lost
    assert tiny.rows("select value from meta where key = 'schema_version'") == [(SCHEMA_VERSION,)]
    # the rate again, in a new file (a copy of the file read before would not be read again)
    tiny.write("fx_rates", "b.csv", "date,currency,rate\n2026-11-01,EUR,1.08\n2026-11-01,IDR,0.000062745098\n")
    tiny.run()
    assert tiny.rows("select conversion_id, amount_base, fx_rate from conversions order by 1") == [
        ("f1", Decimal("62.75"), Decimal("0.00006275")),  # its CPA is approved: settled at the rate of then
        ("s1", Decimal("6274.5098"), Decimal("0.000062745098")),
    ]
