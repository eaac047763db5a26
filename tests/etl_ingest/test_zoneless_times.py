"""Times written without a zone load as UTC, as the inbox contract says, and the run says so once per file: a
tracker that writes its local time would otherwise put every event hours off without a word."""

from __future__ import annotations

import duckdb

from etl.schema import set_meta
from tests.etl_ingest.conftest import Tiny


def test_a_file_of_times_without_a_zone_loads_as_utc_and_the_run_says_so(tiny: Tiny) -> None:
    tiny.write("clicks", "local.csv", f"click_id,ts,link_token\nk1,2026-11-01 15:00:00,{tiny.token}\n"
               f"k2,2026-11-01 15:05:00,{tiny.token}\n")  # fmt: skip
    tiny.write("clicks", "zoned.csv", f"click_id,ts,link_token\nk3,2026-11-01T15:00:00+03:00,{tiny.token}\n")
    tiny.write("conversions", "updates.jsonl", '{"conversion_id":"c1","ts":"2026-11-01T12:10:00Z","type":"lead",'
               '"click_id":"k3","updated_at":"2026-11-01T13:00:00"}\n')  # fmt: skip
    result = tiny.run()
    assert tiny.rows("select click_id, ts::varchar from clicks order by click_id") == [
        ("k1", "2026-11-01 15:00:00"), ("k2", "2026-11-01 15:05:00"), ("k3", "2026-11-01 12:00:00")
    ]  # fmt: skip
    assert result.warnings == [
        "clicks/local.csv: ts values without a zone ('2026-11-01 15:00:00') are read as UTC: if the system that "
        "writes them uses local time, have it add the offset (+03:00) or Z, or its events land that many hours off",
        "conversions/updates.jsonl: updated_at values without a zone ('2026-11-01T13:00:00') are read as UTC: if the "
        "system that writes them uses local time, have it add the offset (+03:00) or Z, or its events land that many "
        "hours off",
    ]
    tiny.write("clicks", "more.csv", f"click_id,ts,link_token\nk4,2026-11-01T16:00:00Z,{tiny.token}\n")
    assert tiny.run().warnings == []  # said of a file when it is read, not at every run after


NOTED = "select path, zoneless_column, zoneless_value from etl_files order by file_id"


def test_the_files_manifest_row_keeps_the_column_and_value_for_the_data_loads_page(tiny: Tiny) -> None:
    """The warning reached `cabinet etl run` and the schedule's log only; the Data loads page, where an operator
    looks, reads the run's files from `etl_files`, which said nothing of it."""
    tiny.write("clicks", "local.csv", f"click_id,ts,link_token\nk1,2026-11-01 15:00:00,{tiny.token}\n")
    tiny.write("clicks", "zoned.csv", f"click_id,ts,link_token\nk3,2026-11-01T15:00:00+03:00,{tiny.token}\n")
    tiny.write("conversions", "updates.jsonl", '{"conversion_id":"c1","ts":"2026-11-01T12:10:00Z","type":"lead",'
               '"click_id":"k3","updated_at":"2026-11-01T13:00:00"}\n')  # fmt: skip
    tiny.run()
    assert tiny.rows(NOTED) == [
        ("clicks/local.csv", "ts", "2026-11-01 15:00:00"),
        ("clicks/zoned.csv", None, None),
        ("conversions/updates.jsonl", "updated_at", "2026-11-01T13:00:00"),
    ]


def test_a_warehouse_of_an_earlier_version_gets_the_columns_and_its_files_read_before_say_nothing(tiny: Tiny) -> None:
    tiny.write("clicks", "old.csv", f"click_id,ts,link_token\nk1,2026-11-01 15:00:00,{tiny.token}\n")
    tiny.run()
    with duckdb.connect(str(tiny.settings.warehouse_dir / "work.duckdb")) as con:  # as the version before left it
        con.execute("alter table etl_files drop column zoneless_column")
        con.execute("alter table etl_files drop column zoneless_value")
        set_meta(con, "schema_version", "8")  # the columns came within schema 8
    tiny.write("clicks", "new.csv", f"click_id,ts,link_token\nk2,2026-11-01 16:00:00,{tiny.token}\n")
    assert len(tiny.run().warnings) == 1
    assert tiny.rows(NOTED) == [("clicks/old.csv", None, None), ("clicks/new.csv", "ts", "2026-11-01 16:00:00")]
