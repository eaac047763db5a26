"""Over-long text in the conversions, commissions and FX rates feeds gets one outcome whatever the file's format, as
in clicks (`test_long_values`): an id or code over 255 characters, a commission's note over 2,000, is
`too_long:<column>` in the quarantine with the row's other values, each cut to `RAW_VALUE_LIMIT` characters. (A
20 MB `customer_id` was stored in the warehouse and shown in the cabinet.) An over-long coded value (a currency, a
kind, a date) gets its column's own reason, its raw value cut alike."""

from __future__ import annotations

import json

import pytest

from etl.validate import RAW_VALUE_LIMIT
from tests.etl_ingest.conftest import Tiny, conserved, write_rows

FORMATS = ("csv", "csv.gz", "parquet", "jsonl", "jsonl.gz")
HUGE = 3_000_000  # over DuckDB's CSV line limit (2 MB) and Python's csv field limit (128 KiB)


def _quarantined(t: Tiny) -> list[tuple[int, str, dict[str, str]]]:
    got = t.rows("select row_number, reason, raw from quarantine order by row_number")
    return [(n, reason, json.loads(raw)) for n, reason, raw in got]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_over_long_conversion_value_is_too_long_in_every_format(tiny: Tiny, fmt: str) -> None:
    base = {"conversion_id": "", "ts": "2026-11-01T10:00:00Z", "type": "registration", "click_id": "",
            "promo_code": "", "partner_id": str(tiny.parent), "offer_id": str(tiny.offer), "customer_id": "cust",
            "amount": "", "currency": ""}  # fmt: skip
    changes = [
        {"conversion_id": "v" * 255, "promo_code": "P" * 255, "customer_id": "é" * 255},  # at the limits: loads
        {"click_id": "c" * 255},  # at the limit: waits for its click
        {"conversion_id": "v" * 256},
        {"click_id": "c" * 256},
        {"promo_code": "P" * 256},
        {"customer_id": "x" * HUGE},
        {"customer_id": "é" * 256},  # characters, not bytes
        {"amount": "10", "currency": "U" * HUGE},  # a coded column: its own reason
    ]
    rows = [{**base, "conversion_id": f"k{i}", **c} for i, c in enumerate(changes, 1)]
    write_rows(tiny, "conversions", f"long.{fmt}", rows)
    result = tiny.run()
    assert [(f["status"], f["rows_read"], f["inserted"], f["quarantined"]) for f in result.files] == [
        ("loaded", 8, 2, 6)
    ]
    got = _quarantined(tiny)
    assert [(n, reason) for n, reason, _ in got] == [
        (3, "too_long:conversion_id"),
        (4, "too_long:click_id"),
        (5, "too_long:promo_code"),
        (6, "too_long:customer_id"),
        (7, "too_long:customer_id"),
        (8, "bad_currency"),
    ]
    raws = {n: raw for n, _, raw in got}
    assert raws[4]["click_id"] == "c" * 256 and raws[4]["conversion_id"] == "k4"  # short values are kept whole
    assert raws[6]["customer_id"] == "x" * RAW_VALUE_LIMIT + "…"  # not 3 MB
    assert (raws[6]["conversion_id"], raws[6]["type"], raws[6]["partner_id"]) == (
        "k6",
        "registration",
        str(tiny.parent),
    )
    assert raws[8]["currency"] == "U" * RAW_VALUE_LIMIT + "…" and raws[8]["amount"] == "10"
    assert tiny.rows("select length(conversion_id), length(promo_code), length(customer_id) from conversions") == [
        (255, 255, 255)
    ]
    assert tiny.rows("select conversion_id, length(click_id) from pending_conversions") == [("k2", 255)]
    assert tiny.rows("select max(strlen(raw::varchar)) < 10000 from quarantine") == [(True,)]
    conserved(tiny)


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_over_long_commission_value_is_too_long_in_every_format(tiny: Tiny, fmt: str) -> None:
    base = {"commission_id": "", "partner_id": str(tiny.parent), "ts": "2026-11-01T10:00:00Z", "amount": "5",
            "currency": "USD", "kind": "bonus", "conversion_id": "", "status": "approved", "note": "n"}  # fmt: skip
    changes = [
        {"commission_id": "m" * 255, "conversion_id": "v" * 255, "note": "é" * 2000},  # at the limits: loads
        {"commission_id": "m" * 256},
        {"conversion_id": "v" * 256},
        {"note": "n" * 2001},
        {"note": "n" * HUGE},
        {"kind": "b" * HUGE},  # a coded column: its own reason
    ]
    rows = [{**base, "commission_id": f"k{i}", **c} for i, c in enumerate(changes, 1)]
    write_rows(tiny, "commissions", f"long.{fmt}", rows)
    result = tiny.run()
    assert [(f["status"], f["rows_read"], f["inserted"], f["quarantined"]) for f in result.files] == [
        ("loaded", 6, 1, 5)
    ]
    got = _quarantined(tiny)
    assert [(n, reason) for n, reason, _ in got] == [
        (2, "too_long:commission_id"),
        (3, "too_long:conversion_id"),
        (4, "too_long:note"),
        (5, "too_long:note"),
        (6, "bad_kind"),
    ]
    raws = {n: raw for n, _, raw in got}
    assert raws[4]["note"] == "n" * RAW_VALUE_LIMIT + "…" and raws[4]["commission_id"] == "k4"  # the raw cut
    assert raws[5]["note"] == "n" * RAW_VALUE_LIMIT + "…"
    assert (raws[5]["commission_id"], raws[5]["amount"], raws[5]["kind"]) == ("k5", "5", "bonus")
    assert raws[6]["kind"] == "b" * RAW_VALUE_LIMIT + "…" and raws[6]["commission_id"] == "k6"
    feed = "select length(commission_id), length(conversion_id), length(note) from commissions where source = 'feed'"
    assert tiny.rows(feed) == [(255, 255, 2000)]
    conserved(tiny)


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_over_long_fx_value_gets_its_columns_reason_in_every_format(tiny: Tiny, fmt: str) -> None:
    rows = [
        {"date": "2026-11-01", "currency": "EUR", "rate": "1.1"},
        {"date": "2026-11-01", "currency": "E" * HUGE, "rate": "1.1"},
        {"date": "2026-11-01", "currency": "GBP", "rate": "1" * 300},
        {"date": "2026-11-01" + "x" * HUGE, "currency": "JPY", "rate": "0.01"},
    ]
    write_rows(tiny, "fx_rates", f"long.{fmt}", rows)
    result = tiny.run()
    assert [(f["status"], f["rows_read"], f["inserted"], f["quarantined"]) for f in result.files] == [
        ("loaded", 4, 1, 3)
    ]
    got = _quarantined(tiny)
    assert [(n, reason) for n, reason, _ in got] == [(2, "bad_currency"), (3, "bad_rate"), (4, "bad_date")]
    raws = {n: raw for n, _, raw in got}
    assert raws[2]["currency"] == "E" * RAW_VALUE_LIMIT + "…" and raws[2]["rate"] == "1.1"
    assert raws[4]["date"] == ("2026-11-01" + "x" * HUGE)[:RAW_VALUE_LIMIT] + "…" and raws[4]["currency"] == "JPY"
    assert tiny.rows("select currency from fx_rates") == [("EUR",)]
    conserved(tiny)
