"""The Commissions page and its query: each row of the viewer's scope, with how its amount was computed."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from cabinet.i18n import catalog
from cabinet.store.db import session_scope
from cabinet.store.models import Partner, ProgramSettings
from queries.commissions import (
    KINDS,
    LIVE,
    STATUSES,
    TYPES,
    CommissionError,
    CommissionRequest,
    explain,
    rows,
    totals,
    visible_statuses,
)
from queries.warehouse import Warehouse
from tests.reporting.conftest import NOW, Program
from tests.reporting.test_pages import _open as open_page

PERIOD = (date(2026, 10, 12), date(2026, 11, 10))  # the pages' "Last 30 days" at NOW


def _req(**kw: object) -> CommissionRequest:
    return CommissionRequest(*PERIOD, kw.pop("tz", "UTC"), kw.pop("statuses", STATUSES), **kw)  # type: ignore[arg-type]


def _reject_f1(program: Program) -> None:
    """The FTD f1 (approved, CPA paid to the parent) is rejected later: its commission is taken back."""
    program.tiny.write("conversions", "u.csv", "conversion_id,ts,type,click_id,amount,currency,status,updated_at\n"
                       "f1,2026-11-01T11:00:00Z,ftd,k1,50,EUR,rejected,2026-11-09T10:00:00Z\n")  # fmt: skip
    program.tiny.run(NOW + timedelta(hours=1))


def test_each_partner_sees_its_own_commissions_explained(program: Program) -> None:
    _reject_f1(program)
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    got = rows(program.users["p_parent"].scope, wh=wh, req=_req())
    assert got["commission_id"].to_list() == ["eng:f1:cpa:reversal", "eng:f1:cpa"]  # newest first
    assert set(got["partner_id"]) == {program.tiny.parent}
    how = [explain(r, "en") for r in got.iter_rows(named=True)]
    assert how == [
        "Takes back an approved commission of $100.00: its conversion was rejected or changed",
        "CPA per FTD: $100.00, the deposit of $55.00 reached the FTD baseline of $20.00",
    ]
    assert explain(got.row(1, named=True), "ru").replace("\xa0", " ") == (
        "CPA за FTD: 100,00 $, депозит 55,00 $ не ниже порога FTD 20,00 $"
    )
    assert totals(program.users["p_parent"].scope, wh=wh, req=_req()) == {"approved": (2, Decimal("0.0000"))}
    for other in ("p_child", "p_bronze"):  # the child has no commission; the outsider none either
        assert rows(program.users[other].scope, wh=wh, req=_req()).is_empty()
    assert rows(program.users["root"].scope, wh=wh, req=_req()).height == 2


def test_filters_by_kind_status_conversion_and_local_days(program: Program) -> None:
    _reject_f1(program)
    wh, scope = Warehouse(program.tiny.settings.warehouse_dir), program.users["mgr"].scope
    assert rows(scope, wh=wh, req=_req(kinds=("cpa",)))["commission_id"].to_list() == ["eng:f1:cpa"]
    assert rows(scope, wh=wh, req=_req(statuses=("pending",))).is_empty()
    assert rows(scope, wh=wh, req=_req(conversion_id=" f1 ")).height == 2
    assert rows(scope, wh=wh, req=_req(conversion_id="f1' or '1'='1")).is_empty()  # a value, never SQL

    # 2026-11-01 11:00 UTC is 14:00 on the 1st in Moscow, and 01:00 on the 2nd on Kiritimati (UTC+14)
    def day(d: int, tz: str) -> CommissionRequest:
        return CommissionRequest(date(2026, 11, d), date(2026, 11, d), tz, STATUSES)

    assert rows(scope, wh=wh, req=day(1, "Europe/Moscow"))["commission_id"].to_list() == ["eng:f1:cpa"]
    assert rows(scope, wh=wh, req=day(1, "Pacific/Kiritimati")).is_empty()
    shown = rows(scope, wh=wh, req=day(2, "Pacific/Kiritimati"))["ts"].to_list()
    assert [ts.replace(tzinfo=None) for ts in shown] == [datetime(2026, 11, 2, 1, 0)]  # in the viewer's zone
    for bad in (
        CommissionRequest(date(2026, 11, 2), date(2026, 11, 1), "UTC", STATUSES),
        _req(tz="Mars/Base"),
        _req(statuses=("pending", "stolen")),
        _req(kinds=("cpa; drop table commissions",)),
    ):
        with pytest.raises(CommissionError):
            rows(scope, wh=wh, req=bad)


def test_a_tier_that_hides_rejected_and_reversed_commission_shows_only_the_live_statuses() -> None:
    assert visible_statuses(("clicks", "commission", "epc")) == LIVE
    assert visible_statuses(("clicks",)) == ()
    assert visible_statuses(("commission", "commission_rejected", "commission_reversed")) == STATUSES


def test_every_kind_is_explained_in_both_languages() -> None:
    cases = {
        "revshare": {"pct": "45.0000", "amount_in_plan_currency": "20.3171", "plan_currency": "EUR",
                     "conversion_amount": "21.66", "conversion_currency": "USD", "tier": 3, "month_ftds": 300},
        "cpa": {"cpa_amount": "0.5000", "plan_currency": "EUR", "tier": 2, "month_count": 14},
        "sub_partner": {"source_amount": "1.0000", "source_currency": "USD", "pct": "7.0000", "level": 1,
                        "from_partner_id": 2, "partner_blocked": True},
        "reversal": {"reversed_amount": "12.5000"},
        "reinstatement": {"reversed_amount": "12.5000"},
    }  # fmt: skip
    expected = {
        "revshare": "45% of €20.32 ($21.66), tier 3 (300 FTDs in the month)",
        "cpa": "CPA per registration: €0.50, tier 2 (conversion no. 14 of the month)",
        "sub_partner": "7% of sub-partner 2's commission of $1.00 (level 1) — not paid: the partner is blocked",
        "reversal": "Takes back an approved commission of $12.50: its conversion was rejected or changed",
        "reinstatement": "Pays again a commission of $12.50 taken back before",
    }
    for kind, inputs in cases.items():
        row = {"kind": kind, "inputs": json.dumps(inputs), "conversion_type": "registration", "currency": "USD",
               "source": "engine", "status": "approved"}  # fmt: skip
        assert explain(row, "en") == expected[kind]
        ru = explain(row, "ru")
        assert ru and "{" not in ru and ru != expected[kind]
    feed = {"kind": "bonus", "inputs": None, "source": "feed", "note": "monthly bonus", "status": "paid"}
    assert explain(feed, "en") == "Set by the program: monthly bonus"
    assert explain(feed | {"note": None}, "ru") == "Начислена программой."
    hold = {"kind": "cpa", "inputs": json.dumps({"cpa_amount": "5", "plan_currency": "USD"}), "source": "engine",
            "conversion_type": "ftd", "status": "hold", "hold_until": datetime(2026, 12, 1, 8)}  # fmt: skip
    assert explain(hold, "en") == "CPA per FTD: $5.00 — on hold until 2026-12-01"
    en = catalog("en")
    for key in [f"commissions.status_{s}" for s in STATUSES] + [f"commissions.kind_{k}" for k in KINDS]:
        assert key in en, key
    assert {f"commissions.type_{t}" for t in TYPES} | {f"commissions.type_for_{t}" for t in TYPES} <= set(en)


def test_the_page_lists_a_partners_commissions_with_how_each_was_computed(program: Program) -> None:
    _reject_f1(program)
    at = open_page("pages/03_commissions.py", program.users["p_parent"])
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    # the amount right after the time: in sight on a phone's screen, where the table scrolls sideways; what each row
    # is in sight at 1280 px, the amount in the program's currency and how it was computed after
    assert list(table.columns) == ["Time (UTC)", "Amount", "Status", "Kind", "Conversion", "Offer", "Amount, USD",
                                   "How it was computed"]  # fmt: skip
    assert list(table["Kind"]) == ["Reversal", "CPA"] and list(table["Amount, USD"]) == [-100.0, 100.0]
    assert table["How it was computed"].iloc[1].startswith("CPA per FTD: $100.00")
    assert [m.label for m in at.metric] == ["Pending", "On hold", "Approved", "Paid", "Rejected", "Reversed"]
    at.multiselect(key="commissions_kinds_en").set_value(["cpa"]).run()
    assert list(at.dataframe[0].value["Kind"]) == ["CPA"]
    staff = open_page("pages/03_commissions.py", program.users["mgr"]).dataframe[0].value
    assert "Partner" in staff.columns and set(staff["Partner"]) == {f"{program.tiny.parent} · Parent"}


def test_a_bronze_partner_without_commissions_sees_zero_totals_of_its_statuses_only(program: Program) -> None:
    at = open_page("pages/03_commissions.py", program.users["p_bronze"])
    assert not at.exception and not at.error
    assert [m.label for m in at.metric] == ["Pending", "On hold", "Approved", "Paid"]
    assert at.multiselect(key="commissions_statuses_en").options == ["Pending", "On hold", "Approved", "Paid"]
    assert not at.dataframe and at.info[0].value == "No data for these dates and filters."


def test_amounts_are_shown_in_the_base_currency_of_the_published_snapshot(
    program: Program, store_engine: Engine
) -> None:
    """A program kept in euros: the Dashboard's and this page's money is in euros, not dollars."""
    with session_scope(store_engine) as s:
        s.get(ProgramSettings, 1).base_currency = "EUR"
    program.tiny.run(NOW + timedelta(hours=1))  # the store's settings go into the snapshot
    at = open_page("pages/03_commissions.py", program.users["p_parent"])
    assert "Amount, EUR" in at.dataframe[0].value.columns
    assert at.metric[2].label == "Approved" and at.metric[2].value == "€100.00"
    dash = open_page("pages/01_dashboard.py", program.users["p_parent"])
    money = [m.value for m in dash.metric if m.label == "Commission"]
    assert money and all(v.startswith("€") for v in money), money


def test_the_end_of_a_hold_is_said_on_the_viewers_day(program: Program, store_engine: Engine) -> None:
    """Held until 2026-11-11 15:00 UTC is the 12th at 04:00 in Auckland: the partner there is told the 12th."""
    with session_scope(store_engine) as s:
        s.get(Partner, program.tiny.parent).plan.hold_days = 3
    tiny = program.tiny
    tiny.write("conversions", "h.csv", "conversion_id,ts,type,partner_id,offer_id,amount,currency,status\n"
               f"h1,2026-11-08T15:00:00Z,ftd,{tiny.parent},{tiny.offer},50,USD,approved\n")  # fmt: skip
    program.tiny.run(NOW + timedelta(hours=1))
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    said = {}
    for tz in ("UTC", "Pacific/Auckland"):
        got = rows(program.users["p_parent"].scope, wh=wh, req=_req(tz=tz, conversion_id="h1"))
        [row] = [r for r in got.iter_rows(named=True) if r["status"] == "hold"]
        said[tz] = explain(row, "en").rsplit(" ", 1)[-1]
    assert said == {"UTC": "2026-11-11", "Pacific/Auckland": "2026-11-12"}


def test_the_hour_a_summer_time_ends_reads_twice_told_apart_by_its_offset(program: Program) -> None:
    """New York's 1 November 2026 has 01:30 twice (05:30 and 06:30 UTC): the page and its download say which."""
    tiny = program.tiny
    tiny.write("conversions", "dst.csv", "conversion_id,ts,type,partner_id,offer_id,amount,currency,status\n"
               f"n1,2026-11-01T05:30:00Z,ftd,{tiny.parent},{tiny.offer},50,USD,approved\n"
               f"n2,2026-11-01T06:30:00Z,ftd,{tiny.parent},{tiny.offer},50,USD,approved\n")  # fmt: skip
    program.tiny.run(NOW + timedelta(hours=1))
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    got = rows(program.users["p_parent"].scope, wh=wh, req=_req(tz="America/New_York"))
    said = {
        c: (f"{ts:%H:%M}", off, iso)
        for c, ts, off, iso in got.select("conversion_id", "ts", "ts_offset", "ts_iso").iter_rows()
    }
    assert said["n1"] == ("01:30", "-04:00", "2026-11-01T01:30:00-04:00")  # the download's times
    assert said["n2"] == ("01:30", "-05:00", "2026-11-01T01:30:00-05:00")
    user = dataclasses.replace(program.users["p_parent"], timezone="America/New_York")
    at = open_page("pages/03_commissions.py", user)
    both = at.dataframe[0].value.set_index("Conversion")  # two offsets: each row says its own
    assert both.loc[["FTD · n1", "FTD · n2"], "Time"].tolist() == ["2026-11-01 01:30 -04:00", "2026-11-01 01:30 -05:00"]
    at.text_input(key="commissions_conversion").set_value("n1").run()  # one: said once, in the header
    assert list(at.dataframe[0].value["Time (UTC-04:00)"]) == ["2026-11-01 01:30"]
    at.text_input(key="commissions_conversion").set_value("n2").run()
    assert list(at.dataframe[0].value["Time (UTC-05:00)"]) == ["2026-11-01 01:30"]


def test_a_limit_keeps_the_newest_rows_of_the_whole_period(program: Program) -> None:
    _reject_f1(program)
    wh, scope = Warehouse(program.tiny.settings.warehouse_dir), program.users["mgr"].scope
    every = rows(scope, wh=wh, req=_req())
    assert every.height == 2 and every["ts"].is_sorted(descending=True)
    newest = rows(scope, wh=wh, req=_req(limit=1))
    assert newest.rows() == every.head(1).rows()  # the reversal of Nov 9, not the CPA of Nov 1


def test_a_reversal_made_by_the_feeds_commission_says_so() -> None:
    """The engine's approved commission (or a parent's override) that a feed commission of the conversion replaced is
    taken back naming that row (`inputs.replaced_by`): not "its conversion was rejected or changed"."""
    inputs = {"reverses": "eng:c1:L1:1", "reversed_amount": "7.0000", "replaced_by": "OV"}
    row = {
        "kind": "reversal",
        "inputs": json.dumps(inputs),
        "currency": "USD",
        "source": "engine",
        "status": "approved",
    }
    assert explain(row, "en") == (
        "Takes back an approved commission of $7.00: the program's own commission of this conversion replaces it"
    )
    assert "заменяет собственная комиссия программы" in explain(row, "ru")
