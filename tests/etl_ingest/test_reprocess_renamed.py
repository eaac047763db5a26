"""A file renamed (or moved) in the inbox and read again on request before any run has seen the rename: reprocess
finds it by its content, and a request it cannot serve stays with its reason instead of being dropped."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from cabinet.cli import app as cli_app
from cabinet.store.db import session_scope
from cabinet.store.models import Partner
from etl import reprocess_requests as requests
from etl.reprocess import Reprocess, ReprocessError
from etl.runner import RunResult, run_etl
from tests.etl_ingest.conftest import CLICK_HEADER, NOW, Tiny, conserved
from tests.etl_ingest.test_reprocess_requests import _schedule

LATE = 900
COMMISSIONS = "commission_id,partner_id,ts,amount,currency,status\n"


def _unknown_partner_clicks(tiny: Tiny) -> Path:
    return tiny.write(
        "clicks",
        "a.csv",
        CLICK_HEADER
        + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\nk2,2026-11-01T10:05:00Z,,{LATE},{tiny.offer},,,,,\n"
        f"k3,2026-11-01T10:06:00Z,,{LATE},777,,,,,\n",
    )


def _add_partner(tiny: Tiny, engine: Engine) -> None:
    with session_scope(engine) as s:
        s.add(Partner(id=LATE, name="Late signup", tier_code="silver", plan_id=s.get(Partner, tiny.parent).plan_id))


def _reprocess(tiny: Tiny, **request: object) -> RunResult:
    return run_etl(tiny.settings, now=NOW, grace_s=0, reprocess=Reprocess(**request))  # type: ignore[arg-type]


def _loaded_once(tiny: Tiny) -> None:
    assert tiny.rows("select click_id from clicks order by 1") == [("k1",), ("k2",)]
    assert tiny.rows("select path, row_number, reason from quarantine") == [("clicks/b.csv", 3, "unknown_offer")]
    conserved(tiny)


def test_a_file_renamed_before_any_run_saw_it_is_read_again_by_reason(tiny: Tiny, store_engine: Engine) -> None:
    first = _unknown_partner_clicks(tiny)
    tiny.run()
    first.rename(first.with_name("b.csv"))  # no run has read b.csv yet
    _add_partner(tiny, store_engine)
    result = _reprocess(tiny, reason="unknown_partner")
    assert result.reprocessed == ["clicks/b.csv"]
    assert any("clicks/a.csv is clicks/b.csv now" in w for w in result.warnings), result.warnings
    _loaded_once(tiny)
    assert tiny.run().files == []  # b.csv is recorded: the next run does not read it as a copy again


@pytest.mark.parametrize("named", ["clicks/a.csv", "clicks/b.csv"])
def test_a_file_moved_into_another_name_is_read_again_when_named_by_its_old_or_new_name(
    tiny: Tiny, store_engine: Engine, named: str
) -> None:
    """Named by its new name, it replaces the rows its old name quarantined (they were quarantined twice)."""
    first = _unknown_partner_clicks(tiny)
    tiny.run()
    first.rename(first.with_name("b.csv"))
    _add_partner(tiny, store_engine)
    out = CliRunner().invoke(cli_app, ["etl", "reprocess", named], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    said = " ".join(out.output.split())
    assert ("clicks/a.csv is clicks/b.csv now" in said) == (named == "clicks/a.csv")
    assert "read again 1 file: 2 quarantined rows of earlier reads replaced; 1 row loaded now, 1 quarantined" in said
    _loaded_once(tiny)


def test_a_renamed_commissions_file_read_again_keeps_a_later_file_s_row(tiny: Tiny) -> None:
    old = tiny.write("commissions", "h.csv", COMMISSIONS + f"C1,{tiny.parent},2026-11-01T10:00:00Z,10,GBP,approved\n"
                     f"C2,{tiny.parent},2026-11-01T10:00:00Z,5,USD,pending\n")  # fmt: skip
    tiny.run()
    tiny.write("commissions", "later.csv", COMMISSIONS + f"C2,{tiny.parent},2026-11-01T10:00:00Z,7,USD,approved\n")
    tiny.run()
    old.rename(tiny.inbox / "commissions" / "2026-11-h.csv")
    tiny.write("fx_rates", "gbp.csv", "date,currency,rate\n2026-10-01,GBP,1.25\n")
    result = _reprocess(tiny, reason="no_fx_rate")
    assert result.reprocessed == ["commissions/2026-11-h.csv"]
    assert tiny.rows("select commission_id, amount, status from commissions order by 1") == [
        ("C1", Decimal("10"), "approved"),
        ("C2", Decimal("7"), "approved"),
    ]
    assert tiny.rows("select count(*) from quarantine") == [(0,)]
    conserved(tiny)


def test_a_file_whose_content_is_gone_is_refused_with_a_clear_message(tiny: Tiny) -> None:
    first = _unknown_partner_clicks(tiny)
    tiny.run()
    first.rename(first.with_name("b.csv"))
    first.with_name("b.csv").write_text(first.with_name("b.csv").read_text() + "k9,2026-11-01T11:00:00Z,,,,,,,,\n")
    gone = r"clicks/a.csv is not in the inbox any more, nor its content under another name .*2 quarantined rows stay"
    with pytest.raises(ReprocessError, match=gone):
        _reprocess(tiny, reason="unknown_partner")
    with pytest.raises(ReprocessError, match=r"clicks/a.csv: not in the inbox .* nor its content under another name"):
        _reprocess(tiny, files=("clicks/a.csv",))


def test_a_request_from_the_cabinet_reads_a_file_renamed_before_any_run_saw_it(
    tiny: Tiny, store_engine: Engine
) -> None:
    first = _unknown_partner_clicks(tiny)
    tiny.run()
    first.rename(first.with_name("b.csv"))
    _add_partner(tiny, store_engine)
    requests.request_reprocess(tiny.settings.warehouse_dir, reason="unknown_partner", feed="clicks", by="root")
    (result,) = _schedule(tiny, 1)
    assert result.reprocessed == ["clicks/b.csv"]
    assert requests.pending(tiny.settings.warehouse_dir) == []
    assert requests.refused(tiny.settings.warehouse_dir) == []
    _loaded_once(tiny)


def test_a_request_that_cannot_be_served_stays_with_its_reason_until_asked_again_or_dismissed(tiny: Tiny) -> None:
    wh = tiny.settings.warehouse_dir
    first = _unknown_partner_clicks(tiny)
    tiny.run()
    first.unlink()  # archived
    requests.request_reprocess(wh, reason="unknown_partner", feed=None, by="root")
    tiny.write("commissions", "n.csv", COMMISSIONS + f"C2,{tiny.parent},2026-11-01T10:00:00Z,3,USD,pending\n")
    (result,) = _schedule(tiny, 1)  # the run goes on without it and loads the new file
    assert result.reprocessed == [] and [f["path"] for f in result.files] == ["commissions/n.csv"]
    assert requests.pending(wh) == []
    (kept,) = requests.refused(wh)
    assert (kept.reason, kept.feed, kept.by) == ("unknown_partner", None, "root")
    assert kept.refused and "clicks/a.csv is not in the inbox any more" in kept.refused
    out = CliRunner().invoke(cli_app, ["etl", "status"], env={"COLUMNS": "400"})
    said = " ".join(out.output.split())
    assert "not carried out: the request to read again the files of the unknown_partner rows (every feed)" in said
    assert "clicks/a.csv is not in the inbox any more" in said
    again, new = requests.request_reprocess(wh, reason="unknown_partner", feed=None, by="admin")
    assert new and requests.pending(wh) == [again] and requests.refused(wh) == []  # asked again: it waits anew
    _schedule(tiny, 1)
    (kept,) = requests.refused(wh)
    requests.done(kept)  # dismissed
    assert requests.refused(wh) == [] and requests.pending(wh) == []


def test_a_file_renamed_and_replaced_by_a_new_file_of_its_name_is_read_again_by_reason(
    tiny: Tiny, store_engine: Engine
) -> None:
    """A daily export's fixed name: yesterday's a.csv is renamed and a new a.csv lands, both seen by a run. Its rows
    are in the renamed file: `--reason` reads it too, not only the new a.csv (whose content quarantined nothing)."""
    first = _unknown_partner_clicks(tiny)
    tiny.run()
    first.rename(first.with_name("2026-11-01.csv"))
    tiny.write("clicks", "a.csv", CLICK_HEADER + f"n1,2026-11-02T10:00:00Z,{tiny.token},,,,,,,\n")
    tiny.run()
    _add_partner(tiny, store_engine)
    out = CliRunner().invoke(cli_app, ["etl", "reprocess", "--reason", "unknown_partner"], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    said = " ".join(out.output.split())
    assert "clicks/a.csv holds other content now; its earlier content is clicks/2026-11-01.csv: read again too" in said
    assert "read again 2 files: 2 quarantined rows of earlier reads replaced; 1 row loaded now, 1 quarantined" in said
    assert tiny.rows("select click_id from clicks order by 1") == [("k1",), ("k2",), ("n1",)]
    assert tiny.rows("select path, row_number, reason from quarantine") == [
        ("clicks/2026-11-01.csv", 3, "unknown_offer")
    ]
    conserved(tiny)


def test_a_renamed_file_changed_after_a_run_saw_its_new_name_is_not_taken_for_its_old_content(
    tiny: Tiny, store_engine: Engine
) -> None:
    """a.csv renamed to b.csv, which a run read as a copy; then rows are appended to b.csv. Its content is no longer
    a.csv's: reprocess says a.csv's rows stay, instead of 'b.csv is a.csv now' and a read that replaces none of them."""
    first = _unknown_partner_clicks(tiny)
    tiny.run()
    renamed = first.rename(first.with_name("b.csv"))
    tiny.run()
    renamed.write_text(renamed.read_text() + f"k9,2026-11-01T11:00:00Z,{tiny.token},,,,,,,\n")
    _add_partner(tiny, store_engine)
    gone = r"clicks/a.csv is not in the inbox any more, nor its content under another name .*2 quarantined rows stay"
    with pytest.raises(ReprocessError, match=gone):
        _reprocess(tiny, reason="unknown_partner")
    with pytest.raises(ReprocessError, match=r"clicks/a.csv: not in the inbox .* nor its content under another name"):
        _reprocess(tiny, files=("clicks/a.csv",))


def test_a_reprocess_by_hand_answers_the_requests_of_its_reason(tiny: Tiny, store_engine: Engine) -> None:
    """A request refused earlier stayed on Data loads after `etl reprocess --reason` did what it asked, and a waiting
    one made the schedule read the files a second time (then was refused: nothing left)."""
    _unknown_partner_clicks(tiny)
    tiny.run()
    wh = tiny.settings.warehouse_dir
    earlier, _ = requests.request_reprocess(wh, reason="unknown_partner", feed="clicks", by="root")
    requests.refuse(earlier, "clicks/a.csv is not in the inbox any more")
    requests.request_reprocess(wh, reason="unknown_partner", feed=None, by="admin2")  # waiting
    other, _ = requests.request_reprocess(wh, reason="unknown_offer", feed=None, by="root")
    _add_partner(tiny, store_engine)
    out = CliRunner().invoke(cli_app, ["etl", "reprocess", "--reason", "unknown_partner"], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "2 requests from Data loads for unknown_partner answered by this run (admin2, root)" in out.output
    assert requests.refused(wh) == [] and [r.reason for r in requests.pending(wh)] == ["unknown_offer"]
    assert other.path.exists()


def test_a_file_whose_two_versions_quarantined_rows_is_read_again_by_reason(tiny: Tiny, store_engine: Engine) -> None:
    """A path whose earlier and current contents both hold quarantined rows: the reprocess by reason read the
    path's latest content once per version and failed on the second (an exhausted result)."""
    first = _unknown_partner_clicks(tiny)
    tiny.run()
    first.write_text(CLICK_HEADER + f"k4,2026-11-01T11:00:00Z,,{LATE},{tiny.offer},,,,,\n")  # a new version of a.csv
    tiny.run()
    assert tiny.rows("select count(distinct file_id) from quarantine where reason = 'unknown_partner'") == [(2,)]
    _add_partner(tiny, store_engine)
    result = _reprocess(tiny, reason="unknown_partner")
    assert result.reprocessed == ["clicks/a.csv"]
    assert ("k4",) in tiny.rows("select click_id from clicks")
    conserved(tiny)
