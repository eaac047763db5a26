"""Data loads' files of a run: a file whose times have no zone (read as UTC) is said on the page, where an operator
looks, not only in `cabinet etl run`'s output and the schedule's log; what the run said of a file (a failed file's
reason) reads whole below the table, which keeps every count in sight at 1280 px."""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pytest

from cabinet.i18n import translate
from cabinet.ui.fit import TABLE_PX
from cabinet.ui.run_files import EXPANDER_PX
from cabinet.ui.widgets import plain
from queries import data_loads
from queries.warehouse import Warehouse, read_current
from tests.reporting.conftest import Program
from tests.reporting.table_width import columns_px
from tests.reporting.test_data_loads_page import loaded  # noqa: F401 - the fixture, reused
from tests.reporting.test_pages import _open as open_page

LONG = "clicks/broken.csv.gz"  # the `loaded` run could not read it: "truncated gzip: the file ends before its data..."


def _local_times(program: Program) -> None:
    tiny = program.tiny
    rows = "".join(f"z{h},2026-11-03 {h}:00:00,{tiny.parent},{tiny.offer}\n" for h in (10, 11))
    tiny.write("clicks", "tracker_local.csv", "click_id,ts,partner_id,offer_id\n" + rows)
    tiny.run()


def _said(at: object) -> str:
    return " ".join(m.value for m in at.markdown)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("locale", "warned", "noted"),
    [
        ("en", "Times without a zone, read as UTC, in ", "its ts times have no zone (“{value}”) and are read as UTC"),
        ("ru", "Время без часового пояса, прочитанное как UTC, в файлах: ",
         "время в столбце ts записано без часового пояса («{value}») и прочитано как UTC"),
    ],
)  # fmt: skip
def test_a_file_of_times_without_a_zone_is_said_on_the_page(
    loaded: Program,  # noqa: F811
    locale: str,
    warned: str,
    noted: str,
) -> None:
    _local_times(loaded)
    at = open_page("pages/23_data_loads.py", replace(loaded.users["root"], locale=locale))
    assert not at.exception and not at.error
    [warning] = [w.value for w in at.warning if "UTC" in w.value]
    path = plain("clicks/tracker_local.csv")  # as Markdown reads it
    assert f"{warned}{path} ({translate('loads.run_n', locale, n=3)})" in warning
    said = _said(at)  # run 3's files, the newest: the column and the first value
    assert f"**{path}**: " + noted.format(value=plain("2026-11-03 10:00:00")) in said
    wh = Warehouse(loaded.tiny.settings.warehouse_dir)  # run 2's files have zones: nothing to say of them
    assert data_loads.run_files(loaded.users["root"].scope, wh=wh, run_id=2)["zoneless_column"].to_list() == [None] * 2
    assert data_loads.zoneless_files(loaded.users["root"].scope, wh=wh, run_ids=[3, 2])["path"].to_list() == [
        "clicks/tracker_local.csv"
    ]


def test_a_failed_files_reason_reads_whole_and_the_counts_stay_in_sight(loaded: Program) -> None:  # noqa: F811
    """The reason was a column cut at 1280 px ("truncated gzip: the file ends before its data does, e."), the counts
    out of sight to its right."""
    reason = data_loads.failed_files(loaded.users["root"].scope, wh=Warehouse(loaded.tiny.settings.warehouse_dir))
    whole = reason["reason"][0]
    assert len(whole) > 80
    at = open_page("pages/23_data_loads.py", loaded.users["root"])
    assert not at.exception
    grid = at.dataframe[1]
    assert list(grid.value["File"]) == ["clicks/bad.csv", LONG] and "Reason" not in grid.value.columns
    assert sum(columns_px(grid).values()) <= EXPANDER_PX, columns_px(grid)
    assert list(grid.value["Quarantined"]) == [3, 0]
    said = _said(at)
    assert f"**{plain(LONG)}**: could not be read: {plain(whole)}" in said  # whole


def test_a_long_path_is_cut_and_the_counts_stay_in_sight(loaded: Program) -> None:  # noqa: F811
    tiny = loaded.tiny
    long = "tracker_export_of_the_partner_network_" + "x" * 60 + ".csv"
    tiny.write("clicks", long, "click_id,ts,link_token\n")
    tiny.run()
    at = open_page("pages/23_data_loads.py", replace(loaded.users["root"], locale="ru"))
    grid = at.dataframe[1]
    assert list(grid.value["Файл"]) == [f"clicks/{long}"]
    assert sum(columns_px(grid).values()) <= EXPANDER_PX, columns_px(grid)


def test_a_snapshot_published_before_the_columns_were_kept_says_nothing_of_times(loaded: Program) -> None:  # noqa: F811
    snap = read_current(loaded.tiny.settings.warehouse_dir)
    assert snap is not None
    with duckdb.connect(str(snap.path)) as con:  # as an earlier version published it
        con.execute("alter table etl_files drop column zoneless_column")
        con.execute("alter table etl_files drop column zoneless_value")
    wh = Warehouse(loaded.tiny.settings.warehouse_dir)
    files = data_loads.run_files(loaded.users["root"].scope, wh=wh, run_id=2)
    assert files["zoneless_column"].to_list() == [None, None]
    assert data_loads.zoneless_files(loaded.users["root"].scope, wh=wh, run_ids=[2]).is_empty()
    at = open_page("pages/23_data_loads.py", loaded.users["root"])
    assert not at.exception and list(at.dataframe[1].value["File"]) == ["clicks/bad.csv", LONG]


def test_the_files_that_could_not_be_read_say_their_reasons_whole(loaded: Program) -> None:  # noqa: F811
    """The table of files that could not be read had the reason as a column, cut at its end at 1280 px: it keeps the
    run, feed, file and times, within the page's width, and each reason reads whole below it."""
    failed = data_loads.failed_files(loaded.users["root"].scope, wh=Warehouse(loaded.tiny.settings.warehouse_dir))
    at = open_page("pages/23_data_loads.py", loaded.users["root"])
    assert not at.exception
    [grid] = [g for g in at.dataframe if "Failed at (UTC)" in g.value.columns]
    assert "Reason" not in grid.value.columns and list(grid.value["File"]) == failed["path"].to_list()
    assert sum(columns_px(grid).values()) <= TABLE_PX, columns_px(grid)
    said = _said(at)
    for run, path, reason in failed.select("run_id", "path", "reason").rows():
        assert f"**{plain(path)}** (run {run}): {plain(reason)}" in said
