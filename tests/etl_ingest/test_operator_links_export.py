"""The program's tracker learns every link's token and landing page from `cabinet links export`: a click it writes
with the token it was given, as the URL brought it, is the link's (partner, offer, sub values)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, update
from typer.testing import CliRunner

from cabinet.cli import app as cli_app
from cabinet.store.db import session_scope
from cabinet.store.models import ProgramSettings, TrackingLink
from tests.etl_ingest.conftest import CLICK_HEADER, Tiny

cli = CliRunner()


def test_a_tracker_redirects_and_records_clicks_by_the_exported_table(
    tiny: Tiny, store_engine: Engine, tmp_path: Path
) -> None:
    """No command or page gave a tracker the links' tokens and landing pages: it had to read the store's tables."""
    with session_scope(store_engine) as s:
        s.execute(update(ProgramSettings).values(tracking_domain="https://go.acme.test"))
        s.execute(update(TrackingLink).where(TrackingLink.id == tiny.link).values(archived=True))
    out = cli.invoke(cli_app, ["links", "export"])
    assert out.exit_code == 0, out.output
    (row,) = list(csv.DictReader(io.StringIO(out.stdout)))
    assert row == {
        "token": tiny.token,
        "link_id": str(tiny.link),
        "partner_id": str(tiny.parent),
        "offer_id": str(tiny.offer),
        "landing_url": "https://x.example",
        "sub1": "fb",
        "sub2": "",
        "sub3": "",
        "sub4": "",
        "sub5": "",
        "archived": "true",  # its clicks keep counting: the tracker keeps redirecting it
        "partner_status": "active",
        "tracking_url": f"https://go.acme.test/c/{tiny.token}",
    }

    table = tmp_path / "links.jsonl"
    done = cli.invoke(cli_app, ["links", "export", "--format", "jsonl", "--output", str(table)])
    assert done.exit_code == 0 and "1 link →" in done.output, done.output
    (link,) = [json.loads(line) for line in table.read_text().splitlines()]
    assert link["token"] == tiny.token and link["archived"] is True and not list(tmp_path.glob(".*"))

    token = link["tracking_url"].rsplit("/c/", 1)[1]  # the tracker takes the token from the path it was asked for
    tiny.write("clicks", "tracker.csv", CLICK_HEADER + f"t1,2026-11-01T10:00:00Z,{token},,,,de,mobile,1.2.3.4,ua\n")
    tiny.run()
    assert tiny.rows("select count(*) from quarantine") == [(0,)]
    assert tiny.rows("select partner_id, offer_id, link_id, sub1 from clicks") == [
        (tiny.parent, tiny.offer, tiny.link, "fb")
    ]

    bad = cli.invoke(cli_app, ["links", "export", "--format", "xml"])
    assert bad.exit_code == 1 and "--format must be one of csv, jsonl" in str(bad.exception or bad.output)


def test_output_dash_is_standard_output(tiny: Tiny, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--output -` wrote the table to a file named '-' in the working directory, and said so."""
    monkeypatch.chdir(tmp_path)
    out = cli.invoke(cli_app, ["links", "export", "--format", "jsonl", "--output", "-"])
    assert out.exit_code == 0 and json.loads(out.stdout)["token"] == tiny.token, out.output
    assert not (tmp_path / "-").exists() and not list(tmp_path.glob(".*"))
