"""A 0-byte inbox file is one outcome in every format: loaded with no rows, `empty file (0 bytes)` in the manifest, the
run's summary and `etl status`, and read again once it gets content. (A 0-byte Parquet or gzip file failed as not
Parquet / not gzip, and a second empty file read as an unlabelled copy of the first.)"""

from __future__ import annotations

from typer.testing import CliRunner

from cabinet.cli import app as cli_app
from tests.etl_ingest.conftest import Tiny, conserved, write_rows

FORMATS = ("csv", "csv.gz", "parquet", "jsonl", "jsonl.gz")
EMPTY = "empty file (0 bytes)"


def test_an_empty_file_is_loaded_as_empty_in_every_format_and_read_again_once_it_has_rows(tiny: Tiny) -> None:
    for feed in ("clicks", "conversions"):
        (tiny.inbox / feed).mkdir(parents=True)
        for fmt in FORMATS:
            (tiny.inbox / feed / f"empty.{fmt}").write_bytes(b"")
    # a Parquet click file with rows beside the empty ones: they are read together (the empty one has no schema)
    write_rows(
        tiny, "clicks", "full.parquet", [{"click_id": "p1", "ts": "2026-11-01T10:00:00Z", "link_token": tiny.token}]
    )
    out = CliRunner().invoke(cli_app, ["etl", "run"], env={"COLUMNS": "300"})
    assert out.exit_code == 0, out.output
    got = tiny.rows("select path, status, reason, rows_read from etl_files where path like '%empty%' order by path")
    assert got == [(f"{feed}/empty.{fmt}", "loaded", EMPTY, 0) for feed in ("clicks", "conversions")
                   for fmt in sorted(FORMATS)]  # fmt: skip
    assert out.output.count(f"loaded: {EMPTY}") == 10, out.output
    assert tiny.rows("select click_id from clicks") == [("p1",)]
    status = CliRunner().invoke(cli_app, ["etl", "status"], env={"COLUMNS": "300"})
    assert status.exit_code == 0 and "Failed files: none" in status.output, status.output

    for fmt in FORMATS:  # each gets content: read again, its rows load
        click = {"click_id": f"c-{fmt}", "ts": "2026-11-01T11:00:00Z", "link_token": tiny.token}
        write_rows(tiny, "clicks", f"empty.{fmt}", [click])
        conversion = {"conversion_id": f"v-{fmt}", "ts": "2026-11-01T11:05:00Z", "type": "lead",
                      "click_id": f"c-{fmt}"}  # fmt: skip
        write_rows(tiny, "conversions", f"empty.{fmt}", [conversion])
    result = tiny.run()
    assert sorted((f["path"], f["status"], f["reason"], f["inserted"]) for f in result.files) == [
        (f"{feed}/empty.{fmt}", "loaded", None, 1) for feed in ("clicks", "conversions") for fmt in sorted(FORMATS)
    ]
    assert tiny.rows("select count(*) from clicks where click_id like 'c-%'") == [(5,)]
    assert tiny.rows("select count(*) from conversions where conversion_id like 'v-%'") == [(5,)]
    conserved(tiny)


def test_an_empty_file_in_a_later_run_is_labelled_as_the_first_was(tiny: Tiny) -> None:
    """The empty content was read before (at another path): the new file is still an empty file, not an unlabelled
    copy of it."""
    tiny.write("fx_rates", "a.jsonl", "")
    assert [(f["status"], f["reason"]) for f in tiny.run().files] == [("loaded", EMPTY)]
    for name in ("b.parquet", "c.csv.gz"):
        (tiny.inbox / "fx_rates" / name).write_bytes(b"")
    assert [(f["path"], f["status"], f["reason"]) for f in tiny.run().files] == [
        ("fx_rates/b.parquet", "loaded", EMPTY),
        ("fx_rates/c.csv.gz", "loaded", EMPTY),
    ]
    conserved(tiny)
