"""Every page: logged out shows no data; each role renders without exception; a tier without the feature is refused."""

from __future__ import annotations

import dataclasses
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cabinet.auth import session_check
from cabinet.config import Settings
from cabinet.i18n import translate
from cabinet.session import SESSION_KEY
from cabinet.store.db import make_engine
from cabinet.ui.login import _STANDING_KEY as STANDING_KEY
from cabinet.ui.menu import label_words, menu_pages
from tests.reporting.conftest import Program

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))
ROLES = ("p_parent", "p_child", "p_bronze", "mgr", "root")


def _open(page: str, user: object | None, root: Path = ROOT) -> AppTest:
    """`page` of the app under `root` for `user` (a `SessionUser` as a login leaves it in the session), as given: its
    tier's metrics or scope changed by a test stand, as a session's of a moment ago would (the login's standing is
    the store's now, so the page's session check does not read the scope again: `cabinet.ui.login`). The page is
    opened at once, as by its address or the sidebar: every page guards itself, and home is tested on its own."""
    at = AppTest.from_file(str(root / "app.py"), default_timeout=60)
    if user is not None:
        at.session_state[SESSION_KEY] = user
        at.session_state[STANDING_KEY] = _standing(user)
    return at.switch_page(page).run()


def _standing(user: object) -> tuple[object, ...]:
    """The login's role and its partner's status and tier in the store now (`cabinet.auth.session_check`)."""
    name = getattr(user, "impersonator", None) or getattr(user, "username", "")
    engine = make_engine(Settings.from_env().store_url)
    try:
        return session_check(engine, name, datetime.now(UTC)).standing
    finally:
        engine.dispose()


