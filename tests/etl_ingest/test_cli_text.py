"""The ETL's console output shows file names, errors and values as they are: brackets are text, not markup."""

from __future__ import annotations

from typer.testing import CliRunner

from cabinet.cli import app as cli_app
from tests.etl_ingest.conftest import CLICK_HEADER, Tiny


def test_bracketed_file_names_and_values_are_printed_as_they_are(tiny: Tiny) -> None:
    """`[old] clicks.csv` was shown as ` clicks.csv`, and a quarantined `[/promo]` crashed `etl quarantine`."""
    tiny.write(
        "clicks", "[old] clicks.csv", CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,de,mobile,1.2.3.4,ua\n"
    )
    tiny.write(
        "clicks", "b[red]ad.csv", CLICK_HEADER + "k2,2026-11-01T10:00:00Z,,999,1,[/promo],de,mobile,1.2.3.5,ua\n"
    )
    cli = CliRunner()
    env = {"COLUMNS": "250", "CABINET_ETL_SETTLE_S": "0"}
    out = cli.invoke(cli_app, ["etl", "run"], env=env)
    assert out.exit_code == 0, out.output
    assert "clicks/[old] clicks.csv" in out.output and "clicks/b[red]ad.csv" in out.output
    out = cli.invoke(cli_app, ["etl", "quarantine"], env=env)
    assert out.exit_code == 0, out.output
    assert "[/promo]" in out.output and "b[red]ad.csv" in out.output and "unknown_partner" in out.output
    out = cli.invoke(cli_app, ["etl", "run", "--quiet"], env=env)
    assert out.exit_code == 0 and "run 2:" in out.output, out.output


def test_reasons_file_names_and_values_with_emoji_codes_are_printed_as_they_are(tiny: Tiny) -> None:
    """`etl status` said `missing_field📅 no run loads these rows` (`missing_field:date` and its colon read as the
    emoji code `:date:`); a file name or a value holding `:fire:` was printed with the emoji too."""
    tiny.write("fx_rates", "rates:fire:.csv", "date,currency,rate\n,EUR,1.1\n")
    tiny.write("clicks", "c.csv", CLICK_HEADER + "k1,2026-11-01T10:00:00Z,,999,1,:date:,de,mobile,1.2.3.5,ua\n")
    cli = CliRunner()
    env = {"COLUMNS": "250", "CABINET_ETL_SETTLE_S": "0"}
    out = cli.invoke(cli_app, ["etl", "run"], env=env)
    assert out.exit_code == 0, out.output
    assert "fx_rates/rates:fire:.csv" in out.output
    out = cli.invoke(cli_app, ["etl", "status"], env=env)
    assert out.exit_code == 0, out.output
    assert "missing_field:date: no run loads these rows" in out.output
    out = cli.invoke(cli_app, ["etl", "quarantine"], env=env)
    assert out.exit_code == 0, out.output
    assert '"sub1":":date:"' in out.output and "rates:fire:.csv" in out.output
    assert "\N{CALENDAR}" not in out.output and "\N{FIRE}" not in out.output
