"""Parquet files as producers write them: a contract column of lists, structs or maps fails its file alone (a list of
timestamps failed the whole run; a list of sub values loaded as the text `[x, y]`), as does a time in epoch
milliseconds of a 32-bit float (it loaded up to a minute off)."""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa
import pyarrow.parquet as pq

from etl.repeated_columns import FLOAT_TIMES, NESTED
from tests.etl_ingest.conftest import Tiny, conserved

T0 = datetime(2026, 11, 1, 10, 0)
WHY = NESTED
MS = 1793536205000  # 2026-11-01T12:30:05Z


def _write(t: Tiny, feed: str, name: str, columns: dict[str, pa.Array]) -> None:
    (t.inbox / feed).mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns), t.inbox / feed / name)


def _click(t: Tiny, click_id: str, **other: pa.Array) -> dict[str, pa.Array]:
    return {"click_id": pa.array([click_id]), "ts": pa.array([T0], pa.timestamp("us")),
            "link_token": pa.array([t.token]), **other}  # fmt: skip


def test_a_contract_column_of_lists_or_structs_fails_its_file_alone(tiny: Tiny) -> None:
    _write(tiny, "clicks", "a.parquet", _click(tiny, "k1") | {"ts": pa.array([[T0]], pa.list_(pa.timestamp("us")))})
    _write(
        tiny, "clicks", "b.parquet", _click(tiny, "k2", sub1=pa.array([["x", "y"]]), country=pa.array([{"c": "DE"}]))
    )
    # outside the contract a nested column is ignored as any other
    _write(tiny, "clicks", "c.parquet", _click(tiny, "k3", extra=pa.array([{"a": [1, 2]}])))
    conversion = {"conversion_id": pa.array(["v1"]), "ts": pa.array([T0], pa.timestamp("us")),
                  "type": pa.array(["lead"]), "partner_id": pa.array([[tiny.parent]]),
                  "offer_id": pa.array([tiny.offer])}  # fmt: skip
    _write(tiny, "conversions", "v.parquet", conversion)
    commission = {"commission_id": pa.array(["m1"]), "partner_id": pa.array([tiny.parent]),
                  "ts": pa.array([T0], pa.timestamp("us")), "amount": pa.array([[5.0]]),
                  "currency": pa.array(["USD"])}  # fmt: skip
    _write(tiny, "commissions", "m.parquet", commission)
    tiny.run()
    assert tiny.rows("select path, status, reason, unknown_columns, rows_read from etl_files order by path") == [
        ("clicks/a.parquet", "failed", f"ts: {WHY}", None, 0),
        ("clicks/b.parquet", "failed", f"sub1, country: {WHY}", None, 0),
        ("clicks/c.parquet", "loaded", None, "extra", 1),
        ("commissions/m.parquet", "failed", f"amount: {WHY}", None, 0),
        ("conversions/v.parquet", "failed", f"partner_id: {WHY}", None, 0),
    ]
    assert tiny.rows("select click_id from clicks") == [("k3",)]
    conserved(tiny)


def test_a_file_fixed_after_failing_for_a_nested_column_loads(tiny: Tiny) -> None:
    _write(tiny, "clicks", "a.parquet", _click(tiny, "k1", sub2=pa.array([["x"]])))
    tiny.run()
    assert tiny.rows("select status from etl_files") == [("failed",)]
    _write(tiny, "clicks", "a.parquet", _click(tiny, "k1", sub2=pa.array(["x"])))
    tiny.run()
    assert tiny.rows("select click_id, sub2 from clicks") == [("k1", "x")]
    conserved(tiny)


def test_epoch_milliseconds_in_a_32_bit_float_fail_their_file(tiny: Tiny) -> None:
    """float32(1793536205000) is 1793536163840: 41 s earlier, a whole number, and it loaded as that time."""
    _write(tiny, "clicks", "a.parquet", _click(tiny, "k1") | {"ts": pa.array([float(MS)], pa.float32())})
    _write(tiny, "clicks", "b.parquet", _click(tiny, "k2") | {"ts": pa.array([MS], pa.float64())})  # exact: loads
    conversion = {"conversion_id": pa.array(["v1"]), "ts": pa.array([MS], pa.int64()),
                  "updated_at": pa.array([float(MS)], pa.float32()), "type": pa.array(["lead"]),
                  "partner_id": pa.array([tiny.parent]), "offer_id": pa.array([tiny.offer]),
                  "amount": pa.array([19.99], pa.float32())}  # fmt: skip
    _write(tiny, "conversions", "v.parquet", conversion)
    _write(tiny, "conversions", "w.parquet", conversion | {"conversion_id": pa.array(["v2"]),
                                                            "updated_at": pa.array([MS], pa.int64())})  # fmt: skip
    tiny.run()
    assert tiny.rows("select path, status, reason from etl_files order by path") == [
        ("clicks/a.parquet", "failed", f"ts: {FLOAT_TIMES}"),
        ("clicks/b.parquet", "loaded", None),
        ("conversions/v.parquet", "failed", f"updated_at: {FLOAT_TIMES}"),
        ("conversions/w.parquet", "loaded", None),
    ]
    assert tiny.rows("select click_id, strftime(ts, '%H:%M:%S') from clicks") == [("k2", "12:30:05")]
    # a 32-bit float amount is read as the decimal it was written from
    assert tiny.rows("select conversion_id, amount::varchar from conversions") == [("v2", "19.9900")]
    conserved(tiny)


def test_a_time_past_what_a_timestamp_holds_fails_its_file_saying_so(tiny: Tiny) -> None:
    """2^62 milliseconds (a producer's placeholder for "never"): DuckDB's reader cannot read the column at all."""
    _write(tiny, "clicks", "a.parquet", _click(tiny, "k1") | {"ts": pa.array([2**62], pa.timestamp("ms"))})
    _write(tiny, "clicks", "b.parquet", _click(tiny, "k2"))
    tiny.run()
    (reason,) = tiny.rows("select reason from etl_files where status = 'failed'")[0]
    assert reason.startswith("a time beyond the year 294247 in a timestamp column (a placeholder for none?) (")
    assert tiny.rows("select click_id from clicks") == [("k2",)]
    conserved(tiny)
