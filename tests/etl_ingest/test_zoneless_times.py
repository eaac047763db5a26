"""Times written without a zone load as UTC, as the inbox contract says, and the run says so once per file: a
tracker that writes its local time would otherwise put every event hours off without a word."""

from __future__ import annotations

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
