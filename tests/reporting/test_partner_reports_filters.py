"""Reports: the filters in use are said beside their folded box, also when a saved view brought them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from cabinet.i18n import translate
from cabinet.saved_views import save_view
from cabinet.session import SESSION_KEY
from cabinet.store.db import session_scope
from queries.reports import ReportError, check_filter_values, report_dims, text_filters
from tests.reporting.conftest import Program
from tests.reporting.test_pages import ROOT
from tests.reporting.test_pages import _open as open_page

PAGE = "pages/02_reports.py"


def _said(at: object) -> list[str]:
    return [c.value for c in at.caption if c.value.startswith(("Filtered by", "Отбор"))]  # type: ignore[attr-defined]


def test_the_filters_in_use_are_said(program: Program) -> None:
    at = open_page(PAGE, program.users["p_parent"])
    assert _said(at) == []  # none in use: nothing said
    at.text_input(key="reports_f_sub1").input("tiktok, fb").run()
    at.text_input(key="reports_f_country").input("de").run()  # as typed (applied as DE)
    assert _said(at) == [translate("reports.filtered", what="Country: de; sub1: tiktok, fb")]
    at.text_input(key="reports_f_sub1").input("").run()
    at.text_input(key="reports_f_country").input("").run()
    assert _said(at) == []


def test_a_view_opened_with_a_filter_says_it(program: Program, store_engine: Engine) -> None:
    """The view's report showed fewer rows under a folded 'Filters' with no word of why."""
    user = program.users["p_parent"]
    params = {"period": "last_30_days", "group_by": ["day"], "metrics": ["clicks"], "offers": [],
              "filters": {"sub1": "tiktok"}}  # fmt: skip
    at = open_page(PAGE, user)
    with session_scope(store_engine) as s:
        view = save_view(s, user.scope, "reports", "TikTok", params, dims=tuple(report_dims(False)),
                         metrics=tuple(user.visible_metrics), filters=tuple(text_filters(False)))  # fmt: skip
    at.run()  # the bar lists the view
    at.selectbox(key="reports_view_pick").set_value(view.id).run()
    at.button(key="reports_view_open").click().run()
    assert not at.exception
    assert _said(at) == [translate("reports.filtered", what="sub1: tiktok")]


def test_the_filters_are_said_in_russian(program: Program) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[SESSION_KEY] = replace(program.users["p_parent"], locale="ru")
    at.session_state["reports_f_sub1"] = "tiktok"
    at = at.switch_page(PAGE).run()
    assert _said(at) == ["Отбор: sub1: tiktok."]


@pytest.mark.parametrize(
    ("key", "value", "said"),
    [
        ("reports_f_link_id", "abc", "This report cannot be built: “abc” is not a link number"),
        ("reports_f_country", "Germany", "This report cannot be built: “Germany” is not a country code"),
        ("reports_f_device", "phone", "This report cannot be built: “phone” is not a device: use desktop, mobile"),
    ],
)
def test_a_filter_value_that_can_match_nothing_is_said(program: Program, key: str, value: str, said: str) -> None:
    """'Germany' or 'phone' read 'No data for these dates and filters', as a quiet period does."""
    at = open_page(PAGE, program.users["p_parent"])
    at.text_input(key=key).input(value).run()
    assert not at.exception and not at.dataframe
    assert [e.value for e in at.error] and at.error[0].value.startswith(said), [e.value for e in at.error]


def test_filter_values_of_the_stored_kind_pass() -> None:
    for dim, values in (("link_id", ("12", " 7")), ("country", ("de", "ZZ")), ("device", ("Mobile", "other"))):
        check_filter_values(dim, tuple(v.strip() for v in values))
    with pytest.raises(ReportError) as refused:
        check_filter_values("link_id", ("12", "-3"))
    assert (refused.value.key, refused.value.params) == ("reports.link_not_id", {"value": "-3"})


def test_a_partner_s_links_are_named_as_on_tracking_links(program: Program, store_engine: Engine) -> None:
    """Grouped by link, a partner read bare ids ("1", "2") where Tracking links and the link picker say "1 · Gold
    Trader / tiktok", and offers read "3 · SportBet Pro" beside them; its links (archived ones too) are named as there,
    a link without a name by its id alone. The downloads keep the ids."""
    from cabinet.store.models import TrackingLink

    link = program.tiny.link
    with session_scope(store_engine) as s:
        s.get(TrackingLink, link).name = "Casino / fb"
    at = open_page(PAGE, program.users["p_parent"])
    at.multiselect(key=at.multiselect[0].key).set_value(["link_id"]).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert f"{link} · Casino / fb" in list(table["Link"]), list(table["Link"])
    with session_scope(store_engine) as s:
        s.get(TrackingLink, link).archived = True
    at = open_page(PAGE, program.users["p_parent"])
    at.multiselect(key=at.multiselect[0].key).set_value(["link_id"]).run()
    assert f"{link} · Casino / fb" in list(at.dataframe[0].value["Link"])


def test_none_as_the_tables_write_it_filters_the_rows_without_a_value(program: Program) -> None:
    """The tables write a click without sub1 or link as "(none)" ("(нет)"); typed into the filter, it found nothing,
    as no sub1 is stored as "(none)". It is the rows without a value now, with others beside it; in any language."""
    from queries.reports import NO_VALUE, ReportRequest, performance, split_values
    from queries.warehouse import Warehouse

    wh, admin = Warehouse(program.tiny.settings.warehouse_dir), program.users["root"].scope
    day = date(2026, 11, 1)

    def clicks(dim: str, typed: str) -> int:
        req = ReportRequest(day, day, "UTC", (), ("clicks",), ((dim, split_values(typed)),))
        return int(performance(admin, wh=wh, req=req)["clicks"].sum() or 0)

    assert split_values("(none), fb") == split_values("(НЕТ),fb") == (NO_VALUE, "fb")
    assert clicks("sub1", "fb") == 2  # k1, k2: the link's sub1
    assert clicks("sub1", "(none)") == clicks("link_id", "(нет)") == 1  # kx: by partner and offer, no link
    assert clicks("sub1", "(none), fb") == 3
    assert clicks("sub2", "(none)") == 3  # no click gives sub2


def test_none_is_said_and_applied_on_the_page(program: Program) -> None:
    at = open_page(PAGE, program.users["p_parent"])
    at.text_input(key="reports_f_sub1").input("(none)").run()
    assert not at.exception and not at.error
    shown = [c.replace("\\", "") for c in _said(at)]  # markdown's escapes: the page shows "(none)"
    assert shown == [translate("reports.filtered", what="sub1: (none)")]
