"""Pages and queries on a snapshot published by an older version, before the partner-hour rollup existed: the app is
updated before the next ETL run publishes, so it reads such a snapshot and answers from the tables it has."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from queries.subpartners import subpartner_tree
from queries.warehouse import Warehouse
from tests.reporting.conftest import Program
from tests.reporting.test_pages import PAGES
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_subpartners import PERIOD, overrides  # noqa: F401 - the fixture, reused

NEWER = "rollup_partner_hourly"  # added by 1a2cbad (2026-11-30)


def _without_newer(warehouse_dir: Path) -> None:
    """Drop the newer table from every published snapshot, as a version before it published them."""
    for snap in (warehouse_dir / "snapshots").glob("*.duckdb"):
        with duckdb.connect(str(snap)) as con:
            con.execute(f"drop table if exists {NEWER}")


@pytest.mark.parametrize("tz", ["UTC", "Europe/Moscow", "Asia/Kolkata"])
def test_the_sub_partner_tree_on_an_older_snapshot_has_the_same_figures(
    overrides: Program,  # noqa: F811
    tmp_path: Path,
    tz: str,
) -> None:
    src = overrides.tiny.settings.warehouse_dir
    shutil.copytree(src / "snapshots", tmp_path / "snapshots")
    shutil.copy(src / "CURRENT", tmp_path / "CURRENT")
    _without_newer(tmp_path)
    older, current = Warehouse(tmp_path), Warehouse(src)
    assert NEWER not in older.tables() and NEWER in current.tables()
    period = {**PERIOD, "tz": tz}
    for user in ("p_parent", "mgr"):
        scope = overrides.users[user].scope
        tree = subpartner_tree(scope, wh=current, root=overrides.tiny.parent, **period)  # type: ignore[arg-type]
        assert tree["clicks"].sum() == 1 and tree["override"].to_list() == [10.0]  # the figures are there to compare
        assert subpartner_tree(scope, wh=older, root=overrides.tiny.parent, **period).equals(tree)  # type: ignore[arg-type]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_an_older_snapshot(program: Program, page: str) -> None:
    _without_newer(program.tiny.settings.warehouse_dir)
    for user in ("p_parent", "root"):
        at = open_page(page, program.users[user])
        assert not at.exception, (user, at.exception)
