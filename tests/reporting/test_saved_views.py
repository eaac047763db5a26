"""Saved views of the Reports page: a login saves the report's settings under a name and opens them again later
(another login never sees them); names, values outside the page's allow-lists and too many views are refused."""

from __future__ import annotations

import math

import polars as pl
import pytest
from sqlalchemy import Engine, func, select

from cabinet.saved_views import PER_LOGIN, ViewError, delete_view, save_view, views
from cabinet.store.db import session_scope
from cabinet.store.models import SavedView
from cabinet.ui.widgets import display_frame
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page

ALLOWED = {"dims": ("day", "country", "offer_id"), "metrics": ("clicks", "ftds"), "filters": ("country", "sub1")}
VIEW = {"period": "last_7_days", "group_by": ["country"], "metrics": ["clicks"], "offers": [1],
        "filters": {"country": "DE, FR", "sub1": ""}}  # fmt: skip


def test_a_view_is_saved_replaced_and_deleted_by_its_login_only(program: Program, store_engine: Engine) -> None:
    parent, child = program.users["p_parent"].scope, program.users["p_child"].scope
    with session_scope(store_engine) as s:
        made = save_view(s, parent, "reports", "  DE and FR  ", VIEW, **ALLOWED)
        assert (made.name, made.params["filters"]) == ("DE and FR", {"country": "DE, FR"})  # empty filters dropped
        again = save_view(s, parent, "reports", "DE and FR", VIEW | {"metrics": ["ftds"]}, **ALLOWED)
        assert again.id == made.id and again.params["metrics"] == ["ftds"]  # the same name: replaced
        assert [v.name for v in views(s, parent, "reports")] == ["DE and FR"] and views(s, child, "reports") == []
        with pytest.raises(ViewError) as other:
            delete_view(s, child, made.id)  # not its view
        assert other.value.key == "views.no_view"
        delete_view(s, parent, made.id)
        assert s.scalar(select(func.count()).select_from(SavedView)) == 0


@pytest.mark.parametrize(
    ("name", "change", "key"),
    [
        ("", {}, "views.bad_name"),
        ("x" * 81, {}, "views.bad_name"),
        ("v", {"period": "forever"}, "views.bad"),
        ("v", {"group_by": ["partner_id"]}, "views.bad"),  # not a partner's dimension
        ("v", {"metrics": ["commission"]}, "views.bad"),  # not a metric this login sees
        ("v", {"filters": {"partner_id": "2"}}, "views.bad"),
        ("v", {"offers": ["one"]}, "views.bad"),
        ("v", {"period": "custom", "dates": ["2026-11-01", "not a day"]}, "views.bad"),
        ("v", {"sql": "drop table users"}, "views.bad"),
        ("v", {"compare": "yes"}, "views.bad"),
        ("v", {"compare": True, "compare_with": "last decade"}, "views.bad"),
    ],
)
def test_bad_views_are_refused_and_nothing_is_saved(
    program: Program, store_engine: Engine, name: str, change: dict, key: str
) -> None:
    with session_scope(store_engine) as s, pytest.raises(ViewError) as refused:
        save_view(s, program.users["p_parent"].scope, "reports", name, VIEW | change, **ALLOWED)
    assert refused.value.key == key
    with session_scope(store_engine) as s:
        assert s.scalar(select(func.count()).select_from(SavedView)) == 0


def test_a_login_keeps_at_most_so_many(program: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        for i in range(PER_LOGIN):
            save_view(s, program.users["p_parent"].scope, "reports", f"view {i}", VIEW, **ALLOWED)
        with pytest.raises(ViewError) as full:
            save_view(s, program.users["p_parent"].scope, "reports", "one more", VIEW, **ALLOWED)
    assert full.value.key == "views.too_many"


def test_a_view_keeps_the_period_it_is_set_beside(program: Program, store_engine: Engine) -> None:
    """Saved beside the same days a year before, it opens so; a view saved before that choice is the period before."""
    at = open_page("pages/02_reports.py", program.users["p_parent"])
    next(w for w in at.multiselect if w.key.startswith("reports_group_by")).set_value(["country"]).run()
    at.checkbox(key="reports_compare").check().run()
    at.radio(key="reports_compare_with").set_value("year").run()
    at.text_input(key="reports_view_name").set_value("Year on year").run()
    at.button(key="reports_view_save").click().run()
    assert not at.exception and not at.error
    with session_scope(store_engine) as s:
        [view] = views(s, program.users["p_parent"].scope, "reports")
        assert (view.params["compare"], view.params["compare_with"]) == (True, "year")
        older = save_view(s, program.users["p_parent"].scope, "reports", "Older", VIEW | {"compare": True}, **ALLOWED)
        older.params = {k: v for k, v in older.params.items() if k != "compare_with"}  # as stored before the choice
        ids = view.id, older.id
    fresh = open_page("pages/02_reports.py", program.users["p_parent"])
    for view_id, against, column in ((ids[0], "year", "Clicks a year before"), (ids[1], "previous", "Clicks before")):
        fresh.selectbox(key="reports_view_pick").set_value(view_id).run()
        fresh.button(key="reports_view_open").click().run()
        assert not fresh.exception and fresh.radio(key="reports_compare_with").value == against
        assert column in fresh.dataframe[0].value.columns


def test_the_reports_page_saves_and_opens_a_view(program: Program, store_engine: Engine) -> None:
    at = open_page("pages/02_reports.py", program.users["p_parent"])
    group = next(w for w in at.multiselect if w.key.startswith("reports_group_by"))
    group.set_value(["country"]).run()
    at.text_input(key="reports_f_country").set_value("DE").run()
    at.text_input(key="reports_view_name").set_value("Germany").run()
    at.button(key="reports_view_save").click().run()
    assert not at.exception and not at.error
    with session_scope(store_engine) as s:
        [view] = views(s, program.users["p_parent"].scope, "reports")
    assert (view.name, view.params["group_by"], view.params["filters"]) == ("Germany", ["country"], {"country": "DE"})
    fresh = open_page("pages/02_reports.py", program.users["p_parent"])  # a new session: the default report
    assert next(w for w in fresh.multiselect if w.key.startswith("reports_group_by")).value == ["day"]
    fresh.selectbox(key="reports_view_pick").set_value(view.id).run()
    fresh.button(key="reports_view_open").click().run()
    assert not fresh.exception
    group = next(w for w in fresh.multiselect if w.key.startswith("reports_group_by"))
    assert (group.key, group.value) == ("reports_group_by_en_g1", ["country"])  # a new widget: the browser redraws it
    assert fresh.text_input(key="reports_f_country").value == "DE"
    other = open_page("pages/02_reports.py", program.users["p_child"])
    assert other.selectbox(key="reports_view_pick").options == []  # the parent's views are its own


def test_report_tables_show_money_to_the_cent_and_no_negative_zero() -> None:
    shown = display_frame(pl.DataFrame({"country": ["KZ", "DE", None], "commission": [-0.004, 9.126, None]}))
    values = shown[shown.columns[1]].to_list()
    assert values == [0.0, 9.13, None] and math.copysign(1, values[0]) == 1  # not -0.00
