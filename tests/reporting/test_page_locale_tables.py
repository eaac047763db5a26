"""Tables and charts as people read them: every figure column in view of a stretched table, money columns in the same
format, the cohort heatmap's axis title whole; and the home page's counts the same as the pages they stand for."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from cabinet.i18n import translate
from cabinet.ui.widgets import number_format
from tests.reporting.conftest import Program
from tests.reporting.test_cohorts import lines  # noqa: F401 - the fixture, reused
from tests.reporting.test_creatives import banners  # noqa: F401 - the fixture, reused
from tests.reporting.test_home_page import _home
from tests.reporting.test_links import offers  # noqa: F401 - the fixture, reused
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_promo_codes import codes  # noqa: F401 - the fixture, reused
from tests.reporting.test_subpartners import overrides  # noqa: F401 - the fixture, reused

PX_PER_CHAR = 8  # an axis title's letters at Plotly's font, wide ones included


def _columns(at: AppTest, n: int = 0) -> dict[str, dict]:
    return json.loads(at.dataframe[n].proto.columns)


def test_figure_columns_take_the_width_of_their_values_not_a_fixed_one(overrides: Program) -> None:  # noqa: F811
    """Fixed widths added up past the width of a stretched table: its last column, the money one, was cut at the
    table's edge with its right-aligned values beyond it (Sub-partners, Promo codes; Dashboard and Reports on a
    phone)."""
    tree = open_page("pages/04_subpartners.py", overrides.users["p_parent"])
    report = open_page("pages/02_reports.py", overrides.users["p_parent"])
    assert not tree.exception and not report.exception
    override, commission = translate("subpartners.override"), translate("metric.commission").split(" (")[0]
    for at, money in ((tree, override), (report, commission)):
        columns = _columns(at)
        figures = {name: c for name, c in columns.items() if c.get("type_config", {}).get("type") == "number"}
        assert money in figures and figures[money]["type_config"]["format"] == "dollar"
        assert not {name: c["width"] for name, c in figures.items() if "width" in c}


def test_promo_codes_show_their_figures_before_their_description(codes: Program) -> None:  # noqa: F811
    """With the partner's column a staff table overflowed 1,400 px: its money columns came last but the text, then the
    days a code works (said after its state today now), the free-text description last."""
    columns = list(open_page("pages/08_promo_codes.py", codes.users["mgr"]).dataframe[0].value.columns)
    assert columns == ["Code", "Partner", "Offer", "Today", "Regs", "FTDs", "Sales", "Revenue", "Commission",
                       "Description"]  # fmt: skip


def test_the_base_currency_amount_of_a_commission_is_money_like_the_other_money_columns(program: Program) -> None:
    at = open_page("pages/03_commissions.py", program.users["p_parent"])
    assert not at.exception
    assert _columns(at)["Amount, USD"]["type_config"]["format"] == number_format("commission") == "dollar"


def test_a_single_cohort_leaves_room_for_the_axis_title(lines: Program) -> None:  # noqa: F811
    at = open_page("pages/05_cohorts.py", lines.users["p_parent"])
    at.selectbox(key="cohorts_grain_en").select("month").run()  # both customers in November: one row
    assert not at.exception and len(at.dataframe[0].value) == 1
    layout = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]
    title = layout["yaxis"]["title"]["text"]
    assert title == translate("cohorts.axis_registration")
    assert layout["height"] - layout["margin"]["t"] - layout["margin"]["b"] >= PX_PER_CHAR * len(title)


def test_a_cohort_period_not_begun_has_no_empty_tooltip(lines: Program) -> None:  # noqa: F811
    """Hovering a blank cell of the heatmap showed "2026-11-02 · 1 / Week 1:" and nothing after the colon."""
    at = open_page("pages/05_cohorts.py", lines.users["p_parent"])
    assert not at.exception
    heatmap = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]
    assert None in heatmap["z"][-1]  # the second cohort's week 1 has not begun
    assert heatmap.get("hoverongaps", True) is False  # Plotly hovers on gaps unless told not to


def test_the_home_page_counts_the_offers_the_partners_offers_page_lists(offers: Program) -> None:  # noqa: F811
    """Shop is for gold partners only and Old is paused: a bronze partner runs Casino alone."""
    assert {m.label: m.value for m in _home(offers, "p_bronze").metric}["Offers"] == "1"
    page = open_page("pages/19_offers.py", offers.users["p_bronze"])
    assert "1 of 1 offers open to you." in [c.value for c in page.caption]
    assert {m.label: m.value for m in _home(offers, "p_parent").metric}["Offers"] == "2"  # gold: Casino and Shop
    assert {m.label: m.value for m in _home(offers, "mgr").metric}["Offers"] == "2"  # staff: the active offers


def test_a_partners_link_wraps_in_its_box_rather_than_being_cut_at_the_edge(
    offers: Program,  # noqa: F811
    banners: Program,  # noqa: F811
) -> None:
    """On a phone (and in a creative's narrow card) the link to copy was cut at the box's edge: half a link shown."""
    for page, program in (("pages/06_links.py", offers), ("pages/07_creatives.py", banners)):
        at = open_page(page, program.users["p_parent"])
        assert not at.exception and at.code, page
        assert all(code.value.startswith("https://") and code.proto.wrap_lines for code in at.code), page
