"""Full-detail export: every row of a period in the viewer's scope and time zone, the allowed columns only."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, timedelta

import polars as pl
import pytest

from cabinet.program import ALL_METRICS, BASIC_METRICS, STANDARD_METRICS
from queries.detail import (
    COLUMNS,
    DayTooBig,
    DetailError,
    DetailRequest,
    Part,
    count_rows,
    day_counts,
    detail_rows,
    hour_counts,
    split_parts,
)
from queries.warehouse import Warehouse
from tests.reporting.conftest import NOW, Program
from tests.reporting.test_pages import _open as open_page

ALL = tuple(ALL_METRICS)  # staff's: every row and column
SILVER, BRONZE = tuple(STANDARD_METRICS), tuple(BASIC_METRICS)
MONEY_LINES = """conversion_id,ts,type,click_id,amount,currency,status,customer_id
v1,2026-11-01T13:00:00Z,revenue,k1,30,EUR,approved,u1
s1,2026-11-01T14:00:00Z,sale,k1,40,EUR,approved,u1
l1,2026-11-01T15:00:00Z,lead,k1,,,approved,u1
"""


def _req(dataset: str, tz: str = "UTC") -> DetailRequest:
    return DetailRequest(dataset, date(2026, 10, 12), date(2026, 11, 10), tz)


def test_rows_columns_zone_and_scope(program: Program) -> None:
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    parent = program.users["p_parent"].scope
    clicks = detail_rows(parent, wh=wh, req=_req("clicks", "Europe/Moscow"), metrics=ALL)
    assert tuple(clicks.columns) == COLUMNS["clicks"] and "ip_hash" not in clicks.columns
    assert clicks.select("click_id", "ts", "is_bot").rows() == [
        ("k1", "2026-11-01T13:00:00+03:00", False),  # 10:00 UTC is 13:00 in Moscow
        ("kb", "2026-11-01T15:00:00+03:00", True),  # the bot's click is there, flagged
        ("k2", "2026-11-02T02:30:00+03:00", False),
    ]
    assert detail_rows(parent, wh=wh, req=_req("conversions"), metrics=ALL)["conversion_id"].to_list() == [
        "r1", "f1", "d1"]  # fmt: skip
    assert detail_rows(parent, wh=wh, req=_req("commissions"), metrics=ALL)["amount_base"].to_list() == [100]
    assert count_rows(parent, wh=wh, req=_req("commissions"), metrics=()) == 0  # statuses the tier does not show
    counts = {u: count_rows(program.users[u].scope, wh=wh, req=_req("clicks"), metrics=ALL) for u in program.users}
    assert counts == {"p_parent": 3, "p_child": 1, "p_bronze": 1, "mgr": 4, "root": 5}


def test_rows_and_columns_keep_to_what_the_tier_shows(program: Program) -> None:
    """A tier given `full_export` without `revenue`, `sales_amount` or `bot_clicks` (silver, say) got the revenue lines
    with their amounts, the sale amounts and `is_bot`: figures its reports hide."""
    program.tiny.write("conversions", "money.csv", MONEY_LINES)
    program.tiny.run(NOW + timedelta(hours=1))
    wh, parent = Warehouse(program.tiny.settings.warehouse_dir), program.users["p_parent"].scope

    def conversions(metrics: tuple[str, ...]) -> pl.DataFrame:
        frame = detail_rows(parent, wh=wh, req=_req("conversions"), metrics=metrics)
        assert count_rows(parent, wh=wh, req=_req("conversions"), metrics=metrics) == frame.height
        return frame

    every = conversions(ALL)  # staff and gold: every type, every amount
    assert every.select("conversion_id", "amount_base").rows() == [
        ("r1", None), ("f1", 55), ("d1", 22), ("v1", 33), ("s1", 44), ("l1", None)]  # fmt: skip
    silver = conversions(SILVER)  # registrations, FTDs and deposits with their amounts (deposit_amount)
    assert silver.select("conversion_id", "type", "amount", "currency", "amount_base").rows() == [
        ("r1", "registration", None, None, None),
        ("f1", "ftd", 50, "EUR", 55),
        ("d1", "deposit", 20, "EUR", 22),
    ]
    sales = conversions((*SILVER, "sales"))  # sales counted but their amounts hidden
    assert sales.filter(pl.col("type") == "sale").select("amount", "currency", "amount_base").rows() == [
        (None, None, None)]  # fmt: skip
    bronze = conversions(BRONZE)  # no amount metric at all: no amount columns
    assert bronze["conversion_id"].to_list() == ["r1", "f1"]
    assert not {"amount", "currency", "amount_base"} & set(bronze.columns)
    clicks = detail_rows(parent, wh=wh, req=_req("clicks"), metrics=SILVER)
    assert "is_bot" not in clicks.columns and clicks["click_id"].to_list() == ["k1", "k2"]  # no bot, no flag
    assert count_rows(parent, wh=wh, req=_req("clicks"), metrics=SILVER) == 2
    assert detail_rows(parent, wh=wh, req=_req("clicks"), metrics=ALL)["is_bot"].to_list() == [False, True, False]


def test_the_page_lists_the_columns_shown_and_splits_a_long_period_into_parts(
    program: Program, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More rows than a file holds: the page said "choose a shorter period" and left the partner to guess how much
    shorter; it now cuts the period at midnights into parts that fit and prepares the part picked."""
    silver = replace(program.users["p_parent"], visible_metrics=SILVER, timezone="Europe/Moscow")  # no bot clicks
    monkeypatch.setattr("queries.detail.MAX_ROWS", 1)  # two clicks: 1 Nov 13:00 and 2 Nov 02:30 in Moscow
    at = open_page("pages/11_full_export.py", silver)
    [listed] = [c.value for c in at.caption if c.value.startswith("Columns:")]
    assert not at.exception and "is_bot" not in listed and "click_id" in listed
    assert [i.value for i in at.info] == [
        "2 rows: more than one file holds (at most 1), so the period is exported in 2 parts of whole days (a day "
        "with more rows than a file holds, in parts of its hours). Pick a part, prepare and download it, then the "
        "next."]  # fmt: skip
    part = at.selectbox(key="export_part")
    assert [o.replace("\u2009", " ") for o in part.options] == [
        "1 of 2: Oct 12 – Nov 1, 2026, rows: 1", "2 of 2: Nov 2 – 10, 2026, rows: 1"]  # fmt: skip
    part.set_value(1).run()
    at.button[0].click().run()
    assert not at.exception and at.dataframe[0].value["click_id"].to_list() == ["k2"]
    [button] = at.get("download_button")
    assert "clicks_2026-11-02_" in button.proto.label
    monkeypatch.setattr("queries.detail.MAX_ROWS", 10)
    monkeypatch.setattr("queries.detail.XLSX_MAX_ROWS", 1)
    at.selectbox(key="export_format").set_value("xlsx").run()
    assert at.info[0].value.endswith("then the next. A CSV or Parquet file holds up to 10 rows: fewer parts.")
    at.selectbox(key="export_format").set_value("parquet").run()
    assert not at.info and not at.warning and at.button


