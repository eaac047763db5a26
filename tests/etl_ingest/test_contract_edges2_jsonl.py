"""JSON Lines as producers write them: a timestamp number in exponent form is `bad_timestamp` as it is in CSV (the
contract's epoch milliseconds are integers), and a line naming a contract key twice is a bad row, as a CSV file
naming a column twice fails."""

from __future__ import annotations

import json

from etl.jsonl_lines import TWICE
from tests.etl_ingest.conftest import Tiny, conserved

MS = 1793536205000  # 2026-11-01T12:30:05Z


def _quarantined(t: Tiny) -> list[tuple]:
    return [(p, n, r, json.loads(raw)) for p, n, r, raw in t.rows(
        "select path, row_number, reason, raw from quarantine order by path, row_number"
    )]  # fmt: skip


def test_an_epoch_in_exponent_form_is_a_bad_timestamp_in_json_lines_as_in_csv(tiny: Tiny) -> None:
    tok = tiny.token
    # a `%g` writer: 1.79354e+12 is 2026-11-01T13:33:20Z, an hour after the click; the contract's integers only
    lines = [
        f'{{"click_id": "j1", "ts": 1.79354e+12, "link_token": "{tok}"}}',
        f'{{"click_id": "j2", "TS" : 1.7935362E12, "link_token": "{tok}"}}',
        f'{{"click_id": "j3", "ts": {MS}, "link_token": "{tok}"}}',
        f'{{"click_id": "j4", "ts": {MS}.0, "link_token": "{tok}"}}',  # a float column's whole milliseconds
        # another key's number in exponent form is not this key's
        f'{{"meta": {{"ts": 1.5e3}}, "click_id": "j5", "ts": {MS}.0, "link_token": "{tok}"}}',
    ]
    tiny.write("clicks", "a.jsonl", "\n".join(lines) + "\n")
    tiny.write("clicks", "b.csv", f"click_id,ts,link_token\nc1,1.79354e+12,{tok}\nc3,{MS},{tok}\nc4,{MS}.0,{tok}\n")
    conversion = {"conversion_id": "v1", "ts": MS, "type": "lead", "partner_id": tiny.parent, "offer_id": tiny.offer}
    text = json.dumps(conversion)[:-1] + ', "updated_at": 1.7935363e12}'
    tiny.write("conversions", "v.jsonl", text + "\n")
    tiny.write("commissions", "c.jsonl", f'{{"commission_id": "m1", "ts": 1.79354e12, "partner_id": {tiny.parent}, '
                                         '"amount": 5, "currency": "USD"}\n')  # fmt: skip
    tiny.run()
    got = [(p, n, r, raw["ts"] if p != "conversions/v.jsonl" else raw["updated_at"])
           for p, n, r, raw in _quarantined(tiny)]  # fmt: skip
    assert got == [
        ("clicks/a.jsonl", 1, "bad_timestamp", "1.79354e+12"),  # the value as the line writes it
        ("clicks/a.jsonl", 2, "bad_timestamp", "1.7935362E12"),
        ("clicks/b.csv", 1, "bad_timestamp", "1.79354e+12"),
        ("commissions/c.jsonl", 1, "bad_timestamp", "1.79354e12"),
        ("conversions/v.jsonl", 1, "bad_timestamp", "1.7935363e12"),
    ]
    clicks = tiny.rows("select click_id, strftime(ts, '%H:%M:%S') from clicks order by 1")
    assert clicks == [("c3", "12:30:05"), ("c4", "12:30:05"), ("j3", "12:30:05"), ("j4", "12:30:05"),
                      ("j5", "12:30:05")]  # fmt: skip
    conserved(tiny)


def test_a_line_naming_a_contract_key_twice_is_a_bad_row(tiny: Tiny) -> None:
    tok, ts = tiny.token, "2026-11-01T10:00:00Z"
    lines = [
        # DuckDB's reader took the first amount, Python's and JavaScript's the last: which one is meant is a guess
        f'{{"conversion_id": "v1", "ts": "{ts}", "type": "deposit", "partner_id": {tiny.parent}, '
        f'"offer_id": {tiny.offer}, "amount": 0, "amount": 250}}',
        f'{{"conversion_id": "v2", "ts": "{ts}", "type": "deposit", "partner_id": {tiny.parent}, '
        f'"offer_id": {tiny.offer}, "Amount": 7, "amount": 250}}',
        f'{{"conversion_id": "v3", "ts": "{ts}", "type": "deposit", "partner_id": {tiny.parent}, '
        f'"offer_id": {tiny.offer}, "amount": 250, "tag": 1, "tag": 2}}',  # a key outside the contract: ignored
    ]
    tiny.write("conversions", "v.jsonl", "\n".join(lines) + "\n")
    tiny.write("clicks", "c.jsonl", f'{{"click_id": "k1", "ts": "{ts}", "link_token": "{tok}"}}\n')  # alike: loads
    result = tiny.run()
    assert _quarantined(tiny) == [
        ("conversions/v.jsonl", 1, "bad_row", {"line": lines[0], "error": TWICE}),
        ("conversions/v.jsonl", 2, "bad_row", {"line": lines[1], "error": TWICE}),
    ]
    assert tiny.rows("select conversion_id, amount::varchar from conversions") == [("v3", "250.0000")]
    assert tiny.rows("select click_id from clicks") == [("k1",)]
    files = {f["path"]: (f["rows_read"], f["inserted"], f["quarantined"]) for f in result.files}
    assert files == {"clicks/c.jsonl": (1, 1, 0), "conversions/v.jsonl": (3, 1, 2)}
    conserved(tiny)
