"""`cabinet report` uses the Reports query, keeps the user's scope and refuses what is outside it."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
import pytest

from cabinet.cli import main
from tests.reporting.conftest import Program


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    import sys

    old = sys.argv
    sys.argv = ["cabinet", *args]
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.argv = old
    out = capsys.readouterr()
    return code, out.out, out.err


def test_csv_has_group_keys_then_metrics_in_the_users_scope(
    program: Program, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _cli(
        [
            "report",
            "--as",
            "p_parent",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-02",
            "--group-by",
            "day",
            "--metrics",
            "clicks,ftds,commission",
            "--tz",
            "Europe/Moscow",
        ],
        capsys,
    )
    assert code == 0
    frame = pl.read_csv(io.StringIO(out))
    assert frame.columns == ["day", "clicks", "ftds", "commission"]
    assert frame.rows() == [("2026-11-01", 1, 1, 100.0), ("2026-11-02", 1, 0, 0.0)]


def test_xlsx_and_parquet_read_back(program: Program, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for fmt in ("xlsx", "parquet"):
        out = tmp_path / f"r.{fmt}"
        code, _, err = _cli(
            [
                "report",
                "--as",
                "mgr",
                "--from",
                "2026-11-01",
                "--to",
                "2026-11-02",
                "--group-by",
                "partner_id",
                "--format",
                fmt,
                "--output",
                str(out),
            ],
            capsys,
        )
        assert code == 0, err
        frame = pl.read_excel(out, engine="openpyxl") if fmt == "xlsx" else pl.read_parquet(out)
        assert frame["clicks"].sum() == 3 and set(frame["partner_id"]) <= {program.tiny.parent, program.tiny.child}


def test_out_of_scope_filter_unknown_dimension_and_hidden_metric_are_errors(
    program: Program, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["report", "--from", "2026-11-01", "--to", "2026-11-02"]
    code, out, err = _cli([*base, "--as", "mgr", "--filter", f"partner_id={program.outsider}"], capsys)
    assert code == 1 and out == "" and "outside the scope" in err
    code, _, err = _cli([*base, "--as", "root", "--group-by", "colour"], capsys)
    assert code == 1 and "unknown group-by 'colour'" in err
    code, _, err = _cli([*base, "--as", "p_bronze", "--metrics", "arpu"], capsys)
    assert code == 1 and "not visible" in err
    code, _, err = _cli([*base, "--as", "nobody"], capsys)
    assert code == 1 and "no active user" in err


def test_repeats_far_dates_and_an_unwritable_output_are_said_in_one_line(
    program: Program, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    base = ["report", "--as", "root", "--from", "2026-11-01", "--to", "2026-11-02"]
    code, out, _ = _cli([*base, "--group-by", "day,day", "--metrics", "clicks,clicks"], capsys)
    assert code == 0 and out.splitlines()[0] == "day,clicks"  # each once
    for far in (["--to", "9999-12-31"], ["--from", "0001-01-01"]):
        code, _, err = _cli([*base, *far], capsys)
        assert code == 1 and "give a day from" in err and "Traceback" not in err
    for target in (tmp_path / "missing" / "r.csv", tmp_path):  # no such folder; a folder
        code, _, err = _cli([*base, "--output", str(target)], capsys)
        assert code == 1 and err.startswith("error: cannot write") and "Traceback" not in err


def test_a_store_never_initialised_is_said_and_nothing_is_created(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CABINET_DATA_DIR", str(tmp_path / "never"))
    monkeypatch.delenv("CABINET_STORE_URL", raising=False)
    for args in (["report", "--as", "root", "--from", "2026-11-01", "--to", "2026-11-02"], ["users", "list"]):
        code, _, err = _cli(args, capsys)
        assert code == 1 and "run `cabinet init` first" in " ".join(err.split())
    assert not (tmp_path / "never").exists()


def test_a_filter_takes_comma_separated_values_as_the_page_does(
    program: Program, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["report", "--as", "root", "--from", "2026-11-01", "--to", "2026-11-02", "--group-by", "country"]
    code, out, _ = _cli([*base, "--filter", "country=DE, FR", "--metrics", "clicks"], capsys)
    frame = pl.read_csv(io.StringIO(out))
    assert code == 0 and sorted(frame["country"]) == ["DE", "FR"]


def test_compare_sets_each_row_beside_another_period_as_the_page_does(
    program: Program, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["report", "--as", "root", "--group-by", "country", "--metrics", "clicks,ftds"]
    code, out, _ = _cli([*base, "--from", "2027-11-01", "--to", "2027-11-02", "--compare", "year"], capsys)
    assert code == 0, out
    frame = pl.read_csv(io.StringIO(out))
    assert frame.columns == ["country", "clicks", "ftds", "clicks_prev", "clicks_change", "ftds_prev", "ftds_change"]
    code, now, _ = _cli([*base, "--from", "2026-11-01", "--to", "2026-11-02"], capsys)
    then = pl.read_csv(io.StringIO(now))
    assert dict(frame.select("country", "clicks_prev").iter_rows()) == dict(
        then.select("country", "clicks").iter_rows()
    )
    assert set(frame["clicks"]) == {0}  # nothing a year later; no totals row in the file, as without --compare
    for bad, said in ((["--compare", "month"], "--compare must be one of previous, year"),
                      (["--compare", "previous", "--group-by", "day"], "grouped by hour, day, week or month"),
                      (["--compare", "year", "--group-by", "week"], "beside another period")):  # fmt: skip
        code, out, err = _cli([*base, "--from", "2027-11-01", "--to", "2027-11-02", *bad], capsys)
        assert code != 0 and said in out + err


def test_a_report_of_one_row_says_1_row(program: Program, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    args = ["report", "--as", "mgr", "--from", "2026-11-02", "--to", "2026-11-02", "--output", str(out)]
    code, said, err = _cli(args, capsys)
    assert code == 0, err
    assert pl.read_csv(out).height == 1 and " ".join(said.split()).startswith(f"1 row → {out}"), said


def test_an_xlsx_of_more_rows_than_a_sheet_holds_is_refused_in_one_line(
    program: Program, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("cabinet.export.SHEET_ROWS", 2)  # a sheet of the header and one row: the manager's 2 partners
    out = tmp_path / "r.xlsx"
    base = ["report", "--as", "mgr", "--from", "2026-11-01", "--to", "2026-11-02", "--group-by", "partner_id"]
    code, said, err = _cli([*base, "--format", "xlsx", "--output", str(out)], capsys)
    assert code == 1 and said == "" and not out.exists()
    assert " ".join(err.split()) == (
        "error: 2 rows: a spreadsheet holds at most 1 under its header: give --format csv or parquet, or a shorter "
        "period or fewer groups"
    )
    code, said, err = _cli([*base, "--format", "csv", "--output", str(tmp_path / "r.csv")], capsys)
    assert code == 0 and pl.read_csv(tmp_path / "r.csv").height == 2, err  # as it says


def test_output_dash_is_standard_output(
    program: Program, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--output -` wrote a file named '-' (`etl quarantine --out -` does not); a binary format still needs a file."""
    monkeypatch.chdir(tmp_path)
    args = ["report", "--as", "mgr", "--from", "2026-11-02", "--to", "2026-11-02", "--output", "-"]
    code, out, err = _cli(args, capsys)
    assert code == 0 and out.startswith("day,clicks,") and not (tmp_path / "-").exists(), err
    code, _, err = _cli([*args, "--format", "xlsx"], capsys)
    assert code == 1 and "give --output FILE" in err and not (tmp_path / "-").exists()


