"""A change beside a period whose value was not above zero is no percent: commission paid of $0.00 after -$31.00 (a
reversal paid back) read "↑ +100%", and a change against nothing is no percent either. The Dashboard's card says the
difference instead ("+$31.00"), in the session's language; Reports beside another period leave the change empty (the
value before is beside it)."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import polars as pl
import pytest
from streamlit.proto.Metric_pb2 import Metric
from streamlit.testing.v1 import AppTest

from cabinet.i18n import translate
from cabinet.session import SESSION_KEY
from queries import compare
from queries.dashboard import kpis
from queries.reports import ReportRequest
from queries.warehouse import Warehouse
from tests.reporting.conftest import NOW, Program, loaded_once
from tests.reporting.test_pages import ROOT

FEED = "commission_id,partner_id,ts,amount,currency,kind,status,conversion_id\n"
NOW_DAYS, BEFORE_DAYS = (date(2026, 11, 6), date(2026, 11, 9)), (date(2026, 11, 2), date(2026, 11, 5))


@loaded_once
def paid_back(program: Program) -> Program:
    """-$31.00 paid to the parent on 3 November (a clawback), nothing paid from 6 to 9 November."""
    program.tiny.write("commissions", "back.csv", FEED + f"n1,{program.tiny.parent},2026-11-03T09:00:00Z,-31,USD,"
                       "adjustment,paid,\n")  # fmt: skip
    program.tiny.run(NOW + timedelta(minutes=5))
    return program


def test_the_kpis_give_no_percent_beside_a_value_not_above_zero(paid_back: Program) -> None:
    wh = Warehouse(paid_back.tiny.settings.warehouse_dir)
    frame = kpis(paid_back.users["root"].scope, wh=wh, date_from=NOW_DAYS[0], date_to=NOW_DAYS[1], tz="UTC")
    rows = {r["metric"]: r for r in frame.iter_rows(named=True)}
    paid = rows["commission_paid"]
    assert (paid["value"], paid["previous"], paid["change"], paid["difference"]) == (0.0, -31.0, None, 31.0)
    for r in rows.values():  # a percent only of a value above zero; the difference wherever both are known
        assert (r["change"] is not None) == (r["previous"] is not None and r["previous"] > 0 and r["value"] is not None)
        if r["value"] is not None and r["previous"] is not None:
            assert r["difference"] == pytest.approx(r["value"] - r["previous"])


def _dashboard(user: object) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[SESSION_KEY] = user
    at.session_state["_choice_dashboard_period"] = "custom"
    at.session_state["_choice_dashboard_dates"] = NOW_DAYS
    at = at.switch_page("pages/01_dashboard.py").run()
    assert not at.exception, at.exception
    return at


def _card(at: AppTest, label: str) -> tuple[str, str, object, object]:
    card = next(m for m in at.metric if m.label == label)
    return card.value, card.proto.delta, card.proto.direction, card.proto.color


def test_the_card_says_the_difference_in_money(paid_back: Program) -> None:
    at = _dashboard(paid_back.users["root"])
    assert _card(at, "Commission paid") == ("$0.00", "+$31.00", Metric.MetricDirection.UP, Metric.MetricColor.GREEN)
    assert _card(at, "Commission")[1] == "+$31.00"  # all of it: -$31.00 before too
    ru = _dashboard(dataclasses.replace(paid_back.users["root"], locale="ru"))
    value, delta, direction, _ = _card(ru, translate("metric.commission_paid", "ru"))
    assert delta.startswith("+31,00") and "$" in delta and direction == Metric.MetricDirection.UP, (value, delta)
    assert all("%" not in m.proto.delta for m in at.metric if m.proto.help.endswith("-$31.00"))


def test_the_card_beside_nothing_or_the_same_says_the_difference_or_nothing() -> None:
    at = AppTest.from_string(
        "import polars as pl\nfrom cabinet.ui.widgets import kpi_cards\n"
        "kpi_cards(pl.DataFrame({'metric': ['clicks', 'ftds', 'registrations', 'cr'], "
        "'value': [12.0, 0.0, 3.0, 0.05], 'previous': [0.0, 0.0, 5.0, 0.0], "
        "'change': [None, None, -0.4, None], 'difference': [12.0, 0.0, -2.0, 0.05]}), "
        "('clicks', 'ftds', 'registrations', 'cr'))\n"
    ).run()
    assert not at.exception
    shown = {m.label: (m.proto.delta, m.proto.direction) for m in at.metric}
    assert shown == {
        "Clicks": ("+12", Metric.MetricDirection.UP),  # after none: how many more, not a percent of nothing
        "FTDs": ("", Metric.MetricDirection.NONE),  # none before, none now: nothing to say
        "Registrations": ("-40.0%", Metric.MetricDirection.DOWN),
        "CR": ("", Metric.MetricDirection.NONE),  # a rate's difference would read as a percent change
    }


def test_reports_leave_the_change_beside_a_negative_value_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    now = pl.DataFrame({"country": ["DE", "FR", "Total"], "commission": [0.0, 20.0, 20.0]})
    before = pl.DataFrame({"country": ["DE", "FR", "Total"], "commission": [-31.0, 10.0, -21.0]})
    frames = iter([now, before])
    monkeypatch.setattr(compare, "report_with_totals", lambda *a, **k: next(frames))

    class Pinned:
        def pinned(self) -> Pinned:
            return self

    req = ReportRequest(NOW_DAYS[0], NOW_DAYS[1], "UTC", ("country",), ("commission",))
    out = compare.compared(None, wh=Pinned(), req=req)  # type: ignore[arg-type]
    assert out.select("country", "commission_prev", "commission_change").rows() == [
        ("DE", -31.0, None), ("FR", 10.0, 1.0), ("Total", -21.0, None)]  # fmt: skip
