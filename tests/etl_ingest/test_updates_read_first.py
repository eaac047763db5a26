"""A conversion's status update read before the conversion itself that waited for it longer than 7 days (it is then
quarantined `missing_field:click_id`): `etl status` says how to apply it once the conversion has come
(`test_updates_waiting`: one whose conversion comes within the 7 days is applied by the run that reads it)."""

from __future__ import annotations

from datetime import datetime

from typer.testing import CliRunner

from cabinet.cli import app as cli_app
from tests.etl_ingest.conftest import Tiny, conserved

HEADER = "conversion_id,ts,type,click_id,amount,status,updated_at\n"


def test_an_update_quarantined_before_its_conversion_came_is_said_to_load_by_reprocess(tiny: Tiny) -> None:
    """The update (approved, no click id) lands 8 days before its conversion (pending, with its click): it waited 7
    days and was quarantined `missing_field:click_id`, and the conversion then stays pending. `etl status` told the
    operator that no run loads such rows and to have them sent again; reading its file again applies it."""
    tiny.write("clicks", "c.csv", f"click_id,ts,link_token\nk1,2026-11-01T10:00:00Z,{tiny.token}\n")
    tiny.write("conversions", "updates.csv", HEADER + "v1,2026-11-01T11:00:00Z,ftd,,,approved,2026-11-03T11:00:00Z\n")
    tiny.write("conversions", "bad.csv", HEADER + "v2,2026-11-01T11:00:00Z,ftd,,,,\n")  # no conversion comes
    tiny.run(datetime(2026, 11, 4))
    tiny.run(datetime(2026, 11, 12))  # the wait is over
    tiny.write("conversions", "new.csv", HEADER + "v1,2026-11-01T11:00:00Z,ftd,k1,60,pending,2026-11-01T11:00:00Z\n")
    tiny.run(datetime(2026, 11, 13))
    assert tiny.rows("select status from conversions") == [("pending",)]
    cli, env = CliRunner(), {"COLUMNS": "400", "CABINET_ETL_SETTLE_S": "0"}
    out = cli.invoke(cli_app, ["etl", "status"], env=env)
    said = (
        "1 conversion row quarantined missing_field:click_id: an update of a conversion loaded since (a status update "
        "naming no click_id, promo_code or partner_id, read before its conversion): `cabinet etl reprocess --reason "
        "missing_field:click_id --feed conversions` applies the newer ones"
    )
    assert said in out.output, out.output
    assert "missing_field:click_id: no run loads these rows" in out.output  # v2's
    out = cli.invoke(
        cli_app, ["etl", "reprocess", "--reason", "missing_field:click_id", "--feed", "conversions"], env=env
    )
    assert out.exit_code == 0, out.output
    assert tiny.rows("select status, amount from conversions") == [("approved", 60)]
    out = cli.invoke(cli_app, ["etl", "status"], env=env)
    assert "loaded since" not in out.output
    # v2's file was read again too: its update waits for its conversion again, as a re-read conversion whose click
    # has still not come waits for it again
    assert tiny.rows("select count(*) from quarantine") == [(0,)]
    assert tiny.rows("select conversion_id, file_id is not null from pending_updates") == [("v2", True)]
    conserved(tiny)


def test_when_every_row_without_attribution_is_such_an_update_none_is_said_to_be_sent_again(tiny: Tiny) -> None:
    tiny.write("clicks", "c.csv", f"click_id,ts,link_token\nk1,2026-11-01T10:00:00Z,{tiny.token}\n")
    tiny.write("conversions", "updates.csv", HEADER + "v1,2026-11-01T11:00:00Z,ftd,,,approved,2026-11-03T11:00:00Z\n")
    tiny.run(datetime(2026, 11, 4))
    tiny.run(datetime(2026, 11, 12))  # the wait is over
    tiny.write("conversions", "new.csv", HEADER + "v1,2026-11-01T11:00:00Z,ftd,k1,60,pending,2026-11-01T11:00:00Z\n")
    tiny.run(datetime(2026, 11, 13))
    out = CliRunner().invoke(cli_app, ["etl", "status"], env={"COLUMNS": "400"})
    assert "an update of a conversion loaded since" in out.output and "no run loads" not in out.output, out.output