def test_an_offer_filter_that_is_not_a_number_is_an_error(program: Program, capsys: pytest.CaptureFixture[str]) -> None:
    """`--filter offer_id=abc` (an offer's name, say) wrote a header and no rows, as of a quiet period."""
    base = ["report", "--as", "root", "--from", "2026-11-01", "--to", "2026-11-02", "--group-by", "offer_id"]
    code, _, err = _cli([*base, "--filter", "offer_id=Casino"], capsys)
    assert code == 1 and err.startswith("error: offer filter 'Casino' is not an offer number"), err
    code, out, err = _cli([*base, "--filter", f"offer_id={program.tiny.offer}"], capsys)
    assert code == 0 and pl.read_csv(io.StringIO(out)).height == 1, err


def test_a_filter_naming_a_partner_offer_or_link_the_store_has_not_is_an_error(
    program: Program, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--filter partner_id=99999` wrote a header and no rows for an admin, as of a quiet partner, where a manager
    was refused it; an offer or link id no store row has the same."""
    base = ["report", "--from", "2026-11-01", "--to", "2026-11-02", "--group-by", "offer_id"]
    for user in ("root", "mgr"):
        code, out, err = _cli([*base, "--as", user, "--filter", f"partner_id={program.tiny.parent},99999"], capsys)
        assert (code, out) == (1, "") and err == "error: --filter partner_id: no partner 99999 in the store\n", err
    for dim, said in (("offer_id", "offer"), ("link_id", "tracking link")):
        code, out, err = _cli([*base, "--as", "root", "--filter", f"{dim}=99999,99998"], capsys)
        assert (code, out) == (1, "") and err == f"error: --filter {dim}: no {said} 99999, 99998 in the store\n", err
    code, _, err = _cli([*base, "--as", "root", "--filter", f"partner_id={2**70}"], capsys)  # beyond the store's
    assert code == 1 and err == f"error: --filter partner_id: no partner {2**70} in the store\n", err
    code, out, err = _cli([*base, "--as", "root", "--filter", f"partner_id={program.outsider}"], capsys)
    assert code == 0 and out.startswith("offer_id,"), err  # a partner of the store without clicks: no rows, no error
