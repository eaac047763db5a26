"""The Dashboard keeps to the metrics the tier shows, as every other page does: its trend, its top offers and sub1
(their columns and their order) and its balance (commission money) name no metric the tier hides."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from cabinet.i18n import translate
from queries import dashboard
from queries.warehouse import Warehouse
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open

HIDDEN = ("commission", "ftds")
D1, D2 = date(2026, 11, 1), date(2026, 11, 2)


def _names(metric: str) -> set[str]:
    """A metric's machine name, its full name and its short one (cards and table headers)."""
    full = translate(f"metric.{metric}")
    return {metric, full, full.split(" (")[0]}


def test_a_tier_without_commission_and_ftds_sees_neither_on_the_dashboard(program: Program) -> None:
    user = program.users["p_parent"]
    shown = replace(
        user,
        visible_metrics=tuple(m for m in user.visible_metrics if m not in HIDDEN),
        features=user.features - {"payouts"},
    )  # a login handling payouts sees its balance (as on Payouts)
    at = _open("pages/01_dashboard.py", shown)
    assert not at.exception and not at.error
    hidden = set().union(*(_names(m) for m in HIDDEN))
    cards = {m.label for m in at.metric}
    assert {translate("dashboard.balance"), translate("dashboard.approved_total")}.isdisjoint(cards)
    assert hidden.isdisjoint(cards)
    assert at.radio and hidden.isdisjoint(at.radio[0].options)
    assert len(at.dataframe) == 2  # the top offers and sub1, by clicks
    for table in at.dataframe:
        assert hidden.isdisjoint(table.value.columns), list(table.value.columns)


def test_the_dashboard_still_shows_what_the_tier_shows(program: Program) -> None:
    at = _open("pages/01_dashboard.py", program.users["p_parent"])
    assert not at.exception and not at.error
    assert translate("dashboard.balance") in [m.label for m in at.metric]
    assert translate("metric.commission") in at.radio[0].options
    # what the top tables are ranked by first, beside the name: last, it was beyond a 390-px phone's screen
    assert [list(t.value.columns)[1:] for t in at.dataframe] == [["Commission", "Clicks", "FTDs"]] * 2


def test_the_top_offers_hold_only_the_metrics_asked_for(program: Program) -> None:
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    top = dashboard.top(program.users["p_parent"].scope, wh=wh, dim="sub1", date_from=D1, date_to=D2, tz="UTC",
                        metrics=("clicks",))  # fmt: skip
    assert top.columns == ["sub1", "clicks"]
