"""Full-detail export: every row of a period in the viewer's scope and time zone, the allowed columns only."""

from __future__ import annotations

import io
from datetime import date, datetime

import polars as pl
import pytest

from queries.detail import COLUMNS, DetailError, DetailRequest, count_rows, detail_rows
from queries.warehouse import Warehouse
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page

ALL = ("commission", "commission_rejected", "commission_reversed")


def _req(dataset: str, tz: str = "UTC") -> DetailRequest:
    return DetailRequest(dataset, date(2026, 10, 12), date(2026, 11, 10), tz)


def test_rows_columns_zone_and_scope(program: Program) -> None:
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    parent = program.users["p_parent"].scope
    clicks = detail_rows(parent, wh=wh, req=_req("clicks", "Europe/Moscow"), metrics=ALL)
    assert tuple(clicks.columns) == COLUMNS["clicks"] and "ip_hash" not in clicks.columns
    assert clicks.select("click_id", "ts", "is_bot").rows() == [
        ("k1", datetime(2026, 11, 1, 13, 0), False),  # 10:00 UTC is 13:00 in Moscow
        ("kb", datetime(2026, 11, 1, 15, 0), True),  # the bot's click is there, flagged
        ("k2", datetime(2026, 11, 2, 2, 30), False),
    ]
    assert detail_rows(parent, wh=wh, req=_req("conversions"), metrics=ALL)["conversion_id"].to_list() == [
        "r1", "f1", "d1"]  # fmt: skip
    assert detail_rows(parent, wh=wh, req=_req("commissions"), metrics=ALL)["amount_base"].to_list() == [100]
    assert count_rows(parent, wh=wh, req=_req("commissions"), metrics=()) == 0  # statuses the tier does not show
    counts = {u: count_rows(program.users[u].scope, wh=wh, req=_req("clicks"), metrics=ALL) for u in program.users}
    assert counts == {"p_parent": 3, "p_child": 1, "p_bronze": 1, "mgr": 4, "root": 5}


def test_bad_requests_and_the_row_limit(program: Program, monkeypatch: pytest.MonkeyPatch) -> None:
    wh, scope = Warehouse(program.tiny.settings.warehouse_dir), program.users["root"].scope
    with pytest.raises(DetailError, match="unknown dataset"):
        count_rows(scope, wh=wh, req=_req("users"), metrics=ALL)
    with pytest.raises(DetailError, match="time zone"):
        count_rows(scope, wh=wh, req=_req("clicks", "Nowhere/City"), metrics=ALL)
    monkeypatch.setattr("queries.detail.MAX_ROWS", 4)
    with pytest.raises(DetailError, match="at most 4"):
        detail_rows(scope, wh=wh, req=_req("clicks"), metrics=ALL)


def test_the_page_prepares_the_file_for_a_gold_partner(program: Program) -> None:
    at = open_page("pages/11_full_export.py", program.users["p_parent"])
    assert not at.exception and not at.error and at.metric[0].value == "3"
    at.button[0].click().run()
    assert not at.exception and len(at.dataframe) == 1 and at.dataframe[0].value.shape[0] == 3
    silver = open_page("pages/11_full_export.py", program.users["p_child"])
    assert silver.error and not silver.metric


def test_the_downloaded_bytes_read_back(program: Program) -> None:
    from cabinet.export import to_bytes

    wh = Warehouse(program.tiny.settings.warehouse_dir)
    frame = detail_rows(program.users["mgr"].scope, wh=wh, req=_req("conversions"), metrics=ALL)
    back = pl.read_parquet(io.BytesIO(to_bytes(frame, "parquet")))
    assert back.equals(frame) and back.height == 4