def test_a_day_of_more_rows_than_a_file_holds_is_cut_at_its_hours(
    program: Program, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A day with more rows than a file holds was refused ("Nov 1 alone holds 3 rows"): a top partner's busiest day
    could not be exported at all. It is now cut at its local hours; only an hour too big is refused."""
    monkeypatch.setattr("queries.detail.MAX_ROWS", 1)  # the parent's clicks of 1 Nov (UTC): 10:00, 12:00 and 23:30
    at = open_page("pages/11_full_export.py", replace(program.users["p_parent"], timezone="UTC"))
    assert not at.exception and not at.warning
    part = at.selectbox(key="export_part")
    assert [o.replace("\u2009", " ") for o in part.options] == [
        "1 of 3: Nov 1, 2026, 00:00–12:00, rows: 1", "2 of 3: Nov 1, 2026, 12:00–23:00, rows: 1",
        "3 of 3: Nov 1, 2026, 23:00–24:00, rows: 1"]  # fmt: skip
    part.set_value(2).run()
    at.button[0].click().run()
    assert not at.exception and at.dataframe[0].value["click_id"].to_list() == ["k2"]
    [button] = at.get("download_button")
    assert "clicks_2026-11-01_2026-11-01_23-24h.csv" in button.proto.label
    program.tiny.write("clicks", "more.csv", f"click_id,ts,link_token\nk4,2026-11-01T10:30:00Z,{program.tiny.token}\n")
    program.tiny.run()  # two clicks in the hour from 10:00
    at = open_page("pages/11_full_export.py", replace(program.users["p_parent"], timezone="UTC"))
    assert not at.exception and not at.get("download_button")
    assert [w.value for w in at.warning] == ["Nov 1, 2026, 10:00–11:00 alone holds 2 rows: at most 1 in one file."]


def test_hours_of_a_day_are_its_local_hours_and_together_hold_the_day(program: Program) -> None:
    wh, parent = Warehouse(program.tiny.settings.warehouse_dir), program.users["p_parent"].scope
    nov1 = date(2026, 11, 1)
    moscow = DetailRequest("clicks", nov1, nov1, "Europe/Moscow")
    assert hour_counts(parent, wh=wh, req=moscow, day=nov1, metrics=ALL) == {13: 1, 15: 1}  # k2 is 2 Nov there
    morning = detail_rows(parent, wh=wh, req=replace(moscow, hours=(0, 14)), metrics=ALL)
    assert morning["click_id"].to_list() == ["k1"]
    # New York's clocks went back on 1 Nov 2026: its hour 1 holds two hours, and the day's hours hold the day
    ny = DetailRequest("clicks", nov1, nov1, "America/New_York")
    day = detail_rows(parent, wh=wh, req=ny, metrics=ALL)["click_id"].to_list()
    cut = [detail_rows(parent, wh=wh, req=replace(ny, hours=h), metrics=ALL)["click_id"].to_list()
           for h in ((0, 2), (2, 7), (7, 24))]  # fmt: skip
    assert [c for part in cut for c in part] == day == ["k1", "kb", "k2"]  # 05:00, 07:00 and 18:30 there
    assert cut == [[], ["k1"], ["kb", "k2"]]  # hours 0-2 are 04:00-07:00 UTC: three hours
    with pytest.raises(DetailError, match="a part of one day"):
        count_rows(parent, wh=wh, req=replace(_req("clicks"), hours=(0, 12)), metrics=ALL)
    with pytest.raises(DetailError, match="a part of one day"):
        count_rows(parent, wh=wh, req=replace(ny, hours=(5, 25)), metrics=ALL)


def test_parts_cover_the_period_in_whole_days_and_fit() -> None:
    req = DetailRequest("clicks", date(2026, 11, 1), date(2026, 11, 30), "UTC")
    days = {date(2026, 11, 2): 3, date(2026, 11, 3): 2, date(2026, 11, 9): 4, date(2026, 11, 20): 1,
            date(2026, 10, 31): 9, date(2026, 11, 21): 0}  # fmt: skip
    parts = split_parts(req, days, 5)
    assert [(p.date_from.day, p.date_to.day, p.rows) for p in parts] == [(1, 8, 5), (9, 30, 5)]
    assert split_parts(req, days, 100) == [Part(date(2026, 11, 1), date(2026, 11, 30), 10)]
    assert split_parts(req, {}, 5) == [Part(date(2026, 11, 1), date(2026, 11, 30), 0)]
    assert [p.rows for p in split_parts(req, days, 4)] == [3, 2, 4, 1]
    with pytest.raises(DayTooBig, match="2026-11-09 alone holds 4 rows: at most 3"):
        split_parts(req, days, 3)
    hours = {date(2026, 11, 9): {1: 2, 5: 1, 23: 1}}
    parts = split_parts(req, days, 3, hours.__getitem__)  # 9 Nov in parts of its hours, the days around it whole
    assert [(p.date_from.day, p.date_to.day, p.hours, p.rows) for p in parts] == [
        (1, 2, None, 3), (3, 8, None, 2), (9, 9, (0, 23), 3), (9, 9, (23, 24), 1), (10, 30, None, 1)]  # fmt: skip
    with pytest.raises(DayTooBig, match="2026-11-09 01:00 alone holds 2 rows: at most 1"):
        split_parts(req, {date(2026, 11, 9): 4}, 1, hours.__getitem__)


def test_day_counts_are_local_days(program: Program) -> None:
    wh, parent = Warehouse(program.tiny.settings.warehouse_dir), program.users["p_parent"].scope
    assert day_counts(parent, wh=wh, req=_req("clicks"), metrics=ALL) == {date(2026, 11, 1): 3}
    assert day_counts(parent, wh=wh, req=_req("clicks", "Europe/Moscow"), metrics=SILVER) == {
        date(2026, 11, 1): 1, date(2026, 11, 2): 1}  # fmt: skip


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


def test_the_page_says_how_many_exported_clicks_are_bots_that_reports_leave_out(program: Program) -> None:
    """A clicks export counted 356 rows where the Dashboard said 340 clicks, with nothing on the page to say why:
    the bot clicks are in the file (is_bot) and not in the reports."""
    at = open_page("pages/11_full_export.py", replace(program.users["p_parent"], timezone="UTC"))
    assert not at.exception and at.metric[0].value == "3"  # k1, k2 and the bot kb
    assert "Bot clicks among these rows (is_bot): 1. Reports and the Dashboard leave them out, so they count 2 " \
           "clicks." in [c.value for c in at.caption]  # fmt: skip
    silver = replace(program.users["p_parent"], visible_metrics=SILVER, timezone="UTC")  # not shown bots: none said
    assert not [c.value for c in open_page("pages/11_full_export.py", silver).caption if "Bot" in c.value]
