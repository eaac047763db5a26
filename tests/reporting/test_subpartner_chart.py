"""The Sub-partners page's sunburst: a sector per sub-partner, sized by its branch (its own figure and the branches
under it) so that no parent is short of its children; nothing below zero drawn; the middle the partner."""

from __future__ import annotations

import json

import polars as pl

from cabinet.ui.tree_chart import ROOT, UNLISTED, branches, tree_figure
from tests.reporting.test_download_headers import _csv, files  # noqa: F401 - the fixture
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_subpartners import overrides  # noqa: F401 - the fixture

TREE = pl.DataFrame(
    {
        "level": [1, 1, 2, 3, 2, None],
        "partner_id": [2, 3, 4, 5, 6, None],
        "name": ["Two", "Three", "Four", "Five", "Six", None],
        "parent_id": [1, 1, 2, 4, 99, None],  # 6's parent is not listed (moved away): under the middle
        "clicks": [10, 5, 7, 3, 1, None],
        "commission": [1.005, -2.0, 0.5, 0.25, 0.0, None],
        "override": [0.1, 0.2, 0.0, 0.0, 0.0, 0.7],
    },
    schema_overrides={"level": pl.Int32, "partner_id": pl.Int32, "parent_id": pl.Int32},
)


def test_each_sector_holds_its_branch_and_nothing_below_zero() -> None:
    clicks = branches(TREE, "clicks")
    assert clicks.select("id", "parent", "own", "branch").rows() == [
        ("2", ROOT, 10, 20), ("3", ROOT, 5, 5), ("4", "2", 7, 10), ("5", "4", 3, 3), ("6", ROOT, 1, 1),
        (UNLISTED, ROOT, 0, 0),
    ]  # fmt: skip
    money = branches(TREE, "commission", 0.01)  # in cents, exactly: 100.5 cents rounds to even
    assert money.select("id", "own", "branch").rows()[:3] == [("2", 100, 175), ("3", 0, 0), ("4", 50, 75)]


def test_the_figure_has_the_partner_in_the_middle_and_its_whole_network_around() -> None:
    fig = tree_figure(TREE, "override", "You")
    assert fig is not None
    sun = fig.data[0]
    assert list(sun.ids) == [ROOT, "2", "3", "4", "5", "6", UNLISTED] and sun.labels[0] == "You"
    assert list(sun.values) == [100, 10, 20, 0, 0, 0, 70] and sun.branchvalues == "total"  # cents
    assert list(sun.customdata[1]) == ["$0.10", "$0.10"] and list(sun.customdata[0]) == ["—", "$1.00"]
    nothing = TREE.with_columns(pl.lit(0).alias("clicks"))
    assert tree_figure(nothing, "clicks", "You") is None


def test_the_page_draws_the_tree_and_sizes_it_by_the_figure_chosen(overrides) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    at = open_page("pages/04_subpartners.py", overrides.users["p_parent"])
    assert not at.exception
    [choice] = [r for r in at.radio if r.label == "Sectors sized by"]
    assert choice.options == ["Override earned", "Commission", "FTDs", "Registrations", "Clicks"]
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    child = str(overrides.tiny.child)
    assert spec["data"][0]["ids"] == [ROOT, child] and spec["data"][0]["values"] == [1000, 1000]  # $10.00 override
    choice.set_value("clicks").run()
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["data"][0]["values"] == [1, 1] and spec["data"][0]["labels"] == ["You", f"{child} · Child"]


def test_the_tree_downloads_with_its_ids_and_the_tables_headers(overrides, files) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    at = open_page("pages/04_subpartners.py", overrides.users["p_parent"])
    assert not at.exception
    rows = _csv(files, "subpartners_")
    child, parent = overrides.tiny.child, overrides.tiny.parent
    assert rows == [
        ["Level", "Partner id", "Name", "Override earned", "Clicks", "Registrations", "FTDs", "Commission",
         "Their parent", "Status"],
        ["1", str(child), "Child", "10.0", "1", "1", "1", "100.0", str(parent), "active"],
    ]  # fmt: skip


def test_a_dinar_programs_sectors_keep_their_fils(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Sized in cents, a dinar commission of 1.2345 read "KWD 1.230" on its sector beside the table's 1.234 (a
    dinar has three decimals): sectors are in the base currency's minor unit."""
    from cabinet.ui import data

    monkeypatch.setattr(data, "base_currency", lambda: "KWD")
    tree = TREE.with_columns(pl.Series("override", [1.2345, 0.2, 0.0, 0.0, 0.0, 0.7]))
    fig = tree_figure(tree, "override", "You")
    assert fig is not None
    sun = fig.data[0]
    assert list(sun.values)[:3] == [2134, 1234, 200]  # fils
    assert "1.234" in sun.customdata[1][0] and "1.230" not in sun.customdata[1][0]