@pytest.mark.parametrize("page", PAGES)
def test_logged_out_page_renders_no_data(program: Program, page: str) -> None:
    at = _open(page, None)
    assert not at.exception
    assert not at.metric and not at.dataframe and not at.get("plotly_chart")
    assert [ti.label for ti in at.text_input] == ["Username", "Password"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_page_renders_for_every_role(program: Program, page: str, role: str) -> None:
    shown_or_refused(program, page, role)


@pytest.mark.parametrize("role", ROLES)
def test_home_renders_for_every_role(program: Program, role: str) -> None:
    at = _open("app.py", program.users[role])
    assert not at.exception and not at.error, (at.exception, at.error)
    assert at.title and at.success  # the program's name, and the data's time
    assert at.metric or role in ("mgr", "root")  # a partner's own recent KPIs


def shown_or_refused(program: Program, page: str, role: str, root: Path = ROOT) -> None:
    """`page` of the app under `root` opened as `role`: no exception; a role without the page's feature refused with
    the page's name (its menu label; a page the menu does not list yet, its file name in words), and nothing of its
    figures; the others shown a table, a figure or an info line, not an error. README "Adding a view" runs a new
    page's file through this."""
    feature, _, label = menu_pages(root)[page]
    at = _open(page, program.users[role], root)
    assert not at.exception, at.exception
    if not program.users[role].has(feature):  # e.g. sub-partners for a bronze partner: refused
        refusal = {"manage": "auth.staff_only", "admin": "auth.admin_only"}.get(feature, "auth.no_feature")
        assert [e.value for e in at.error] == [translate(refusal, feature=label_words(label, "en"))]
        assert not at.dataframe and not at.metric
        return
    assert not at.error
    assert at.dataframe or at.metric or at.info  # figures, or a page saying it has nothing yet (no creatives, codes)


def test_partner_charts_and_tables_hold_only_its_own_partner(program: Program) -> None:
    at = _open("pages/02_reports.py", program.users["p_parent"])
    table = at.dataframe[0].value
    assert table.iloc[-1, 0] == "Total" and int(table.iloc[-1]["Clicks"]) == 2
    assert "partner_id" not in at.multiselect[0].options and "Partner" not in at.multiselect[0].options


def test_reports_group_filter_and_downloads(program: Program) -> None:
    at = _open("pages/02_reports.py", program.users["root"])
    at.multiselect(key="reports_group_by_en").set_value(["country"]).run()
    at.text_input(key="reports_f_device").input("mobile").run()
    table = at.dataframe[0].value
    assert list(table.iloc[:, 0]) == ["DE", "FR", "GB", "Total"]
    assert [int(v) for v in table["Clicks"]] == [1, 1, 1, 3]
    assert len(at.get("download_button")) == 2
    at.text_input(key="reports_f_sub1").input("no-such-sub").run()
    assert not at.dataframe and "No data" in at.info[0].value


def test_a_language_switch_keeps_the_report_choices_and_translates_their_labels(program: Program) -> None:
    at = _open("pages/02_reports.py", program.users["root"])
    at.selectbox(key="reports_period_en").set_value("last_7_days").run()
    at.multiselect(key="reports_group_by_en").set_value(["country", "device"]).run()
    assert {"Country", "Device"} <= set(at.multiselect(key="reports_group_by_en").options)
    at.selectbox(key="menu_language").set_value("ru").run()
    assert not at.exception
    assert at.selectbox(key="reports_period_ru").value == "last_7_days"
    group = at.multiselect(key="reports_group_by_ru")
    assert group.value == ["country", "device"]
    english = {"Country", "Device", "Day", "Offer"}
    assert not english & set(group.options) and not english & set(at.multiselect(key="reports_metrics_ru").options)
    assert "Clicks" not in at.multiselect(key="reports_metrics_ru").options


def test_dashboard_kpis_for_a_partner(program: Program) -> None:
    at = _open("pages/01_dashboard.py", program.users["p_parent"])
    at.selectbox(key="dashboard_period_en").set_value("custom").run()
    at.date_input(key="dashboard_dates").set_value((program_d1(), program_d2())).run()
    values = {m.label: m.value for m in at.metric}
    assert values["Clicks"] == "2" and values["FTDs"] == "1"
    assert values["Commission"] == "$100.00"  # the explanation is the card's tooltip: the label had no room for it
    [card] = [m for m in at.metric if m.label == "Commission"]
    assert card.proto.help.startswith("Commission (excl. rejected, reversed). Previous period:")


def test_a_kpi_that_did_not_change_has_no_arrow_and_no_colour() -> None:
    """Up is green and down red; an unchanged KPI showed a green up arrow next to "0.0%", and one that changed by
    less than shows (10,000 clicks against 10,001) a red "-0.0%"."""
    from streamlit.proto.Metric_pb2 import Metric

    at = AppTest.from_string(
        "import polars as pl\nfrom cabinet.ui.widgets import kpi_cards\n"
        "kpi_cards(pl.DataFrame({'metric': ['clicks', 'ftds', 'registrations', 'deposits', 'sales'], "
        "'value': [10.0, 2.0, 1.0, 10000.0, 100001.0], 'previous': [10.0, 1.0, 2.0, 10001.0, 100000.0], "
        "'change': [0.0, 1.0, -0.5, -1 / 10001, 1e-5]}), ('clicks', 'ftds', 'registrations', 'deposits', 'sales'))\n"
    ).run()
    assert not at.exception
    shown = {m.label: (m.proto.delta, m.proto.direction, m.proto.color) for m in at.metric}
    assert shown == {
        "Clicks": ("0.0%", Metric.MetricDirection.NONE, Metric.MetricColor.GRAY),
        "FTDs": ("+100.0%", Metric.MetricDirection.UP, Metric.MetricColor.GREEN),
        "Registrations": ("-50.0%", Metric.MetricDirection.DOWN, Metric.MetricColor.RED),
        "Deposits": ("0.0%", Metric.MetricDirection.NONE, Metric.MetricColor.GRAY),
        "Sales": ("0.0%", Metric.MetricDirection.NONE, Metric.MetricColor.GRAY),
    }


def program_d1():  # type: ignore[no-untyped-def]
    from datetime import date

    return date(2026, 11, 1)


def program_d2():  # type: ignore[no-untyped-def]
    from datetime import date

    return date(2026, 11, 2)


def test_a_tier_without_the_feature_is_refused(program: Program, tmp_path: Path) -> None:
    shutil.copy(ROOT / "app.py", tmp_path / "app.py")
    shutil.copytree(ROOT / "pages", tmp_path / "pages")
    (tmp_path / "pages" / "99_probe.py").write_text(
        "import streamlit as st\nfrom cabinet.ui.guard import require_user\n"
        "user = require_user('cohorts')\nst.metric('secret', 42)\n"
    )
    bronze = _open("pages/99_probe.py", program.users["p_bronze"], tmp_path)
    assert not bronze.exception and not bronze.metric
    assert "does not include" in bronze.error[0].value
    gold = _open("pages/99_probe.py", program.users["p_parent"], tmp_path)
    assert [m.value for m in gold.metric] == ["42"]


def test_charts_speak_the_session_language(program: Program) -> None:
    at = _open("pages/01_dashboard.py", program.users["root"])
    at.selectbox(key="menu_language").set_value("ru").run()
    chart = at.get("plotly_chart")[0].proto
    config = json.loads(chart.config)
    assert config["locale"] == "ru"
    fmt = config["locales"]["ru"]["format"]
    assert fmt["shortMonths"][10] == "нояб." and fmt["months"][4] == "май" and fmt["days"][0] == "воскресенье"
    assert fmt["decimal"] == ","
    axis = json.loads(chart.spec)["layout"]["xaxis"]
    assert axis["hoverformat"] == "%-d %b %Y" and {s["value"] for s in axis["tickformatstops"]} >= {"%-d %b"}


def test_money_columns_use_the_currency_format_in_every_language(program: Program) -> None:
    """Streamlit's currency preset follows the browser's language like the counts ("1 234,56 $" in a Russian one);
    a fixed printf format wrote a decimal point in Russian."""
    at = _open("pages/01_dashboard.py", program.users["root"])
    at.selectbox(key="menu_language").set_value("ru").run()
    columns = json.loads(at.dataframe[0].proto.columns)
    money = [c for c in columns.values() if c.get("type_config", {}).get("format") == "dollar"]
    assert money and not any("%" in str(c.get("type_config", {}).get("format")) for c in columns.values())


def test_report_tables_name_offers_empty_keys_and_totals_in_the_interface_language(program: Program) -> None:
    at = _open("pages/02_reports.py", program.users["root"])
    at.multiselect(key="reports_group_by_en").set_value(["offer_id", "sub1"]).run()
    table = at.dataframe[0].value
    assert list(table.iloc[:, 0]) == ["1 · Casino", "1 · Casino", "2 · Shop", "Total"]
    assert list(table.iloc[:-1, 1]) == ["fb", "(none)", "(none)"] and table.iloc[-1, 1] != "(none)"
    at.text_input(key="reports_f_country").input("de").run()  # countries are stored upper-case: "de" is DE
    assert [int(v) for v in at.dataframe[0].value["Clicks"]] == [2, 2]
    # the message comes from the interface's texts (Russian in Russian), not from the back end's English
    at.text_input(key="reports_f_partner_id").input("abc").run()
    assert at.error[0].value == "This report cannot be built: “abc” is not a partner number."
    assert translate("scope.partner_not_id", "ru", value="abc") == "«abc» — не номер партнёра."
    ru = _open("pages/02_reports.py", dataclasses.replace(program.users["root"], locale="ru"))
    assert ru.dataframe[0].value.iloc[-1, 0] == "Итого"


PERIOD_BARS = [
    ("month", ['"xperiod":"M1"', '"dtick":"M1"']),
    ("week", ['"xperiod0":"2000-01-03"', '"tick0":"2000-01-03"']),
]


@pytest.mark.parametrize(("dim", "expected"), PERIOD_BARS)
def test_month_and_week_bars_span_their_period(program: Program, dim: str, expected: list[str]) -> None:
    """Month bars were centred on the 1st under week ticks; week ticks fell on Sundays."""
    at = _open("pages/02_reports.py", program.users["root"])
    at.multiselect(key="reports_group_by_en").set_value([dim]).run()
    spec = json.dumps(json.loads(at.get("plotly_chart")[0].proto.spec), separators=(",", ":"))
    assert all(e in spec for e in expected), spec[:500]


def test_date_pickers_write_dates_the_way_the_language_does(program: Program) -> None:
    """Russian dates are DD.MM.YYYY in the field (the calendar itself stays English: streamlit#12699)."""
    at = _open("pages/01_dashboard.py", program.users["p_parent"])
    at.selectbox(key="dashboard_period_en").set_value("custom").run()
    assert at.date_input(key="dashboard_dates").proto.format == "YYYY-MM-DD"
    at.selectbox(key="menu_language").set_value("ru").run()  # the period stays custom
    assert not at.exception and at.date_input(key="dashboard_dates").proto.format == "DD.MM.YYYY"


def test_staff_read_report_rows_by_partner_with_names(program: Program) -> None:
    at = _open("pages/02_reports.py", program.users["root"])
    at.multiselect(key="reports_group_by_en").set_value(["partner_id"]).run()
    keys = list(at.dataframe[0].value.iloc[:, 0])
    assert keys[-1] == "Total" and f"{program.tiny.parent} · Parent" in keys  # as Partner review and Payouts name them
